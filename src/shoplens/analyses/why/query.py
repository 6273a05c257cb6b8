"""What root cause reads: a metric and its factors for a period and a reference, whole and cut by dimensions.

Every number comes from the metrics engine (catalog metric ids); nothing here defines a KPI. The factor tree is
a list of catalog metric ids whose product *is* the metric (checked by tests on the demo store):

* gmv = uv × conversion_rate × orders per buyer × aov. The catalog's conversion_rate is *buyers* / visitors and
  aov is GMV / *orders*, so the tree needs orders per buyer (= orders / paying_buyers, two catalog metrics) to
  close exactly; a store whose buyers pay once a day has it at 1.
* orders-only stores (no events, no visitors): gmv = paying_buyers × orders per buyer × aov.

A ratio metric (``x / y`` of two measures that are catalog metrics themselves, e.g. conversion_rate =
paying_buyers / uv) is cut into numerator and denominator per dimension value for its rate and mix effects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shoplens.errors import ShoplensError
from shoplens.metrics.engine import MetricsEngine
from shoplens.metrics.periods import shift_for

DEFAULT_DIMS = ("channel", "device", "country", "category", "new_vs_returning", "member_tier")
COMPARES = ("previous", "wow", "yoy")
PER_BUYER = "orders_per_buyer"  # orders / paying_buyers: not a catalog metric, the ratio of two that are
FACTOR_TREES: dict[str, tuple[tuple[str, ...], ...]] = {
    "gmv": (("uv", "conversion_rate", PER_BUYER, "aov"), ("paying_buyers", PER_BUYER, "aov")),
}
NONE_VALUE = "(none)"  # rows whose dimension value is null


@dataclass(frozen=True)
class Periods:
    start: date
    end: date
    ref_start: date
    ref_end: date
    kind: str


@dataclass
class Cut:
    """Per dimension value (or ``""`` for the whole store): metric id -> number, for now and before."""

    now: dict[str, dict[str, float | None]] = field(default_factory=dict)
    before: dict[str, dict[str, float | None]] = field(default_factory=dict)


def periods(day: date | None, start: date | None, end: date | None, compare: str | None, last: date | None) -> Periods:
    """The period asked and its reference. ``--date`` defaults to wow (same weekday a week before),
    ``--from/--to`` to previous (as many days just before); nothing given: the last day with data."""
    if day is not None and (start is not None or end is not None):
        raise ShoplensError("give --date or --from/--to, not both", zh="--date 与 --from/--to 只能二选一")
    if day is not None:
        start = end = day
    elif start is None and end is None:
        if last is None:
            raise ShoplensError("the store has no data yet", hint="import data or run `shoplens demo`",
                                zh="该店铺还没有数据", zh_hint="先导入数据或运行 `shoplens demo`")
        start = end = last
    start = start or end
    end = end or start
    assert start is not None and end is not None
    if end < start:
        raise ShoplensError(f"--from {start} is after --to {end}", zh=f"--from {start} 晚于 --to {end}")
    kind = compare or ("wow" if start == end else "previous")
    if kind not in COMPARES:
        raise ShoplensError(f"unknown comparison {kind!r}", where="--compare", hint=f"one of {', '.join(COMPARES)}",
                            zh=f"未知的对比方式 {kind!r}", zh_hint=f"可选：{', '.join(COMPARES)}")
    shift = shift_for(kind, start, end, None)
    return Periods(start, end, shift.back(start), shift.back(end), kind)


def ratio_parts(engine: MetricsEngine, metric_id: str) -> tuple[str, str] | None:
    """(numerator, denominator) catalog metric ids of a plain ``x / y`` metric, else None."""
    metric = engine.catalog.metric(metric_id)
    parts = [p.strip() for p in metric.formula.text.split("/")]
    if len(parts) != 2 or metric.formula.totals:
        return None
    plain = {}
    for m in engine.catalog.metrics.values():
        plain.setdefault(m.formula.text.strip(), m.id)
    num, den = plain.get(parts[0]), plain.get(parts[1])
    return (num, den) if num and den else None


def needed(engine: MetricsEngine, metric_id: str, dim: str | None = None) -> list[str]:
    """The catalog metrics one query must return: the metric, its ratio parts, and the factors of its trees
    that can be cut by ``dim`` (a tree with a factor that cannot is left out whole)."""
    ids = [metric_id, *(ratio_parts(engine, metric_id) or ())]
    for tree in FACTOR_TREES.get(metric_id, ()):
        parts = [f for f in tree if f != PER_BUYER] + (["orders", "paying_buyers"] if PER_BUYER in tree else [])
        if dim is None or all(dim in engine.catalog.metric_dims(f) for f in parts):
            ids += parts
    return list(dict.fromkeys(ids))


def single_store(engine: MetricsEngine, store: str | list[str] | None) -> str:
    """Root cause reads one store (money of several stores in several currencies does not add up)."""
    version = engine.data_version()
    scope = engine.resolve_scope(store, None, version)
    if len(scope.stores) != 1:
        ids = ", ".join(s.store_id for s in scope.stores)
        raise ShoplensError("root cause reads one store at a time", where="--store", hint=f"one of {ids}",
                            zh="归因一次只分析一个店铺", zh_hint=f"可选：{ids}")
    return scope.stores[0].store_id


def last_day(engine: MetricsEngine, store: str) -> date | None:
    version = engine.data_version()
    return engine._last_day(engine.resolve_scope(store, None, version), version)


def read(engine: MetricsEngine, metric_ids: list[str], dim: str | None, p: Periods, store: str) -> Cut:
    """The metrics per value of ``dim`` (or for the whole store) in the period and the reference."""
    cut = Cut()
    for target, (start, end) in ((cut.now, (p.start, p.end)), (cut.before, (p.ref_start, p.ref_end))):
        result = engine.query(metric_ids, by=[dim] if dim else [], start=start, end=end, store=store, targets=False)
        for row in result.rows:
            key = "" if dim is None else (NONE_VALUE if row.get(dim) is None else str(row[dim]))
            target[key] = {m: _num(row.get(m)) for m in metric_ids}
    return cut


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if value != value else value


def factor_values(tree: tuple[str, ...], row: dict[str, float | None]) -> dict[str, float | None]:
    """The factors of one row; orders per buyer from the row's orders and paying buyers."""
    out: dict[str, float | None] = {}
    for f in tree:
        if f == PER_BUYER:
            orders, buyers = row.get("orders"), row.get("paying_buyers")
            out[f] = orders / buyers if orders is not None and buyers else None
        else:
            out[f] = row.get(f)
    return out


