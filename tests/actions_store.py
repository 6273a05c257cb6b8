"""A generated store for the action-effect tests: three channels, 100 new visitors a day each for 70 days
(2026-01-01 .. 2026-03-11, UTC), each buying with probability 0.20, and from ``LIFT_DAY`` on paid_search buys with
probability 0.20 + ``lift`` (the injected effect). Events only: purchase events are the purchases."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import shoplens
from csv_files import import_clean, write_csv

START = date(2026, 1, 1)
DAYS = 70
LIFT_DAY = date(2026, 2, 25)  # day 55: the action's day
CHANNELS = ("paid_search", "email", "direct")
BASE = 0.20


def build(path: Path, lift: float, seed: int = 7) -> Path:
    rng = random.Random(seed)
    rows = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        for channel in CHANNELS:
            p = BASE + (lift if channel == "paid_search" and day >= LIFT_DAY else 0.0)
            for v in range(100):
                user = f"{channel}-{i}-{v}"
                ts = datetime(day.year, day.month, day.day, 8) + timedelta(minutes=v * 5)
                rows.append((f"{user}-v", ts.isoformat() + "Z", user, "product_view", channel))
                if rng.random() < p:
                    rows.append((f"{user}-p", (ts + timedelta(minutes=2)).isoformat() + "Z", user, "purchase", channel))
    events = write_csv(path.parent / f"{path.stem}_events.csv", "event_id,ts,user_id,event,channel", rows)
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, {"events": events}, store="gen", timezone="UTC")
    return path
