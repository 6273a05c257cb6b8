"""docs/performance.md is shared by the benchmarks: each one rewrites only its own ``## `` section."""

from __future__ import annotations

from pathlib import Path

TITLE = "# Performance"


def read_section(path: Path, heading: str) -> str | None:
    """The body of ``## heading`` (up to the next ``## `` heading), or None."""
    if not path.exists():
        return None
    lines = path.read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == f"## {heading}"), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start + 1:end])


def update_section(path: Path, heading: str, body: str) -> None:
    """Replace the ``## heading`` section of ``path`` with ``body`` (append it if missing); keep the rest."""
    lines = path.read_text().splitlines() if path.exists() else [TITLE, ""]
    new = [f"## {heading}", "", *body.strip("\n").splitlines(), ""]
    start = next((i for i, line in enumerate(lines) if line.strip() == f"## {heading}"), None)
    if start is None:
        while lines and not lines[-1].strip():
            lines.pop()
        lines += ["", *new]
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = new
    path.write_text("\n".join(lines).rstrip("\n") + "\n")
