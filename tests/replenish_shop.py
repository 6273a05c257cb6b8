"""A tiny store for the replenishment tests, every number simple enough to work out by hand.

Store ``r1`` (Asia/Shanghai, USD). ``AS_OF`` = 2026-03-28; the history window is the 28 local days 03-01..03-28.
Orders are paid at 18:00 UTC, i.e. 02:00 of the NEXT local day (so a UTC cut would shift every day by one).

=====  ========  ========  =========================  ==============================  =======================
SKU    category  supplier  units a day (03-01..03-28)  latest snapshot <= AS_OF         config
=====  ========  ========  =========================  ==============================  =======================
A      cat1      Acme      2, 4, 2, 4, …               03-27: on hand 20               SKU lead time 7
B      cat1      Acme      2, 4, 2, 4, …               03-28: main 12 (+60 inbound),   supplier lead time 21
                                                         east 8                       (cat1: service 0.99)
C      cat2      —         1 every day                 03-28: 0                        defaults
D      cat2      —         none                        03-28: 10                       defaults
E      cat2      —         1 every day                 none (skipped with a note)      —
=====  ========  ========  =========================  ==============================  =======================

Traps that must not count: A's 100 units on 02-29 local (before the window), a cancelled order of 50 A in the
window, a snapshot of A after AS_OF (999 on hand), an older B snapshot (100), a shipping line (POST) and an
off-shelf SKU F with stock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import shoplens
from csv_files import import_clean, write_csv

AS_OF = date(2026, 3, 28)
FIRST = AS_OF - timedelta(days=27)
CONFIG = """replenish:
  defaults: {review_period_days: 7}
  suppliers: {Acme: {lead_time_days: 21}}
  categories: {cat1: {service_level: 0.99}}
  products: {A: {lead_time_days: 7}}
"""


def units(sku: str, day: date) -> int:
    i = (day - FIRST).days
    if sku in ("A", "B"):
        return 2 if i % 2 == 0 else 4
    return 1 if sku in ("C", "E") else 0


def _paid_at(day: date) -> str:
    """18:00 UTC of the day before = 02:00 of ``day`` in Shanghai."""
    return (datetime(day.year, day.month, day.day) - timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(folder: Path) -> Path:
    products = [("A", "Alpha", "cat1", "Acme", "on_sale", ""), ("B", "Beta", "cat1", "Acme", "on_sale", ""),
                ("C", "Gamma", "cat2", "", "on_sale", ""), ("D", "Delta", "cat2", "", "on_sale", ""),
                ("E", "Epsilon", "cat2", "", "on_sale", ""), ("F", "Off", "cat2", "", "off_shelf", ""),
                ("POST", "Postage", "", "", "on_sale", "shipping")]
    orders, items = [], []

    def order(oid: str, day: date, lines: list[tuple[str, int]], status: str = "paid") -> None:
        ts = _paid_at(day)
        orders.append((oid, "u1", ts, ts if status == "paid" else "", status, "10"))
        items.extend((oid, n, sku, qty, "1") for n, (sku, qty) in enumerate(lines, start=1))

    for i in range(28):
        day = FIRST + timedelta(days=i)
        lines = [(s, units(s, day)) for s in ("A", "B", "C", "E") if units(s, day)]
        order(f"o{i}", day, [*lines, ("POST", 1)])
    order("before", FIRST - timedelta(days=1), [("A", 100)])
    order("cancelled", AS_OF - timedelta(days=3), [("A", 50)], status="cancelled")
    stock = [(AS_OF - timedelta(days=1), "A", "main", 20, 0), (AS_OF + timedelta(days=1), "A", "main", 999, 0),
             (AS_OF - timedelta(days=5), "B", "main", 100, 0), (AS_OF, "B", "main", 12, 60),
             (AS_OF, "B", "east", 8, ""), (AS_OF, "C", "main", 0, 0), (AS_OF, "D", "main", 10, 0),
             (AS_OF, "F", "main", 5, 0)]
    files = {
        "products": write_csv(folder / "products.csv", "product_id,name,category,supplier,status,product_type",
                              products),
        "orders": write_csv(folder / "orders.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount", orders),
        "order_items": write_csv(folder / "items.csv", "order_id,line_no,product_id,quantity,unit_price", items),
        "inventory_snapshots": write_csv(folder / "stock.csv", "date,product_id,warehouse,on_hand,in_transit", stock),
    }
    path = folder / "shop.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, files, store="r1", timezone="Asia/Shanghai")
    config = folder / "shoplens.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    return path
