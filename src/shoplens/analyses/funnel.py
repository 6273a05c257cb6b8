"""Funnels: how many users get through a sequence of steps, how fast, where they drop, by dimension.

``funnel(wh, ["product_view", "add_to_cart", "purchase"], window="7d")`` counts users reaching at
least step k (semantics and SQL in ``funnel_sql.py``). Choices a user should know:

- a first step must happen in the date range (local dates, default all data); later steps may
  happen up to the window after the range's end, so the last days are not under-counted;
- the window is measured from the first step's event and includes its end (``7d`` = 604 800 s);
- each user counts once, with their furthest attempt (latest start among attempts that got as far);
  step times are that attempt's; the breakdown value is its first step's (so groups add up to the total);
- ``exclude``: users who did an excluded event during their chosen attempt (between its first and its
  last step when they converted, within the window after the first step when they did not) are left
  out of every count and reported as ``excluded``;
- the daily trend is by the local day of the chosen attempt's first step: users entering that day
  and how many of them converted (reached the last step);
- median = the middle value (mean of the two middle ones for an even count);
- ``where`` decides which events can fill a step; the strict mode's "very next event" and the
  exclusions look at all the user's events (a filter must not make two events adjacent);
- ``window`` is at most 366 days; unordered mode refuses two different steps one event could match.

Users are found in SQL; Python reads one row per step (per breakdown value) and one per trend day.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pandas as pd

from shoplens.analyses.context import Context, open_context, segment_materialised
from shoplens.analyses.filters import Step, conditions_sql, dimension_sql, parse_steps
from shoplens.analyses.funnel_sql import BUILDERS, FunnelSql, overlapping_steps
from shoplens.analyses.result import Result, ratio
from shoplens.analyses.value_checks import check_steps, notes
from shoplens.errors import ShoplensError

WINDOW_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MODES = tuple(BUILDERS)
MAX_STEPS = 10
MAX_WINDOW_DAYS = 366  # as long as the longest conversion windows of the common analytics tools


def parse_window(window: str | int | timedelta) -> int:
    """``7d``, ``36h``, ``30m``, ``90s``, ``2w`` (or seconds / a timedelta) -> seconds."""
    if isinstance(window, timedelta):
        return int(window.total_seconds())
    if isinstance(window, int):
        seconds = window
    else:
        m = re.fullmatch(r"\s*([0-9]{1,12})\s*([smhdw])\s*", str(window).lower())
        if not m:
            raise ShoplensError(f"--window {window!r} is not a duration", hint="a number and a unit s|m|h|d|w, "
                                "e.g. 7d, 36h, 30m", zh=f"--window {window!r} 不是时长",
                                zh_hint="数字加单位 s|m|h|d|w，例如 7d、36h、30m")
        seconds = int(m.group(1)) * WINDOW_UNITS[m.group(2)]
    if seconds <= 0:
        raise ShoplensError("the funnel window must be positive", hint="e.g. --window 7d",
                            zh="漏斗窗口必须大于 0", zh_hint="例如 --window 7d")
    if seconds > MAX_WINDOW_DAYS * 86400:
        raise ShoplensError(f"the funnel window {window} is longer than {MAX_WINDOW_DAYS} days",
                            hint=f"at most {MAX_WINDOW_DAYS}d", zh=f"漏斗窗口 {window} 超过 {MAX_WINDOW_DAYS} 天",
                            zh_hint=f"最多 {MAX_WINDOW_DAYS}d")
    return seconds


@dataclass(frozen=True)
class FunnelStep:
    event: str
    count: int
    conversion: float | None  # from the first step
    step_conversion: float | None  # from the previous step
    median_seconds: float | None  # from the previous step
    avg_seconds: float | None
    dropped: int  # reached the previous step but not this one


@dataclass(frozen=True)
class BreakdownGroup:
    value: str | None
    steps: list[FunnelStep]


@dataclass(frozen=True)
class TrendDay:
    day: date
    entered: int
    converted: int
    conversion: float | None


@dataclass(frozen=True)
class FunnelResult(Result):
    steps: list[FunnelStep]
    mode: str
    window_seconds: int
    start: date
    end: date
    breakdown: dict[str, Any] | None = None  # {"by": dim, "groups": [BreakdownGroup...]}
    trend: list[TrendDay] = field(default_factory=list)
    excluded: int = 0
    exclude: list[str] = field(default_factory=list)
    # why counts may be 0: "range" (no data in the dates), "channel=kol" / "event=favorite" (no rows in them)
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def table_rows(self) -> list[dict[str, Any]]:
        return [vars(s) for s in self.steps]

    def breakdown_frame(self) -> pd.DataFrame:
        rows = [{"value": g.value, "step": i + 1, **vars(s)}
                for g in (self.breakdown or {}).get("groups", []) for i, s in enumerate(g.steps)]
        return pd.DataFrame(rows)

    def trend_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(t) for t in self.trend])


@dataclass(frozen=True)
class DroppedUsers(Result):
    """Users who reached step ``step - 1`` but not ``step`` (for re-targeting)."""

    step: int
    event: str
    users: list[dict[str, Any]]

    def table_rows(self) -> list[dict[str, Any]]:
        return self.users


@dataclass(frozen=True)
class FunnelRequest:
    ctx: Context
    steps: tuple[Step, ...]
    window: int  # seconds
    mode: str
    exclude: tuple[Step, ...] = ()
    by: str | None = None

    def sql(self) -> str:
        if not 2 <= len(self.steps) <= MAX_STEPS:
            raise ShoplensError(f"a funnel needs 2 to {MAX_STEPS} steps, got {len(self.steps)}",
                                hint="--steps product_view,add_to_cart,purchase",
                                zh=f"漏斗需要 2 到 {MAX_STEPS} 个步骤，实际 {len(self.steps)} 个",
                                zh_hint="--steps product_view,add_to_cart,purchase")
        if self.mode == "unordered" and (pair := overlapping_steps(self.steps)):
            a, b = pair[0].label, pair[1].label
            raise ShoplensError(f"steps {a} and {b} can match the same event, which unordered mode cannot tell"
                                " apart", hint="make their conditions exclusive (channel=a vs channel=b), list"
                                " the same step twice to ask for two events, or use --mode ordered",
                                zh=f"步骤 {a} 与 {b} 可能匹配同一事件，无序模式无法区分",
                                zh_hint="让条件互斥（如 channel=a 与 channel=b），或重复同一步骤表示两次，"
                                "或改用 --mode ordered")
        ctx = self.ctx
        # later steps may follow up to a window after the last day; +1 day for a DST change on the way
        pad = ctx.end + timedelta(days=math.ceil(self.window / 86400) + 1)
        q = FunnelSql(events=ctx.events_sql(end=pad, conditions=False), steps=self.steps,
                      window_us=self.window * 1_000_000, users=ctx.user_cols(),
                      in_range=ctx.scope.ts_range("e", "e.ts"), dim=dimension_sql(self.by, "e") if self.by else None,
                      where=conditions_sql(ctx.where, "e"))
        sql = BUILDERS[self.mode](q)
        if not self.exclude:
            return f"SELECT *, FALSE AS excluded FROM ({sql})"
        n, w = len(self.steps), self.window * 1_000_000
        cond = " OR ".join(s.sql("e") for s in self.exclude)
        on = " AND ".join(f"x.{c.strip()} = f.{c.strip()}" for c in ctx.user_cols().split(","))
        last = "greatest(" + ", ".join(f"f.t{k}" for k in range(1, n + 1)) + ")"  # unordered: times may repeat
        upto = f"CASE WHEN f.level = {n} THEN {last} ELSE f.t1 + {w} END"
        exclusions = ctx.events_sql(end=pad, conditions=False, extra=cond)
        return (f"SELECT f.*, EXISTS (SELECT 1 FROM ({exclusions}) x WHERE {on}"
                f" AND epoch_us(x.ts) BETWEEN f.t1 AND {upto}) AS excluded FROM ({sql}) f")


def _request(wh: Any, steps: Any, window: Any, mode: str, exclude: Any, by: str | None, store: Any,
             start: date | None, end: date | None, where: Any, segment: str | None) -> FunnelRequest:
    if mode not in MODES:
        raise ShoplensError(f"unknown funnel mode {mode!r}", hint="ordered, strict or unordered",
                            zh=f"未知的漏斗模式 {mode!r}",
                            zh_hint="ordered（有序）、strict（严格）或 unordered（无序）")
    ctx = open_context(wh, store=store, start=start, end=end, where=where, segment=segment)
    parsed, excluded = parse_steps(steps), parse_steps(exclude) if exclude else ()
    check_steps(wh, ctx.scope.stores, parsed, where="--steps")  # "add_to_card" is an error, not 0 users
    check_steps(wh, ctx.scope.stores, excluded, where="--exclude", numbered=False)
    return FunnelRequest(ctx, parsed, parse_window(window), mode, excluded, by)


@contextmanager
def _users_table(req: FunnelRequest) -> Iterator[str]:
    """The per-user funnel table as a TEMP table (dropped afterwards), so every summary reads it once."""
    name = f"_funnel_{uuid.uuid4().hex}"
    con = req.ctx.wh.con
    with segment_materialised(req.ctx) as ctx:
        con.execute(f"CREATE TEMP TABLE {name} AS {replace(req, ctx=ctx).sql()}")
    try:
        yield name
    finally:
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _step_aggregates(n: int) -> str:
    parts = []
    for k in range(1, n + 1):
        parts.append(f"count(*) FILTER (WHERE level >= {k}) AS n{k}")
        if k > 1:
            dt = f"(t{k} - t{k - 1}) / 1e6"
            parts.append(f"median({dt}) FILTER (WHERE level >= {k}) AS med{k}")
            parts.append(f"avg({dt}) FILTER (WHERE level >= {k}) AS avg{k}")
    return ", ".join(parts)


def _steps_of(row: pd.Series, labels: list[str]) -> list[FunnelStep]:
    def num(key: str) -> float | None:
        value = row.get(key)
        return None if value is None or pd.isna(value) else float(value)

    counts = [int(row[f"n{k}"]) for k in range(1, len(labels) + 1)]
    out = []
    for i, label in enumerate(labels):
        k = i + 1
        prev = counts[i - 1] if i else None
        out.append(FunnelStep(label, counts[i], ratio(counts[i], counts[0]), ratio(counts[i], prev) if i else None,
                              num(f"med{k}"), num(f"avg{k}"), (prev - counts[i]) if prev is not None else 0))
    return out


def funnel(wh: Any, steps: str | list[str], *, window: str | int | timedelta = "14d", mode: str = "ordered",
           exclude: str | list[str] | None = None, by: str | None = None, store: Any = None,
           start: date | None = None, end: date | None = None, where: Any = None,
           segment: str | None = None, trend: bool = True) -> FunnelResult:
    """Step counts, conversions and step times (+ breakdown by ``by``, daily trend); see the module doc."""
    req = _request(wh, steps, window, mode, exclude, by, store, start, end, where, segment)
    n, labels, ctx = len(req.steps), [s.label for s in req.steps], req.ctx
    with _users_table(req) as table:
        group = "GROUPING SETS ((), (d))" if by else "()"
        dcol = "d, grouping(d) AS total_row" if by else "NULL AS d, 0 AS total_row"
        agg = ctx.run(f"SELECT {dcol}, {_step_aggregates(n)} FROM {table} WHERE NOT excluded AND level >= 1"
                      f" GROUP BY {group}")
        excluded = int(ctx.run(f"SELECT count(*) FROM {table} WHERE excluded").iloc[0, 0])
        days = pd.DataFrame()
        if trend:
            day = ctx.local_day("x", "make_timestamp(x.t1)")
            days = ctx.run(f"SELECT {day} AS day, count(*) AS entered, count(*) FILTER (WHERE level = {n})"
                           f" AS converted FROM {table} x WHERE NOT excluded AND level >= 1 GROUP BY 1 ORDER BY 1")
    totals = agg[agg.total_row == 1] if by else agg
    total_steps = _steps_of(totals.iloc[0], labels) if len(totals) else [
        FunnelStep(label, 0, None, None, None, None, 0) for label in labels]
    breakdown = None
    if by:
        groups = agg[agg.total_row == 0].sort_values(["n1", "d"], ascending=[False, True], na_position="last")
        breakdown = {"by": by, "groups": [BreakdownGroup(None if pd.isna(r.d) else str(r.d), _steps_of(r, labels))
                                          for _, r in groups.iterrows()]}
    trend_days = [TrendDay(pd.Timestamp(r.day).date(), int(r.entered), int(r.converted),
                           ratio(int(r.converted), int(r.entered))) for r in days.itertuples()]
    return FunnelResult(total_steps, req.mode, req.window, ctx.start, ctx.end, breakdown, trend_days, excluded,
                        [s.label for s in req.exclude], notes(ctx, req.steps))


def funnel_dropped(wh: Any, steps: str | list[str], step: int, *, window: str | int | timedelta = "14d",
                   mode: str = "ordered", exclude: str | list[str] | None = None, by: str | None = None,
                   store: Any = None, start: date | None = None, end: date | None = None, where: Any = None,
                   segment: str | None = None, limit: int | None = None) -> DroppedUsers:
    """Users who reached step ``step - 1`` but not ``step`` (2..n), latest first: the re-targeting list."""
    req = _request(wh, steps, window, mode, exclude, by, store, start, end, where, segment)
    n = len(req.steps)
    if not 2 <= step <= n:
        raise ShoplensError(f"--dropped-at {step} is not a step after the first", hint=f"a number from 2 to {n}",
                            zh=f"--dropped-at {step} 不是第一步之后的步骤", zh_hint=f"取 2 到 {n} 之间的数字")
    ctx = req.ctx
    last = f"t{step - 1}"
    cols = ctx.user_cols()
    dim = ", d AS " + "breakdown" if by else ""
    tz = ctx.scope.tz_sql("u")  # store time beside UTC: the dashboard shows store time (#14)
    local = "strftime(timezone({tz}, timezone('UTC', make_timestamp({t}))), '%Y-%m-%d %H:%M:%S')"
    with _users_table(req) as table:
        rows = ctx.run(f"SELECT {cols}, make_timestamp(t1) AS first_step_at, make_timestamp({last}) AS"
                       f" last_step_at, {local.format(tz=tz, t='t1')} AS first_step_local,"
                       f" {local.format(tz=tz, t=last)} AS last_step_local{dim}"
                       f" FROM {table} u WHERE NOT excluded AND level = {step - 1}"
                       f" ORDER BY {last} DESC, {cols}" + (f" LIMIT {int(limit)}" if limit else ""))
    users = [{k: (v.isoformat(sep=" ") if isinstance(v, pd.Timestamp) else v) for k, v in r.items()}
             for r in rows.to_dict("records")]
    return DroppedUsers(step, req.steps[step - 1].label, users)
