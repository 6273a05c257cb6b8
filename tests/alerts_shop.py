"""A small generated store for the alert tests, with numbers simple enough to work out by hand.

Store ``s1`` (UTC, USD), 35 days from Monday 2026-03-02 to Sunday 2026-04-05 (``DAY``, the checked day). Every
day each of two channels (paid_search, organic_search) has 100 visitors, and 5 of them buy one order of 100:
store uv 200, GMV 1,000, uv_value 5.00, conversion 10 / 200 = 5 %. On ``DAY`` paid_search has 1 buyer instead of 5:
store GMV 600, uv_value 3.00 (-40 % against the mean of the 4 previous Sundays, 5.00), conversion 6 / 200 = 3 %
(exactly the shipped benchmark and target of conversion_rate, 0.03); paid_search conversion 1 %.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import shoplens
from csv_files import import_clean, write_csv
from shoplens.ingest.pipeline import import_files

START = date(2026, 3, 2)
DAYS = 35
DAY = START + timedelta(days=DAYS - 1)  # Sunday 2026-04-05
CHANNELS = ("paid_search", "organic_search")
ORDERS_HEADER = "order_id,user_id,created_ts,paid_ts,status,gross_amount,channel,device"


def buyers(day: date, channel: str) -> int:
    return 1 if (day == DAY and channel == "paid_search") else 5


def order_rows(amount_on_day: float = 100.0) -> list[tuple]:
    """Every order; those of ``DAY`` cost ``amount_on_day`` (a later import can change them)."""
    rows = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        for channel in CHANNELS:
            for k in range(buyers(day, channel)):
                ts = f"{day}T10:{k:02d}:00Z"
                amount = amount_on_day if day == DAY else 100.0
                rows.append((f"o{i}_{channel[0]}{k}", f"u{i}_{channel[0]}{k}", ts, ts, "paid", str(amount), channel,
                             "mobile"))
    return rows


def build(folder: Path) -> Path:
    events = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        for channel in CHANNELS:
            for k in range(100):
                user, ts = f"u{i}_{channel[0]}{k}", f"{day}T09:{k % 60:02d}:00Z"
                events.append((f"e{user}", ts, user, "product_view", "p1", channel, "mobile"))
                if k < buyers(day, channel):
                    events.append((f"p{user}", f"{day}T10:{k:02d}:00Z", user, "purchase", "p1", channel, "mobile"))
    files = {"events": write_csv(folder / "events.csv", "event_id,ts,user_id,event,product_id,channel,device", events),
             "orders": write_csv(folder / "orders.csv", ORDERS_HEADER, order_rows())}
    path = folder / "shop.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, files, store="s1")
    return path


def reimport_orders(path: Path, folder: Path, amount_on_day: float) -> None:
    """Import the orders again with another amount for the orders of ``DAY`` (the merge replaces them)."""
    file = write_csv(folder / "orders_fixed.csv", ORDERS_HEADER, order_rows(amount_on_day))
    with shoplens.connect(str(path)) as wh:
        import_files(wh, [file], table="orders", store="s1", currency="USD", timezone="UTC")
