"""What root cause reads: a metric and its factors for a period and a reference, whole and cut by dimensions.

Every number comes from the metrics engine (catalog metric ids); nothing here defines a KPI. The factor tree is
a list of catalog metric ids whose product *is* the metric (checked by tests on the demo store):

* gmv = uv × conversion_rate × orders per buyer × aov. The catalog's conversion_rate is *buyers* / visitors and
  aov is GMV / *orders*, so the tree needs orders per buyer (= orders / paying_buyers, two catalog metrics) to
  close exactly; a store whose buyers pay once a day has it at 1.
* orders-only stores (no events, no visitors): gmv = paying_buyers × orders per buyer × aov.
* conversion_rate = add_to_cart_rate × cart_to_purchase_rate × buyers per cart buyer. The first two multiply
  to cart_then_buyers / visitors (visitors who added to cart and bought); buyers per cart buyer (= paying
  buyers / cart_then_buyers, ≥ 1 where every buyer is seen) closes it to paying_buyers / visitors. gmv's
  conversion_rate factor is split over the same tree one level deeper (:data:`SUB_TREES`).

A ratio metric (``x / y`` of two measures that are catalog metrics themselves, e.g. conversion_rate =
paying_buyers / uv) is cut into numerator and denominator per dimension value for its rate and mix effects.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from difflib import get_close_matches
from functools import partial
from typing import Any

from shoplens.analyses.workers import Workers
from shoplens.errors import ShoplensError
from shoplens.metrics.engine import MetricsEngine
from shoplens.metrics.periods import baseline_periods, shift_for

DEFAULT_DIMS = ("channel", "device", "country", "category", "new_vs_returning", "member_tier")
COMPARES = ("previous", "wow", "yoy", "baseline")
PER_BUYER = "orders_per_buyer"  # orders / paying_buyers: not a catalog metric, the ratio of two that are
PER_CART_BUYER = "buyers_per_cart_buyer"  # paying_buyers / cart_then_buyers
CART_BUYERS = "cart_then_buyers"  # a count per row: cart_to_purchase_rate × add_to_cart_users (no catalog metric)
CART_TREE = ("add_to_cart_rate", "cart_to_purchase_rate", PER_CART_BUYER)
FACTOR_TREES: dict[str, tuple[tuple[str, ...], ...]] = {
    "gmv": (("uv", "conversion_rate", PER_BUYER, "aov"), ("paying_buyers", PER_BUYER, "aov")),
    "conversion_rate": (CART_TREE,),
}
SUB_TREES: dict[str, tuple[str, ...]] = {"conversion_rate": CART_TREE}  # a factor with factors of its own
DERIVED = {PER_BUYER: ("orders", "paying_buyers"), PER_CART_BUYER: ("paying_buyers", CART_BUYERS)}  # num / den
READS = {PER_BUYER: ("orders", "paying_buyers"),  # the catalog metrics a factor is computed from
         PER_CART_BUYER: ("paying_buyers", "cart_to_purchase_rate", "add_to_cart_users"),
         "cart_to_purchase_rate": ("cart_to_purchase_rate", "add_to_cart_users")}
NONE_VALUE = "(none)"  # rows whose dimension value is null


@dataclass(frozen=True)
class Periods:
    start: date
    end: date
    ref_start: date
    ref_end: date
    kind: str
    refs: tuple[tuple[date, date], ...] = ()  # the reference periods (baseline: several, averaged)

    def reference_periods(self) -> tuple[tuple[date, date], ...]:
        return self.refs or ((self.ref_start, self.ref_end),)


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
        close = get_close_matches(kind, COMPARES, 1)
        maybe, zh_maybe = (f"did you mean {close[0]}? ", f"是否想用 {close[0]}？") if close else ("", "")
        raise ShoplensError(f"unknown comparison {kind!r}", where="--compare",
                            hint=f"{maybe}one of {', '.join(COMPARES)}", zh=f"未知的对比方式 {kind!r}",
                            zh_hint=f"{zh_maybe}可选：{', '.join(COMPARES)}")
    if kind == "baseline":
        refs = tuple(baseline_periods(start, end))
        return Periods(start, end, refs[0][0], refs[-1][1], kind, refs)
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


def reads(engine: MetricsEngine, factor: str) -> list[str]:
    """The catalog metrics a factor is computed from: itself, or the counts of a derived one, and a ratio's
    numerator and denominator (a baseline averages those, not the ratios)."""
    ids = list(READS.get(factor, (factor,)))
    for m in list(ids):
        if m in engine.catalog.metrics:
            ids += ratio_parts(engine, m) or ()
    return ids


def needed(engine: MetricsEngine, metric_id: str, dim: str | None = None) -> list[str]:
    """The catalog metrics one query must return: the metric, its ratio parts, and the factors of its trees
    (and their sub-trees) that can be cut by ``dim`` (a tree with a factor that cannot is left out whole)."""
    ids = reads(engine, metric_id)

    def cuttable(parts: list[str]) -> bool:
        return dim is None or all(dim in engine.catalog.metric_dims(f) for f in parts)

    for tree in FACTOR_TREES.get(metric_id, ()):
        parts = [m for f in tree for m in reads(engine, f)]
        if cuttable(parts):
            ids += parts
            for f in tree:
                sub = [m for s in SUB_TREES.get(f, ()) for m in reads(engine, s)]
                if sub and cuttable(sub):
                    ids += sub
    return list(dict.fromkeys(ids))


FAMILY = ("gmv", "uv_value", "conversion_rate")  # what the shipped alert rules explain most often


# store-wide metrics whose answers are asked together (every metric an alert check's rules can fire on): each answer's
# store-wide read asks for all of them, so the engine computes them once per period instead of once per answer
ALSO_READ: ContextVar[tuple[str, ...]] = ContextVar("why_also_read", default=())


def shared(engine: MetricsEngine, metric_ids: list[str], dim: str | None) -> list[str]:
    """``metric_ids`` and, when they are of the :data:`FAMILY`, what its other members read too: the answers of
    one alert check (GMV, UV value and conversion on the same day) then ask the engine the same question, which
    its cache answers, instead of three. A member that cannot be cut by ``dim`` is not added. The store-wide read
    (``dim`` None) also asks for :data:`ALSO_READ` when ``metric_ids`` are among them."""
    also = [m for m in ALSO_READ.get() if m in engine.catalog.metrics] if dim is None else []
    if not set(metric_ids) & set(FAMILY) and not set(metric_ids) <= set(also):
        return metric_ids
    ids: list[str] = []
    for member in FAMILY:
        own = needed(engine, member, dim)
        if dim is None or all(dim in engine.catalog.metric_dims(m) for m in own):
            ids += own
    for m in also:
        ids += needed(engine, m, None)
    return list(dict.fromkeys(ids + metric_ids))  # the family's order first: the same list for each member


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


def check_where(engine: MetricsEngine, metric_id: str, where: dict[str, Any] | None) -> dict[str, list[str]]:
    """``where`` as ``{dim: [values]}``; a dimension the metric (or its ratio parts) cannot be cut by is an error
    (the values themselves are checked by the engine, with "did you mean")."""
    out = {str(k): [str(x) for x in (v if isinstance(v, list | tuple | set) else [v])]
           for k, v in (where or {}).items()}
    allowed = engine.catalog.metric_dims(metric_id)
    for part in ratio_parts(engine, metric_id) or ():
        allowed = allowed & engine.catalog.metric_dims(part)
    for d in out:
        if d not in allowed:
            raise ShoplensError(f"{metric_id} cannot be cut by {d}", where=f"--where {d}=",
                                hint=f"one of {', '.join(sorted(allowed))}",
                                zh=f"{metric_id} 不能按 {d} 筛选", zh_hint=f"可选：{', '.join(sorted(allowed))}")
    return out


def read(engine: MetricsEngine, metric_ids: list[str], dim: str | None, p: Periods, store: str,
         where: dict[str, list[str]] | None = None) -> Cut:
    """The metrics per value of ``dim`` (or for the whole store) in the period and the reference (a baseline's
    periods averaged: :func:`shoplens.analyses.why.baseline.average`)."""
    from shoplens.analyses.why.baseline import average

    ask = shared(engine, metric_ids, dim) if not where else metric_ids

    def rows_of(result: Any) -> dict[str, dict[str, float | None]]:
        out = {}
        for row in result:
            key = "" if dim is None else (NONE_VALUE if row.get(dim) is None else str(row[dim]))
            out[key] = _with_cart_buyers({m: _num(row.get(m)) for m in metric_ids})
        return out

    def one(start: date, end: date) -> dict[str, dict[str, float | None]]:
        return rows_of(engine.query(ask, by=[dim] if dim else [], start=start, end=end, store=store, targets=False,
                                    where=where or None).rows)

    spans = [(p.start, p.end), *p.reference_periods()]
    if all(a == b for a, b in spans) and (p.end - min(a for a, _ in spans)).days <= ONE_QUERY_DAYS:
        # single days (a day and its reference days): one daily query that reads only those days
        days = sorted({a for a, _ in spans})
        result = engine.query(ask, by=[dim] if dim else [], start=days[0], end=days[-1], grain="day", store=store,
                              targets=False, where=where or None, days=tuple(days))
        by_day: dict[str, list[dict[str, Any]]] = {}
        for row in result.rows:
            by_day.setdefault(str(row["period"])[:10], []).append(row)
        per = {d: rows_of(by_day.get(d.isoformat(), [])) for d in days}
        refs = [per[a] for a, _ in p.reference_periods()]
        return Cut(per[p.start], average(engine, refs) if p.kind == "baseline" else refs[0])
    refs = [one(s, e) for s, e in p.reference_periods()]
    return Cut(one(p.start, p.end), average(engine, refs) if p.kind == "baseline" else refs[0])


ONE_QUERY_DAYS = 35  # a day and its references at most this far apart are read by one query (wow, baseline)
CUT_THREADS = 2  # dimensions read at once, each on a cursor of its own


def read_cuts(engine: MetricsEngine, wh: Any, metric_id: str, dims: list[str], p: Periods, store: str,
              where: dict[str, list[str]] | None = None) -> dict[str, Cut]:
    """:func:`read` for each dimension, two at a time on cursors of their own: while one waits for DuckDB
    (which releases the GIL) the other compiles its SQL, so six dimensions take about 2/3 of the time."""
    if len(dims) < 2 or not hasattr(wh, "cursor"):
        return {d: read(engine, needed(engine, metric_id, d), d, p, store, where) for d in dims}

    def one(dim: str, mine: MetricsEngine) -> Cut:
        return read(mine, needed(mine, metric_id, dim), dim, p, store, where)

    with Workers(wh, engine, CUT_THREADS, "shoplens-why") as workers:
        futures = {d: workers.submit(partial(one, d)) for d in dims}
        return {d: f.result() for d, f in futures.items()}


def _with_cart_buyers(row: dict[str, float | None]) -> dict[str, float | None]:
    """Adds the count of visitors who added to cart and bought (cart_to_purchase_rate × add_to_cart_users;
    the engine rounds the rate to 10 decimals, so the product is rounded back to the whole count)."""
    rate, adders = row.get("cart_to_purchase_rate"), row.get("add_to_cart_users")
    if adders is not None:
        row[CART_BUYERS] = 0.0 if not adders else (float(round(rate * adders)) if rate is not None else None)
    return row


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if value != value else value


def factor_values(tree: tuple[str, ...], row: dict[str, float | None]) -> dict[str, float | None]:
    """The factors of one row; a derived one (orders per buyer) from the row's counts."""
    out: dict[str, float | None] = {}
    for f in tree:
        if f in DERIVED:
            num, den = (row.get(m) for m in DERIVED[f])
            out[f] = num / den if num is not None and den else None
        else:
            out[f] = row.get(f)
    return out


def has_tree(tree: tuple[str, ...], row: dict[str, float | None]) -> bool:
    """The row holds what every factor of ``tree`` is computed from (a dimension value's row may not)."""
    return all(all(m in row for m in (DERIVED.get(f) or (f,))) for f in tree)


def pick_tree(metric_id: str, whole: Cut) -> tuple[str, ...] | None:
    """The first factor tree of the metric whose factors the store has (visitors: events were imported)."""
    for tree in FACTOR_TREES.get(metric_id, ()):
        rows = [whole.now.get("", {}), whole.before.get("", {})]
        if any(r.get(f) for r in rows for f in tree if f not in (*DERIVED, "aov", "conversion_rate")):
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
