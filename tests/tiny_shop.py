"""The one-day shop two CLI test files share (issue #11, item 8): small enough to check every number by eye.

Shop ``s`` (USD, UTC), 2026-03-02: u1 (mobile, paid_search, gold) viewed, carted and bought o1 120; u2
(desktop, organic_search, no tier) viewed and bought o2 80; u3 (app, direct) bought o3 50 without events.
All five files sell product p1, whose name is long enough to widen any table it appears in.
"""

from __future__ import annotations

from pathlib import Path

import shoplens
from csv_files import import_clean, write_csv

LONG_NAME = "Extraordinarily Long Product Name For The Pipe Check Deluxe Edition 500ml"
DAY = ("--from", "2026-03-02", "--to", "2026-03-02")
ORDERS = "order_id,user_id,created_ts,paid_ts,status,gross_amount,channel,device"
ts = "2026-03-02T{}:00Z".format


def build_tiny_shop(folder: Path, name: str) -> Path:
    """``folder/name.duckdb`` holding the shop above (every row loads; nothing is quarantined)."""
    files = {
        "products": write_csv(folder / "products.csv", "product_id,name", [("p1", LONG_NAME)]),
        "customers": write_csv(folder / "customers.csv", "user_id,member_tier", [("u1", "gold"), ("u2", "none")]),
        "events": write_csv(folder / "events.csv", "event_id,ts,user_id,event,product_id,channel,device", [
            ("e1", ts("10:00"), "u1", "product_view", "p1", "paid_search", "mobile"),
            ("e2", ts("10:01"), "u1", "add_to_cart", "p1", "paid_search", "mobile"),
            ("e3", ts("10:02"), "u1", "purchase", "p1", "paid_search", "mobile"),
            ("e4", ts("11:00"), "u2", "product_view", "p1", "organic_search", "desktop"),
            ("e5", ts("11:05"), "u2", "purchase", "p1", "organic_search", "desktop")]),
        "orders": write_csv(folder / "orders.csv", ORDERS, [
            ("o1", "u1", ts("10:02"), ts("10:02"), "paid", "120", "paid_search", "mobile"),
            ("o2", "u2", ts("11:05"), ts("11:05"), "paid", "80", "organic_search", "desktop"),
            ("o3", "u3", ts("12:00"), ts("12:00"), "paid", "50", "direct", "app")]),
        "order_items": write_csv(folder / "order_items.csv", "order_id,line_no,product_id,quantity,unit_price", [
            ("o1", "1", "p1", "1", "120"), ("o2", "1", "p1", "1", "80"), ("o3", "1", "p1", "1", "50")]),
    }
    path = folder / f"{name}.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, files, store="s")
    return path
