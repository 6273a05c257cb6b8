"""Pre-aggregated rollups, rebuilt inside the same transaction as every write to their source.

``_rollup_user_day`` holds one row per store, local day and visitor with the count of each
standard event, and the visitor's first local day in the store (``first_day``, all history). Visitor
counts per day become row counts over a table ~4x smaller than ``events`` (exact, not sketches),
which is what keeps the overview fast on tens of millions of events; ``first_day`` tells new from
returning visitors without a pass over all events per query. Because the import pipeline, the demo
builder and the migration refresh it in the transaction that changes ``events``, it can never
disagree with the events it summarises.
``_rollup_user_day_dims`` has the same counts one level finer: one row per store, local day, visitor
and (channel, device, country) of the events, so cuts of event measures by those dimensions (anomaly
histories by channel, root cause by device) read it instead of weeks of raw events. Distinct visitors
stay exact (a distinct count of user ids over the rows of a cut), but a visitor-day can have several
rows there. Both tables are written by the same functions below, in the same transaction.
An import refreshes only the local days it touched: the days of the rows it wrote and the days
that replaced events moved away from (``remember_replaced_events``, called by the merge); a
migration or the demo rebuilds whole stores.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from shoplens.model.vocab import EVENTS
from shoplens.warehouse.scope import Scope, StoreInfo

USER_DAY = "_rollup_user_day"
USER_DAY_DIMS = "_rollup_user_day_dims"
# each rollup and the event columns it groups by besides (store_id, day, user_id)
ROLLUPS: dict[str, tuple[str, ...]] = {USER_DAY: (), USER_DAY_DIMS: ("channel", "device", "country")}
REPLACED = "_replaced_events"  # temp table: (store_id, ts) of events replaced by the running import
EVENT_COUNTS = {e: f"n_{e}" for e in EVENTS}
# events per statement when a whole store's rollup is rebuilt: the dims rollup groups by six keys, and a 2 M-event
# demo must build under a 160 MiB memory limit
CHUNK_EVENTS = 1_000_000


def create_user_day(con: Any) -> None:
    """Both rollup tables (IF NOT EXISTS); only the visitor-day one carries ``first_day``."""
    counts = ", ".join(f"{c} BIGINT" for c in EVENT_COUNTS.values())
    for table, dims in ROLLUPS.items():
        extra = "".join(f" {d} VARCHAR," for d in dims)
        first = ", first_day DATE" if table == USER_DAY else ""
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} (store_id VARCHAR, day DATE, user_id VARCHAR,{extra}"
                    f" n_events BIGINT, {counts}{first})")


def set_first_days(con: Any, store_id: str, users: str | None = None) -> None:
    """``first_day`` of a store's visitors (only of ``users``, a query of user ids, when given): the
    earliest day each has a row. Called after every change of the store's rows, in the same transaction."""
    only = f" AND user_id IN ({users})" if users else ""
    con.execute(f"UPDATE {USER_DAY} r SET first_day = f.first_day FROM (SELECT user_id, min(day) AS first_day"
                f" FROM {USER_DAY} WHERE store_id = $1{only} GROUP BY user_id) f"
                " WHERE r.store_id = $1 AND r.user_id = f.user_id AND r.first_day IS DISTINCT FROM f.first_day",
                [store_id])


def add_first_days(con: Any) -> None:
    """Migration 8: ``first_day`` for warehouses made before it."""
    create_user_day(con)
    con.execute(f"ALTER TABLE {USER_DAY} ADD COLUMN IF NOT EXISTS first_day DATE")
    for (store_id,) in con.execute(f"SELECT DISTINCT store_id FROM {USER_DAY}").fetchall():
        set_first_days(con, store_id)


def remember_replaced_events(con: Any, select_sql: str) -> None:
    """Keep (store_id, ts) of events about to be replaced, so their old days get refreshed too."""
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {REPLACED} (store_id VARCHAR, ts TIMESTAMP)")
    con.execute(f"INSERT INTO {REPLACED} {select_sql}")


def _insert(con: Any, scope: Any, where: str, params: list[Any], tables: Iterable[str] = tuple(ROLLUPS)) -> None:
    """Rollup rows of the events ``where`` selects (``e`` is events), local days of ``scope``'s store."""
    counts = ", ".join(f"count_if(e.event = '{e}') AS {c}" for e, c in EVENT_COUNTS.items())
    for table in tables:
        dims = ROLLUPS[table]
        cols = ", ".join(["store_id", "day", "user_id", *dims, "n_events", *EVENT_COUNTS.values()])
        keys = "".join(f" e.{d}," for d in dims)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT e.store_id, CAST({scope.local('e', 'e.ts')} AS DATE)"
                    f" AS day, e.user_id,{keys} count(*) AS n_events, {counts} FROM events e WHERE {where}"
                    " GROUP BY ALL ORDER BY day", params)


def _delete(con: Any, where: str, params: list[Any], tables: Iterable[str] = tuple(ROLLUPS)) -> None:
    for table in tables:
        con.execute(f"DELETE FROM {table} WHERE {where}", params)


def refresh_days_of_import(con: Any, import_id: int) -> None:
    """Refresh the rollup days an import touched, in every store it wrote events to (inside its transaction)."""
    create_user_day(con)
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {REPLACED} (store_id VARCHAR, ts TIMESTAMP)")
    stores = con.execute(f"SELECT DISTINCT store_id FROM events WHERE _import_id = ? UNION SELECT store_id FROM"
                         f" {REPLACED}", [import_id]).fetchall()
    for (store_id,) in stores:
        _refresh_days(con, store_id, import_id)


