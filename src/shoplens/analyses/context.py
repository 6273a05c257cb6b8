"""What an analysis covers: which stores, which local dates, which events and users.

``open_context`` checks the store names, works out each store's data range (so local-day
arithmetic can use the fast UTC-offset form of ``Scope.local``) and which stores have no
``purchase`` events of their own: for those, every paid order is read as a ``purchase`` event
(at its payment time, with its channel/country/device), so repurchase cohorts, RFM and funnels
ending in a purchase work on stores that only import orders (online-retail, CDNOW).

Identifiers in the SQL come from this module and the allow-lists in ``filters.py``; every user
value is a quoted literal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from shoplens.analyses.filters import Condition, conditions_sql, parse_where
from shoplens.errors import ShoplensError
from shoplens.metrics.sources import PAID_ORDER
from shoplens.params import DATE_MAX, DATE_MIN, check_day, parse_day
from shoplens.warehouse.rollups import USER_DAY
from shoplens.warehouse.scope import Scope, StoreInfo, lit, pick_stores

FIRST_DAY, LAST_DAY = DATE_MIN, DATE_MAX  # dates an analysis accepts (the one rule of shoplens.params)
EVENT_FIELDS = ("store_id", "event_id", "ts", "user_id", "session_id", "event", "page_type", "product_id",
                "channel", "source", "medium", "campaign", "device", "country", "properties")


@dataclass(frozen=True)
class Context:
    wh: Any  # shoplens Warehouse
    scope: Scope  # stores and the inclusive local date range (always bounded: defaults to the data's range)
    where: tuple[Condition, ...] = ()
    segment: str | None = None
    orders_as_purchases: tuple[str, ...] = ()  # stores without purchase events: paid orders stand in
    data_start: date | None = None
    data_end: date | None = None
    members_table: str | None = None  # the segment's members, materialised by ``segment_materialised``

    @property
    def start(self) -> date:
        return self.scope.start  # type: ignore[return-value]

    @property
    def end(self) -> date:
        return self.scope.end  # type: ignore[return-value]

    @property
    def multi_store(self) -> bool:
        return len(self.scope.stores) > 1

    def user_cols(self, alias: str | None = None) -> str:
        """The columns that identify a user: ``user_id``, or ``store_id, user_id`` across stores."""
        p = f"{alias}." if alias else ""
        return f"{p}store_id, {p}user_id" if self.multi_store else f"{p}user_id"

    def with_range(self, start: date | None, end: date | None) -> Context:
        return replace(self, scope=self.scope.with_range(start or self.start, end or self.end))

    def run(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self.wh.con.execute(sql, params or []).df()

    # ---- SQL pieces ---------------------------------------------------------------------------
    def local_time(self, alias: str, ts: str) -> str:
        """Local time of a UTC timestamp anywhere in the data (the offsets cover all data and the range)."""
        lo = min(d for d in (self.start, self.data_start) if d is not None)
        hi = max(d for d in (self.end, self.data_end) if d is not None)
        return self.scope.with_range(lo, hi).local(alias, ts)

    def local_day(self, alias: str, ts: str) -> str:
        return f"CAST({self.local_time(alias, ts)} AS DATE)"

    def members_sql(self) -> str:
        """SELECT ``store_id, user_id`` of the segment's members (the materialised table when there is one)."""
        if self.members_table:
            return f"SELECT store_id, user_id FROM {self.members_table}"
        from shoplens.analyses.segments import members_sql

        return members_sql(self, self.segment or "")

    def in_segment(self, alias: str) -> str:
        """Condition: the row's user is a member of the context's segment (TRUE without one)."""
        if not self.segment:
            return "TRUE"
        return f"({self.user_cols(alias)}) IN (SELECT {self.user_cols()} FROM ({self.members_sql()}))"

    def events_sql(self, *, start: date | None = None, end: date | None = None, where: bool = True,
                   conditions: bool = True, fields: tuple[str, ...] = EVENT_FIELDS, extra: str = "") -> str:
        """SELECT of behaviour events in [start, end] (local dates; default: the context's range).

        Rows: ``events`` of the stores, plus paid orders as ``purchase`` events for the stores in
        ``orders_as_purchases``; users with no id are left out (they cannot be followed). ``where``
        applies the context's conditions (unless ``conditions`` is False) and segment; ``extra`` is
        one more SQL condition on ``e``.
        """
        scope = self.scope.with_range(start or self.start, end or self.end)
        conds = [scope.store_filter("e"), scope.ts_range("e", "e.ts"), "e.user_id IS NOT NULL"]
        if where:
            if conditions:
                conds.append(conditions_sql(self.where, "e"))
            if self.segment:
                conds.append(self.in_segment("e"))
        if extra:
            conds.append(extra)
        source = "events"
        if self.orders_as_purchases:
            source = f"({EVENTS_WITH_ORDERS.format(stores=', '.join(lit(s) for s in self.orders_as_purchases))})"
        cols = ", ".join(f"e.{f}" for f in fields)
        return f"SELECT {cols} FROM {source} e WHERE " + " AND ".join(conds)


