"""One self-contained HTML file: inline CSS, inline SVG charts, no external reference of any kind (no link,
image, font or script: mail clients block them and the brief must read offline). Simple one-column table layout
with inline-friendly styles, readable from a 390 px phone to a desktop mail client; the PDF prints this page."""

from __future__ import annotations

from html import escape

from shoplens.analyses.reports import fmt
from shoplens.analyses.reports.markdown import SEVERITY
from shoplens.analyses.reports.model import (
    AlertSection,
    Chart,
    Kpi,
    KpiSection,
    RankedSection,
    Report,
    Section,
    TableSection,
    text,
)

# WenQuanYi Micro Hei is what Debian's Chromium embeds in the PDF; the others are what phones and desktops have
FONTS = ("'WenQuanYi Micro Hei', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', "
         "'Helvetica Neue', Arial, sans-serif")
TONE = {"good": "#1a7f37", "bad": "#cf222e", "flat": "#57606a"}
SEV_COLOUR = {"high": "#cf222e", "medium": "#bf8700", "low": "#57606a"}
CSS = f"""
body {{ margin: 0; padding: 0; background: #f6f8fa; color: #1f2328; font-family: {FONTS}; font-size: 14px; }}
.page {{ max-width: 640px; margin: 0 auto; padding: 12px; background: #ffffff; }}
h1 {{ font-size: 20px; margin: 4px 0; }} h2 {{ font-size: 16px; margin: 18px 0 6px; border-bottom: 2px solid #d0d7de;
 padding-bottom: 3px; }}
.sub {{ color: #57606a; margin: 0 0 8px; }}
table {{ width: 100%; border-collapse: collapse; }}
td, th {{ padding: 5px 4px; border-bottom: 1px solid #eaeef2; text-align: right; vertical-align: top; }}
th {{ font-size: 12px; color: #57606a; font-weight: normal; }}
td.l, th.l {{ text-align: left; }}
.v {{ font-weight: bold; font-size: 15px; }}
.small {{ font-size: 12px; color: #57606a; }}
.reason {{ font-size: 12px; color: #57606a; text-align: left; }}
.note {{ font-size: 12px; color: #57606a; margin: 4px 0; }}
.sev {{ font-weight: bold; font-size: 12px; white-space: nowrap; }}
@media print {{ body {{ background: #ffffff; }} .page {{ max-width: none; }} tr {{ page-break-inside: avoid; }} }}
"""


def to_html(report: Report, lang: str) -> str:
    currency = report.meta.get("currency")
    body = [f"<h1>{escape(text(report.title, lang))}</h1>", f"<p class='sub'>{escape(text(report.subtitle, lang))}</p>"]
    for section in report.sections:
        body.append(_section(section, lang, currency))
    body += [f"<p class='note'>{escape(text(n, lang))}</p>" for n in report.remarks]
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f"<!DOCTYPE html>\n<html lang='{html_lang}'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(text(report.title, lang))}</title><style>{CSS}</style></head>"
            f"<body><div class='page'>{''.join(body)}</div></body></html>\n")


def _section(s: Section, lang: str, currency: str | None) -> str:
    head = f"<h2>{escape(text(s.title, lang))}</h2>"
    if isinstance(s, KpiSection):
        return head + _kpis(s, lang, currency)
    if isinstance(s, RankedSection):
        return head + _ranked(s, lang, currency)
    if isinstance(s, TableSection):
        return head + _table(s, lang, currency)
    if isinstance(s, AlertSection):
        return head + _alerts(s, lang)
    return head + _bars(s, lang, currency)


def _change_td(value: float | None, good: str) -> str:
    return f"<td style='color:{TONE[fmt.tone(value, good)]};white-space:nowrap'>{escape(fmt.change(value))}</td>"


