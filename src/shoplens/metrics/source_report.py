"""Which table answered each metric for each store (``MetricResult.sources``), and the traffic facts the
engine needs per data version (stores with traffic_daily rows and their row shapes).

A metric reads one table per store for each of its measures (:mod:`shoplens.metrics.traffic_source` says
how the choice is made); ``sources`` lists them so a user can see that a traffic-only store's conversion
rate came from a platform report: ``{"s1": {"conversion_rate": "traffic_daily", "gmv": "orders"}}``.
Several tables behind one metric are joined with ``+`` (``orders+traffic_daily``: GMV of the orders over
the report's visitors). A store that cannot answer every measure of a metric has no entry for it.
"""

from __future__ import annotations

from typing import Any

from shoplens.metrics import traffic_source as T
from shoplens.metrics.plan import needed_measures
from shoplens.metrics.sources import SOURCES
from shoplens.warehouse.rollups import USER_DAY
from shoplens.warehouse.scope import Scope


def traffic_shapes(engine: Any, version: Any) -> dict[str, set[tuple[bool, ...]]]:
    """store -> the row shapes (channel, product, device cut or ``(all)``; day rows or not) of its traffic_daily."""
    def parse() -> dict[str, set[tuple[bool, ...]]]:
        out: dict[str, set[tuple[bool, ...]]] = {}
        for row in engine._run(T.shapes_sql(), version).itertuples(index=False):
            out.setdefault(row[0], set()).add(tuple(bool(x) for x in row[1:]))
        return out

    return engine.fact("traffic_shapes", version, parse)  # type: ignore[no-any-return]


def traffic_columns(engine: Any, version: Any) -> dict[str, set[str]]:
    """store -> the traffic_daily value columns that hold a value in some row. A report without a column (an
    Amazon Business Report has no buyers) answers null for the measures of that column, never 0."""
    def parse() -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for row in engine._run(T.columns_sql(), version).itertuples(index=False):
            out[row[0]] = {col for col, has in zip(T.VALUE_COLUMNS, row[1:], strict=True) if has}
        return out

    return engine.fact("traffic_columns", version, parse)  # type: ignore[no-any-return]


def traffic_available(engine: Any, scope: Scope, measure_id: str, req: Any, version: Any) -> set[str]:
    """Stores of the scope that answer ``measure_id`` from traffic_daily for the query ``req``."""
    stores = T.available(scope, traffic_shapes(engine, version), measure_id, req)
    if not stores:
        return stores
    columns = traffic_columns(engine, version)
    return {s for s in stores if T.MEASURES[measure_id] in columns.get(s, set())}


def traffic_stores(chosen: list[str], has: dict[str, set[str]], shapes: dict[str, Any]) -> tuple[tuple[str, ...],
                                                                                             tuple[str, ...]]:
    """(stores answering event measures, stores answering order measures) from traffic_daily."""
    events = tuple(s for s in chosen if s in shapes and s not in has.get("events", set()))
    orders = tuple(s for s in events if s not in has.get("orders", set()))
    return events, orders


