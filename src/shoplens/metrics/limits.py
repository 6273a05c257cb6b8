"""Query cost limits: refuse a metric query that would take minutes BEFORE any of its SQL runs.

What makes a metric query expensive is known before it runs: the number of periods (a range of 11
years by week is 574 of them), the dimension values they are cut by (periods x values rows), and, for
a comparison at a grain of a week or longer, one SQL statement per period (each period is compared
with its own days shifted back). :class:`QueryLimits` caps all three; :func:`check` is the pure test.

The limits apply where someone set them: the REST API server sets its own (``server:`` in the config
file, :mod:`shoplens.server.settings`) around each computation with :func:`applied`. The CLI and the
Python API run on the user's own machine and are not limited (Ctrl-C stops them).
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shoplens.errors import ShoplensError
from shoplens.metrics.periods import periods

# the longest date range per grain, in days ("total": no grain); a bigger range is refused
MAX_DAYS = {"hour": 92, "day": 1830, "week": 3700, "month": 18300, "quarter": 36600, "year": 36600, "total": 36600}
MAX_CELLS = 500_000  # periods x dimension values of one answer (rows before --limit)
MAX_COMPARED_PERIODS = 160  # a comparison by week/month/quarter/year runs one statement per period
PER_PERIOD_COMPARISON = ("week", "month", "quarter", "year")

# closed vocabularies: their number of values is known without asking the warehouse (+1: not set)
CLOSED = {"channel_type": 3, "new_vs_returning": 3}
# open dimensions: (table, column) pairs whose distinct values bound the dimension's values
OPEN = {
    "source": (("events", "source"),),
    "campaign": (("events", "campaign"), ("ad_spend", "campaign")),
    "country": (("events", "country"), ("orders", "country"), ("customers", "country")),
    "market": (("events", "country"), ("orders", "country"), ("customers", "country")),
    "category": (("products", "category"),),
    "brand": (("products", "brand"),),
    "product": (("products", "product_id"), ("events", "product_id"), ("order_items", "product_id")),
    "member_tier": (("customers", "member_tier"),),
    "carrier": (("shipments", "carrier"),),
}


@dataclass(frozen=True)
class QueryLimits:
    max_days: Mapping[str, int] = field(default_factory=lambda: dict(MAX_DAYS))
    max_cells: int = MAX_CELLS
    max_compared_periods: int = MAX_COMPARED_PERIODS


_ACTIVE: contextvars.ContextVar[QueryLimits | None] = contextvars.ContextVar("shoplens_query_limits", default=None)


@contextmanager
def applied(limits: QueryLimits | None) -> Iterator[None]:
    """Metric queries in this context (thread) are checked against ``limits``."""
    token = _ACTIVE.set(limits)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def active() -> QueryLimits | None:
    return _ACTIVE.get()


def _refuse(message: str, zh: str, hint: str, zh_hint: str) -> ShoplensError:
    return ShoplensError(message, hint=hint, zh=zh, zh_hint=zh_hint)


def check(limits: QueryLimits, grain: str | None, start: date, end: date, compare: str | None,
          dim_values: Mapping[str, int], chosen: int | None = None) -> None:
    """Refuse (ShoplensError) a query over ``start..end`` at ``grain`` cut by dimensions with ``dim_values``
    values each, when it is beyond ``limits``. Pure: the caller counts the values. ``chosen``: the query reads
    only that many days of the range (``query(days=)``, daily grain), so only those count."""
    days = chosen or (end - start).days + 1
    longest = limits.max_days.get(grain or "total", limits.max_days.get("total", MAX_DAYS["total"]))
    if days > longest:
        raise _refuse(f"the range {start}..{end} is {days} days; at most {longest} days per query"
                      + (f" by {grain}" if grain else ""),
                      f"日期范围 {start}..{end} 共 {days} 天；" + (f"按 {grain} " if grain else "")
                      + f"每次查询最多 {longest} 天",
                      "shorten the range (from/to)" + (f" or use a longer grain than {grain}" if grain else ""),
                      "请缩短日期范围（from/to）" + (f"，或使用比 {grain} 更长的粒度" if grain else ""))
    count = chosen or (len(periods(start, end, grain)) if grain != "hour" else days * 24)
    if compare and grain in PER_PERIOD_COMPARISON and count > limits.max_compared_periods:
        raise _refuse(f"a comparison ({compare}) of {count} {grain}s; at most {limits.max_compared_periods} periods "
                      "are compared in one query",
                      f"对比（{compare}）{count} 个 {grain} 周期；"
                      f"一次查询最多对比 {limits.max_compared_periods} 个周期",
                      "shorten the range, use a longer grain, or drop compare",
                      "请缩短日期范围、使用更长的粒度，或去掉对比")
    cells = count * math.prod(dim_values.values())
    if cells > limits.max_cells:
        cut = " x ".join(f"{d} ({n})" for d, n in dim_values.items())
        zh_cut = " × ".join(f"{d}（{n}）" for d, n in dim_values.items())
        raise _refuse(f"the answer could have {cells:,} rows ({count} periods x {cut}); at most "
                      f"{limits.max_cells:,}",
                      f"结果可能有 {cells:,} 行（{count} 个周期 × {zh_cut}）；最多 {limits.max_cells:,} 行",
                      "shorten the range, use a longer grain, cut by fewer dimensions or filter them with where",
                      "请缩短日期范围、使用更长的粒度、减少拆分维度，或用 where 筛选")


def dimension_values(dims: tuple[str, ...], where: Mapping[str, tuple[str, ...]], store_ids: tuple[str, ...],
                     run: Any) -> dict[str, int]:
    """An upper bound of each dimension's values in these stores: a closed vocabulary's size, the distinct
    values the warehouse holds (``run(sql)`` -> DataFrame, cached per data version), or the values of a
    ``where`` filter on it, whichever is smaller."""
    from shoplens.model.vocab import CHANNELS, DEVICES
    from shoplens.warehouse.scope import lit

    closed = {**CLOSED, "channel": len(CHANNELS) + 1, "device": len(DEVICES) + 1, "store": len(store_ids)}
    stores = ", ".join(lit(s) for s in store_ids) or "NULL"
    out: dict[str, int] = {}
    for dim in dims:
        if dim in closed:
            size = closed[dim]
        elif dim in OPEN:
            parts = " UNION ALL ".join(f"SELECT {col} AS v FROM {table} WHERE store_id IN ({stores})"
                                       for table, col in OPEN[dim])
            size = int(run(f"SELECT count(DISTINCT v) + 1 FROM ({parts})").iloc[0, 0])
        else:
            continue
        if where.get(dim):
            size = min(size, len(where[dim]))
        out[dim] = max(1, size)
    return out


def check_query(engine: Any, scope: Any, by: tuple[str, ...], where: Mapping[str, tuple[str, ...]],
                grain: str | None, start: date, end: date, compare: str | None, version: Any,
                chosen: int | None = None) -> None:
    """The engine's one call: nothing to do without active limits, else :func:`check` with counted values."""
    limits = active()
    if limits is None:
        return
    check(limits, grain, start, end, None, {}, chosen)  # the range first: refused without touching the warehouse
    values = dimension_values(by, where, scope.store_ids, lambda sql: engine._run(sql, version)) if by else {}
    check(limits, grain, start, end, compare, values, chosen)
