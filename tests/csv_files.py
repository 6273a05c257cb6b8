"""Writing the small CSV files that test fixtures import (one helper for every test module)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def write_csv(path: Path, header: str, rows: Iterable[Sequence[Any]]) -> Path:
    """``header`` (comma-separated names) and ``rows`` as a UTF-8 CSV file at ``path`` (each row fits the header)."""
    names = header.split(",")
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for row in rows:
            assert len(row) == len(names), (path.name, row)
            writer.writerow(row)
    return path


def import_clean(wh: Any, files: dict[str, Path], *, store: str, currency: str = "USD",
                 timezone: str = "UTC") -> None:
    """Import each ``table: file`` into ``store``; a fixture's rows are all valid, so nothing may be quarantined."""
    from shoplens.ingest.pipeline import import_files

    for table, file in files.items():
        summary = import_files(wh, [file], table=table, store=store, currency=currency, timezone=timezone)
        assert summary.files[0].quarantined == 0, summary.examples


def small_shop(folder: Path, visits: dict[str, list[str]], orders: Sequence[tuple[str, str, str, float, str]],
               refunds: Sequence[tuple[str, str, str, str, float]],
               spend: Sequence[tuple[str, str, str, float]], *, store: str = "t") -> Path:
    """A hand-made store in ``folder/w.duckdb`` (UTC, USD): one page view per ``visits`` day and user at 09:00,
    paid ``orders`` (id, user, time, amount, channel), ``refunds`` (id, order, user, time, amount) and ad
    ``spend`` (date, channel, campaign, amount)."""
    import shoplens

    events = [(f"e{d}{u}", f"{d}T09:00:00Z", u, f"s{d}{u}", "page_view", "organic_search")
              for d, users in visits.items() for u in users]
    files = {
        "events": write_csv(folder / "events.csv", "event_id,ts,user_id,session_id,event,channel", events),
        "orders": write_csv(folder / "orders.csv", "order_id,user_id,created_ts,paid_ts,gross_amount,channel",
                            [(o, u, ts, ts, amount, ch) for o, u, ts, amount, ch in orders]),
        "refunds": write_csv(folder / "refunds.csv", "refund_id,order_id,user_id,ts,amount", refunds),
        "ad_spend": write_csv(folder / "ad_spend.csv", "date,channel,campaign,spend", spend),
    }
    path = folder / "w.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, files, store=store, currency="USD", timezone="UTC")
    return path
