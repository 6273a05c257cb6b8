"""The values a dimension can take: closed vocabularies and the warehouse's own values, with counts.

One place answers "is ``paidsearch`` a channel?" for every filter (metrics ``--where``, behaviour
``--where``, funnel steps, segment rules) and lists a dimension's values (``shoplens values``,
``GET /api/v1/values/{dim}``, the dashboard's pickers):

- **closed** dimensions (channel, channel_type, device, new_vs_returning) know their values without
  asking the data: the import refuses anything outside the vocabulary (model/vocab.py);
- **open** dimensions (country, source, campaign, category, product, member_tier, events beyond the
  standard ones, ...) know the values stored in the query's stores (any date), read from the
  tables in :data:`DIMENSIONS`;
- a value is looked up with ONE query per dimension (``value IN (?, ...)``, bound parameters) rather
  than by listing every value, so high-cardinality dimensions (product, session, a JSON property)
  cost a scan of one column at most, never a list of millions in memory. Listing them is cut to the
  top ``limit`` values.

Answers are cached per warehouse data version (``Warehouse.data_version``, like the metrics
engine), so a dashboard asking the same question again reads memory. Counts are *rows*: events,
orders (any status; in a store without purchase events its paid orders count as ``purchase`` events, as
the analyses read them), ad-spend rows, products,
customers, shipments, order lines; rows with a time are counted in the local date range (the row's
store time zone), rows without one (products, customers) whatever the range.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from shoplens.errors import ShoplensError
from shoplens.metrics.single_flight import one_at_a_time
from shoplens.model.vocab import CHANNELS, DEVICES, EVENTS
from shoplens.params import check_day
from shoplens.warehouse.rollups import USER_DAY
from shoplens.warehouse.scope import Scope, StoreInfo, channel_type_sql, lit, pick_stores

PAID = "(t.paid_ts IS NOT NULL OR t.status IN ('paid', 'shipped', 'delivered'))"
TIER = "coalesce(nullif(lower(trim(t.member_tier)), ''), 'none')"  # as metrics/sources.py MEMBER_TIER
ITEMS = ("(SELECT i.store_id, i.product_id, coalesce(o.paid_ts, o.created_ts) AS ts FROM order_items i"
         " LEFT JOIN orders o ON o.store_id = i.store_id AND o.order_id = i.order_id)")
# paid orders of stores without purchase events of their own: the analyses read them as purchase events
PAID_ORDERS = (f"(SELECT * FROM orders t WHERE {PAID} AND t.store_id NOT IN"
               f" (SELECT DISTINCT store_id FROM {USER_DAY} WHERE n_purchase > 0))")
CACHE_SIZE = 1024
MAX_LIMIT = 100_000


@dataclass(frozen=True)
class Origin:
    """Where some of a dimension's values are stored: ``value`` over rows ``t`` of ``source``."""

    rows: str  # what one row is (the count's name): events, orders, ad_spend, products, ...
    source: str  # a table name or a (SELECT ...) holding store_id and the columns used below
    value: str  # SQL of the value on alias t
    ts: str | None  # UTC timestamp of the row (its local date decides the range); None: no date
    day: bool = False  # ``ts`` is already a local DATE (ad_spend.date)
    listed: bool = True  # False: known to filters and notes, not a count column of the listing (traffic_daily)


@dataclass(frozen=True)
class Dimension:
    id: str
    en: str
    zh: str
    origins: tuple[Origin, ...]
    vocab: tuple[str, ...] = ()  # values that are always known
    closed: bool = False  # only the vocabulary is known (imports refuse anything else)
    large: bool = False  # high cardinality (listing is cut to the top values)


def _o(rows: str, value: str, ts: str | None = "t.ts", source: str | None = None, day: bool = False) -> Origin:
    return Origin(rows, source or rows, value, ts, day)


_ORDER_TS = "coalesce(t.paid_ts, t.created_ts)"
_EV, _ORD = "events", "orders"


def _tr(value: str) -> Origin:
    """A value of traffic_daily (platform reports); its ``(all)`` rows are totals, not a value."""
    return Origin("traffic_daily", "traffic_daily", f"nullif({value}, '(all)')", "t.date", True, listed=False)