EVENTS_WITH_ORDERS = (
    "SELECT " + ", ".join(EVENT_FIELDS) + " FROM events UNION ALL "
    "SELECT o.store_id, 'order:' || o.order_id, coalesce(o.paid_ts, o.created_ts), o.user_id, NULL, 'purchase', NULL,"
    " NULL, o.channel, NULL, NULL, NULL, o.device, o.country, json_object('order_id', o.order_id)"
    " FROM orders o WHERE o.store_id IN ({stores}) AND " + PAID_ORDER.format(o="o"))


def _stores(wh: Any) -> list[StoreInfo]:
    rows = wh.con.execute("SELECT store_id, timezone, reporting_currency FROM stores ORDER BY store_id").fetchall()
    return [StoreInfo(*r) for r in rows]


def resolve_stores(wh: Any, store: str | list[str] | tuple[str, ...] | None) -> tuple[StoreInfo, ...]:
    return tuple(pick_stores(_stores(wh), store))


def _data_range(wh: Any, scope: Scope) -> tuple[date | None, date | None]:
    """First and last local day with events or orders in the scope's stores."""
    orders_day = f"CAST({scope.local('o', 'coalesce(o.paid_ts, o.created_ts)', bounded=False)} AS DATE)"
    row = wh.con.execute(
        f"SELECT min(d0), max(d1) FROM (SELECT min(r.day) AS d0, max(r.day) AS d1 FROM {USER_DAY} r"
        f" WHERE {scope.store_filter('r')} UNION ALL SELECT min({orders_day}), max({orders_day}) FROM orders o"
        f" WHERE {scope.store_filter('o')})").fetchone()
    return (row[0], row[1]) if row else (None, None)


def as_date(value: date | str | None, name: str) -> date | None:
    """A date from a ``date`` (a datetime gives its date) or a text in a spelling imports read (2026-10-25,
    2026/10/25, 20261025, 2026年10月25日)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ShoplensError(f"{name} {value!r} is not a date", hint="write it as YYYY-MM-DD, e.g. 2026-10-25",
                            zh=f"{name} {value!r} 不是日期", zh_hint="请写成 YYYY-MM-DD，例如 2026-10-25")
    return parse_day(value, name)


def open_context(wh: Any, *, store: str | list[str] | tuple[str, ...] | None = None, start: date | str | None = None,
                 end: date | str | None = None, where: Any = None, segment: str | None = None) -> Context:
    """The context of one analysis request (dates are inclusive local dates; default: all data)."""
    stores = resolve_stores(wh, store)
    start, end = as_date(start, "--from"), as_date(end, "--to")
    if start and end and start > end:
        raise ShoplensError(f"--from {start} is after --to {end}", hint="swap the dates",
                            zh=f"--from {start} 晚于 --to {end}", zh_hint="请交换两个日期")
    scope = Scope(stores, None, None)
    first, last = _data_range(wh, scope)
    if first is None:
        raise ShoplensError("the selected stores have no events or orders yet", hint="import events or orders",
                            zh="所选店铺还没有事件或订单数据", zh_hint="请先导入事件或订单")
    ids = [s.store_id for s in stores]
    with_purchases = {r[0] for r in wh.con.execute(
        f"SELECT DISTINCT store_id FROM {USER_DAY} WHERE n_purchase > 0 AND store_id IN "
        f"({', '.join(lit(s) for s in ids)})").fetchall()}
    check_day(start, "--from")
    check_day(end, "--to")
    given_start = start
    start, end = start or first, end or last
    if end < start:  # a range entirely outside the data selects nothing (not the nearest data day)
        if given_start is None:
            start = end
        else:
            end = start
    conditions = parse_where(where)
    from shoplens.analyses.value_checks import check_conditions

    check_conditions(wh, stores, conditions, where="--where")  # an unknown value is an error, not 0 users
    return Context(wh, Scope(stores, start, end), conditions, segment,
                   tuple(s for s in ids if s not in with_purchases), first, last)


@contextmanager
def segment_materialised(ctx: Context) -> Iterator[Context]:
    """The context with its segment's members in a TEMP table for the duration of one analysis.

    A segment's rule can be costly (order metrics, RFM); queries that read events several times
    (funnel levels, exclusions) would otherwise evaluate it once per reading.
    """
    if not ctx.segment or ctx.members_table:
        yield ctx
        return
    name = f"_members_{uuid.uuid4().hex}"
    ctx.wh.con.execute(f"CREATE TEMP TABLE {name} AS SELECT DISTINCT store_id, user_id FROM ({ctx.members_sql()})")
    try:
        yield replace(ctx, members_table=name)
    finally:
        ctx.wh.con.execute(f"DROP TABLE IF EXISTS {name}")


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
