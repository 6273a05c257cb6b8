"""Markdown for chat robots (DingTalk, Feishu, WeCom): only headings, bold, lists and quotes, which every robot
renders; no tables (robots show them as raw pipes, phones cut them). Charts are left out (the numbers are in the
KPI list)."""

from __future__ import annotations

from shoplens.analyses.reports import fmt
from shoplens.analyses.reports.model import (
    AlertSection,
    Chart,
    KpiSection,
    RankedSection,
    Report,
    Section,
    TableSection,
    text,
)

SEVERITY = {"high": {"en": "HIGH", "zh": "高"}, "medium": {"en": "MEDIUM", "zh": "中"},
            "low": {"en": "LOW", "zh": "低"}}


def to_markdown(report: Report, lang: str) -> str:
    lines = [f"# {text(report.title, lang)}", "", f"> {text(report.subtitle, lang)}", ""]
    for section in report.sections:
        part = _section(section, lang, report.meta.get("currency"))
        if part:
            lines += [*part, ""]
    lines += [f"> {text(n, lang)}" for n in report.remarks]
    return "\n".join(lines).rstrip() + "\n"


def _section(s: Section, lang: str, currency: str | None) -> list[str]:
    if isinstance(s, Chart):
        return []
    out = [f"## {text(s.title, lang)}"]
    if isinstance(s, KpiSection):
        for k in s.kpis:
            parts = [f"**{fmt.number(k.value, k.unit, s.currency or currency)}**"]
            for c in k.comparisons:
                shown = fmt.attainment(c.change) if c.key == "target" else fmt.change(c.change)
                parts.append(f"{text(c.label, lang)} {shown}")
            out.append(f"- {text(k.label, lang)}: {' · '.join(parts)}")
    elif isinstance(s, RankedSection):
        if not s.items and s.empty:
            out.append(f"- {text(s.empty, lang)}")
        for i, r in enumerate(s.items, 1):
            line = f"{i}. **{text(r.label, lang)}** {fmt.number(r.value, r.unit, currency)}"
            if r.change is not None:
                line += f" ({fmt.change(r.change)})"
            out.append(line)
            if r.reason:
                out.append(f"   {text(r.reason, lang)}")
        if s.note:
            out.append(f"> {text(s.note, lang)}")
    elif isinstance(s, TableSection):
        if not s.rows and s.empty:
            out.append(f"- {text(s.empty, lang)}")
        for row in s.rows:
            head, rest = row[0], row[1:]
            cells = [f"{text(col[0], lang)} {_cell(v, col[1], currency, lang)}" for v, col in zip(rest, s.columns[1:],
                                                                                        strict=False)]
            out.append(f"- **{_cell(head, s.columns[0][1], currency, lang)}**: {' · '.join(cells)}")
        if s.note:
            out.append(f"> {text(s.note, lang)}")
    elif isinstance(s, AlertSection):
        if not s.alerts and s.empty:
            out.append(f"- {text(s.empty, lang)}")
        for a in s.alerts:
            out.append(f"- **[{text(SEVERITY.get(a.severity, {'en': a.severity}), lang)}]** {text(a.message, lang)}")
    return out


def _cell(value: object, unit: str | None, currency: str | None, lang: str = "en") -> str:
    if unit == "change":
        return fmt.change(value)  # type: ignore[arg-type]
    if isinstance(value, dict):
        return text(value, lang)  # type: ignore[arg-type]
    return fmt.number(value, unit, currency)
