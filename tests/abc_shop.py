"""A hand-made store for the ABC tests (store ``t``, UTC, USD): current period 2026-03-11..20, previous 03-01..10.

Current merchandise GMV (total 1000): a1 500 (5 x 100), a2 150 (3 x 50), a3 150 (1 x 150, no unit cost),
a4 100 (10 x 10, cost 12: a loss of 20), a5 100 (1 x 100, launched 2026-03-12); z0 on sale, never sold;
off1 off shelf, never sold; post (shipping) 500 on the same order as a5. Previous period: a1 100, a3 300, a4 100,
post 50. Categories: X = a1, a2, z0; Y = a3, a4, a5.
"""

from __future__ import annotations

from pathlib import Path

import shoplens
from csv_files import import_clean, write_csv

PRODUCTS = [  # product_id, name, category, unit_cost, status, product_type, launched_at
    ("a1", "Alpha", "X", "60", "on_sale", "merchandise", ""),
    ("a2", "Beta", "X", "10", "on_sale", "", ""),
    ("a3", "Gamma", "Y", "", "on_sale", "merchandise", ""),
    ("a4", "Delta", "Y", "12", "on_sale", "merchandise", ""),
    ("a5", "Epsilon", "Y", "20", "on_sale", "merchandise", "2026-03-12T00:00:00Z"),
    ("z0", "Zero", "X", "1", "on_sale", "merchandise", ""),
    ("off1", "Gone", "X", "1", "off_shelf", "merchandise", ""),
    ("post", "Postage", "", "", "on_sale", "shipping", ""),
]
LINES = [  # order, day, product, quantity, unit price
    ("c1", "2026-03-15", "a1", 5, 100), ("c2", "2026-03-15", "a2", 3, 50), ("c3", "2026-03-16", "a3", 1, 150),
    ("c4", "2026-03-17", "a4", 10, 10), ("c5", "2026-03-18", "a5", 1, 100), ("c5", "2026-03-18", "post", 1, 500),
    ("p1", "2026-03-05", "a1", 1, 100), ("p2", "2026-03-05", "a3", 2, 150), ("p3", "2026-03-06", "a4", 10, 10),
    ("p4", "2026-03-06", "post", 1, 50),
]


def abc_shop(folder: Path, *, inventory: list[tuple[str, str, str, int]] = ()) -> Path:
    """The store in ``folder/w.duckdb``; ``inventory``: (date, product, warehouse, on_hand) snapshots."""
    orders: dict[str, tuple[str, float]] = {}
    for order, day, _, qty, price in LINES:
        orders[order] = (day, orders.get(order, (day, 0.0))[1] + qty * price)
    files = {
        "products": write_csv(folder / "products.csv", "product_id,name,category,unit_cost,status,product_type,"
                              "launched_at", PRODUCTS),
        "orders": write_csv(folder / "orders.csv", "order_id,user_id,created_ts,paid_ts,gross_amount",
                            [(o, f"u{o}", f"{d}T10:00:00Z", f"{d}T10:00:00Z", amount)
                             for o, (d, amount) in orders.items()]),
        "order_items": write_csv(folder / "order_items.csv", "order_id,line_no,product_id,quantity,unit_price",
                                 [(o, i, p, q, price) for i, (o, _, p, q, price) in enumerate(LINES, start=1)]),
    }
    if inventory:
        files["inventory_snapshots"] = write_csv(folder / "inventory.csv", "date,product_id,warehouse,on_hand",
                                                 inventory)
    path = folder / "w.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, files, store="t", currency="USD", timezone="UTC")
    return path
