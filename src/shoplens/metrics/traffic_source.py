"""Aggregated traffic (``traffic_daily``, platform reports) standing in for events and orders.

Which source a store's numbers come from is decided per store, never per row, so a store never mixes
two sources for one measure and range:
- a store with any events answers visitors, page views and add-to-cart visitors from its events; a store
  without events but with ``traffic_daily`` rows answers them from ``traffic_daily``;
- a store with neither orders nor events (so no purchase events either) answers GMV, paid orders and
  buyers from ``traffic_daily`` too (``paid_amount_rc``, ``paid_orders``, ``buyers``); a store with orders
  keeps its orders (its conversion rate is then orders' buyers over the report's visitors).

Rows where a dimension is ``(all)`` are the report's totals over that dimension. A query reads, for each
of channel, product and device, the ``(all)`` rows when it neither cuts nor filters by that dimension and
the other rows when it does (category and brand come from the product rows through ``products``); per-channel
rows are never added to an ``(all)`` row. A store with no rows of the shape a query needs has no value
(null), not 0.

Visitors, add-to-cart visitors and buyers of a longer period are the sum of the daily rows (a visitor of
two days counts twice) unless the store has a ``week``/``month`` row covering exactly that period, which
is then used instead (for every column of that period). In a longer range, week and month rows it holds
whole count instead of their days (see :func:`aggregate_sql`).
Metrics that need single events (sessions,
bounce, favourites, funnels, cart-to-purchase) stay null for a traffic-only store. Segments restrict
users, which aggregated rows do not have: under a segment a traffic-only store has no value.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shoplens.model.tables import ALL
from shoplens.warehouse.scope import Scope, channel_type_sql, lit

TABLE = "traffic_daily"
# measure id -> traffic_daily column, per family (which stores answer from traffic_daily: see the docstring)
EVENT_MEASURES = {"visitors": "visitors", "page_views": "page_views", "cart_adders": "add_to_cart_users"}
ORDER_MEASURES = {"gmv_amount": "paid_amount_rc", "paid_orders": "paid_orders", "buyers": "buyers",
                  "item_sales": "paid_amount_rc", "orders_with_product": "paid_orders", "buyers_of_product": "buyers"}
MEASURES = EVENT_MEASURES | ORDER_MEASURES
DISTINCT_COUNTS = frozenset({"visitors", "cart_adders", "buyers", "buyers_of_product"})  # summed over days
DIMS = frozenset({"store", "channel", "channel_type", "device", "product", "category", "brand"})
# the traffic_daily column behind each query dimension: the shape of the rows a query reads
SHAPE = {"channel": "channel", "channel_type": "channel", "device": "device", "product": "product_id",
         "category": "product_id", "brand": "product_id"}
SHAPE_COLUMNS = ("channel", "product_id", "device")
SPAN_END = "(CASE t.period WHEN 'day' THEN t.date WHEN 'week' THEN t.date + 6 ELSE last_day(t.date) END)"


def shapes_sql() -> str:
    """Each store's row shapes: which of channel, product, device its rows cut, and whether they are day rows
    (all history)."""
    cuts = ", ".join(f"{c} <> {lit(ALL)} AS {c}" for c in SHAPE_COLUMNS)
    return f"SELECT DISTINCT store_id, {cuts}, period = 'day' AS daily FROM {TABLE} ORDER BY ALL"


VALUE_COLUMNS = ("visitors", "page_views", "add_to_cart_users", "buyers", "paid_orders", "paid_amount_rc")


def columns_sql() -> str:
    """Per store, whether each value column holds a value in some row (all history)."""
    has = ", ".join(f"count({c}) > 0 AS {c}" for c in VALUE_COLUMNS)
    return f"SELECT store_id, {has} FROM {TABLE} GROUP BY store_id ORDER BY store_id"


def shape_of(dims: set[str] | frozenset[str]) -> tuple[bool, ...]:
    """The row shape a query with these dimensions (cut or filtered) reads."""
    cut = {SHAPE[d] for d in dims if d in SHAPE}
    return tuple(c in cut for c in SHAPE_COLUMNS)


def family(measure_id: str, scope: Scope) -> tuple[str, ...]:
    """The scope's stores that answer this measure from traffic_daily."""
    if measure_id in EVENT_MEASURES:
        return scope.traffic_events
    if measure_id in ORDER_MEASURES:
        return scope.traffic_orders
    return ()