def _dims() -> dict[str, Dimension]:
    ch_type = channel_type_sql("t.channel")
    out = [
        Dimension("store", "store", "店铺", (_o(_EV, "t.store_id"), _o(_ORD, "t.store_id", _ORDER_TS),
                                            _tr("t.store_id"))),
        Dimension("channel", "channel", "渠道", (_o(_EV, "t.channel"), _o(_ORD, "t.channel", _ORDER_TS),
                                                _o("ad_spend", "t.channel", "t.date", day=True), _tr("t.channel")),
                  tuple(CHANNELS), closed=True),
        Dimension("channel_type", "channel type", "渠道类型", (_o(_EV, ch_type), _o(_ORD, ch_type, _ORDER_TS),
                                                          _o("ad_spend", ch_type, "t.date", day=True),
                                                          _tr(channel_type_sql("nullif(t.channel, '(all)')"))),
                  ("free", "paid"), closed=True),
        Dimension("source", "source", "来源", (_o(_EV, "t.source"),)),
        Dimension("medium", "medium", "媒介", (_o(_EV, "t.medium"),)),
        Dimension("campaign", "campaign", "活动", (_o(_EV, "t.campaign"),
                                                 _o("ad_spend", "t.campaign", "t.date", day=True))),
        Dimension("device", "device", "设备", (_o(_EV, "t.device"), _o(_ORD, "t.device", _ORDER_TS),
                                            _tr("t.device")), DEVICES,
                  closed=True),
        Dimension("country", "country", "国家/市场", (_o(_EV, "t.country"), _o(_ORD, "t.country", _ORDER_TS),
                                                  _o("customers", "t.country", None))),
        Dimension("category", "category", "类目", (_o("products", "t.category", None),)),
        Dimension("brand", "brand", "品牌", (_o("products", "t.brand", None),)),
        Dimension("product", "product", "商品", (_o(_EV, "t.product_id"), _o("order_items", "t.product_id",
                                                                            source=ITEMS),
                                               _o("products", "t.product_id", None), _tr("t.product_id")), large=True),
        Dimension("new_vs_returning", "new vs returning", "新老客", (), ("new", "returning", "guest"), closed=True),
        Dimension("member_tier", "member tier", "会员等级", (_o("customers", TIER, None),), ("none",)),
        Dimension("carrier", "carrier", "承运商", (_o("shipments", "t.carrier", "t.shipped_ts"),)),
        Dimension("page_type", "page type", "页面类型", (_o(_EV, "t.page_type"),)),
        Dimension("session", "session", "会话", (_o(_EV, "t.session_id"),), large=True),
        Dimension("event", "event", "事件", (_o(_EV, "t.event"), _o(_ORD, "'purchase'", _ORDER_TS, PAID_ORDERS)),
                  EVENTS),
    ]
    return {d.id: d for d in out}


DIMENSIONS = _dims()
ALIASES = {"market": "country", "product_id": "product", "session_id": "session", "first_channel": "channel",
           "events": "event"}


def dimension(name: str) -> Dimension:
    """The dimension ``name`` (aliases: market, product_id, session_id, first_channel), or a clear error."""
    if name.startswith(("properties.", "prop.")):
        return property_dimension(name)
    found = DIMENSIONS.get(ALIASES.get(name, name))
    if found is None:
        from difflib import get_close_matches

        close = get_close_matches(name, [*DIMENSIONS, *ALIASES], n=3)
        names = ", ".join(DIMENSIONS)
        raise ShoplensError(f"unknown dimension {name!r}", hint=f"did you mean {', '.join(close)}?" if close else
                            f"one of {names}, or properties.KEY", zh=f"未知维度 {name!r}",
                            zh_hint=f"是否想用 {', '.join(close)}？" if close else f"可选：{names}，或 properties.键名")
    return found


def property_dimension(name: str) -> Dimension:
    """``properties.KEY``: a key of the events' JSON properties (high cardinality, never listed whole)."""
    import re

    key = re.fullmatch(r"(?:properties|prop)\.([\w-]{1,64})", name)
    if key is None:
        raise ShoplensError(f"{name!r} is not a property key", hint="properties.KEY (letters, digits, _ or -)",
                            zh=f"{name!r} 不是属性键", zh_hint="properties.键名（字母、数字、_ 或 -）")
    path = '$."' + key.group(1) + '"'
    value = f"json_extract_string(t.properties, {lit(path)})"
    return Dimension(f"properties.{key.group(1)}", f"properties.{key.group(1)}", f"属性 {key.group(1)}",
                     (_o(_EV, value),), large=True)