def _refresh_days(con: Any, store_id: str, import_id: int) -> None:
    row = con.execute("SELECT timezone, reporting_currency FROM stores WHERE store_id = ?", [store_id]).fetchone()
    bounds = con.execute(f"SELECT CAST(min(ts) AS DATE), CAST(max(ts) AS DATE) FROM (SELECT ts FROM events"
                         f" WHERE store_id = ? AND _import_id = ? UNION ALL SELECT ts FROM {REPLACED}"
                         " WHERE store_id = ?)", [store_id, import_id, store_id]).fetchone()
    if row is None or bounds is None or bounds[0] is None:
        return
    scope = Scope((StoreInfo(store_id, row[0], row[1]),), bounds[0] - timedelta(days=1),
                  bounds[1] + timedelta(days=1))
    day = f"CAST({scope.local('e', 'e.ts')} AS DATE)"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_days AS SELECT DISTINCT {day} AS day FROM ("
                f"SELECT store_id, ts FROM events WHERE store_id = $1 AND _import_id = $2 UNION ALL"
                f" SELECT store_id, ts FROM {REPLACED} WHERE store_id = $1) e", [store_id, import_id])
    touched = f"SELECT DISTINCT user_id FROM {USER_DAY} WHERE store_id = $1 AND day IN (SELECT day FROM _rollup_days)"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_users AS {touched}", [store_id])  # rows about to go
    _delete(con, "store_id = ? AND day IN (SELECT day FROM _rollup_days)", [store_id])
    lo, hi = bounds[0] - timedelta(days=2), bounds[1] + timedelta(days=2)
    _insert(con, scope, f"e.store_id = ? AND e.ts >= ? AND e.ts < ? AND {day} IN (SELECT day FROM _rollup_days)",
            [store_id, lo, hi])
    con.execute(f"INSERT INTO _rollup_users {touched}", [store_id])  # and the rows that replaced them
    set_first_days(con, store_id, "SELECT user_id FROM _rollup_users")
    con.execute("DROP TABLE IF EXISTS _rollup_users")
    con.execute(f"DELETE FROM {REPLACED} WHERE store_id = ?", [store_id])
    con.execute("DROP TABLE IF EXISTS _rollup_days")


def refresh_user_day(con: Any, store_ids: Iterable[str]) -> None:
    """Rebuild the rollup of these stores from their events (call inside the writing transaction)."""
    create_user_day(con)
    _rebuild(con, store_ids, tuple(ROLLUPS))


def _rebuild(con: Any, store_ids: Iterable[str], tables: tuple[str, ...]) -> None:
    for store_id in dict.fromkeys(store_ids):
        _delete(con, "store_id = ?", [store_id], tables)
        # two lookups, not a join: DuckDB may build the join's hash table from all of the store's events
        row = con.execute("SELECT timezone, reporting_currency, (SELECT CAST(min(ts) AS DATE) FROM events"
                          " WHERE store_id = $1), (SELECT CAST(max(ts) AS DATE) FROM events WHERE store_id = $1)"
                          " FROM stores WHERE store_id = $1", [store_id]).fetchone()
        if row is None or row[2] is None:
            continue
        tz, currency, first, last = row
        scope = Scope((StoreInfo(store_id, tz, currency),), first, last)
        _insert_by_days(con, scope, store_id, first, last, tables)
        if USER_DAY in tables:
            set_first_days(con, store_id)


def _insert_by_days(con: Any, scope: Any, store_id: str, first: Any, last: Any, tables: tuple[str, ...]) -> None:
    """A whole store's rollup in ranges of local days of about ``CHUNK_EVENTS`` events each.

    One GROUP BY over a 20 M-event store holds ~5 M visitor-days at once (beyond the memory limit it
    spills, slowly, and overshoots it); by ranges it holds a few hundred thousand. Same rows either way.
    """
    n = con.execute("SELECT count(*) FROM events WHERE store_id = ?", [store_id]).fetchone()[0]
    if n <= CHUNK_EVENTS:
        _insert(con, scope, "e.store_id = ?", [store_id], tables)
        return
    lo, hi = first - timedelta(days=1), last + timedelta(days=1)  # local days lie within a day of UTC ones
    step = max(1, -(-((hi - lo).days + 1) * CHUNK_EVENTS // n))
    day = f"CAST({scope.local('e', 'e.ts')} AS DATE)"
    while lo <= hi:
        end = min(lo + timedelta(days=step - 1), hi)
        _insert(con, scope, f"e.store_id = ? AND e.ts >= ? AND e.ts < ? AND {day} BETWEEN ? AND ?",
                [store_id, lo - timedelta(days=2), end + timedelta(days=3), lo, end], tables)
        lo = end + timedelta(days=1)


def migrate_user_day(con: Any) -> None:
    """Migration 2: create and fill the rollup for every store with events; give the file an id.

    The id (``_shoplens_meta.warehouse_id``) lets caches tell a rebuilt file at the same path from the old one.
    """
    con.execute("CREATE TABLE IF NOT EXISTS _shoplens_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT OR REPLACE INTO _shoplens_meta VALUES ('warehouse_id', CAST(uuid() AS VARCHAR))")
    create_user_day(con)
    refresh_user_day(con, [r[0] for r in con.execute("SELECT DISTINCT store_id FROM events").fetchall()])


def migrate_user_day_dims(con: Any) -> None:
    """Migration 18: create and fill the visitor-day rollup by channel, device and country for every store."""
    create_user_day(con)
    _rebuild(con, [r[0] for r in con.execute("SELECT DISTINCT store_id FROM events").fetchall()], (USER_DAY_DIMS,))
