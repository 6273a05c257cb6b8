"""Pick a renderer by name: ``render(report, "markdown" | "html" | "pdf" | "json", lang)`` -> str or bytes."""

from __future__ import annotations

import json

from shoplens.analyses.reports.model import Report
from shoplens.errors import ShoplensError

FORMATS = ("markdown", "html", "pdf", "json")
LANGS = ("zh", "en")


def render(report: Report, fmt: str, lang: str = "zh") -> str | bytes:
    """The report as text (markdown, html, json) or PDF bytes."""
    if lang not in LANGS:
        raise ShoplensError(f"--lang {lang!r} is not one of zh, en", hint="--lang zh or --lang en",
                            zh=f"--lang {lang!r} 无效", zh_hint="可选 --lang zh 或 --lang en")
    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str)
    if fmt == "markdown":
        from shoplens.analyses.reports.markdown import to_markdown

        return to_markdown(report, lang)
    if fmt == "html":
        from shoplens.analyses.reports.html import to_html

        return to_html(report, lang)
    if fmt == "pdf":
        from shoplens.analyses.reports.pdf import to_pdf

        return to_pdf(report, lang)
    raise ShoplensError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}", hint=f"one of {', '.join(FORMATS)}",
                        zh=f"--format {fmt!r} 无效", zh_hint=f"可选：{'、'.join(FORMATS)}")