def answers(dims: set[str] | frozenset[str], grain: str | None, scope: Scope) -> bool:
    """Whether traffic_daily can answer a query at all: known dimensions, a day or longer, no segment."""
    return grain != "hour" and not (set(dims) - DIMS) and scope.members is None


def rows_sql(scope: Scope, dims: frozenset[str]) -> str:
    """Row-level traffic of the scope's stores and range, of the shape ``dims`` needs (before --where)."""
    shape = shape_of(dims)
    cond = " AND ".join(f"t.{c} {'<>' if cut else '='} {lit(ALL)}" for c, cut in zip(SHAPE_COLUMNS, shape, strict=True))
    sql = (f"SELECT t.store_id, t.date, t.period, {SPAN_END} AS span_end, t.store_id AS store, t.channel,"
           f" {channel_type_sql('t.channel')} AS channel_type, t.device, t.product_id, t.product_id AS product,"
           f" p.category, p.brand, CAST(t.visitors AS BIGINT) AS visitors, CAST(t.page_views AS BIGINT) AS page_views,"
           f" CAST(t.add_to_cart_users AS BIGINT) AS add_to_cart_users, CAST(t.buyers AS BIGINT) AS buyers,"
           f" CAST(t.paid_orders AS BIGINT) AS paid_orders,"
           f" CAST({scope.money('t', 't.paid_amount_rc')} AS DOUBLE) AS paid_amount_rc"
           f" FROM {TABLE} t LEFT JOIN products p ON p.store_id = t.store_id AND p.product_id = t.product_id"
           + scope.fx_join("t", "t.date"))
    until = f"t.date <= DATE '{scope.end.isoformat()}'" if scope.end else "TRUE"
    since = f"t.date >= DATE '{scope.start.isoformat()}'" if scope.start else "TRUE"  # a period row starts inside
    return sql + f" WHERE {scope.store_filter('t')} AND {cond} AND {since} AND {until}"


def aggregate_sql(filtered: str, periods_sql: str, keys: list[str], outputs: dict[str, str | None]) -> str:
    """Sum the filtered rows per period (``periods_sql``: ``per(_period, p_first, p_last)``) and ``keys``.

    Per period and row dimensions (store, channel, product, device), the coarsest whole rows win: a month row
    lying wholly inside the period counts, and so does a week row inside it unless it overlaps such a month (a
    week astride two months overlaps both); day rows count where no counted week or month row spans them. A
    week or month row has the period's own distinct visitors, which summed days do not, and it is whole where a
    seller's day rows may have gaps. A row cutting the period's edge cannot be split and is left out."""
    cols = "store_id, store, channel, channel_type, device, product_id, product, category, brand"
    values = "visitors, page_views, add_to_cart_users, buyers, paid_orders, paid_amount_rc"
    same = ("{o}._period = {r}._period AND {o}.store_id = {r}.store_id AND {o}.channel = {r}.channel"
            " AND {o}.product_id = {r}.product_id AND {o}.device = {r}.device")
    inside = (f"SELECT per._period, {cols}, {values}, r.date, r.span_end, r.period FROM ({filtered}) r"
              f" JOIN {periods_sql} ON r.date >= per.p_first AND r.span_end <= per.p_last")
    long_rows = (f"SELECT w.* FROM x w WHERE w.period = 'month' OR (w.period = 'week' AND NOT EXISTS (SELECT 1 FROM"
                 f" x m WHERE {same.format(o='m', r='w')} AND m.period = 'month' AND m.date <= w.span_end"
                 " AND m.span_end >= w.date))")
    days = (f"SELECT d.* FROM x d WHERE d.period = 'day' AND NOT EXISTS (SELECT 1 FROM l WHERE"
            f" {same.format(o='l', r='d')} AND d.date BETWEEN l.date AND l.span_end)")
    usable = (f"WITH x AS ({inside}), l AS ({long_rows}) SELECT * FROM l UNION ALL BY NAME {days}")
    aggs = ", ".join((f"sum({col})" if col else "CAST(NULL AS DOUBLE)") + f" AS {name}"
                     for name, col in outputs.items())
    select = ", ".join([*(("CAST(_period AS TIMESTAMP) AS _period",) if "_period" in keys else ()),
                        *(k for k in keys if k != "_period"), aggs])
    group = " GROUP BY ALL" if keys else ""
    return f"SELECT {select} FROM ({usable}) k{group}"


