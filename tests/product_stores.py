"""Generated stores for the product analyses (issue #16): each SKU described by the numbers it should have.

A store spans the 28 local days ``START``..``END`` (UTC, USD). A :class:`Sku` says how many distinct visitors view
its product page in the range (``visitors``), how many of them add it to cart (the first ``adders``) and how many
buy one unit at ``price`` (the first ``buyers``; buyer j on day offset ``sale_days[j]``, else spread evenly), its
unit cost, status, product type, launch day, units on hand on ``END`` (a snapshot of 999 on ``START`` too, so the
latest one must win) and an optional earlier sale ``sold_days_before_end`` days before ``END`` (before the range,
so only the last-sale day sees it). ``shipping_line`` adds a postage line (product ``POST``, type shipping) to
each order. ``build(folder, skus, events=False)`` writes an orders-only store (no events at all);
``build(folder, skus, report=True)`` a store whose traffic is platform-report rows (``traffic_daily``: one row per
SKU on ``START`` with its visitors and add-to-cart visitors) instead of events. Building again into the same
folder with another ``store`` (and ``currency``) adds a second store to the same warehouse.

Visitors of a SKU are its own users (``<sku>_v<k>``), so product-page visitors, buyers and conversion are exactly
the numbers given; every visit is a product_view at 09:00 UTC, an add-to-cart at 09:05, an order at 10:00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import shoplens
from csv_files import import_clean, write_csv

START = date(2026, 3, 2)
DAYS = 28
END = START + timedelta(days=DAYS - 1)  # 2026-03-29


@dataclass
class Sku:
    product_id: str
    category: str = "c"
    visitors: int = 0
    adders: int = 0
    buyers: int = 0
    price: float = 10.0
    unit_cost: float | None = 8.0
    status: str = "on_sale"
    product_type: str | None = None
    launched: date | None = date(2025, 1, 1)  # None: no launch date in the catalog
    on_hand: int | None = 50
    sale_days: list[int] = field(default_factory=list)
    sold_days_before_end: int | None = None
    shipping_line: bool = False

    def sale_day(self, j: int) -> date:
        offset = self.sale_days[j] if j < len(self.sale_days) else j * DAYS // max(self.buyers, 1)
        return START + timedelta(days=offset)


def build(folder: Path, skus: list[Sku], *, events: bool = True, report: bool = False, store: str = "s1",
          currency: str = "USD") -> Path:
    """Write the CSV files of ``skus`` into ``folder`` and import them into ``folder/shop.duckdb``."""
    rows_e, orders, items, stock = [], [], [], []
    products = [(s.product_id, s.product_id.title(), s.category, s.status, s.product_type or "", s.price,
                 "" if s.unit_cost is None else s.unit_cost, currency,
                 "" if s.launched is None else f"{s.launched}T00:00:00Z") for s in skus]
    if any(s.shipping_line for s in skus):
        products.append(("POST", "Postage", "", "on_sale", "shipping", 5.0, "", currency, "2025-01-01T00:00:00Z"))
    for s in skus:
        for k in range(s.visitors):
            user = f"{s.product_id}_v{k}"
            day = s.sale_day(k) if k < s.buyers else START + timedelta(days=k % DAYS)
            rows_e.append((f"{user}_view", f"{day}T09:00:00Z", user, f"{user}_s", "product_view", s.product_id))
            if k < s.adders:
                rows_e.append((f"{user}_cart", f"{day}T09:05:00Z", user, f"{user}_s", "add_to_cart", s.product_id))
        for j in range(s.buyers):
            user, order = f"{s.product_id}_v{j}", f"{s.product_id}_o{j}"
            ts = f"{s.sale_day(j)}T10:00:00Z"
            orders.append((order, user, ts, ts, "paid", s.price + (5.0 if s.shipping_line else 0.0)))
            items.append((order, 1, s.product_id, 1, s.price))
            if s.shipping_line:
                items.append((order, 2, "POST", 1, 5.0))
        if s.sold_days_before_end is not None:
            ts = f"{END - timedelta(days=s.sold_days_before_end)}T10:00:00Z"
            orders.append((f"{s.product_id}_old", f"{s.product_id}_old", ts, ts, "paid", s.price))
            items.append((f"{s.product_id}_old", 1, s.product_id, 1, s.price))
        if s.on_hand is not None:
            stock += [(START, s.product_id, "w1", 999), (END, s.product_id, "w1", s.on_hand)]
    files = {"products": write_csv(folder / "products.csv", "product_id,name,category,status,product_type,"
                                   "list_price,unit_cost,currency,launched_at", products),
             "orders": write_csv(folder / "orders.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount",
                                 orders),
             "order_items": write_csv(folder / "items.csv", "order_id,line_no,product_id,quantity,unit_price", items),
             "inventory_snapshots": write_csv(folder / "stock.csv", "date,product_id,warehouse,on_hand", stock)}
    if report:
        files["traffic_daily"] = write_csv(folder / "traffic.csv", "date,product_id,visitors,add_to_cart_users",
                                           [(START, s.product_id, s.visitors, s.adders) for s in skus if s.visitors])
    elif events:
        files["events"] = write_csv(folder / "events.csv", "event_id,ts,user_id,session_id,event,product_id", rows_e)
    path = folder / "shop.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, files, store=store, currency=currency)
    return path
