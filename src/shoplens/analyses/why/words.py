"""The one paragraph a seller can forward: what moved, against what, which value explains it, and through which
factor (its own conversion, not its traffic). Built from the answer's numbers only, in English and Chinese.

When a value moved hard against the store's change (a channel whose conversion collapsed on a day the store rose)
it is named too: such a collapse hides under a store-level number that went the other way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shoplens.metrics.format import format_value
from shoplens.metrics.spec import Catalog

WEEKDAYS = (("Monday", "周一"), ("Tuesday", "周二"), ("Wednesday", "周三"), ("Thursday", "周四"),
            ("Friday", "周五"), ("Saturday", "周六"), ("Sunday", "周日"))
REFERENCE = {"wow": ("the same weekday a week earlier", "上周同日"), "previous": ("the previous period", "上一周期"),
             "yoy": ("a year earlier", "去年同期")}  # baseline: _baseline
FACTOR_NAMES = {"orders_per_buyer": ("orders per buyer", "人均订单数"),
                "buyers_per_cart_buyer": ("buyers per cart buyer", "支付买家 / 加购支付买家")}
HELD = 0.15  # visitors "held": they account for at most 15 % of the value's own change
AGAINST = 0.5  # a value moving against the change by at least half of it is named


def _name(catalog: Catalog, metric_id: str, lang: str) -> str:
    if metric_id in FACTOR_NAMES:
        return FACTOR_NAMES[metric_id][lang == "zh"]
    return catalog.metric(metric_id).name(lang)


def _fmt(catalog: Catalog, metric_id: str, value: Any, lang: str) -> str:
    unit = "number" if metric_id in FACTOR_NAMES else catalog.metric(metric_id).unit
    return format_value(value, unit, lang)


def _pct(x: float) -> str:
    return f"{abs(x) * 100:.1f}%"


def _factor_story(catalog: Catalog, value: dict[str, Any], lang: str) -> str:
    """``its payment conversion dropped from 9.52% to 1.44% while its visitors held``."""
    factors = value.get("factors") or []
    if not factors:
        return ""
    sign = 1 if value["contribution"] >= 0 else -1
    driver = max(factors, key=lambda f: sign * f["contribution"])
    name, old, new = driver["factor"], driver["reference_value"], driver["value"]
    up = (new or 0) >= (old or 0)
    a, b = _fmt(catalog, name, old, lang), _fmt(catalog, name, new, lang)
    uv = next((f for f in factors if f["factor"] == "uv" and f is not driver), None)
    held = uv is not None and abs(uv["contribution"]) <= HELD * abs(value["contribution"])
    if lang == "zh":
        text = f"其{_name(catalog, name, 'zh')}从 {a} {'升至' if up else '降至'} {b}"
        return text + ("，而访客数基本持平" if held else "")
    text = f"its {_name(catalog, name, 'en').lower()} {'rose' if up else 'dropped'} from {a} to {b}"
    return text + (" while its visitors held" if held else "")


def summary(catalog: Catalog, data: dict[str, Any], p: Any) -> dict[str, str]:
    metric, change, pct = data["metric"], data["change"], data["change_pct"]
    one_day = p.start == p.end
    en_when = f"on {WEEKDAYS[p.start.weekday()][0]} {p.start}" if one_day else f"in {p.start}..{p.end}"
    zh_when = f"{p.start}（{WEEKDAYS[p.start.weekday()][1]}）" if one_day else f"{p.start} 至 {p.end}"
    if p.kind == "baseline":
        ref_en, ref_zh, ref_when = _baseline(p)
    else:
        ref_en, ref_zh = REFERENCE[p.kind] if one_day or p.kind != "wow" else ("the week before", "前一周")
        ref_when = p.ref_start if p.ref_start == p.ref_end else f"{p.ref_start}..{p.ref_end}"
    zh_than, zh_end = ("与", "相比") if p.kind == "baseline" else ("较", "")
    amount_en = _signed(catalog, metric, change, "en")
    name_en, name_zh = _scoped(catalog, metric, data.get("where") or {})
    if change == 0:
        return {"en": f"{name_en} did not change {en_when} against {ref_en} ({ref_when}).",
                "zh": f"{zh_when}{name_zh}与{ref_zh}（{ref_when}）{zh_end and '相比'}持平。"}
    up = change > 0
    pct_en = f" {_pct(pct)}" if pct is not None else ""
    en = [f"{name_en} {'rose' if up else 'fell'}{pct_en} ({amount_en}) {en_when} "
          f"against {ref_en} ({ref_when})"]
    zh = [f"{zh_when}{name_zh}{zh_than}{ref_zh}（{ref_when}）{zh_end}{'上升' if up else '下降'}"
          f"{' ' + _pct(pct) if pct is not None else ''}（{_signed(catalog, metric, change, 'zh')}）"]
    best = data["dimensions"][0] if data["dimensions"] else None
    chosen = [v for v in best["values"] if v["explains"]] if best else []
    if chosen:
        top = chosen[0]
        share, move, zh_move = top["share"] * 100, "rise" if up else "fall", "上升" if up else "下降"
        label = catalog.dimensions.get(best["dimension"])  # "channel paid_search", not a bare "paid_search"
        who_en = f"{label.en.lower() if label else best['dimension']} {top['value']}"
        who_zh = f"{label.zh if label else best['dimension']} {top['value']}"
        if share > 100:  # other values moved the other way: this one alone moved more than the store
            en.append(f"{who_en} alone {'rose' if up else 'fell'} by more than the store ({share:.0f}% of the "
                      f"{move})")
            zh.append(f"{who_zh} 单独的{zh_move}就超过了全店（占{zh_move}的 {share:.0f}%）")
        else:
            en.append(f"{who_en} explains {share:.0f}% of the {move}")
            zh.append(f"{who_zh} 解释了{zh_move}的 {share:.0f}%")
        story_en, story_zh = _factor_story(catalog, top, "en"), _factor_story(catalog, top, "zh")
        if story_en:
            en[-1] += ": " + story_en
            zh[-1] += "：" + story_zh
    against = _against(data, change)
    if against:
        dim, v = against
        amount = _signed(catalog, metric, v["contribution"], "en")
        s_en, s_zh = _factor_story(catalog, v, "en"), _factor_story(catalog, v, "zh")
        label = catalog.dimensions.get(dim)
        dim_en, dim_zh = (label.en.lower(), label.zh) if label else (dim, dim)
        en.append(f"hidden under it, {dim_en} {v['value']} moved the other way ({amount})"
                  + (": " + s_en if s_en else ""))
        zh.append(f"但{dim_zh} {v['value']} 反向变动（{_signed(catalog, metric, v['contribution'], 'zh')}）"
                  + ("：" + s_zh if s_zh else ""))
    return {"en": "; ".join(en) + ".", "zh": "；".join(zh) + "。"}


def _scoped(catalog: Catalog, metric: str, where: dict[str, list[str]]) -> tuple[str, str]:
    """The metric's name, within the answer's slice if any: "ROI of channel paid_search" / "渠道 paid_search 的ROI"."""
    en, zh = _name(catalog, metric, "en"), _name(catalog, metric, "zh")
    if not where:
        return en, zh
    parts_en, parts_zh = [], []
    for dim, values in where.items():
        label = catalog.dimensions.get(dim)
        parts_en.append(f"{label.en.lower() if label else dim} {'/'.join(values)}")
        parts_zh.append(f"{label.zh if label else dim} {'/'.join(values)}")
    return f"{en} of {', '.join(parts_en)}", f"{'、'.join(parts_zh)} 的{zh}"


def _baseline(p: Any) -> tuple[str, str, str]:
    """``the average Monday of the previous 4 weeks`` / ``前 4 周同日均值`` and the days averaged."""
    n, days = len(p.refs), (p.end - p.start).days + 1
    if days == 1:
        return (f"the average {WEEKDAYS[p.start.weekday()][0]} of the previous {n} weeks", f"前 {n} 周同日均值",
                ", ".join(str(s) for s, _ in p.refs))
    return (f"the average of the previous {n} periods of {days} days on the same weekdays",
            f"前 {n} 个星期分布相同的 {days} 天周期均值", f"{p.ref_start}..{p.ref_end}")


def _against(data: dict[str, Any], change: float) -> tuple[str, dict[str, Any]] | None:
    """The value of the best dimension moving most against the change, if by at least half of it."""
    if not data["dimensions"]:
        return None
    best = data["dimensions"][0]
    opposite = [v for v in best["values"] if v.get("factors") and v["contribution"] * change < 0]
    if not opposite:
        return None
    v = max(opposite, key=lambda x: abs(x["contribution"]))
    return (best["dimension"], v) if abs(v["contribution"]) >= AGAINST * abs(change) else None


def _signed(catalog: Catalog, metric: str, value: float, lang: str) -> str:
    unit = catalog.metric(metric).unit
    if unit == "percent":
        return f"{'+' if value >= 0 else '−'}{abs(value) * 100:.2f} {'个百分点' if lang == 'zh' else 'pt'}"
    return ("+" if value >= 0 else "−") + format_value(abs(value), unit, lang)


def weekday(day: date, lang: str) -> str:
    return WEEKDAYS[day.weekday()][lang == "zh"]
