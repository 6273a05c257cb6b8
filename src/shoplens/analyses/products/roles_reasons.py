"""The one-line reason of a SKU's primary role, in English and Chinese, with the numbers the rule compared."""

from __future__ import annotations

from typing import Any

from shoplens.analyses.products.roles_rules import RoleRules

NO_RULE = {"en": "no role rule matched", "zh": "未命中任何角色规则"}  # the reason of a normal SKU


def _x(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.0%}"


def reason(role: str, p: dict[str, Any], r: RoleRules) -> dict[str, str]:
    """{"en": …, "zh": …} for ``role`` of the SKU ``p`` (indices are multiples of the category median)."""
    x, y, z = _x(p["traffic_index"]), _x(p["conversion_index"]), _x(p["atc_index"])
    if role == "traffic_driver":
        return {"en": f"traffic {x}× the category median, conversion {y}×",
                "zh": f"流量为类目中位数的 {x} 倍，转化为 {y} 倍"}
    if role == "hero":
        tail_en = f"; traffic {x}×, conversion {y}× the category median" if p["traffic_index"] is not None else ""
        tail_zh = f"；流量 {x} 倍、转化 {y} 倍于类目中位数" if p["traffic_index"] is not None else ""
        return {"en": f"among the SKUs making the first {_pct(r.hero_gmv_share)} of the category's GMV "
                      f"(GMV {p['gmv']:,.2f}){tail_en}",
                "zh": f"属于贡献类目前 {_pct(r.hero_gmv_share)} 成交额的商品（成交额 {p['gmv']:,.2f}）{tail_zh}"}
    if role == "potential":
        return {"en": f"conversion {y}×, add-to-cart rate {z}× the category median, traffic {x}× "
                      f"({p['uv']} visitors)",
                "zh": f"转化为类目中位数的 {y} 倍、加购率 {z} 倍，流量仅 {x} 倍（{p['uv']} 访客）"}
    if role == "profit":
        g = p["gmv"] / p["medians"]["gmv_of_sold"] if p["medians"]["gmv_of_sold"] else None
        return {"en": f"margin {_pct(p['margin'])} (cut-off {_pct(r.margin_min)}), GMV {_x(g)}× the category "
                      "median of SKUs that sold",
                "zh": f"毛利率 {_pct(p['margin'])}（门槛 {_pct(r.margin_min)}），"
                      f"成交额为类目动销商品中位数的 {_x(g)} 倍"}
    if role == "slow_mover":
        stock = f"{p['on_hand']:,.0f}"
        days = p["days_since_last_sale"]
        if days is None:
            return {"en": f"{stock} units on hand, never sold", "zh": f"在库 {stock} 件，从未售出"}
        return {"en": f"{stock} units on hand, no sale for {days} days (cut-off {r.slow_days})",
                "zh": f"在库 {stock} 件，已 {days} 天无销量（门槛 {r.slow_days} 天）"}
    if role == "new":
        return {"en": f"launched {p['launched']}, {p['_age']} days before the range end (cut-off {r.new_days})",
                "zh": f"{p['launched']} 上新，距统计期末 {p['_age']} 天（门槛 {r.new_days} 天）"}
    return NO_RULE.copy()
