"""Pre-aggregated rollups, rebuilt inside the same transaction as every write to their source.

``_rollup_user_day`` holds one row per store, local day and visitor with the count of each
standard event. Visitor counts per day become row counts over a table ~4x smaller than
``events`` (exact, not sketches), which is what keeps the overview fast on tens of millions of
events. Because the import pipeline, the demo builder and the migration refresh it in the
transaction that changes ``events``, it can never disagree with the events it summarises.
The whole store is rebuilt (a few seconds per 10 M events); an incremental refresh of the days
an import touched is a possible improvement.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shoplens.model.vocab import EVENTS

USER_DAY = "_rollup_user_day"
EVENT_COUNTS = {e: f"n_{e}" for e in EVENTS}


def create_user_day(con: Any) -> None:
    counts = ", ".join(f"{c} BIGINT" for c in EVENT_COUNTS.values())
    con.execute(f"CREATE TABLE IF NOT EXISTS {USER_DAY} (store_id VARCHAR, day DATE, user_id VARCHAR,"
                f" n_events BIGINT, {counts})")


def refresh_user_day(con: Any, store_ids: Iterable[str]) -> None:
    """Rebuild the rollup of these stores from their events (call inside the writing transaction)."""
    from shoplens.metrics.scope import Scope, StoreInfo

    create_user_day(con)
    for store_id in dict.fromkeys(store_ids):
        con.execute(f"DELETE FROM {USER_DAY} WHERE store_id = ?", [store_id])
        row = con.execute("SELECT s.timezone, s.reporting_currency, CAST(min(e.ts) AS DATE), CAST(max(e.ts) AS DATE)"
                          " FROM stores s JOIN events e ON e.store_id = s.store_id WHERE s.store_id = ?"
                          " GROUP BY ALL", [store_id]).fetchone()
        if row is None:
            continue
        tz, currency, first, last = row
        scope = Scope((StoreInfo(store_id, tz, currency),), first, last)
        counts = ", ".join(f"count_if(e.event = '{e}') AS {c}" for e, c in EVENT_COUNTS.items())
        con.execute(f"INSERT INTO {USER_DAY} SELECT e.store_id, CAST({scope.local('e', 'e.ts')} AS DATE) AS day,"
                    f" e.user_id, count(*) AS n_events, {counts} FROM events e WHERE e.store_id = ?"
                    " GROUP BY ALL ORDER BY day", [store_id])


def migrate_user_day(con: Any) -> None:
    """Migration 2: create and fill the rollup for every store with events."""
    create_user_day(con)
    refresh_user_day(con, [r[0] for r in con.execute("SELECT DISTINCT store_id FROM events").fetchall()])
