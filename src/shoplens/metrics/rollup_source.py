"""Serving event measures from ``_rollup_user_day`` when a query allows it (same numbers, less work).

A plain or entities measure on ``events`` can use the rollup when it only needs visitors, event
types and the store, and the grain is a day or longer: a count of events becomes a sum of the
per-event counts, a distinct count of visitors stays a distinct count (exact) over visitor-days.
"""

from __future__ import annotations

from typing import Any

from shoplens.metrics.spec import Condition, Measure
from shoplens.warehouse.rollups import EVENT_COUNTS, USER_DAY
from shoplens.warehouse.scope import Scope, distinct_key

ROLLUP_COLUMNS = frozenset({"user_id", "event", "store"})


def usable(measures: list[Measure], dims: tuple[str, ...], where_dims: set[str], grain: str | None) -> bool:
    if grain == "hour" or not set(dims) <= {"store"} or not where_dims <= {"store"}:
        return False
    for m in measures:
        conds = list(m.where) + [c for conds, _ in m.having for c in conds]
        if ({m.column} - {None}) - ROLLUP_COLUMNS or any(c.column not in ROLLUP_COLUMNS for c in conds):
            return False
        if any(c.column == "event" and (c.null is not None or set(c.values) - set(EVENT_COUNTS)) for c in conds):
            return False
    return True


def rollup_sql(scope: Scope) -> str:
    counts = ", ".join(EVENT_COUNTS.values())
    return (f"SELECT r.store_id, CAST(r.day AS TIMESTAMP) AS _ts, r.user_id, r.store_id AS store, r.n_events, "
            f"{counts} FROM {USER_DAY} r WHERE {scope.store_filter('r')} AND {scope.date_range('r.day')}"
            + scope.member_filter("r"))


def event_count(t: Any, conds: tuple[Condition, ...]) -> Any:
    """The number of events a visitor-day row holds that meet ``conds`` (only event-type conditions)."""
    events = next((c.values for c in conds if c.column == "event"), None)
    if events is None:
        return t["n_events"]
    total = None
    for e in events:
        total = t[EVENT_COUNTS[e]] if total is None else total + t[EVENT_COUNTS[e]]
    return total


def reduction(t: Any, m: Measure, rows_are_visitors: bool = False, stores: int = 1) -> Any:
    """``rows_are_visitors``: a daily grain, so each row is a distinct (store, visitor) of its day."""
    if m.agg == "count":
        return event_count(t, m.where).sum()
    if rows_are_visitors and m.column == "user_id":
        return t.count(where=event_count(t, m.where) > 0) if m.where else t.count()
    key = distinct_key(t, m.column or "", stores)
    return key.nunique(where=event_count(t, m.where) > 0) if m.where else key.nunique()
