"""What the daily brief reads, every number from the metrics engine (no KPI is defined here).

Stock risk rule (documented in the README): the store's top sellers are its ``TOP_SELLERS`` products with the
highest GMV over the ``SELLER_DAYS`` days ending on the brief's day. One of them is at risk when one of its SKUs was
out of stock that day (``stockout_sku_share`` of the day > 0: a sold-out size already loses sales) or its days of
cover are below its lead time: days of cover is the
catalog's ``inventory_turnover_days`` over the ``COVER_DAYS`` days ending on the day (average units on hand /
average units sold a day). The lead time is the SKU's own, resolved as replenishment resolves it (the config's
``replenish:``: the SKU's entry, its supplier's, its category's, the defaults, else ``LEAD_TIME_DAYS``), so the
brief, ``replenish`` and the ``days_of_cover_below_lead_time`` alert judge a SKU against the same lead time.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shoplens.analyses.replenish.config import BUILT_IN, ReplenishConfig

KPIS = ("gmv", "uv", "conversion_rate", "aov", "uv_value", "refund_rate", "ad_spend", "roi")
COMPARES = (("dod", "previous"), ("wow", "wow"))  # the brief's name -> the engine's --compare
TREND_DAYS = 14  # the sparkline: the day and the 13 before
TOP_SELLERS, SELLER_DAYS, COVER_DAYS = 10, 28, 7
LEAD_TIME_DAYS = BUILT_IN["lead_time_days"]  # a SKU without a lead time in the config
TOP_PRODUCTS = 5


def kpis(engine: Any, store: str, day: date) -> dict[str, Any]:
    """The KPIs of ``day`` with their dod and wow references and changes, targets and attainment (one row)."""
    row: dict[str, Any] = {}
    for name, compare in COMPARES:
        got = engine.query(list(KPIS), start=day, end=day, compare=compare, store=store).rows[0]
        for m in KPIS:
            row[m] = got[m]
            row[f"{m}__{name}"] = got.get(f"{m}__{compare}")
            row[f"{m}__{name}_change"] = got.get(f"{m}__{compare}_change")
            row[f"{m}__target"] = got.get(f"{m}__target")
            row[f"{m}__attainment"] = got.get(f"{m}__attainment")
    return row


def trend(engine: Any, store: str, day: date) -> dict[str, list[float | None]]:
    """Each KPI's daily values over the ``TREND_DAYS`` days ending on ``day`` (oldest first, None where missing)."""
    start = day - timedelta(days=TREND_DAYS - 1)
    rows = engine.query(list(KPIS), start=start, end=day, grain="day", store=store, targets=False).rows
    by_day = {r["period"]: r for r in rows}
    days = [(start + timedelta(days=i)).isoformat() for i in range(TREND_DAYS)]
    return {m: [(by_day.get(d) or {}).get(m) for d in days] for m in KPIS}


def products(engine: Any, store: str, day: date) -> list[dict[str, Any]]:
    """Every product's GMV and units of the day and the same day a week earlier (0 where it sold nothing)."""
    return engine.query(["gmv", "paid_units"], by=["product"], start=day, end=day, compare="wow", store=store,
                        targets=False).rows


def channels(engine: Any, store: str, day: date) -> list[dict[str, Any]]:
    return engine.query(["gmv", "uv", "conversion_rate"], by=["channel"], start=day, end=day, compare="wow",
                        store=store, targets=False).rows


def lead_times(wh: Any, store: str, ids: list[str], config: Any) -> dict[str, float]:
    """Each SKU's lead time in days from the ``replenish:`` section ``config`` (a ReplenishConfig), as replenish
    resolves it from the SKU's supplier and category."""
    p = wh.table("products")
    rows = p.filter(p.store_id == store, p.product_id.isin(ids)).select("product_id", "supplier", "category")
    attrs = {r["product_id"]: r for r in rows.to_pandas().astype(object).where(lambda f: f.notna(), None)
             .to_dict("records")}
    return {pid: config.policy(pid, (attrs.get(pid) or {}).get("supplier"), (attrs.get(pid) or {}).get("category"),
                               {}).lead_time_days for pid in ids}


def stock_risks(engine: Any, store: str, day: date, config: Any = None) -> list[dict[str, Any]]:
    """The top sellers at risk (see the module's rule), most urgent first: zero stock, then fewest days of cover.
    ``config``: the ``replenish:`` lead times (a ReplenishConfig; None: the built-in defaults)."""

    sellers = engine.query(["gmv"], by=["product"], start=day - timedelta(days=SELLER_DAYS - 1), end=day,
                           store=store, targets=False, sort="gmv", limit=TOP_SELLERS).rows
    ids = [r["product"] for r in sellers if r.get("gmv")]
    if not ids:
        return []
    where = {"product": ids}
    zero = {r["product"]: r for r in engine.query(["stockout_sku_share"], by=["product"], start=day, end=day,
                                                  where=where, store=store, targets=False).rows}
    cover = {r["product"]: r for r in engine.query(["inventory_turnover_days"], by=["product"],
                                                   start=day - timedelta(days=COVER_DAYS - 1), end=day,
                                                   where=where, store=store, targets=False).rows}
    lead = lead_times(engine.wh, store, ids, config or ReplenishConfig())
    out = []
    for r in sellers:
        pid = r["product"]
        out_of_stock = ((zero.get(pid) or {}).get("stockout_sku_share") or 0) > 0
        days = (cover.get(pid) or {}).get("inventory_turnover_days")
        if out_of_stock or (days is not None and days < lead[pid]):
            out.append({"product": pid, "product_name": r.get("product_name"), "gmv_28d": r["gmv"],
                        "days_of_cover": days, "lead_time_days": lead[pid], "out_of_stock": out_of_stock})
    out.sort(key=lambda x: (not x["out_of_stock"], x["days_of_cover"] if x["days_of_cover"] is not None else 0))
    return out


def open_alerts(wh: Any, store: str, day: date) -> list[dict[str, Any]]:
    """Alerts of the store up to ``day`` nobody resolved (open or acknowledged), as stored by ``alerts check``."""
    from shoplens.analyses.alerts import alerts_list

    found = []
    for status in ("open", "acknowledged"):
        found += alerts_list(wh, status=status, end=day, store=store).alerts
    rank = {"high": 0, "medium": 1, "low": 2}
    return sorted(found, key=lambda a: (rank.get(a["severity"], 3), -date.fromisoformat(a["period"]).toordinal(),
                                       a["id"]))
