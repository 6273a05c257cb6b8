"""A small generated store for the recommendation tests: healthy by default, with one planted fault per rule.

Store ``s1`` (UTC, USD), 42 days from Monday 2026-03-02 to Sunday 2026-04-12 (``DAY``, the day looked at). Every day
each of three channels (paid_search and marketplace_ads: paid; organic_search: free) has 100 visitors ``k`` = 0..99.
Visitor k views product ``p{k % 4 + 1}``; k < 60 add it to cart; k < 5 buy it (one order of one unit at 100). So per
day and channel: 60 add-to-cart visitors, 5 buyers (p1 twice: k = 0 and 4; p2, p3, p4 once), GMV 500; store: 300
visitors, 15 buyers, GMV 1,500, conversion 5 %, cart-to-purchase 5 / 60. paid_search spends 100 a day on campaign
c1 (ROI 5). Products p1..p4 are on sale with 1,000 units on hand every day. Nobody buys twice, nothing is refunded.

Faults (``Shop`` fields), each planted in the last days up to ``DAY``:
- ``hot_product``: 150 more organic_search visitors a day view p4 over the last 7 days and never buy;
- ``cart_day_buyers``: paid_search buyers on ``DAY`` (default 5);
- ``marketplace_buyers`` / ``marketplace_amount``: marketplace_ads buyers and order amount over the last 7 days;
- ``spend`` / ``spend_days``: paid_search's daily spend over the last ``spend_days`` days;
- ``dormant``: that many customers with 3 orders of 300 each in October 2025 (frequent, valuable, long gone);
- ``p5_units``: product p5 on sale, never sold, with these units on hand (None: no p5);
- ``stock``: units on hand on ``DAY`` per product (overrides 1,000); ``in_transit``: units on the way that day;
- ``refunds_p2`` / ``refund_days``: full refunds of that many p2 orders over the last ``refund_days`` days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import shoplens
from csv_files import import_clean, write_csv

START = date(2026, 3, 2)
DAYS = 42
DAY = START + timedelta(days=DAYS - 1)  # Sunday 2026-04-12
CHANNELS = ("paid_search", "marketplace_ads", "organic_search")
PRODUCTS = ("p1", "p2", "p3", "p4")


@dataclass
class Shop:
    hot_product: bool = False
    cart_day_buyers: int = 5
    marketplace_buyers: int = 5
    marketplace_amount: float = 100.0
    spend: float = 100.0
    spend_days: int = 7
    dormant: int = 0
    p5_units: int | None = None
    stock: dict[str, int] = field(default_factory=dict)
    in_transit: dict[str, int] = field(default_factory=dict)
    refunds_p2: int = 0
    refund_days: int = 7

    def buyers(self, day: date, channel: str) -> int:
        last7 = (DAY - day).days < 7
        if channel == "paid_search" and day == DAY:
            return self.cart_day_buyers
        if channel == "marketplace_ads" and last7:
            return self.marketplace_buyers
        return 5

    def amount(self, day: date, channel: str) -> float:
        return self.marketplace_amount if channel == "marketplace_ads" and (DAY - day).days < 7 else 100.0


def build(folder: Path, shop: Shop) -> Path:
    events, orders, items, refunds = [], [], [], []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        for c, channel in enumerate(CHANNELS):
            for k in range(100):
                user, product = f"u{i}_{c}_{k}", PRODUCTS[k % 4]
                events.append((f"v{user}", f"{day}T09:{k % 60:02d}:00Z", user, "product_view", product, channel))
                if k < 60:
                    events.append((f"a{user}", f"{day}T09:{k % 60:02d}:30Z", user, "add_to_cart", product, channel))
                if k < shop.buyers(day, channel):
                    ts, order = f"{day}T10:{k:02d}:00Z", f"o{i}_{c}_{k}"
                    events.append((f"p{user}", ts, user, "purchase", product, channel))
                    amount = shop.amount(day, channel)
                    orders.append((order, user, ts, ts, "paid", amount, channel))
                    items.append((order, 1, product, 1, amount))
                    if product == "p2" and (DAY - day).days < shop.refund_days and len(refunds) < shop.refunds_p2:
                        refunds.append((f"r{order}", order, user, f"{day}T20:00:00Z", amount, "p2"))
            if shop.hot_product and channel == "organic_search" and (DAY - day).days < 7:
                for k in range(150):
                    user = f"h{i}_{k}"
                    events.append((f"v{user}", f"{day}T11:{k % 60:02d}:00Z", user, "product_view", "p4", channel))
    for n in range(shop.dormant):
        for j in range(3):
            ts, order = f"2025-10-{j + 1:02d}T10:{n % 60:02d}:00Z", f"d{n}_{j}"
            orders.append((order, f"d{n}", ts, ts, "paid", 300.0, "organic_search"))
            items.append((order, 1, "p1", 1, 300.0))
    products = [(p, "cat", "on_sale") for p in PRODUCTS]
    if shop.p5_units is not None:
        products.append(("p5", "cat", "on_sale"))
    stock = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        for p in PRODUCTS:
            stock.append((day, p, "w1", shop.stock.get(p, 1000) if day == DAY else 1000,
                          shop.in_transit.get(p, 0) if day == DAY else 0))
        if shop.p5_units is not None:
            stock.append((day, "p5", "w1", shop.p5_units, 0))
    spend = [(START + timedelta(days=i), "paid_search", "c1",
              shop.spend if (DAY - START).days - i < shop.spend_days else 100.0, 1000, 100) for i in range(DAYS)]
    files = {
        "products": write_csv(folder / "products.csv", "product_id,category,status", products),
        "events": write_csv(folder / "events.csv", "event_id,ts,user_id,event,product_id,channel", events),
        "orders": write_csv(folder / "orders.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount,channel",
                            orders),
        "order_items": write_csv(folder / "items.csv", "order_id,line_no,product_id,quantity,unit_price", items),
        "ad_spend": write_csv(folder / "spend.csv", "date,channel,campaign,spend,impressions,clicks", spend),
        "inventory_snapshots": write_csv(folder / "stock.csv", "date,product_id,warehouse,on_hand,in_transit", stock),
    }
    if refunds:
        files["refunds"] = write_csv(folder / "refunds.csv", "refund_id,order_id,user_id,ts,amount,product_id", refunds)
    path = folder / "shop.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, files, store="s1")
    return path


def recommendations(path: Path, rule: str | None = None, **kw: object) -> list[dict]:
    """The recommendations of ``DAY`` (only ``rule``'s when given)."""
    with shoplens.connect(str(path), read_only=True) as wh:
        items = shoplens.recommend(wh, day=DAY, **kw).to_dict()["recommendations"]
    return [r for r in items if rule is None or r["rule"] == rule]
