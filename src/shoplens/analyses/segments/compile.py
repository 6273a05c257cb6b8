"""A definition tree -> ONE SQL query of the members (``store_id, user_id``), evaluated in DuckDB.

Shape: the universe ``_u`` (every user id seen in the store's events, orders or customers)
LEFT JOINed to one small per-user relation per distinct leaf (an event count, the paid-order
count and GMV, a property value, an RFM tier), then ``WHERE`` the and/or/not expression of the
tree over those columns. Every leaf predicate is NULL-free (a user without rows has 0 events, 0
orders, an unknown property), so ``not`` is exactly the complement within the universe.

Identifiers come from this module only; user values (event names, condition values, property
values, tiers) are quoted literals and numbers are re-rendered from Python numbers.

As of a day, nothing later is seen: the universe holds users with an event (local day), an order
(placed) or a customers row (first seen or signed up; a row with neither date counts as always
known) on or before each store's as-of day, and every relation (event counts, paid orders and
GMV, first channel, latest country, main device, RFM tier) reads only rows up to that day. The
customers row's own ``country`` and ``member_tier`` have no history: they count once the row is
known by the as-of day, as they stand now.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from shoplens.analyses.context import FIRST_DAY, LAST_DAY, Context, as_date
from shoplens.analyses.filters import parse_condition
from shoplens.analyses.rfm_tiers import RENAMED
from shoplens.errors import ShoplensError
from shoplens.metrics.sources import MEMBER_TIER, paid_orders_sql
from shoplens.warehouse.rollups import USER_DAY
from shoplens.warehouse.scope import Scope, StoreInfo, lit


@dataclass(frozen=True)
class Frame:
    """What a compile needs: a segment-free context over all history, each store's as-of day, and
    the stores without orders (their purchase events stand in for orders, like the metrics engine)."""

    ctx: Context
    as_of: dict[str, date]
    no_orders: tuple[str, ...]

    @property
    def stores(self) -> tuple[StoreInfo, ...]:
        return self.ctx.scope.stores

    def store_filter(self, alias: str) -> str:
        return self.ctx.scope.store_filter(alias)

    def upto(self, alias: str, ts: str) -> str:
        """Rows whose UTC timestamp ``ts`` falls on or before their store's as-of day (local time)."""
        return "(" + " OR ".join(Scope((s,), None, self.as_of[s.store_id]).ts_range(alias, ts)
                                 for s in self.stores) + ")"

    def day_upto(self, alias: str, day: str) -> str:
        """Rows whose local date column ``day`` is on or before their store's as-of day."""
        return "(" + " OR ".join(f"({alias}.store_id = {lit(s.store_id)} AND {day} <= DATE "
                                 f"'{self.as_of[s.store_id].isoformat()}')" for s in self.stores) + ")"


def check_day(value: Any, option: str = "as_of") -> date | None:
    """None, or a date in FIRST_DAY .. LAST_DAY from a date or ISO text (``context.as_date``); anything
    else is a ShoplensError naming ``option``."""
    day = as_date(value, option)
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ShoplensError(f"{option} {day} is outside {FIRST_DAY} .. {LAST_DAY}", hint="give a real date",
                            zh=f"{option} {day} 不在 {FIRST_DAY} 至 {LAST_DAY} 之间", zh_hint="请给出实际日期")
    return day


def last_days(ctx: Context) -> dict[str, date]:
    """Each store's last local day with events or orders (the default as-of day)."""
    scope = ctx.scope
    order_day = f"CAST({scope.local('o', 'max(coalesce(o.paid_ts, o.created_ts))', bounded=False)} AS DATE)"
    rows = ctx.wh.con.execute(
        f"SELECT store_id, max(d) FROM (SELECT r.store_id, max(r.day) AS d FROM {USER_DAY} r"
        f" WHERE {scope.store_filter('r')} GROUP BY ALL UNION ALL SELECT o.store_id, {order_day} FROM orders o"
        f" WHERE {scope.store_filter('o')} GROUP BY o.store_id) GROUP BY ALL").fetchall()
    return {store: day for store, day in rows if day is not None}


