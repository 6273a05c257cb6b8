"""Size and profile of a segment: members per store, share of all users, top property values, GMV share.

GMV here is the segment's ``lifetime_gmv``: paid orders up to the as-of day in each store's
reporting currency (the catalog's ``gmv``, so it equals ``shoplens metrics gmv --segment NAME``
over the whole history); the store's GMV includes guest orders. Money is reported per store and
never added across currencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import uuid4

from shoplens.analyses.result import Result, ratio
from shoplens.analyses.segments.compile import PROPERTY_SQL, Frame, property_counts_sql, universe_sql
from shoplens.metrics.sources import paid_orders_sql
from shoplens.warehouse.scope import Scope


@dataclass(frozen=True)
class ValueCount:
    value: str | None  # None = unknown
    users: int
    share: float | None  # of the segment's members


@dataclass(frozen=True)
class StoreSize:
    store_id: str
    currency: str
    as_of: date
    members: int
    users: int  # everyone seen in the store's events, orders or customers
    share: float | None
    gmv: float  # members' paid orders up to as_of, reporting currency
    store_gmv: float  # every paid order up to as_of (guests included)
    gmv_share: float | None
    orders: int
    store_orders: int


@dataclass(frozen=True)
class SegmentProfile(Result):
    name: str | None  # None for a preview
    rule: str
    definition: dict[str, Any]
    description: str | None
    members: int
    users: int
    share: float | None
    stores: list[StoreSize] = field(default_factory=list)
    profile: dict[str, list[ValueCount]] = field(default_factory=dict)

    def table_rows(self) -> list[dict[str, Any]]:
        return [{"property": prop, "value": v.value, "users": v.users, "share": v.share}
                for prop, values in self.profile.items() for v in values]


def _store_sizes(f: Frame, members: str) -> list[StoreSize]:
    orders = paid_orders_sql(Scope(f.stores, None, None), f.no_orders)
    sql = (f"WITH m AS ({members}), u AS ({universe_sql(f)}),"
           f" o AS (SELECT o.store_id, o.user_id, o.gross_amount_rc FROM ({orders}) o WHERE {f.upto('o', 'o.pay_ts')}),"
           " sizes AS (SELECT u.store_id, count(*) AS users, count(m.user_id) AS members FROM u"
           " LEFT JOIN m ON m.store_id = u.store_id AND m.user_id = u.user_id GROUP BY ALL),"
           " money AS (SELECT o.store_id, count(*) AS store_orders, coalesce(sum(o.gross_amount_rc), 0) AS store_gmv,"
           " count(m.user_id) AS orders, coalesce(sum(o.gross_amount_rc) FILTER (WHERE m.user_id IS NOT NULL), 0)"
           " AS gmv FROM o LEFT JOIN m ON m.store_id = o.store_id AND m.user_id = o.user_id GROUP BY ALL)"
           " SELECT sizes.store_id, sizes.users, sizes.members, coalesce(money.gmv, 0), coalesce(money.store_gmv, 0),"
           " coalesce(money.orders, 0), coalesce(money.store_orders, 0) FROM sizes"
           " LEFT JOIN money ON money.store_id = sizes.store_id")
    found = {r[0]: r for r in f.ctx.wh.con.execute(sql).fetchall()}
    out = []
    for s in f.stores:
        _, users, n, gmv, store_gmv, orders, store_orders = found.get(s.store_id, (s.store_id, 0, 0, 0, 0, 0, 0))
        out.append(StoreSize(s.store_id, s.currency, f.as_of[s.store_id], int(n), int(users), ratio(n, users),
                             float(gmv), float(store_gmv), ratio(float(gmv), float(store_gmv)), int(orders),
                             int(store_orders)))
    return out


def build_profile(f: Frame, members: str, *, name: str | None, rule: str, definition: dict[str, Any],
                  description: str | None, top: int = 5) -> SegmentProfile:
    """The members are evaluated once into a temporary table (allowed on read-only connections too)."""
    con = f.ctx.wh.con
    table = f"_segment_members_{uuid4().hex[:12]}"
    con.execute(f"CREATE TEMP TABLE {table} AS {members}")
    try:
        kept = f"SELECT store_id, user_id FROM {table}"
        stores = _store_sizes(f, kept)
        n, users = sum(s.members for s in stores), sum(s.users for s in stores)
        profile: dict[str, list[ValueCount]] = {}
        for prop in PROPERTY_SQL:
            rows = con.execute(property_counts_sql(f, kept, prop) + f" LIMIT {int(top)}").fetchall()
            profile[prop] = [ValueCount(v, int(c), ratio(c, n)) for v, c in rows]
    finally:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return SegmentProfile(name, rule, definition, description, n, users, ratio(n, users), stores, profile)
