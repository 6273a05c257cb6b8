"""The bilingual message of an alert: the rule's own template (config ``message: {en, zh}``) or its kind's.

Placeholders: ``{name}`` (the rule's name), ``{metric}`` (the metric's name in that language), ``{value}``,
``{reference}`` (formatted by the metric's unit), ``{change}`` (signed percent), ``{period}``, ``{scope}``
(store and dimension values), ``{baseline}`` (change rules: what the value was compared with); and per kind
the ones only that kind can fill (``KIND_PLACEHOLDERS``: a target rule's ``{attainment}``, a stock-out rule's
``{abc_class}``, …), refused in a rule of another kind instead of printing a made-up 0.
"""

from __future__ import annotations

from typing import Any

from shoplens.metrics.format import format_value

PLACEHOLDERS = ("name", "metric", "value", "reference", "change", "period", "scope", "baseline")
KIND_PLACEHOLDERS = {"target": ("attainment",), "benchmark": ("share",), "anomaly": ("score",),
                     "stockout": ("abc_class",),
                     "cover": ("product", "store", "inbound", "cover", "demand", "lead")}  # alerts/cover.py fills
TEMPLATES = {
    "threshold": ("{name}: {metric} was {value} on {period} ({scope}); the limit is {reference}",
                  "{name}：{period}（{scope}）{metric}为 {value}，界限为 {reference}"),
    "change": ("{name}: {metric} was {value} on {period} ({scope}), {change} against {reference} ({baseline})",
               "{name}：{period}（{scope}）{metric}为 {value}，对比{baseline} {reference}，变化 {change}"),
    "target": ("{name}: {metric} was {value} on {period} ({scope}), {attainment} of its target {reference}",
               "{name}：{period}（{scope}）{metric}为 {value}，目标 {reference}，达成率 {attainment}"),
    "benchmark": ("{name}: {metric} was {value} on {period} ({scope}), {share} of its benchmark {reference}",
                  "{name}：{period}（{scope}）{metric}为 {value}，仅为基准 {reference} 的 {share}"),
    "anomaly": ("{name}: {metric} was {value} on {period} ({scope}), expected {reference} ({change})",
                "{name}：{period}（{scope}）{metric}为 {value}，期望值 {reference}（{change}）"),
    "stockout": ("{name}: {scope} ({abc_class}-class SKU, ABC by GMV) has nothing on hand on {period}",
                 "{name}：{period}（{scope}）为 {abc_class} 类商品（按 GMV 的 ABC 分类），库存为 0"),
}


def signed(x: float | None) -> str:
    return "—" if x is None else f"{x:+.1%}"


def baseline(params: dict[str, Any], lang: str) -> str:
    kind = params.get("baseline")
    if kind == "same_weekday":
        n = params["weeks"]
        return (f"mean of the same weekday over the previous {n} weeks" if n > 1 else "the same day last week") if (
            lang == "en") else (f"前 {n} 周同星期均值" if n > 1 else "上周同日")
    if kind == "previous_period":
        return f"the {params['days']} days before" if lang == "en" else f"前 {params['days']} 天"
    if kind == "yoy":
        return "a year before" if lang == "en" else "去年同期"
    return "the day before" if lang == "en" else "前一天"


def placeholders(kind: str) -> tuple[str, ...]:
    """What a message template of a ``kind`` rule may use."""
    return (*PLACEHOLDERS, *KIND_PLACEHOLDERS.get(kind, ()))


def check_template(text: str, kind: str) -> str | None:
    """The first placeholder ``text`` uses that an alert of ``kind`` does not fill (None: fine)."""
    import string

    known = placeholders(kind)
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None and field not in known:
            return field or "{}"
    return None


def message(rule: Any, metric: Any, alert: dict[str, Any], extra: dict[str, Any]) -> dict[str, str]:
    out = {}
    for i, lang in enumerate(("en", "zh")):
        dims = ", ".join(f"{k}={v}" for k, v in alert["dims"].items())
        values = {"name": rule.name.get(lang) or rule.id, "metric": metric.en if lang == "en" else metric.zh,
                  "value": format_value(alert["value"], metric.unit, lang),
                  "reference": format_value(alert["reference"], metric.unit, lang),
                  "change": signed(alert["change"]), "period": alert["period"],
                  "scope": alert["store"] + (f" · {dims}" if dims else ""), "baseline": baseline(rule.params, lang),
                  "attainment": f"{extra.get('attainment', 0):.1%}", "share": f"{extra.get('share', 0):.1%}",
                  "score": f"{extra.get('score', 0):+.1f}", "abc_class": extra.get("abc_class", "A")}
        template = rule.message.get(lang) or TEMPLATES[rule.kind][i]
        out[lang] = template.format(**values)
    return out