def make_frame(ctx: Context, as_of: date | None = None) -> Frame:
    """The frame of ``ctx``'s stores: ``as_of`` for all of them, else each store's last data day."""
    as_of = check_day(as_of, "as_of")
    found = last_days(ctx)
    fallback = ctx.data_end or max(found.values(), default=None) or date.today()
    days = {s.store_id: as_of or found.get(s.store_id, fallback) for s in ctx.scope.stores}
    first = min([d for d in (ctx.data_start, *days.values()) if d is not None])
    last = max([d for d in (ctx.data_end, *days.values()) if d is not None])
    base = replace(ctx, scope=ctx.scope.with_range(first, last), where=(), segment=None)
    ids = ctx.scope.store_ids
    with_orders = {r[0] for r in ctx.wh.con.execute(
        f"SELECT DISTINCT store_id FROM orders WHERE store_id IN ({', '.join(lit(s) for s in ids)})").fetchall()}
    return Frame(base, days, tuple(s for s in ids if s not in with_orders))


def _number(value: int | float) -> str:
    return str(int(value)) if isinstance(value, int) or float(value).is_integer() else repr(float(value))


def _window(leaf: dict[str, Any], as_of: date) -> tuple[date | None, date] | None:
    """Inclusive local days a did() leaf looks at in a store, or None when the window is empty."""
    hi = min(as_of, date.fromisoformat(leaf["to"])) if "to" in leaf else as_of
    lo = date.fromisoformat(leaf["from"]) if "from" in leaf else None
    if "last_days" in leaf:
        lo = as_of - timedelta(days=leaf["last_days"] - 1)
    return None if lo is not None and lo > hi else (lo, hi)


# ---- per-user relations (store_id, user_id, v ...) ---------------------------------------------------
_PLACED = "coalesce(o.created_ts, o.paid_ts)"  # when an order was placed (the user was seen)
_KNOWN = "least(c.first_seen, c.signup_ts)"  # when a customers row's user was first known


def customers_sql(f: Frame) -> str:
    """The customers rows known by each store's as-of day (a row without dates is always known)."""
    return (f"SELECT c.* FROM customers c WHERE {f.store_filter('c')}"
            f" AND ({_KNOWN} IS NULL OR {f.upto('c', _KNOWN)})")


def universe_sql(f: Frame) -> str:
    """Every user id with an event, a placed order or a known customers row up to the as-of day."""
    parts = [f"SELECT r.store_id, r.user_id FROM {USER_DAY} r WHERE {f.store_filter('r')}"
             f" AND {f.day_upto('r', 'r.day')}",
             f"SELECT o.store_id, o.user_id FROM orders o WHERE {f.store_filter('o')} AND {f.upto('o', _PLACED)}",
             f"SELECT c.store_id, c.user_id FROM ({customers_sql(f)}) c"]
    return (f"SELECT DISTINCT store_id, user_id FROM ({' UNION ALL '.join(parts)})"
            " WHERE user_id IS NOT NULL AND user_id <> ''")


def touches_sql(f: Frame) -> str:
    """Every event and every order (any status) of a user up to the as-of day, with channel, device and country."""
    return (f"SELECT e.store_id, e.user_id, e.ts, 1 AS src, e.event_id AS id, e.channel, e.device, e.country"
            f" FROM events e WHERE {f.store_filter('e')} AND e.user_id IS NOT NULL AND {f.upto('e', 'e.ts')}"
            f" UNION ALL SELECT o.store_id, o.user_id, {_PLACED}, 2, o.order_id, o.channel, o.device,"
            f" o.country FROM orders o WHERE {f.store_filter('o')} AND o.user_id IS NOT NULL"
            f" AND {f.upto('o', _PLACED)}")


ON_USER = "{a}.store_id = _u.store_id AND {a}.user_id = _u.user_id"
_LATEST_COUNTRY = ("SELECT store_id, user_id, arg_max(trim(country), (ts, src, id)) FILTER"
                   " (WHERE nullif(trim(country), '') IS NOT NULL) AS v FROM _t GROUP BY ALL")
