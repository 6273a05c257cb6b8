"""What replenishment reads from the warehouse: the SKUs on sale, their latest stock and their daily units.

Stock: per SKU the latest snapshot date on or before ``as_of`` and the sum over warehouses of that date's rows
(``in_transit`` NULL counts 0). Units: the metrics engine's ``paid_units`` by product and local day (merchandise
only, paid orders, the store's own days), so the demand is the catalog's, not a second definition.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

WINDOW = 28  # days of history behind --method history


def on_sale(wh: Any, store: str) -> list[dict[str, Any]]:
    """Merchandise SKUs whose status is on_sale (the catalog's skus_on_sale), by id."""
    p = wh.table("products")
    rows = p.filter(p.store_id == store, p.status == "on_sale",
                    p.product_type.fill_null("merchandise") == "merchandise")
    rows = rows.select("product_id", "name", "category", "supplier").order_by("product_id")
    return rows.to_pandas().astype(object).where(lambda f: f.notna(), None).to_dict("records")


def all_ids(wh: Any, store: str, ids: list[str]) -> set[str]:
    p = wh.table("products")
    return set(p.filter(p.store_id == store, p.product_id.isin(ids)).product_id.to_pandas())


def stock(wh: Any, store: str, as_of: date) -> dict[str, dict[str, Any]]:
    """{product_id: {snapshot_date, on_hand, in_transit}}: each warehouse's latest snapshot of the SKU on or before
    as_of, summed over warehouses (a warehouse that reported a day earlier than another still counts);
    snapshot_date is the latest of those days."""
    inv = wh.table("inventory_snapshots")
    inv = inv.filter(inv.store_id == store, inv.date <= as_of)
    latest = inv.group_by(["product_id", "warehouse"]).aggregate(last=inv.date.max())
    rows = inv.join(latest, [inv.product_id == latest.product_id, inv.warehouse.identical_to(latest.warehouse),
                             inv.date == latest.last])
    rows = rows.group_by("product_id").aggregate(snapshot_date=rows.date.max(), on_hand=rows.on_hand.sum(),
                                                 in_transit=rows.in_transit.fill_null(0).sum())
    return {r["product_id"]: {"snapshot_date": r["snapshot_date"].date() if hasattr(r["snapshot_date"], "date")
                              else r["snapshot_date"], "on_hand": int(r["on_hand"]),
                              "in_transit": int(r["in_transit"])}
            for r in rows.to_pandas().to_dict("records")}


def first_snapshot(wh: Any, store: str) -> date | None:
    inv = wh.table("inventory_snapshots")
    value = inv.filter(inv.store_id == store).date.min().to_pandas()
    return None if value is None or value != value else getattr(value, "date", lambda: value)()


def daily_units(engine: Any, store: str, as_of: date, ids: set[str], days: int = WINDOW) -> dict[str, list[float]]:
    """Each SKU's paid units on each of the ``days`` local days ending on as_of (0 on a day without sales)."""
    start = as_of - timedelta(days=days - 1)
    rows = engine.query(["paid_units"], by=["product"], grain="day", start=start, end=as_of, store=store,
                        targets=False).rows
    out = {pid: [0.0] * days for pid in ids}
    for r in rows:
        if r["product"] in out and r.get("paid_units"):
            out[r["product"]][(date.fromisoformat(str(r["period"])[:10]) - start).days] += float(r["paid_units"])
    return out

