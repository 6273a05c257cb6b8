"""Serving event measures from the visitor-day rollups when a query allows it (same numbers, less work).

A plain or entities measure on ``events`` can use a rollup when it only needs visitors, event
types and the grain is a day or longer: a count of events becomes a sum of the per-event counts, a
distinct count of visitors stays a distinct count (exact) over the rollup's rows. Cut by the store
only, ``_rollup_user_day`` answers (one row per visitor-day); cut or filtered by channel, device,
country (or channel type / market, derived from them), ``_rollup_user_day_dims`` answers, so an
anomaly history of six weeks by channel does not read six weeks of raw events. Member tier and new vs
returning are attributes of the visitor-day, so either rollup answers them too: the tier through the
customers table, new vs returning through the visitor-day's ``first_day`` (joined back for the dims rollup),
the same rules as the events source (:mod:`shoplens.metrics.sources`).
"""

from __future__ import annotations

from typing import Any

from shoplens.metrics.sources import CUSTOMER_JOIN, MEMBER_TIER, NEW_OR_RETURNING
from shoplens.metrics.spec import Condition, Measure
from shoplens.warehouse.rollups import EVENT_COUNTS, USER_DAY, USER_DAY_DIMS
from shoplens.warehouse.scope import Scope, channel_type_sql, distinct_key

ROLLUP_COLUMNS = frozenset({"user_id", "event", "store"})
# dimensions the dims rollup answers (channel type and market derive from channel and country)
DIM_COLUMNS = ("store", "channel", "channel_type", "device", "country", "market")
VISITOR_DAY_COLUMNS = ("member_tier", "new_vs_returning")  # per visitor and day: both rollups answer them


def _dim_sql() -> dict[str, str]:
    return {"channel": "r.channel", "channel_type": channel_type_sql("r.channel"), "device": "r.device",
            "country": "r.country", "market": "r.country"}


def usable(measures: list[Measure], dims: tuple[str, ...], where_dims: set[str], grain: str | None) -> str | None:
    """The rollup table that can answer these measures by ``dims`` with ``where_dims`` filters, or None."""
    if grain == "hour" or not set(dims) | where_dims <= {*DIM_COLUMNS, *VISITOR_DAY_COLUMNS}:
        return None
    for m in measures:
        conds = list(m.where) + [c for conds, _ in m.having for c in conds]
        if ({m.column} - {None}) - ROLLUP_COLUMNS or any(c.column not in ROLLUP_COLUMNS for c in conds):
            return None
        if any(c.column == "event" and (c.null is not None or set(c.values) - set(EVENT_COUNTS)) for c in conds):
            return None
    return USER_DAY if set(dims) | where_dims <= {"store", *VISITOR_DAY_COLUMNS} else USER_DAY_DIMS


def rollup_sql(scope: Scope, table: str = USER_DAY, needs: frozenset[str] = frozenset()) -> str:
    """The rollup's rows of the scope, with the dimension columns ``needs`` (only those that cost a join)."""
    counts = ", ".join(f"r.{c} AS {c}" for c in EVENT_COUNTS.values())
    dims = "".join(f"{sql} AS {name}, " for name, sql in _dim_sql().items()) if table == USER_DAY_DIMS else ""
    joins = ""
    if "member_tier" in needs:
        dims += f"{MEMBER_TIER} AS member_tier, "
        joins += CUSTOMER_JOIN.format(a="r")
    if "new_vs_returning" in needs:
        dims += NEW_OR_RETURNING.format(u="r" if table == USER_DAY else "u") + " AS new_vs_returning, "
        if table != USER_DAY:  # a row of the visitor-day rollup is the visitor-day itself
            joins += (f" JOIN {USER_DAY} u ON u.store_id = r.store_id AND u.user_id = r.user_id AND u.day = r.day"
                      f" AND {scope.store_filter('u')} AND {scope.date_range('u.day')}")
    return (f"SELECT r.store_id, CAST(r.day AS TIMESTAMP) AS _ts, r.user_id, r.store_id AS store, "
            f"{dims}r.n_events AS n_events, {counts} FROM {table} r{joins}"
            f" WHERE {scope.store_filter('r')} AND {scope.date_range('r.day')}" + scope.member_filter("r"))


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
    """``rows_are_visitors``: a daily grain over ``_rollup_user_day``, so each row is a distinct (store,
    visitor) of its day (never true of the dims rollup: a visitor-day has a row per channel, device, country)."""
    if m.agg == "count":
        return event_count(t, m.where).sum()
    if rows_are_visitors and m.column == "user_id":
        return t.count(where=event_count(t, m.where) > 0) if m.where else t.count()
    key = distinct_key(t, m.column or "", stores)
    return key.nunique(where=event_count(t, m.where) > 0) if m.where else key.nunique()