PROPERTY_SQL = {  # _u: the universe, _t: touches_sql, _c: customers_sql (all up to the as-of day)
    # the customer's own country, else the country of the user's latest event or order
    "country": ("SELECT _u.store_id, _u.user_id, coalesce(nullif(trim(c.country), ''), t.v) AS v FROM _u"
                f" LEFT JOIN _c c ON {ON_USER.format(a='c')}"
                f" LEFT JOIN ({_LATEST_COUNTRY}) t ON {ON_USER.format(a='t')}"),
    # customers.member_tier, lower-cased; blank or no customers row = 'none' (as the metrics dimension)
    "member_tier": f"SELECT _u.store_id, _u.user_id, {MEMBER_TIER} AS v FROM _u LEFT JOIN _c c"
                   f" ON {ON_USER.format(a='c')}",
    # the channel of the user's earliest event or order that names a channel
    "first_channel": ("SELECT store_id, user_id, arg_min(channel, (ts, src, id)) FILTER"
                      " (WHERE nullif(channel, '') IS NOT NULL) AS v FROM _t GROUP BY ALL"),
    # the device of most of the user's events and orders (a tie: the one used last)
    "device": ("SELECT store_id, user_id, arg_max(device, (n, last_ts, device)) AS v FROM (SELECT store_id, user_id,"
               " device, count(*) AS n, max(ts) AS last_ts FROM _t WHERE nullif(device, '') IS NOT NULL GROUP BY ALL)"
               " GROUP BY ALL"),
}
NEEDS_TOUCHES = frozenset({"country", "first_channel", "device"})
NEEDS_CUSTOMERS = frozenset({"country", "member_tier"})


def _events_sql(f: Frame, leaf: dict[str, Any]) -> str | None:
    """``count(*) AS v`` of matching events per user in each store's window (None: every window is empty)."""
    windows = {s.store_id: w for s in f.stores if (w := _window(leaf, f.as_of[s.store_id])) is not None}
    if not windows:
        return None
    by_store = [Scope((s,), *windows[s.store_id]).ts_range("e", "e.ts") for s in f.stores if s.store_id in windows]
    conds = [f"e.event = {lit(leaf['event'])}", *(parse_condition(w).sql("e") for w in leaf.get("where", ())),
             "(" + " OR ".join(by_store) + ")"]
    start = min(lo or f.ctx.start for lo, _ in windows.values())
    end = max(hi for _, hi in windows.values())
    events = f.ctx.events_sql(start=start, end=end, where=False, fields=("store_id", "user_id"),
                              extra=" AND ".join(conds))
    return f"SELECT store_id, user_id, count(*) AS v FROM ({events}) e GROUP BY ALL"


def orders_sql(f: Frame) -> str:
    """Paid orders (``n``) and their GMV in the reporting currency (``gmv``) per user, up to each as-of day."""
    orders = paid_orders_sql(Scope(f.stores, None, None), f.no_orders)
    return (f"SELECT o.store_id, o.user_id, count(*) AS n, coalesce(sum(o.gross_amount_rc), 0) AS gmv"
            f" FROM ({orders}) o WHERE o.user_id IS NOT NULL AND {f.upto('o', 'o.pay_ts')} GROUP BY ALL")


def rfm_sql(f: Frame) -> str:
    """Each customer's RFM tier, scored per store as of that store's day (shoplens.analyses.rfm)."""
    from shoplens.analyses.rfm import customer_scores_sql

    parts = []
    for s in f.stores:
        one = replace(f.ctx, scope=Scope((s,), f.ctx.start, f.as_of[s.store_id]),
                      orders_as_purchases=tuple(x for x in f.ctx.orders_as_purchases if x == s.store_id))
        parts.append(f"SELECT store_id, user_id, tier AS v FROM ({customer_scores_sql(one, f.as_of[s.store_id])})")
    return " UNION ALL ".join(parts)


