"""SQL of the retention analysis: per (cohort period, group, k) the number of distinct users.

Periods are numbered (``period_index``) so that "k periods later" is an integer difference the
warehouse can join on: days and ISO weeks count from Monday 1900-01-01, months are
``year * 12 + month - 1``. Labels and dates are worked out in Python from those numbers, on the
few aggregated rows only.

Both sources build the same relation ``act``: one row per user and period in which the user did
the cohort event (``c``) and/or the return event (``r``), plus ``g``, the ``--by`` value of the
user's first cohort event in that period.

- rollup: ``_rollup_user_day`` (one row per store, local day and user with a count per standard
  event) - about 4x fewer rows than ``events`` and the local day already cut; used when both
  events are standard events without conditions, no ``--where``/segment/``--by``, and no store in
  scope reads orders as purchases (the rollup has no rows for those);
- events: ``Context.events_sql`` (filters, segment, orders as purchases) with the local day of
  each store's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from shoplens.analyses.context import Context
from shoplens.analyses.filters import EVENT_COLUMNS, Condition, Step
from shoplens.errors import ShoplensError
from shoplens.model.vocab import EVENTS
from shoplens.warehouse.rollups import EVENT_COUNTS, USER_DAY

PERIODS = ("day", "week", "month")
DEFAULT_PERIODS = {"day": 30, "week": 12, "month": 12}
MAX_PERIODS = 63  # k = 0 .. 63: one 64-bit word per cohort row
MONDAY = date(1900, 1, 1)  # a Monday: day and week numbers count from it
BY_COLUMNS = (*(c for c in EVENT_COLUMNS if c != "session_id"), "store")
_PROPERTY = re.compile(r"^(?:properties|prop)\.[\w-]{1,64}$", re.UNICODE)


# ---- period numbers -------------------------------------------------------------------------------
def period_index(period: str, day: date) -> int:
    if period == "month":
        return day.year * 12 + day.month - 1
    days = (day - MONDAY).days
    return days // 7 if period == "week" else days


def period_start(period: str, index: int) -> date:
    if period == "month":
        year, month = divmod(index, 12)
        return date(year, month + 1, 1)
    return MONDAY + timedelta(days=index * 7 if period == "week" else index)


def period_last(period: str, index: int) -> date:
    return period_start(period, index + 1) - timedelta(days=1)


def index_sql(period: str, day_sql: str) -> str:
    """The period number of a DATE expression (same numbering as ``period_index``)."""
    if period == "month":
        return f"(year({day_sql}) * 12 + month({day_sql}) - 1)"
    days = f"({day_sql} - DATE '{MONDAY.isoformat()}')"
    return f"({days} // 7)" if period == "week" else days


# ---- the request ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    cohort: Step
    ret: Step
    period: str
    first_time: bool
    periods: int  # k = 0 .. periods
    by: str | None
    lo: int | None  # cohort period numbers allowed (inclusive; None = open)
    hi: int | None
    scan_start: date  # local days the query has to read
    scan_end: date


def check_by(by: str | None) -> str | None:
    if by is None or by in BY_COLUMNS or _PROPERTY.match(by):
        return by
    names = ", ".join(BY_COLUMNS)
    raise ShoplensError(f"--by {by!r} is not a dimension of events", hint=f"one of {names}, or properties.KEY",
                        zh=f"--by {by!r} 不是事件的维度", zh_hint=f"可选：{names}，或 properties.键名")


def by_sql(by: str, alias: str) -> str:
    if by == "store":
        return f"{alias}.store_id"
    return Condition(by, False, ()).column_sql(alias)


def rollup_fits(ctx: Context, q: Query) -> str | None:
    """None when the rollup gives exact answers for ``q``, else why not (shown in ``explain``)."""
    for step in (q.cohort, q.ret):
        if step.conditions:
            return "event conditions"
        if step.event not in EVENTS:
            return "custom event"
        if step.event == "purchase" and ctx.orders_as_purchases:
            return "orders read as purchases"
    if ctx.where:
        return "--where"
    if ctx.segment:
        return "segment"
    if q.by:
        return "--by"
    return None


# ---- SQL -----------------------------------------------------------------------------------------
# One row per user (``users``) holds the periods of the user's return events as a bitmask (``rm0``,
# ``rm1``, ... 64 periods a word, bit i = period p0 + i, p0 = the first period whose return events
# matter) and the user's cohort periods: the first one (first-time) or a bitmask / list of all
# (recurring). Users with the same masks are
# counted together, then every cohort row keeps only the k = 0 .. periods window of its return
# bits (``rel``), so the last step works on a few thousand (cohort, pattern) rows, not on users.
# This avoids joining users with themselves, which costs several times more at 20 M events.


def _words(q: Query, p0: int) -> int:
    return (period_index(q.period, q.scan_end) - p0) // 64 + 1


def _mask_words(q: Query, p0: int, cond: str, name: str) -> str:
    """bit_or aggregates: the periods (relative to p0) of the rows where ``cond`` holds."""
    n = _words(q, p0)
    if n == 1:
        # the shift is computed for every row, FILTER only drops it afterwards: never shift by < 0
        return f"coalesce(bit_or(1::UBIGINT << greatest(p - {p0}, 0)) FILTER (WHERE {cond}), 0::UBIGINT) AS {name}0"
    return ", ".join(f"coalesce(bit_or(CASE WHEN p - {p0} BETWEEN {64 * w} AND {64 * w + 63} THEN 1::UBIGINT <<"
                     f" (p - {p0 + 64 * w}) END) FILTER (WHERE {cond}), 0::UBIGINT) AS {name}{w}" for w in range(n))


def _word_at(prefix: str, n: int, index: str) -> str:
    """Word ``index`` (0-based SQL expression) of a multi-word mask; 0 past the last one."""
    whens = " ".join(f"WHEN {w} THEN {prefix}{w}" for w in range(n))
    return f"(CASE {index} {whens} ELSE 0::UBIGINT END)"


def _window(q: Query, p0: int, offset: str) -> str:
    """Bits offset .. offset + periods of the return mask, as bits 0 .. periods (offset >= 0)."""
    n, mask = _words(q, p0), (1 << (q.periods + 1)) - 1
    offset = f"greatest({offset}, 0)"  # rows the WHERE drops may still be computed: never shift by < 0
    if n == 1:
        return f"((rm0 >> ({offset})) & {mask}::UBIGINT)"
    word, shift = f"(({offset}) // 64)", f"(({offset}) % 64)"
    low = f"({_word_at('rm', n, word)} >> {shift})"
    high = f"CASE WHEN {shift} = 0 THEN 0::UBIGINT ELSE {_word_at('rm', n, word + ' + 1')} << (64 - {shift}) END"
    return f"(({low} | {high}) & {mask}::UBIGINT)"


def source_rollup(ctx: Context, q: Query) -> str:
    """Rows (user, p, c, r) from the rollup: one per user and local day with either event."""
    nc, nr = f"r.{EVENT_COUNTS[q.cohort.event]}", f"r.{EVENT_COUNTS[q.ret.event]}"
    return (f"SELECT {ctx.user_cols('r')}, {index_sql(q.period, 'r.day')} AS p, {nc} > 0 AS c, {nr} > 0 AS r"
            f" FROM {USER_DAY} r WHERE {ctx.scope.store_filter('r')} AND r.user_id IS NOT NULL"
            f" AND ({nc} > 0 OR {nr} > 0)"
            f" AND r.day BETWEEN DATE '{q.scan_start.isoformat()}' AND DATE '{q.scan_end.isoformat()}'")


def source_events(ctx: Context, q: Query) -> str:
    """Rows (user, p, c, r, g, ts, event_id) from the behaviour events (filters, segment, orders)."""
    whole = ctx.with_range(ctx.data_start, ctx.data_end)  # local-day offsets valid for all the data
    c, r = q.cohort.sql("e"), q.ret.sql("e")
    events = whole.events_sql(start=q.scan_start, end=q.scan_end, extra=f"({c} OR {r})")
    group = f"CAST({by_sql(q.by, 'e')} AS VARCHAR)" if q.by else "CAST(NULL AS VARCHAR)"
    return (f"SELECT {ctx.user_cols('e')}, {index_sql(q.period, whole.local_day('e', 'e.ts'))} AS p,"
            f" {c} AS c, {r} AS r, {group} AS g, e.ts, e.event_id FROM ({events}) e")


def counts_sql(ctx: Context, q: Query, source: str) -> str:
    """Rows (cp, g, k, n): n users of cohort cp / group g active in period cp + k; k = -1 is the size."""
    users, p0 = ctx.user_cols(), period_index(q.period, q.scan_start)
    returns = "r"
    if q.first_time and q.lo is not None and q.lo > p0:  # all data finds the first event; returns from --from on
        p0, returns = q.lo, f"r AND p >= {q.lo}"
    n = _words(q, p0)
    if n < 1:  # every allowed cohort period is after the data: no rows (and no mask words to build)
        return "SELECT 0::BIGINT AS cp, NULL::VARCHAR AS g, 0::BIGINT AS k, 0::HUGEINT AS n WHERE FALSE"
    rm, rcols = _mask_words(q, p0, returns, "rm"), ", ".join(f"rm{w}" for w in range(n))
    bounds = "".join(f" AND cp {op} {v}" for op, v in ((">=", q.lo), ("<=", q.hi)) if v is not None)
    first_g = "arg_min_null(g, (ts, event_id)) FILTER (WHERE c)"  # the earliest cohort event (ties: id)
    if q.first_time:
        group = first_g if q.by else "CAST(NULL AS VARCHAR)"
        ctes = [f"users AS (SELECT min(p) FILTER (WHERE c) AS cp, {group} AS g, {rm} FROM src GROUP BY {users})",
                f"coh AS (SELECT cp, g, {_window(q, p0, f'cp - {p0}')} AS rel FROM users"
                f" WHERE cp IS NOT NULL{bounds})"]
    elif q.by:
        ctes = [f"act AS (SELECT {users}, p, bool_or(c) AS c, bool_or(r) AS r, {first_g} AS g FROM src"
                f" GROUP BY {users}, p)",
                f"users AS (SELECT list(struct_pack(p := p, g := g)) FILTER (WHERE c) AS cl, {rm} FROM act"
                f" GROUP BY {users})",
                f"one AS (SELECT unnest(cl) AS s, {rcols} FROM users)",
                f"coh AS (SELECT cp, g, {_window(q, p0, f'cp - {p0}')} AS rel FROM"
                f" (SELECT s.p AS cp, s.g AS g, {rcols} FROM one) WHERE TRUE{bounds})"]
    else:
        # cohort periods as a mask too (the return mask itself when both events are the same step)
        c = "rm" if q.cohort == q.ret else "cm"
        masks = rm if c == "rm" else f"{_mask_words(q, p0, 'c', 'cm')}, {rm}"
        ccols = "" if c == "rm" else ", ".join(f"cm{w}" for w in range(n)) + ", "
        # every set bit of the cohort mask is a cohort period (word by word: empty words cost nothing)
        bits = " UNION ALL ".join(
            f"SELECT b + {p0 + 64 * w} AS cp, {rcols}, n FROM pat, range(64) t(b)"
            f" WHERE {c}{w} <> 0 AND (({c}{w} >> b) & 1::UBIGINT) = 1" for w in range(n))
        ctes = [f"users AS (SELECT {masks} FROM src GROUP BY {users})",
                f"pat AS MATERIALIZED (SELECT {ccols}{rcols}, count(*) AS n FROM users GROUP BY ALL)",
                f"coh AS (SELECT cp, NULL::VARCHAR AS g, {_window(q, p0, f'cp - {p0}')} AS rel, n FROM"
                f" ({bits}) WHERE TRUE{bounds})"]
    weight = "sum(n)" if not q.first_time and not q.by else "count(*)"
    return (f"WITH src AS ({source}), " + ", ".join(ctes) + ", "
            f"cells AS MATERIALIZED (SELECT cp, g, rel, {weight} AS n FROM coh GROUP BY ALL)"
            " SELECT cp, g, -1 AS k, sum(n) AS n FROM cells GROUP BY cp, g"
            f" UNION ALL SELECT cp, g, k, sum(n) AS n FROM cells, range({q.periods + 1}) s(k)"
            " WHERE ((rel >> k) & 1::UBIGINT) = 1 GROUP BY cp, g, k")
