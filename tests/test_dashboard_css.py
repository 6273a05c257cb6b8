"""The stylesheet's structure: one missing ``}`` silently moves every later rule into the block above it (a
media query for phones), so the desktop loses them without any error. This check reads the file as text."""

from __future__ import annotations

from pathlib import Path

CSS = Path(__file__).resolve().parents[1] / "src" / "shoplens" / "server" / "dashboard" / "static" / "styles.css"


def test_every_block_closes_and_sections_start_at_the_top_level() -> None:
    depth = 0
    for number, line in enumerate(CSS.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("/* ----"):  # a section of its own (one per feature): never inside another block
            assert depth == 0, f"styles.css:{number}: section starts inside an open block: {line[:60]}"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"styles.css:{number}: '}}' without its '{{'"
    assert depth == 0, "styles.css: a block is never closed"