# ---- the tree ---------------------------------------------------------------------------------------
class _Compiler:
    def __init__(self, f: Frame) -> None:
        self.f = f
        self.ctes: dict[str, str] = {}  # name -> SQL, in dependency order
        self.joined: list[str] = []

    def relation(self, name: str, sql: str, join: bool = True) -> str:
        """Register a CTE once (leaves that repeat share it) and LEFT JOIN it to the universe."""
        for existing, body in self.ctes.items():
            if body == sql:
                name = existing
                break
        else:
            if name in self.ctes:
                name = f"{name}{len(self.ctes)}"
            self.ctes[name] = sql
        if join and name not in self.joined:
            self.joined.append(name)
        return name

    def expr(self, node: dict[str, Any]) -> str:
        if "and" in node or "or" in node:
            op = "and" if "and" in node else "or"
            return "(" + f" {op.upper()} ".join(self.expr(c) for c in node[op]) + ")"
        if "not" in node:
            return f"(NOT {self.expr(node['not'])})"
        if "event" in node:
            return self.event(node)
        if "metric" in node:
            name = self.relation("_orders", orders_sql(self.f))
            op = next(k for k in node if k != "metric")
            column = "n" if node["metric"] == "orders" else "gmv"
            return f"(coalesce({name}.{column}, 0) {'<>' if op == '!=' else op} {_number(node[op])})"
        if "property" in node:
            return self.property(node["property"], node["in"])
        name = self.relation("_rfm", rfm_sql(self.f))
        tiers = [RENAMED.get(t, t) for t in node["rfm"]]  # rules saved before a tier was renamed
        return f"coalesce({name}.v IN ({', '.join(lit(t) for t in tiers)}), FALSE)"

    def event(self, leaf: dict[str, Any]) -> str:
        low, high = leaf.get("min", 1 if "max" not in leaf else 0), leaf.get("max")
        sql = _events_sql(self.f, leaf)
        if sql is None:  # nobody has events in an empty window: 0 for everyone
            return "TRUE" if low == 0 and (high is None or high >= 0) else "FALSE"
        name = self.relation("_e", sql)
        conds = [f"coalesce({name}.v, 0) >= {low}"] if low else []
        if high is not None:
            conds.append(f"coalesce({name}.v, 0) <= {high}")
        return "(" + " AND ".join(conds) + ")"

    def property(self, prop: str, values: list[str], join: bool = True) -> str:
        if prop in NEEDS_TOUCHES:
            self.relation("_t", touches_sql(self.f), join=False)
        if prop in NEEDS_CUSTOMERS:
            self.relation("_c", customers_sql(self.f), join=False)
        name = self.relation(f"_p_{prop}", PROPERTY_SQL[prop], join)
        return f"coalesce(lower({name}.v) IN ({', '.join(lit(v.lower()) for v in values)}), FALSE)"

    def query(self, where: str, users: str) -> str:
        ctes = {"_u": users, **self.ctes}
        joins = "".join(f" LEFT JOIN {n} ON {ON_USER.format(a=n)}" for n in self.joined)
        return ("WITH " + ", ".join(f"{n} AS ({sql})" for n, sql in ctes.items())
                + f" SELECT _u.store_id, _u.user_id FROM _u{joins} WHERE {where}")


def members_query(f: Frame, tree: dict[str, Any]) -> str:
    """SELECT ``store_id, user_id`` of the users of ``f``'s stores that satisfy the tree."""
    compiler = _Compiler(f)
    where = compiler.expr(tree)
    return compiler.query(where, universe_sql(f))


def property_counts_sql(f: Frame, members: str, prop: str) -> str:
    """``v, users`` of one property over the members (``v`` NULL = unknown), largest first."""
    compiler = _Compiler(f)
    compiler.property(prop, ["-"], join=False)
    ctes = {"_u": members, **compiler.ctes}
    name = f"_p_{prop}"
    return ("WITH " + ", ".join(f"{n} AS ({sql})" for n, sql in ctes.items())
            + f" SELECT {name}.v AS v, count(*) AS users FROM _u LEFT JOIN {name} ON {ON_USER.format(a=name)}"
            " GROUP BY ALL ORDER BY users DESC, v NULLS LAST")