# ---- the cache and the queries ---------------------------------------------------------------------
_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_LOCK = threading.Lock()


def cached(wh: Any, key: tuple[Any, ...], compute: Callable[[], Any], version: Any = None) -> Any:
    """``compute()`` once per warehouse data version and ``key`` (answers of older data are never reused);
    ``version``: the data version when the caller has it already."""
    full = (str(wh.path), wh.data_version() if version is None else version, *key)
    with _LOCK:
        if full in _CACHE:
            _CACHE.move_to_end(full)
            return _CACHE[full]
    with one_at_a_time(full):  # two threads asking at once (an alert check's rules): one computes
        with _LOCK:
            if full in _CACHE:
                return _CACHE[full]
        value = compute()
        with _LOCK:
            _CACHE[full] = value
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    return value


def _where(o: Origin, scope: Scope) -> str:
    parts = [scope.store_filter("t")]
    if o.ts is not None and (scope.start is not None or scope.end is not None):
        parts.append(scope.date_range(o.ts) if o.day else scope.ts_range("t", o.ts))
    return " AND ".join(parts)


def _ids(stores: Sequence[StoreInfo]) -> tuple[str, ...]:
    return tuple(s.store_id for s in stores)


def known(wh: Any, stores: Sequence[StoreInfo], dim: Dimension, values: Iterable[str],
          fold_case: bool = False) -> set[str]:
    """Which of ``values`` the dimension knows in these stores (exactly, or ignoring case when ``fold_case``)."""
    wanted = sorted(set(values))
    fold = (lambda v: v.lower()) if fold_case else (lambda v: v)
    vocab = {fold(v) for v in dim.vocab}
    out = {v for v in wanted if fold(v) in vocab}
    rest = [v for v in wanted if v not in out]
    if not rest or dim.closed or not dim.origins or not stores:
        return out
    found = cached(wh, ("known", dim.id, _ids(stores), tuple(rest), fold_case),
                   lambda: _present(wh, Scope(tuple(stores), None, None), dim, [fold(v) for v in rest], fold_case))
    return out | {v for v in rest if fold(v) in found}


def _present(wh: Any, scope: Scope, dim: Dimension, values: list[str], fold_case: bool) -> frozenset[str]:
    marks = ", ".join("?" for _ in values)
    parts, params = [], []
    for o in dim.origins:
        value = f"lower({o.value})" if fold_case else o.value
        parts.append(f"SELECT DISTINCT {value} AS v FROM {o.source} t WHERE {_where(o, scope)}"
                     f" AND {value} IN ({marks})")
        params += values
    return frozenset(r[0] for r in wh.con.execute(" UNION ".join(parts), params).fetchall())


def rows_in_range(wh: Any, stores: Sequence[StoreInfo], dim: Dimension, values: Iterable[str], start: date | None,
                  end: date | None) -> dict[str, int]:
    """Rows holding each value in the local date range (rows without a date count whatever the range)."""
    wanted = tuple(sorted(set(values)))
    if not wanted or not dim.origins or not stores:
        return dict.fromkeys(wanted, 0)

    def compute() -> dict[str, int]:
        scope, marks = Scope(tuple(stores), start, end), ", ".join("?" for _ in wanted)
        parts = [f"SELECT {o.value} AS v, count(*) AS n FROM {o.source} t WHERE {_where(o, scope)}"
                 f" AND {o.value} IN ({marks}) GROUP BY 1" for o in dim.origins]
        rows = wh.con.execute(f"SELECT v, sum(n) FROM ({' UNION ALL '.join(parts)}) GROUP BY v",
                              list(wanted) * len(dim.origins)).fetchall()
        counts = dict.fromkeys(wanted, 0)
        counts.update({v: int(n) for v, n in rows})
        return counts

    return cached(wh, ("rows", dim.id, _ids(stores), wanted, start, end), compute)