def metric_sources(catalog: Any, metric_ids: list[str], names: dict[str, str], scope: Scope,
                   available: dict[str, set[str]], has: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """store -> metric -> the table(s) its numbers came from (``names``: formula name -> measure used)."""
    out: dict[str, dict[str, str]] = {}
    for store in scope.store_ids:
        per: dict[str, str] = {}
        for mid in metric_ids:
            tables: set[str] = set()
            measures = [names.get(n, n) for n in {*catalog.metrics[mid].formula.measures,
                                                  *catalog.metrics[mid].formula.totals}]
            if not all(store in available.get(m, set()) for m in measures):
                continue  # a metric some of whose measures this store cannot answer has no value from it
            for measure in measures:
                if store in T.family(measure, scope):
                    tables.add(T.TABLE)
                else:
                    own = [t for t in SOURCES[catalog.measures[measure].source].tables if store in has.get(t, set())]
                    tables.update(own[:1] or SOURCES[catalog.measures[measure].source].tables[:1])
            if tables:
                per[mid] = "+".join(sorted(tables))
        out[store] = per
    return out


def distinct_uses(catalog: Any, metric_ids: list[str], names: dict[str, str], scope: Scope,
                  available: dict[str, set[str]]) -> dict[str, list[str]]:
    """metric -> stores whose visitor-like counts (distinct per day) come from traffic_daily."""
    out: dict[str, list[str]] = {}
    for mid in metric_ids:
        stores = {s for name in catalog.metrics[mid].formula.measures
                  for measure in [names.get(name, name)] if measure in T.DISTINCT_COUNTS
                  for s in T.family(measure, scope) if s in available.get(measure, set())}
        if stores:
            out[mid] = sorted(stores)
    return out


def describe(engine: Any, req: Any, scope: Scope, longer_than_a_day: bool, version: Any,
             notes: dict[str, Any]) -> dict[str, Any]:
    """``sources`` and ``notes`` of the answer to ``req`` over ``scope``: the segment's ``notes`` (objects with
    ``to_dict``) plus the traffic note when visitors of a longer period come from daily reports."""
    names, totals = needed_measures(engine.catalog, req)
    names = {**totals, **names}
    ids = set(names.values())
    available = engine._available(scope, ids, version, req)
    has = engine._has_rows(version, scope.store_ids)
    sources = metric_sources(engine.catalog, req.metric_ids, names, scope, available, has)
    traffic = T.summed_note(req.metric_ids, distinct_uses(engine.catalog, req.metric_ids, names, scope, available)) \
        if longer_than_a_day else {}
    return {"notes": {m: n.to_dict() for m, n in notes.items()} | traffic | missing_shape_notes(engine, req, scope,
                                                                                               version),
            "sources": sources}


def missing_shape_notes(engine: Any, req: Any, scope: Scope, version: Any) -> dict[str, dict[str, Any]]:
    """A note per traffic-only store whose report rows do not cut what the query cuts (its values are null),
    saying how they are cut, so the user can ask that way (or import the report's totals)."""
    if not scope.traffic_events:
        return {}
    dims = frozenset(req.by) | frozenset(req.where)
    shapes, need = traffic_shapes(engine, version), T.shape_of(dims)
    names = {"channel": "channel", "product_id": "product", "device": "device"}
    zh_names = {"channel": "渠道", "product_id": "商品", "device": "终端"}
    out = {}
    for s in scope.traffic_events:
        have = {shape[:3] for shape in shapes.get(s, set())}
        if not have or need in have:
            continue
        cut = [d for d in sorted(dims) if d in T.SHAPE] or ["(none)"]
        ways = [[c for c, on in zip(T.SHAPE_COLUMNS, shape, strict=True) if on] for shape in sorted(have)]
        en_ways = "; ".join(" and ".join(names[c] for c in w) or "store totals" for w in ways)
        zh_ways = "；".join("、".join(zh_names[c] for c in w) or "店铺汇总" for w in ways)
        dim_zh = {"channel": "渠道", "channel_type": "渠道类型", "device": "终端", "product": "商品",
                  "category": "类目", "brand": "品牌"}
        asked = f"by {' and '.join(cut)} alone" if cut != ["(none)"] else "for the store's totals"
        asked_zh = f"只按{'、'.join(dim_zh.get(c, c) for c in cut)}拆分的行" if cut != ["(none)"] else "店铺汇总行"
        out[f"traffic_daily:{s}"] = {
            "reason": "traffic_dims_missing", "store": s, "dimensions": [d for d in cut if d != "(none)"],
            "en": (f"store {s} has only platform report rows, cut by: {en_ways}; it has no rows {asked}, so no values "
                   "here: ask by one of those cuts, or import the report's totals (e.g. 生意参谋 交易概况 or "
                   "所有终端 rows)"),
            "zh": (f"店铺 {s} 只有平台报表数据，其拆分方式为：{zh_ways}；没有{asked_zh}，因此这里没有数值："
                   "请按上述拆分方式查询，或导入报表的汇总（如生意参谋交易概况或“所有终端”的数据）")}
    return out


def data_day_sql(scope: Scope, fn: str) -> str:
    """First (fn=min) or last (fn=max) local day with events, orders or traffic rows in the scope's stores
    (a traffic row of a week or month reaches to the period's last day)."""
    return (f"SELECT {fn}(d) FROM (SELECT {fn}(r.day) AS d FROM {USER_DAY} r"
            f" WHERE {scope.store_filter('r')} UNION ALL"
            f" SELECT CAST({scope.local('o', f'{fn}(o.created_ts)')} AS DATE) FROM orders o"
            f" WHERE {scope.store_filter('o')} GROUP BY o.store_id UNION ALL"
            f" SELECT {fn}({'t.date' if fn == 'min' else T.SPAN_END}) FROM {T.TABLE} t"
            f" WHERE {scope.store_filter('t')})")