def pick_tree(metric_id: str, whole: Cut) -> tuple[str, ...] | None:
    """The first factor tree of the metric whose factors the store has (visitors: events were imported)."""
    for tree in FACTOR_TREES.get(metric_id, ()):
        rows = [whole.now.get("", {}), whole.before.get("", {})]
        if any(r.get(f) for r in rows for f in tree if f not in (PER_BUYER, "aov", "conversion_rate")):
            return tree
    return None


def check_dims(engine: MetricsEngine, metric_id: str, by: list[str] | None) -> tuple[list[str], list[dict[str, str]]]:
    """Dimensions to cut by, and a note for each the metric cannot be cut by (an unknown name is an error)."""
    dims = list(dict.fromkeys(by or DEFAULT_DIMS))
    known = engine.catalog.dimensions
    for d in dims:
        if d not in known:
            raise ShoplensError(f"unknown dimension {d!r}", where="--by", hint=f"one of {', '.join(known)}",
                                zh=f"未知维度 {d!r}", zh_hint=f"可选：{', '.join(known)}")
    parts = ratio_parts(engine, metric_id)
    if parts is None and not engine.catalog.is_additive(metric_id):
        # neither a sum nor a plain ratio of two catalog metrics (bounce_rate, roi, retention): no value's
        # contribution adds up to the change, so no dimension is cut rather than a wrong split
        return [], [{"dimension": d, "en": f"{metric_id} is neither additive nor a ratio of two catalog metrics: "
                                           f"not split by {d}",
                     "zh": f"{metric_id} 既不可加也不是两个目录指标之比：不按 {d} 拆分"} for d in dims]
    allowed = engine.catalog.metric_dims(metric_id)
    for part in parts or ():
        allowed = allowed & engine.catalog.metric_dims(part)
    keep = [d for d in dims if d in allowed]
    notes = [{"dimension": d, "en": f"{metric_id} cannot be cut by {d}; skipped",
              "zh": f"{metric_id} 不能按 {d} 拆分，已跳过"} for d in dims if d not in allowed]
    return keep, notes