def similar(wh: Any, stores: Sequence[StoreInfo], dim: Dimension, value: str, n: int = 20) -> list[str]:
    """Up to ``n`` stored values most like ``value`` (Jaro-Winkler, in DuckDB: no list of every value)."""
    if dim.closed or not dim.origins or not stores:
        return []

    def compute() -> list[str]:
        scope = Scope(tuple(stores), None, None)
        parts = " UNION ".join(f"SELECT DISTINCT {o.value} AS v FROM {o.source} t WHERE {_where(o, scope)}"
                               for o in dim.origins)
        sql = (f"SELECT v FROM ({parts}) WHERE v IS NOT NULL"
               " ORDER BY jaro_winkler_similarity(lower(v), lower(?)) DESC, v LIMIT ?")
        return [r[0] for r in wh.con.execute(sql, [value, n]).fetchall()]

    return cached(wh, ("similar", dim.id, _ids(stores), value, n), compute)


# ---- listing -----------------------------------------------------------------------------------------
@dataclass
class ValueList:
    """A dimension's values with row counts per kind of row, most rows first (the JSON of ``shoplens values``)."""

    dimension: str
    stores: list[str]
    start: date | None
    end: date | None
    count_of: list[str]  # the kinds of rows counted (events, orders, ...): one count column each
    closed: bool
    distinct: int  # values with rows (the list may be cut to ``limit``)
    values: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"dimension": self.dimension, "stores": self.stores,
                "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None, "count_of": self.count_of, "closed": self.closed,
                "distinct": self.distinct, "values": self.values}


def store_infos(wh: Any, store: str | Sequence[str] | None) -> list[StoreInfo]:
    rows = wh.con.execute("SELECT store_id, timezone, reporting_currency FROM stores ORDER BY store_id").fetchall()
    return pick_stores([StoreInfo(*r) for r in rows], list(store) if isinstance(store, list | tuple) else store)


def list_values(wh: Any, *, store: str | Sequence[str] | None = None, dim: str, start: date | None = None,
                end: date | None = None, limit: int | None = None) -> ValueList:
    """Values of ``dim`` in the stores with their row counts in the range (all dates by default), most first;
    a closed vocabulary lists its values without rows too (count 0). At most ``limit`` values (default 100)."""
    d = dimension(dim)
    start, end = check_day(start, "--from"), check_day(end, "--to")
    if start and end and start > end:
        raise ShoplensError(f"--from {start} is after --to {end}", hint="swap the dates",
                            zh=f"--from {start} 晚于 --to {end}", zh_hint="请交换两个日期")
    limit = 100 if limit is None else limit
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ShoplensError(f"--limit {limit!r} is not a whole number in 1..{MAX_LIMIT:,}", zh=f"--limit {limit!r} "
                            f"不是 1..{MAX_LIMIT:,} 之间的整数")
    stores = store_infos(wh, store)
    kinds = list(dict.fromkeys(o.rows for o in d.origins if o.listed))
    rows, distinct = cached(wh, ("list", d.id, _ids(stores), start, end, limit),
                            lambda: _counted(wh, Scope(tuple(stores), start, end), d, kinds, limit))
    listed = {r["value"] for r in rows}
    extra = [v for v in d.vocab if v not in listed] if d.closed or not rows else []
    rows = rows + [{"value": v, "rows": 0 if kinds else None, **dict.fromkeys(kinds, 0)} for v in extra]
    return ValueList(d.id, list(_ids(stores)), start, end, kinds, d.closed, distinct, rows[:limit])


def _counted(wh: Any, scope: Scope, d: Dimension, kinds: list[str], limit: int) -> tuple[list[dict[str, Any]], int]:
    if not d.origins:
        return [], 0
    parts = " UNION ALL ".join(f"SELECT {o.value} AS v, {lit(o.rows)} AS k, count(*) AS n FROM {o.source} t"
                               f" WHERE {_where(o, scope)} GROUP BY 1" for o in d.origins if o.listed)
    per_kind = ", ".join(f"CAST(coalesce(sum(n) FILTER (WHERE k = {lit(k)}), 0) AS BIGINT)" for k in kinds)
    sql = (f"SELECT v, CAST(sum(n) AS BIGINT) AS total, {per_kind}, count(*) OVER () FROM ({parts})"
           " WHERE v IS NOT NULL GROUP BY v ORDER BY total DESC, v LIMIT ?")
    out, distinct = [], 0
    for row in wh.con.execute(sql, [limit]).fetchall():
        out.append({"value": row[0], "rows": row[1], **dict(zip(kinds, row[2:-1], strict=True))})
        distinct = row[-1]
    return out, distinct
