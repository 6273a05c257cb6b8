"""The report object: what a report says, as numbers and bilingual labels (no formatting, no markup).

``Label`` is ``{"en": ..., "zh": ...}``; ``unit`` is the catalog's unit (currency, percent, count, ratio, days,
score, seconds; ``pp`` for a difference of two rates), which tells the renderers how to print a number.
``to_dict`` is the JSON format.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

Label = dict[str, str]


def text(label: Label | str | None, lang: str) -> str:
    """A label in ``lang`` (English when the other is missing); plain strings are data and come back as they are."""
    if label is None:
        return ""
    if isinstance(label, str):
        return label
    return label.get(lang) or label.get("en") or ""


@dataclass
class Comparison:
    """One reference of a KPI: ``key`` (dod, wow, target), its label, the reference value and the relative change
    (for a target: ``change`` is the attainment, value / target)."""

    key: str
    label: Label
    reference: float | None
    change: float | None


@dataclass
class Kpi:
    metric: str
    label: Label
    unit: str
    good: str  # up | down | neutral: whether a rise is good news (colours, arrows)
    value: float | None
    comparisons: list[Comparison] = field(default_factory=list)
    trend: list[float | None] = field(default_factory=list)  # the days before and the day: a sparkline


@dataclass
class KpiSection:
    title: Label
    kpis: list[Kpi]
    currency: str | None = None
    kind: str = "kpis"


@dataclass
class Ranked:
    """One line of a ranked list: what, its number (``unit``), its change and the sentence that explains it."""

    label: Label | str
    value: float | None
    unit: str
    change: float | None = None
    reason: Label | None = None
    good: str = "up"


@dataclass
class RankedSection:
    title: Label
    items: list[Ranked]
    empty: Label | None = None  # what to say when there is nothing to list
    note: Label | None = None
    kind: str = "ranked"


@dataclass
class TableSection:
    """A plain table: ``columns`` (label, unit; unit None = text), ``rows`` of cells. Keep it narrow (<= 4
    columns): robots and phones show no wide tables."""

    title: Label
    columns: list[tuple[Label, str | None]]
    rows: list[list[Any]]
    empty: Label | None = None
    note: Label | None = None
    kind: str = "table"


@dataclass
class Alert:
    severity: str  # high | medium | low
    message: Label
    period: str
    rule: str


@dataclass
class AlertSection:
    title: Label
    alerts: list[Alert]
    empty: Label | None = None
    kind: str = "alerts"


@dataclass
class Chart:
    """Bar chart data: one bar per (label, value); HTML draws it as inline SVG, markdown skips it."""

    title: Label
    bars: list[tuple[Label | str, float]]
    unit: str
    kind: str = "chart"


Section = KpiSection | RankedSection | TableSection | AlertSection | Chart


@dataclass
class Report:
    """A report: ``kind`` (brief, review), title, a subtitle (store, period), the sections, and ``meta`` (the
    machine-readable facts: store, date, currency, references), plus remarks (data caveats) in both languages."""

    kind: str
    title: Label
    subtitle: Label
    sections: list[Section]
    meta: dict[str, Any] = field(default_factory=dict)
    remarks: list[Label] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (tuples as lists, dates as text): what ``--format json`` and the API answer."""
        return json.loads(json.dumps(asdict(self), ensure_ascii=False, default=str))

    def render(self, fmt: str = "markdown", lang: str = "zh") -> str | bytes:
        """The report as markdown, html, json (text) or pdf (bytes): :func:`shoplens.analyses.reports.render`."""
        from shoplens.analyses.reports.render import render

        return render(self, fmt, lang)
