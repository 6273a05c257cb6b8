"""Retention cohorts: of the users who did the cohort event in a period, how many did the return
event 0, 1, 2, ... periods later (留存 / 复购 cohorts).

Definitions (the JSON is the contract; see docs/behaviour.md "Retention and cohorts"):

- Periods are local calendar periods of each store's time zone: ``day`` (label ``2026-11-02``),
  ``week`` (Monday-start ISO week, ``2026-W45``, labelled like the metrics engine), ``month``
  (``2011-01``).
- Recurring mode (default): cohort P = every user who did the cohort event at least once in P (a
  user can be in several cohorts). First-time mode (``first_time=True``): cohort P = users whose
  FIRST EVER cohort event, over all the data of the store (not only ``--from/--to``), falls in P.
  Events are the ones the analysis sees: ``--where``, the segment and step conditions
  (``purchase[channel=kol]``) apply first, so "first" means first matching event.
- ``values[k]`` = distinct cohort users who did the return event at any time in period P + k,
  k = 0, 1, ... (period-level: for k = 0 a return event earlier in P than the cohort event counts
  too). With return event = cohort event, ``values[0]`` = size. Users without an id are left out;
  with several stores a user is (store, user id).
- ``periods`` caps k (default 12 for weeks and months, 30 for days; at most 63): k = 0 .. periods. Values stop
  at the last period the data reaches (P + k starts on or before the last data day of the selected
  stores); ``complete`` is false when the last value's period was still running on that day (so
  only the last value can be partial).
- ``--from/--to`` pick cohorts by their period's START date (default: all cohorts); return
  activity is followed to the end of the data, not cut at ``--to``.
- ``rates`` = values / size. The ``average`` row (per group) is weighted by cohort size: for each
  k, sum of values / sum of sizes over the cohorts whose period P + k is complete; partial periods
  are left out so the running period does not drag the average down.
- ``--by DIM`` (channel, device, country, ..., store, properties.KEY) splits every cohort by that
  dimension of the user's defining cohort event: the first cohort event in P (recurring) or the
  first ever one (first-time). A missing value is its own group (``null``).
- Stores that import only orders get paid orders as ``purchase`` events (shared context), so
  repurchase cohorts work on order data.

Caveat: in first-time mode the earliest cohorts also hold users who were active before the data
starts (their first event in the data is not their first ever).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shoplens.analyses.context import Context, open_context
from shoplens.analyses.filters import parse_steps
from shoplens.analyses.result import Result, clean, ratio
from shoplens.analyses.retention_sql import (
    DEFAULT_PERIODS,
    MAX_PERIODS,
    PERIODS,
    Query,
    check_by,
    counts_sql,
    period_index,
    period_last,
    period_start,
    rollup_fits,
    source_events,
    source_rollup,
)
from shoplens.analyses.value_checks import check_steps, notes
from shoplens.errors import ShoplensError
from shoplens.i18n import register_labels
from shoplens.metrics.periods import label

register_labels({
    "ret_title": ("留存分析", "Retention"),
    "ret_cohort": ("同期群", "Cohort"),
    "ret_group": ("分组", "Group"),
    "ret_size": ("人数", "Users"),
    "ret_average": ("加权平均", "Weighted avg"),
    "ret_first_time": ("首次", "first time"),
    "ret_recurring": ("周期内发生", "recurring"),
    "ret_k_day": ("第{k}天", "Day {k}"),
    "ret_k_week": ("第{k}周", "Week {k}"),
    "ret_k_month": ("第{k}月", "Month {k}"),
    "ret_partial_note": ("* 该周期在数据最后一天仍未结束（不完整，不计入平均）",
                         "* period still running on the last data day (partial, left out of the average)"),
    "ret_no_cohorts": ("所选范围内没有同期群", "no cohorts in the selected range"),
    "ret_data_end": ("数据截至", "data until"),
})


@dataclass(frozen=True)
class Cohort:
    cohort: str  # period label
    start: date  # first local day of the cohort period
    group: str | None  # --by value (None without --by, or a missing value)
    size: int
    values: tuple[int, ...]  # users active in period cohort + k, k = 0 ..
    rates: tuple[float | None, ...]
    complete: bool  # False: the last value's period was still running on the last data day


@dataclass(frozen=True)
class Average:
    group: str | None
    sizes: tuple[int, ...]  # summed sizes of the cohorts whose period + k is complete
    values: tuple[int, ...]
    rates: tuple[float | None, ...]


@dataclass(frozen=True)
class RetentionResult(Result):
    cohort_event: str
    return_event: str
    period: str
    first_time: bool
    periods: int
    by: str | None
    stores: tuple[str, ...]
    start: date | None  # cohort periods starting in [start, end] (None = open)
    end: date | None
    data_end: date  # last local data day of the stores: values stop at the period holding it
    source: str  # "rollup" or "events": where the counts came from
    cohorts: tuple[Cohort, ...]
    average: tuple[Average, ...]
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)  # no data in the range, values without rows
    CSV_COLUMNS = ("cohort", "group", "size", "k", "users", "rate", "complete")  # one row per cohort and period k

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["from"], out["to"] = out.pop("start"), out.pop("end")
        return out

    def table_rows(self) -> list[dict[str, Any]]:
        rows = []
        for c in self.cohorts:
            first = period_index(self.period, c.start)
            for k, (users, rate) in enumerate(zip(c.values, c.rates, strict=True)):
                rows.append({"cohort": c.cohort, "group": c.group, "size": c.size, "k": k, "users": users,
                             "rate": rate, "complete": _done(self.period, first + k, self.data_end)})
        return rows


def _done(period: str, index: int, data_end: date) -> bool:
    """Whether period ``index`` had ended by the last data day (else its counts are still growing)."""
    return period_last(period, index) <= data_end


def _check(period: str, periods: int | None, source: str | None) -> int:
    if period not in PERIODS:
        raise ShoplensError(f"unknown period {period!r}", hint=f"one of {', '.join(PERIODS)}",
                            zh=f"未知的周期 {period!r}", zh_hint=f"可选：{', '.join(PERIODS)}")
    n = DEFAULT_PERIODS[period] if periods is None else periods
    if isinstance(n, bool) or not isinstance(n, int):
        raise ShoplensError(f"--periods {n!r} is not a whole number", hint=f"0 .. {MAX_PERIODS}, e.g. --periods 12",
                            zh=f"--periods {n!r} 不是整数", zh_hint=f"取值 0 .. {MAX_PERIODS}，例如 --periods 12")
    if not 0 <= n <= MAX_PERIODS:
        raise ShoplensError(f"--periods {n} is out of range", hint=f"0 .. {MAX_PERIODS}",
                            zh=f"--periods {n} 超出范围", zh_hint=f"取值 0 .. {MAX_PERIODS}")
    if source not in (None, "rollup", "events"):
        raise ShoplensError(f"unknown source {source!r}", hint="rollup or events",
                            zh=f"未知的数据来源 {source!r}", zh_hint="rollup 或 events")
    return n


def run_retention(ctx: Context, *, cohort_event: str = "purchase", return_event: str | None = None,
                  period: str = "month", first_time: bool = False, periods: int | None = None,
                  by: str | None = None, start: date | None = None, end: date | None = None,
                  source: str | None = None) -> RetentionResult:
    """Retention cohorts in an open context; ``start``/``end`` select cohort periods by start date.

    ``source`` forces ``rollup`` or ``events`` (for checks and benchmarks; default: the fastest exact one).
    """
    n = _check(period, periods, source)
    for option, option_zh, value in (("cohort_event", "同期群事件", cohort_event),
                                     ("return_event", "回访事件", return_event)):
        if value is not None and not isinstance(value, str):
            raise ShoplensError(f"{option} {value!r} is not an event name", hint="e.g. purchase",
                                zh=f"{option_zh} {value!r} 不是事件名", zh_hint="例如 purchase")
    cohort_step = parse_steps(cohort_event)
    if len(cohort_step) != 1:
        raise ShoplensError(f"one cohort event, not {cohort_event!r}", hint="e.g. purchase or product_view",
                            zh=f"只能有一个同期群事件，而不是 {cohort_event!r}",
                            zh_hint="例如 purchase 或 product_view")
    return_step = parse_steps(return_event) if return_event else cohort_step
    if len(return_step) != 1:
        raise ShoplensError(f"one return event, not {return_event!r}", hint="e.g. purchase",
                            zh=f"只能有一个回访事件，而不是 {return_event!r}", zh_hint="例如 purchase")
    check_steps(ctx.wh, ctx.scope.stores, cohort_step, where="--cohort-event")
    check_steps(ctx.wh, ctx.scope.stores, return_step, where="--return-event")
    assert ctx.data_start is not None and ctx.data_end is not None  # open_context refuses stores without data
    lo = hi = None
    if start is not None:
        lo = period_index(period, start) + (period_start(period, period_index(period, start)) < start)
    if end is not None:
        hi = period_index(period, end)
    scan_start = ctx.data_start if first_time or lo is None else max(ctx.data_start, period_start(period, lo))
    scan_end = ctx.data_end if hi is None else min(ctx.data_end, period_last(period, hi + n))
    q = Query(cohort_step[0], return_step[0], period, first_time, n, check_by(by), lo, hi, scan_start, scan_end)
    why_not = rollup_fits(ctx, q)
    if source == "rollup" and why_not:
        raise ShoplensError(f"the rollup cannot answer this ({why_not})", hint="use source='events'",
                            zh=f"汇总表无法回答此查询（{why_not}）", zh_hint="请用 source='events'")
    used = source or ("events" if why_not else "rollup")
    src = source_rollup(ctx, q) if used == "rollup" else source_events(ctx, q)
    rows = ctx.run(counts_sql(ctx, q, src)) if scan_start <= scan_end else None
    cohorts = _assemble(q, ctx.data_end, rows)
    return RetentionResult(q.cohort.label, q.ret.label, period, first_time, n, q.by, ctx.scope.store_ids,
                           start, end, ctx.data_end, used, cohorts, _averages(q, ctx.data_end, cohorts),
                           notes(ctx, (q.cohort, q.ret)))


def _assemble(q: Query, data_end: date, rows: Any) -> tuple[Cohort, ...]:
    """Cohort rows from the (cp, g, k, n) counts: zero-filled up to the period the data reaches."""
    if rows is None or rows.empty:
        return ()
    counts: dict[tuple[int, str | None], dict[int, int]] = {}
    for cp, g, k, n in rows[["cp", "g", "k", "n"]].itertuples(index=False, name=None):
        counts.setdefault((int(cp), clean(g)), {})[int(k)] = int(n)
    last = period_index(q.period, data_end)
    out = []
    for (cp, g), by_k in sorted(counts.items(), key=lambda item: (item[0][1] is None, item[0][1] or "",
                                                                   item[0][0])):
        size = by_k.get(-1, 0)
        reach = min(q.periods, last - cp)
        values = tuple(by_k.get(k, 0) for k in range(reach + 1))
        first_day = period_start(q.period, cp)
        out.append(Cohort(label(first_day, q.period) or "", first_day, g, size, values,
                          tuple(ratio(v, size) for v in values), _done(q.period, cp + reach, data_end)))
    return tuple(out)


def _averages(q: Query, data_end: date, cohorts: tuple[Cohort, ...]) -> tuple[Average, ...]:
    """Size-weighted rates per group over the complete periods only."""
    out = []
    for group in dict.fromkeys(c.group for c in cohorts):
        sizes, values = [0] * (q.periods + 1), [0] * (q.periods + 1)
        for c in (c for c in cohorts if c.group == group):
            first = period_index(q.period, c.start)
            for k, v in enumerate(c.values):
                if _done(q.period, first + k, data_end):
                    sizes[k] += c.size
                    values[k] += v
        keep = max((k + 1 for k, s in enumerate(sizes) if s), default=0)
        out.append(Average(group, tuple(sizes[:keep]), tuple(values[:keep]),
                           tuple(ratio(v, s) for v, s in zip(values[:keep], sizes[:keep], strict=True))))
    return tuple(out)


def retention(wh: Any, *, cohort_event: str = "purchase", return_event: str | None = None, period: str = "month",
              first_time: bool = False, periods: int | None = None, by: str | None = None,
              store: str | list[str] | None = None, start: date | None = None, end: date | None = None,
              where: Any = None, segment: str | None = None, source: str | None = None) -> RetentionResult:
    """Retention cohort table (see the module docstring for the definitions)."""
    ctx = open_context(wh, store=store, start=start, end=end, where=where, segment=segment)
    return run_retention(ctx, cohort_event=cohort_event, return_event=return_event, period=period,
                         first_time=first_time, periods=periods, by=by, start=start, end=end, source=source)