def union(planner: Any, group: Any, sql: str) -> str:
    """``sql`` (the events / orders / items statement of ``group``) plus the same measures of the stores that
    answer them from traffic_daily, as extra rows the engine sums with the others."""
    scope: Scope = planner.scope
    req = planner.req
    stores = set().union(*(family(m.id, scope) for m in group.measures))
    dims = frozenset(group.dims) | frozenset(req.where)
    if not stores or group.measures[0].agg not in ("sum", "count", "count_distinct") \
            or not answers(dims, req.grain, scope):
        return sql
    mine = replace(scope, stores=tuple(s for s in scope.stores if s.store_id in stores))
    t = planner.sql_table(rows_sql(mine, dims))
    for dim in sorted(d for d in req.where if d in DIMS):
        values = list(req.where[dim])
        t = t.filter(t[dim] == values[0] if len(values) == 1 else t[dim].isin(values))
    filtered = planner.to_sql(t)
    rows = ", ".join(f"(TIMESTAMP '{p.start.isoformat()} 00:00:00', DATE '{p.first.isoformat()}', "
                     f"DATE '{p.last.isoformat()}')" for p in planner.periods)
    keys = (["_period"] if group.timed and req.grain else []) + list(group.dims)
    outputs = {out: (MEASURES[mid] if mid in MEASURES and family(mid, scope) else None)
               for out, mid in group.renames.items()}
    traffic = aggregate_sql(filtered, f"(VALUES {rows}) per(_period, p_first, p_last)", keys, outputs)
    return f"SELECT * FROM ({sql}) UNION ALL BY NAME ({traffic})"


def available(scope: Scope, shapes: dict[str, set[tuple[bool, ...]]], measure_id: str, req: Any) -> set[str]:
    """Stores whose traffic_daily rows answer ``measure_id`` for the query ``req`` (by and where dimensions)."""
    dims = frozenset(req.by) | frozenset(req.where) if req is not None else frozenset()
    if not answers(dims, req.grain if req is not None else None, scope):
        return set()
    need = shape_of(dims)
    grain = req.grain if req is not None else None
    # day rows answer any day or longer period; a store with only week/month rows answers no single day
    return {s for s in family(measure_id, scope)
            if (*need, True) in shapes.get(s, set()) or (grain != "day" and (*need, False) in shapes.get(s, set()))}


def summed_note(metric_ids: list[str], uses: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """The note that visitors of a period longer than a day are summed daily visitors (``uses``: metric ->
    stores whose distinct counts come from traffic_daily)."""
    metrics = [m for m in metric_ids if uses.get(m)]
    if not metrics:
        return {}
    stores = sorted({s for m in metrics for s in uses[m]})
    return {"traffic_daily": {
        "reason": "summed_daily_visitors", "metrics": metrics, "stores": stores,
        "en": (f"{', '.join(metrics)} of store {', '.join(stores)} come from daily traffic reports: visitors, "
               "add-to-cart visitors and buyers of a period longer than a day are sums of daily counts (a visitor "
               "of two days counts twice), unless the report has a row for exactly that week or month"),
        "zh": (f"店铺 {', '.join(stores)} 的 {', '.join(metrics)} 来自按天汇总的流量报表：超过一天的周期内，访客数、"
               "加购人数和支付买家数为每日数值之和（两天都来的访客计两次），除非报表给出恰好覆盖该周或该月的数据行"),
    }}
