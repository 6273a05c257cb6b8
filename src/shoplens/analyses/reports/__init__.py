"""Reports: a title and typed sections of numbers and bilingual labels, rendered to markdown, HTML, PDF or JSON.

The daily brief (:mod:`shoplens.analyses.brief`) builds one; the weekly review reuses the same layer. A report holds
numbers and ``{"en", "zh"}`` labels only, never formatted text, so every renderer formats them the same way
(:mod:`.fmt`) and JSON keeps the raw numbers. Renderers, one per module (:mod:`.markdown`, :mod:`.html`,
:mod:`.pdf`), each take ``(report, lang)``; :func:`render` picks one by name. Sending is a thin step on top:
``render(report, "markdown", lang)`` is a robot message body, ``"html"`` an e-mail body, ``"pdf"`` its attachment.
"""

from shoplens.analyses.reports.model import (
    Alert,
    AlertSection,
    Chart,
    Comparison,
    Kpi,
    KpiSection,
    Ranked,
    RankedSection,
    Report,
    TableSection,
    text,
)
from shoplens.analyses.reports.render import FORMATS, render

__all__ = ["FORMATS", "Alert", "AlertSection", "Chart", "Comparison", "Kpi", "KpiSection", "Ranked", "RankedSection",
           "Report", "TableSection", "render", "text"]
