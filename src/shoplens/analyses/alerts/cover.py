"""The ``cover`` kind: a SKU whose days of cover are below its lead time (``days_of_cover_below_lead_time``).

Days of cover and the lead time are replenishment's (:mod:`shoplens.analyses.replenish`): units on hand plus units
inbound of the SKU's latest snapshot on or before the day (warehouses summed) over d, the mean daily paid units of
the 28 days ending on the day; the lead time is the SKU's from the config's ``replenish:`` (SKU > supplier > category
> defaults > 14 days). Inbound units count: an order already on its way is the action this alert asks for (counting
on hand alone, the demo fired about 2.5 alerts a day, nearly all for SKUs whose reorder was in transit). The alert is
in the catalog's terms: metric ``stock_units`` (value: units on hand) against the units the lead time needs
(reference: d × L). A SKU that sells nothing (d = 0) never fires.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shoplens.analyses.alerts.rules import Rule
from shoplens.errors import ShoplensError

METRIC = "stock_units"
TEMPLATE = ("{name}: SKU {product} ({store}) has {value:,} units on hand and {inbound:,} inbound on {period}, "
            "{cover:.1f} days of cover at {demand:.2f} a day, below its lead time of {lead:g} days",
            "{name}：{period}（{store}）SKU {product} 在库 {value:,} 件、在途 {inbound:,} 件，按日均 {demand:.2f} 件"
            "可售 {cover:.1f} 天，低于补货周期 {lead:g} 天")


def _standard(alert: dict[str, Any], lang: str) -> dict[str, str]:
    """The placeholders every rule's own ``message:`` may use (words.PLACEHOLDERS), for a cover rule."""
    dims = f"{alert['store']} · product={alert['dims']['product']}"
    return {"metric": "units on hand" if lang == "en" else "在库件数", "reference": f"{alert['reference']:,.1f}",
            "change": "—", "baseline": "", "scope": dims}


def cover(engine: Any, rule: Rule, store: str, day: date, config: Any, notes: dict[str, Any]) -> list[dict[str, Any]]:
    from shoplens.analyses.replenish import replenish

    try:
        items = replenish(engine.wh, as_of=day, store=store, config=config).to_dict()["items"]
    except ShoplensError as exc:  # a store without inventory snapshots (or none before the day): nothing to judge
        notes[f"alerts:{rule.id}:{store}"] = {"en": f"{rule.id}: {exc.render('en')}: skipped",
                                              "zh": f"{rule.id}：{exc.render('zh')}，已跳过"}
        return []
    out = []
    for i in items:
        d, lead = i["daily_demand"], i["lead_time_days"]
        position = i["on_hand"] + (i["in_transit"] or 0)
        if not d or position >= d * lead:
            continue
        alert = {"rule": rule.id, "kind": rule.kind, "metric": METRIC, "store": store,
                 "dims": {"product": i["product_id"]}, "period": day.isoformat(), "value": float(i["on_hand"]),
                 "reference": round(d * lead, 10), "change": None, "severity": rule.severity, "status": "open",
                 "root_cause": None}
        words = {"product": i["product_id"], "value": i["on_hand"], "period": day.isoformat(),
                 "inbound": i["in_transit"] or 0, "cover": position / d, "demand": d, "lead": lead, "store": store}
        alert["message"] = {lang: (rule.message.get(lang) or TEMPLATE[n]).format(
            name=rule.name.get(lang) or rule.id, **words, **_standard(alert, lang))
            for n, lang in enumerate(("en", "zh"))}
        out.append(alert)
    return out