def _kpis(s: KpiSection, lang: str, currency: str | None) -> str:
    comps = s.kpis[0].comparisons if s.kpis else []
    rows = ["<tr><th class='l'></th>" + "".join(f"<th>{escape(text(c.label, lang))}</th>" for c in comps) + "</tr>"]
    for k in s.kpis:
        cells = [f"<td class='l'>{escape(text(k.label, lang))}<br><span class='v'>"
                 f"{escape(fmt.number(k.value, k.unit, s.currency or currency))}</span>{_spark(k)}</td>"]
        for c in k.comparisons:
            if c.key == "target":
                colour = TONE["flat"] if c.change is None else TONE["good" if (c.change >= 1) == (k.good != "down")
                                                                     else "bad"]
                cells.append(f"<td style='color:{colour}'>{escape(fmt.attainment(c.change))}<br><span class='small'>"
                             f"{escape(fmt.number(c.reference, k.unit, s.currency or currency))}</span></td>")
            else:
                cells.append(_change_td(c.change, k.good)[:-5] + "<br><span class='small'>"
                             f"{escape(fmt.number(c.reference, k.unit, s.currency or currency))}</span></td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>{''.join(rows)}</table>"


def _spark(k: Kpi) -> str:
    """The KPI's recent days as an inline SVG polyline (80 x 18)."""
    points = [v for v in k.trend if v is not None]
    if len(points) < 2:
        return ""
    lo, hi = min(points), max(points)
    span = (hi - lo) or 1.0
    step = 80 / (len(k.trend) - 1)
    xy = " ".join(f"{i * step:.1f},{16 - (v - lo) / span * 14 + 1:.1f}" for i, v in enumerate(k.trend) if v is not None)
    return (f"<br><svg width='80' height='18' viewBox='0 0 80 18' role='img'><polyline points='{xy}' fill='none' "
            "stroke='#0969da' stroke-width='1.5'/></svg>")


def _ranked(s: RankedSection, lang: str, currency: str | None) -> str:
    if not s.items:
        return f"<p class='note'>{escape(text(s.empty, lang))}</p>" if s.empty else ""
    rows = []
    for i, r in enumerate(s.items, 1):
        rows.append(f"<tr><td class='l'>{i}. {escape(text(r.label, lang))}</td>"
                    f"<td>{escape(fmt.number(r.value, r.unit, currency))}</td>{_change_td(r.change, r.good)}</tr>")
        if r.reason:
            rows.append(f"<tr><td class='reason' colspan='3'>{escape(text(r.reason, lang))}</td></tr>")
    note = f"<p class='note'>{escape(text(s.note, lang))}</p>" if s.note else ""
    return f"<table>{''.join(rows)}</table>{note}"


def _table(s: TableSection, lang: str, currency: str | None) -> str:
    note = f"<p class='note'>{escape(text(s.note, lang))}</p>" if s.note else ""
    if not s.rows:
        return (f"<p class='note'>{escape(text(s.empty, lang))}</p>" if s.empty else "") + note
    head = "".join(f"<th class='{'l' if i == 0 else ''}'>{escape(text(label, lang))}</th>"
                   for i, (label, _) in enumerate(s.columns))
    rows = []
    for row in s.rows:
        cells = []
        for i, (value, (_, unit)) in enumerate(zip(row, s.columns, strict=False)):
            if unit == "change":
                cells.append(_change_td(value, "up"))
                continue
            shown = text(value, lang) if isinstance(value, dict) else fmt.number(value, unit, currency)
            cells.append(f"<td class='{'l' if i == 0 else ''}'>{escape(shown)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>{note}"


def _alerts(s: AlertSection, lang: str) -> str:
    if not s.alerts:
        return f"<p class='note'>{escape(text(s.empty, lang))}</p>" if s.empty else ""
    rows = [f"<tr><td class='l sev' style='color:{SEV_COLOUR.get(a.severity, '#57606a')}'>"
            f"{escape(text(SEVERITY.get(a.severity, {'en': a.severity}), lang))}</td>"
            f"<td class='l'>{escape(text(a.message, lang))}</td></tr>" for a in s.alerts]
    return f"<table>{''.join(rows)}</table>"


def _bars(s: Chart, lang: str, currency: str | None) -> str:
    """Horizontal bars as inline SVG: label left, bar, value right; scales to the page width."""
    if not s.bars:
        return ""
    top = max((abs(v) for _, v in s.bars), default=0) or 1.0
    h = 22
    parts = []
    for i, (label, value) in enumerate(s.bars):
        y = i * h
        w = max(1.0, abs(value) / top * 170)
        parts.append(f"<text x='0' y='{y + 15}' font-size='12'>{escape(text(label, lang)[:18])}</text>"
                     f"<rect x='120' y='{y + 4}' width='{w:.1f}' height='14' fill='#0969da'/>"
                     f"<text x='{120 + w + 4:.1f}' y='{y + 15}' font-size='12'>"
                     f"{escape(fmt.number(value, s.unit, currency))}</text>")
    height = h * len(s.bars)
    return (f"<svg width='100%' viewBox='0 0 360 {height}' role='img' style=\"font-family:{FONTS}\">"
            f"{''.join(parts)}</svg>")
