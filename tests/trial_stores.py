"""A generated store for the new-product trial tests, each verdict known by construction.

Store ``t1`` (UTC, USD), data 2026-03-01 .. ``AS_OF`` 2026-09-30, trial N = 15 days. Category ``home`` has 8
reference launches (R1..R8, May-June) with 100 first-15-day visitors each (every visitor views on two days, so a
sum of daily UV would say 200) and k buyers for Rk: conversions 1 % .. 8 %, quartiles (linear) Q1 2.75 %,
median 4.5 %, Q3 6.25 %. Each reference also sells on its day 20 (outside its first 15 days). ``OLD`` (home,
launched 2026-03-20, before the 6-month window starting 2026-03-30) converts at 50 %: excluded. ``SHIP`` is a
shipping line launched in the window: excluded. New SKUs (visitors, buyers): PUSH (400, 40), DROP (400, 2),
KEEP (20, 2), COLD (10, 0), PART (launched 6 days before AS_OF: 50, 5), GARD (category garden, no
references: compared with the store's launches, 100, 5), HOLD (2000, 100).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import shoplens
from csv_files import import_clean, write_csv

AS_OF = date(2026, 9, 30)
REFS = {f"R{k}": (date(2026, 5, 1) + timedelta(days=7 * k), 100, k) for k in range(1, 9)}
NEW = {"PUSH": (date(2026, 9, 10), 400, 40), "DROP": (date(2026, 9, 11), 400, 2), "KEEP": (date(2026, 9, 12), 20, 2),
       "COLD": (date(2026, 9, 13), 10, 0), "PART": (AS_OF - timedelta(days=5), 50, 5),
       "GARD": (date(2026, 9, 14), 100, 5), "HOLD": (date(2026, 9, 9), 2000, 100)}
OLD = ("OLD", date(2026, 3, 20), 100, 50)
SHIP = ("SHIP", date(2026, 9, 12), 100, 10)
PRICE = 20.0


def build(folder: Path) -> Path:
    products, events, orders, items = [], [], [], []
    specs = [(p, *v) for p, v in REFS.items()] + [(p, *v) for p, v in NEW.items()] + [OLD, SHIP]
    for pid, launch, visitors, buyers in specs:
        category = "garden" if pid == "GARD" else "home"
        ptype = "shipping" if pid == "SHIP" else "merchandise"
        products.append((pid, f"Item {pid}", category, f"{launch}T08:00:00Z", "on_sale", ptype, "10"))
        for v in range(visitors):
            user = f"{pid}_u{v}"
            for d in (0, 1 if pid != "PART" else 2):  # two days each (distinct visitors != sum of daily UV)
                day = launch + timedelta(days=(v + d) % 5)
                events.append((f"{pid}e{v}_{d}", f"{day}T09:{v % 60:02d}:00Z", user, "product_view", pid))
            if v < buyers or v % 4 == 0:
                events.append((f"{pid}c{v}", f"{launch}T10:{v % 60:02d}:00Z", user, "add_to_cart", pid))
            if v < buyers:
                ts = f"{launch + timedelta(days=v % 5)}T11:{v % 60:02d}:00Z"
                orders.append((f"{pid}o{v}", user, ts, ts, "paid", str(PRICE * 2)))
                items.append((f"{pid}o{v}", 1, pid, 2, str(PRICE)))
        late = launch + timedelta(days=19)  # day 20: outside the first 15 days
        if late <= AS_OF:
            user, ts = f"{pid}_late", f"{late}T12:00:00Z"
            events.append((f"{pid}late", ts, user, "product_view", pid))
            orders.append((f"{pid}olate", user, ts, ts, "paid", str(PRICE)))
            items.append((f"{pid}olate", 1, pid, 1, str(PRICE)))
    events.append(("first", "2026-03-01T09:00:00Z", "x0", "page_view", ""))
    events.append(("last", f"{AS_OF}T09:00:00Z", "x0", "page_view", ""))
    reviews = [("rv1", "PUSHo0", "PUSH", "PUSH_u0", "2026-09-12T10:00:00Z", "5"),
               ("rv2", "PUSHo1", "PUSH", "PUSH_u1", "2026-09-13T10:00:00Z", "4"),
               ("rv3", "PUSHo2", "PUSH", "PUSH_u2", "2026-09-26T10:00:00Z", "1")]  # day 17: not counted
    refunds = [("rf1", "PUSHo3", "PUSH_u3", "2026-09-14T10:00:00Z", "40", "USD", "damaged", "PUSH")]
    files = {
        "products": write_csv(folder / "products.csv",
                              "product_id,name,category,launched_at,status,product_type,list_price", products),
        "events": write_csv(folder / "events.csv", "event_id,ts,user_id,event,product_id", events),
        "orders": write_csv(folder / "orders.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount", orders),
        "order_items": write_csv(folder / "items.csv", "order_id,line_no,product_id,quantity,unit_price", items),
        "reviews": write_csv(folder / "reviews.csv", "review_id,order_id,product_id,user_id,ts,rating", reviews),
        "refunds": write_csv(folder / "refunds.csv", "refund_id,order_id,user_id,ts,amount,currency,reason,product_id",
                             refunds)}
    path = folder / "trial.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, files, store="t1")
    return path
