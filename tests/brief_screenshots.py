"""Regenerate docs/img/brief-en.png and docs/img/brief-zh.png (`make brief-img`): the demo store's brief of
2026-10-26 (inside the demo incident) opened in Chromium at a phone's width (390 px)."""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

import shoplens
from shoplens.analyses.reports.pdf import screenshot
from shoplens.demo.build import build_demo

DAY = date(2026, 10, 26)


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        with shoplens.connect(str(db)) as wh:
            build_demo(wh)
            shoplens.alerts_check(wh, day=DAY, store="demo")  # the brief lists the open alerts of the day
        with shoplens.connect(str(db), read_only=True) as wh:
            report = shoplens.brief(wh, day=DAY, store="demo")
    for lang in ("en", "zh"):
        path = out / f"brief-{lang}.png"
        path.write_bytes(screenshot(str(report.render("html", lang))))
        print(path, path.stat().st_size)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "img")
