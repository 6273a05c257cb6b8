"""What the product roles read, per SKU: the metrics engine's product KPIs (one query over the range, one per
half for the trend), and through Ibis the on-sale merchandise catalog, the last paid sale and the latest stock.
Only per-SKU rows come back to Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from shoplens.warehouse.scope import StoreInfo

METRICS = ("uv", "paying_buyers", "conversion_rate", "add_to_cart_rate", "gross_margin", "paid_units", "gmv")
KEY = ["store", "product_id"]


@dataclass
class RoleData:
    """Per-SKU facts of the range ``start``..``end`` (one row per on-sale merchandise SKU); ``last_sale`` and
    ``launched`` are local days (datetime64 at midnight, NaT for none)."""

    start: date
    end: date
    frame: pd.DataFrame
    notes: dict[str, Any]


def _utc_bound(day: date, tz: str) -> datetime:
    """The UTC instant (naive, as stored) at which the store's local ``day`` begins."""
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _local_days(ts: pd.Series, stores: pd.Series, zones: dict[str, str]) -> pd.Series:
    """Naive UTC timestamps -> each row's local day in its store's time zone (midnight, naive), NaT for none;
    one vectorised conversion per store rather than one per row."""
    utc = pd.to_datetime(ts).astype("datetime64[us]").dt.tz_localize("UTC")
    out = pd.Series(pd.NaT, index=ts.index, dtype="datetime64[us]")
    for store, tz in zones.items():
        mask = (stores == store).to_numpy()
        if mask.any():
            out[mask] = utc[mask].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize().astype("datetime64[us]")
    return out


def _catalog(wh: Any, stores: list[str]) -> pd.DataFrame:
    p = wh.table("products")
    merch = p.product_type.isnull() | (p.product_type == "merchandise")
    expr = p.filter(p.store_id.isin(stores), p.status == "on_sale", merch).select(
        store=p.store_id, product_id=p.product_id, name=p.name, category=p.category, launched_at=p.launched_at)
    return expr.to_pandas()


def _last_sales(wh: Any, info: StoreInfo, end: date) -> pd.DataFrame:
    """Last paid sale (UTC) of each merchandise SKU of one store up to the end of its local day ``end``: paid order
    lines, or purchase events when the store has no orders (as the metrics engine counts them)."""
    import ibis

    before = _utc_bound(end + timedelta(days=1), info.timezone)
    o, i = wh.table("orders"), wh.table("order_items")
    paid = o.filter(o.store_id == info.store_id, o.paid_ts.notnull() | o.status.isin(["paid", "shipped", "delivered"]))
    paid = paid.mutate(pay_ts=ibis.coalesce(paid.paid_ts, paid.created_ts))
    lines = i.filter(i.store_id == info.store_id).join(paid, ["store_id", "order_id"])
    lines = lines.filter(lines.pay_ts < before).select("product_id", ts=lines.pay_ts)
    if not int(o.filter(o.store_id == info.store_id).count().to_pandas()):
        e = wh.table("events")
        lines = e.filter(e.store_id == info.store_id, e.event == "purchase", e.product_id.notnull(),
                         e.ts < before).select("product_id", ts=e.ts)
    return lines.group_by("product_id").aggregate(last_ts=lines.ts.max()).to_pandas()


def _stock(wh: Any, stores: list[str], end: date) -> pd.DataFrame:
    """On hand up to ``end``: each warehouse's latest snapshot of the SKU, summed over warehouses (as replenish)."""
    n = wh.table("inventory_snapshots")
    n = n.filter(n.store_id.isin(stores), n.date <= end)
    last = n.group_by(["store_id", "product_id", "warehouse"]).aggregate(last=n.date.max())
    joined = n.join(last, [n.store_id == last.store_id, n.product_id == last.product_id,
                           n.warehouse.identical_to(last.warehouse), n.date == last.last])
    summed = joined.group_by(["store_id", "product_id"]).aggregate(on_hand=joined.on_hand.sum())
    return summed.select(store=summed.store_id, product_id=summed.product_id, on_hand=summed.on_hand).to_pandas()


def _metric_frame(result: Any, columns: list[str]) -> pd.DataFrame:
    rows = pd.DataFrame(result.rows)
    if rows.empty:
        return pd.DataFrame(columns=KEY + columns)
    rows = rows.rename(columns={"product": "product_id"})
    return rows[KEY + [c for c in columns if c in rows]]


def gather(wh: Any, engine: Any, stores: list[StoreInfo], start: date | None, end: date | None) -> RoleData:
    """Everything the rules need, per on-sale merchandise SKU of ``stores`` (range default: the engine's). The
    queries run two at a time (:class:`Workers`): while DuckDB answers one, Python shapes another's rows."""
    from shoplens.analyses.workers import Workers

    ids = [s.store_id for s in stores]

    def kpis(e: Any, a: date | None, b: date | None, metrics: list[str]) -> Any:
        return e.query(metrics, by=["store", "product"], start=a, end=b, store=ids, targets=False,
                       drop_null=("product",))

    start, end = engine.range_of(ids, start, end)
    half = ((end - start).days + 1) // 2
    with Workers(wh, engine) as workers:
        main_f = workers.submit(lambda e: kpis(e, start, end, list(METRICS)))
        parts_f = [workers.submit(lambda e, a=a, b=b: kpis(e, a, b, ["paid_units"])) for a, b in (
            (start, start + timedelta(days=half - 1)), (end - timedelta(days=half - 1), end))] if half else []
        last_f = workers.submit(lambda e: [_last_sales(e.wh, s, end).assign(store=s.store_id) for s in stores])
        stock_f = workers.submit(lambda e: _stock(e.wh, ids, end))
        catalog = _catalog(wh, ids)
        main = main_f.result()
        frame = catalog.merge(_metric_frame(main, list(METRICS)), on=KEY, how="left")
        if parts_f:
            for name, f in zip(("units_first", "units_second"), parts_f, strict=True):
                frame = frame.merge(_metric_frame(f.result(), ["paid_units"]).rename(columns={"paid_units": name}),
                                    on=KEY, how="left")
        else:
            frame["units_first"] = frame["units_second"] = None
        last = last_f.result()
        stock = stock_f.result()
    zones = {s.store_id: s.timezone for s in stores}
    frame = frame.merge(pd.concat(last) if last else pd.DataFrame(columns=[*KEY, "last_ts"]), on=KEY, how="left")
    frame = frame.merge(stock, on=KEY, how="left")
    frame["last_sale"] = _local_days(frame["last_ts"], frame["store"], zones)
    frame["launched"] = _local_days(frame["launched_at"], frame["store"], zones)
    return RoleData(start, end, frame.drop(columns=["last_ts", "launched_at"]), dict(main.notes))
