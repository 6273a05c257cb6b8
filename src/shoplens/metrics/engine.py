"""The one metrics engine: every KPI for the CLI, the Python API, the REST API, dashboards and alerts.

``MetricsEngine(wh).query(["gmv", "orders"], by=["channel"], grain="month", compare="previous")``
returns a :class:`MetricResult` (``.to_pandas()``, ``.to_dict()`` = the JSON contract). Results
of each SQL statement are cached per warehouse *data version* (the latest import id), so a
repeated query is served from memory and any new import invalidates it.

``segment=`` (a saved segment's name, or an unsaved rule text / tree) restricts every source about
users to the segment's members (:meth:`Scope.member_filter`). Ad spend, inventory and products have
no users, so a metric reading them (roi, cac, ad_spend, sku_count, ...) is null under a segment,
with a note per metric in :attr:`MetricResult.notes`, and a query of only such metrics is refused
(:mod:`shoplens.metrics.segment_scope`). The members' SQL (definition and as-of day included) is
part of every cache key, so a re-saved segment never serves the old numbers.

Rows cut by ``product`` also carry its ``product_name`` (an attribute, not a metric:
:mod:`shoplens.metrics.product_names`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from shoplens.errors import ShoplensError
from shoplens.metrics import assemble as A
from shoplens.metrics import source_report as SR
from shoplens.metrics.checks import check_dims, check_hourly, check_rates
from shoplens.metrics.currencies import result_currency, split_by_store, with_currency
from shoplens.metrics.limits import check_query
from shoplens.metrics.options import no_nul, normalise_where, parse_sort, top_rows
from shoplens.metrics.periods import check_grain, periods, shift_for
from shoplens.metrics.plan import Group, Planner, Request, needed_measures, plan_groups
from shoplens.metrics.product_names import catalog_names, label_columns, query_stores, with_names
from shoplens.metrics.result import MetricResult, answer_columns, rows_of, with_null_columns
from shoplens.metrics.segment_scope import MembersSQL, SegmentNote, refuse_all, segment_notes
from shoplens.metrics.single_flight import one_at_a_time
from shoplens.metrics.sources import PURCHASE_LINE_COLUMNS, SOURCES
from shoplens.metrics.spec import Catalog, load_catalog
from shoplens.metrics.targets import Targets, load_targets
from shoplens.metrics.value_checks import check_where, value_notes
from shoplens.metrics.values import cached
from shoplens.params import check_day
from shoplens.warehouse.connection import Warehouse
from shoplens.warehouse.rollups import USER_DAY
from shoplens.warehouse.scope import Scope, StoreInfo, pick_stores

CACHE_SIZE = 512
_CACHE: OrderedDict[tuple[str, Any, str], pd.DataFrame] = OrderedDict()  # per SQL statement
_RESULTS: OrderedDict[tuple[Any, ...], MetricResult] = OrderedDict()  # per whole query
_LOCK = threading.Lock()  # the caches are shared by the threads of a server
# measure columns that only real orders have (purchase events standing in for orders carry no money)
NEEDS_ORDERS = frozenset({"gross_amount_rc", "discount_rc", "member"})


class MetricsEngine:
    """The metrics engine over one warehouse.

    ``members``: how a ``segment=`` (saved name, rule text or tree) becomes the SQL of its members
    (``store_id, user_id``) in some stores. Segments are compiled by the analyses layer, which sits above
    metrics, so the engine does not import it: :class:`shoplens.analyses.segments.SegmentMetricsEngine` (the
    package's ``shoplens.MetricsEngine``) passes it in. Without it, a query with a segment is refused.
    """

    def __init__(self, wh: Warehouse, catalog: Catalog | None = None, targets: Targets | None = None,
                 members: MembersSQL | None = None) -> None:
        self.wh = wh
        self.members_sql = members
        self.catalog = catalog or load_catalog()
        self.targets = targets if targets is not None else load_targets(None)
        self.settings = self.targets.settings

    # ---- warehouse facts (cached per data version) ----------------------------------------------
    def data_version(self) -> Any:
        return self.wh.data_version()

    def _run(self, sql: str, version: Any) -> pd.DataFrame:
        key = (str(self.wh.path), version, sql)
        with _LOCK:
            hit = _CACHE.get(key)
            if hit is not None:
                _CACHE.move_to_end(key)
                return hit.copy()
        try:
            df = self.wh.con.execute(sql).df()
        except duckdb.InvalidInputException as exc:  # error() raised inside SQL, e.g. a missing fx rate
            if "shoplens:" not in str(exc):
                raise
            detail = str(exc).split("shoplens:", 1)[1].strip()
            raise ShoplensError(detail, hint="import fx_rates for those dates, or drop --currency",
                                zh=f"缺少汇率：{detail}",
                                zh_hint="为这些日期导入 fx_rates，或去掉 --currency") from None
        with _LOCK:
            _CACHE[key] = df
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
        return df.copy()

    def fact(self, name: str, version: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per warehouse, data version and ``name``: the small facts every query asks for
        (which stores have rows in which table, traffic report shapes), parsed once instead of per query.
        The value is shared: callers must not change it."""
        return cached(self.wh, ("fact", name), compute, version)

    def stores(self, version: Any) -> list[StoreInfo]:
        def every() -> tuple[StoreInfo, ...]:
            rows = self.wh.con.execute("SELECT store_id, timezone, reporting_currency FROM stores ORDER BY store_id")
            return tuple(StoreInfo(*r) for r in rows.fetchall())

        return list(self.fact("stores", version, every))

    def _has_rows(self, version: Any, stores: tuple[str, ...]) -> dict[str, set[str]]:
        """table -> the stores of ``stores`` with rows in it."""
        def every_store() -> dict[str, frozenset[str]]:
            tables = sorted({t for s in SOURCES.values() for t in s.tables} | {"orders"})
            parts = [f"SELECT '{t}' AS t, store_id FROM (SELECT DISTINCT store_id FROM "
                     f"{USER_DAY if t == 'events' else t})" for t in tables]
            df = self._run(" UNION ALL ".join(parts), version)
            return {t: frozenset(df.store_id[df.t == t]) for t in tables}

        return {t: set(has) & set(stores) for t, has in self.fact("has_rows", version, every_store).items()}

    def _data_day(self, scope: Scope, version: Any, fn: str) -> date | None:
        """First (fn=min) or last (fn=max) local day with events, orders or traffic rows in the scope's stores."""
        value = self._run(SR.data_day_sql(scope, fn), version).iloc[0, 0]
        return None if pd.isna(value) else pd.Timestamp(value).date()

    def _last_day(self, scope: Scope, version: Any) -> date | None:
        return self._data_day(scope, version, "max")

    # ---- resolving a request ----------------------------------------------------------------------
    def resolve_scope(self, store: str | list[str] | None, currency: str | None, version: Any) -> Scope:
        """The stores and output currency of a request. Stores in different currencies without ``currency``
        are fine: money is then reported per store (:mod:`shoplens.metrics.currencies`)."""
        chosen = pick_stores(self.stores(version), store)
        currency = no_nul(currency.upper(), "--currency") if currency else None
        has = self._has_rows(version, tuple(s.store_id for s in chosen))
        no_orders = tuple(s.store_id for s in chosen if s.store_id not in has["orders"])
        traffic = SR.traffic_stores([s.store_id for s in chosen], has, SR.traffic_shapes(self, version))
        return Scope(tuple(chosen), None, None, currency, no_orders, None, *traffic)

    def members(self, segment: str | dict[str, Any] | None, scope: Scope) -> str | None:
        """SELECT ``store_id, user_id`` of the segment's members in the scope's stores (None: no segment)."""
        if segment is None:
            return None
        if self.members_sql is None:
            raise ShoplensError("this metrics engine was built without segments",
                                hint="use shoplens.MetricsEngine(wh), which has segments wired in",
                                zh="该指标引擎未启用人群（segment）筛选",
                                zh_hint="请使用已接入人群筛选的 shoplens.MetricsEngine(wh)")
        return self.members_sql(self.wh, scope.store_ids, segment)

    def _available(self, scope: Scope, measure_ids: set[str], version: Any,
                   req: Request | None = None) -> dict[str, set[str]]:
        has = self._has_rows(version, scope.store_ids)
        out: dict[str, set[str]] = {}
        for mid in measure_ids:
            m = self.catalog.measures[mid]
            tables = SOURCES[m.source].tables
            if m.source in ("orders", "items") and ({m.column} | {c.column for c in m.where}) & NEEDS_ORDERS:
                tables = ("orders",)
            out[mid] = set().union(*(has.get(t, set()) for t in tables))
            if m.source == "items" and m.agg != "builder" and m.column in PURCHASE_LINE_COLUMNS and not m.where:
                out[mid] |= set(scope.no_orders) & has.get("events", set())  # purchase events are the lines
            out[mid] |= SR.traffic_available(self, scope, mid, req, version)
        return out

    def _parse(self, metrics: list[str] | str, by: list[str] | tuple[str, ...], where: dict[str, Any] | None,
               grain: str | None) -> tuple[list[str], tuple[str, ...], dict[str, tuple[str, ...]]]:
        """Metric ids, dimensions and filters of a request, checked against the catalog (query and explain)."""
        metric_ids = [m.strip() for m in (metrics.split(",") if isinstance(metrics, str) else metrics) if m.strip()]
        if not metric_ids:
            raise ShoplensError("no metric given", hint="e.g. gmv,orders", zh="没有指定指标", zh_hint="例如 gmv,orders")
        for mid in metric_ids:
            self.catalog.metric(mid)
        by_t = tuple(dict.fromkeys(by))
        where_t = normalise_where({k: tuple(no_nul(str(x), "--where") for x in (v if isinstance(v, list | tuple | set)
                                                                                 else [v]))
                                   for k, v in (where or {}).items()})
        check_dims(self, metric_ids, set(by_t) | set(where_t))
        check_grain(grain)
        return metric_ids, by_t, where_t

    # ---- the query ---------------------------------------------------------------------------------
    def query(self, metrics: list[str] | str, *, by: list[str] | tuple[str, ...] = (), grain: str | None = None,
              start: date | None = None, end: date | None = None, compare: str | None = None,
              where: dict[str, Any] | None = None, store: str | list[str] | None = None,
              currency: str | None = None, targets: bool = True, sort: str | None = None,
              limit: int | None = None, segment: str | dict[str, Any] | None = None,
              days: tuple[date, ...] | None = None, drop_null: tuple[str, ...] = ()) -> MetricResult:
        """Compute metrics for inclusive local dates ``start``..``end`` (default: the last 30 days with data).

        ``segment``: only the members of a saved segment (name) or of an unsaved rule (text or tree);
        see :mod:`shoplens.analyses.segments`. Targets and benchmarks are store-level, so a segment's
        rows carry none. Metrics reading ad spend, inventory or products (no users) are null under a
        segment, each with a note in ``result.notes``; asking only for such metrics is an error
        (:mod:`shoplens.metrics.segment_scope`).

        ``sort``/``limit``: order rows by a queried metric (``gmv`` largest first, ``gmv:asc``) and keep
        the first ``limit`` (per period with a grain); see :mod:`shoplens.metrics.options`.

        ``days`` (daily grain only): read only these days of ``start``..``end``; the rows of the other days are
        empty. Root cause asks for a day and its reference a week earlier this way: one query instead of two.

        ``drop_null``: dimensions of ``by`` whose null rows the caller does not want (the product analyses key their
        rows by SKU: events without a product would be counted for a row they drop); those rows are not computed.
        """
        metric_ids, by_t, where_t = self._parse(metrics, by, where, grain)
        start, end = check_day(start, "--from"), check_day(end, "--to")
        days = tuple(sorted(set(days))) if days else ()
        if days and (grain != "day" or start is None or end is None or not start <= days[0] <= days[-1] <= end):
            raise ValueError("days needs grain='day' and days within start..end")
        drop_null = tuple(sorted(set(drop_null)))
        if not set(drop_null) <= set(by_t):
            raise ValueError("drop_null names dimensions of by")
        order = parse_sort(sort, metric_ids)
        if limit is not None and limit < 1:
            raise ShoplensError("--limit must be at least 1", zh="--limit 至少为 1")
        notes = segment_notes(self.catalog, metric_ids, by_t, where_t) if segment is not None else {}
        refuse_all(metric_ids, notes)
        version = self.data_version()
        members = self.members(segment, self.resolve_scope(store, currency, version)) if segment else None
        targets = targets and members is None
        key = ("query", str(self.wh.path), version, tuple(metric_ids), by_t, tuple(sorted(where_t.items())), grain,
               start, end, compare, str(store), currency, targets, repr(self.targets), members, days, drop_null)
        with _LOCK:
            cached = _RESULTS.get(key)
        if cached is None:
            with one_at_a_time(key):  # a thread computing the same query now: wait for it, then read the cache
                with _LOCK:
                    cached = _RESULTS.get(key)
                if cached is None:  # ours to compute (or that thread's attempt failed: try again here)
                    check_where(self.wh, pick_stores(self.stores(version), store), where_t)  # unknown values
                    cached = self._query(metric_ids, by_t, where_t, grain, start, end, compare, store, currency,
                                         targets, version, members, notes, days, drop_null)
                    cached.notes.update(value_notes(self, store, where_t, cached.start, cached.end, version))
                    with _LOCK:
                        _RESULTS[key] = cached
                        while len(_RESULTS) > CACHE_SIZE:
                            _RESULTS.popitem(last=False)
        result = cached.copy()  # callers may change their copy; the cached one stays as computed
        result.rows = top_rows(result.rows, order, limit, metric_ids)
        if segment is not None:
            result.segment = segment if isinstance(segment, str) else json.dumps(segment, ensure_ascii=False)
        return result

    def _query(self, metric_ids: list[str], by_t: tuple[str, ...], where_t: dict[str, tuple[str, ...]],
               grain: str | None, start: date | None, end: date | None, compare: str | None,
               store: str | list[str] | None, currency: str | None, targets: bool, version: Any,
               members: str | None = None, notes: dict[str, SegmentNote] | None = None,
               days: tuple[date, ...] = (), drop_null: tuple[str, ...] = ()) -> MetricResult:
        notes = notes or {}
        scope = replace(self.resolve_scope(store, currency, version), members=members)
        unknown = set(where_t.get("store", ())) - set(scope.store_ids)
        if unknown:
            raise ShoplensError(f"--where store={sorted(unknown)[0]} is not a store of this query",
                                hint=f"stores: {', '.join(scope.store_ids)}",
                                zh=f"--where store={sorted(unknown)[0]} 不在本次查询的店铺中",
                                zh_hint=f"店铺：{', '.join(scope.store_ids)}")
        by_t = split_by_store(self.catalog, scope, Request(metric_ids, by_t, where_t, grain, self.settings))
        start, end = self._range(scope, start, end, version)
        check_query(self, scope, by_t, where_t, grain, start, end, compare, version, len(days) or None)  # (server)
        # metrics a segment cannot restrict are not queried at all (their store-wide rows would add
        # dimension values the members never had); they come back as null columns with their notes
        req = Request([m for m in metric_ids if m not in notes], by_t, where_t, grain, self.settings, drop_null)
        base, sqls = self._compute(req, replace(scope.with_range(start, end), days=days), version)
        facts = SR.describe(self, req, scope, grain not in ("day", "hour") and start < end, version, notes)
        frame = base
        if compare:
            comp, comp_sql = self._comparison(req, scope, start, end, compare, version)
            sqls += comp_sql
            frame = self._attach_comparison(frame, comp, req, compare)
        frame = with_null_columns(frame, metric_ids, list(notes), by_t, compare)
        if drop_null:  # builders and comparisons may still bring such rows: none is answered
            frame = frame[frame[list(drop_null)].notna().all(axis=1)]
        req = replace(req, metric_ids=metric_ids)
        if targets:
            frame = self.targets.attach(frame, self.catalog, metric_ids, grain, periods(start, end, grain),
                                        scope.store_ids, by_t, scope.converts())
        columns = answer_columns(frame, req, self.catalog)
        if "product" in by_t:
            names = self.fact("product_names", version, lambda: catalog_names(self.wh.con))
            columns = with_names(names, columns, by_t, query_stores(scope.store_ids, where_t))
        rows = rows_of(with_currency(columns, scope, ["period", *label_columns(by_t)]))
        return MetricResult(metric_ids, list(by_t), grain, start, end, compare, rows, result_currency(scope), sqls,
                            converted=scope.converts(), **facts)

    def range_of(self, store: str | list[str] | None, start: date | None = None,
                 end: date | None = None) -> tuple[date, date]:
        """The inclusive local dates a query of ``store`` with these bounds covers (default: the last 30 days with
        data), without running it: for analyses that split the range before their queries."""
        version = self.data_version()
        return self._range(self.resolve_scope(store, None, version), start, end, version)

    def _range(self, scope: Scope, start: date | None, end: date | None, version: Any) -> tuple[date, date]:
        if end is None:
            end = self._last_day(scope, version) or date.today()
            if start is not None and start > end:
                end = start + timedelta(days=29)
        if start is None:
            start = end - timedelta(days=29)
        if start > end:
            raise ShoplensError(f"--from {start} is after --to {end}", hint="swap the dates",
                                zh=f"--from {start} 晚于 --to {end}", zh_hint="交换两个日期")
        return start, end

    def plan(self, req: Request, scope: Scope) -> list[Group]:
        pers = periods(scope.start or date.today(), scope.end or date.today(), req.grain)
        planner = Planner(self.wh.ibis, self.catalog, req, scope, pers)
        return [planner.build(g) for g in plan_groups(self.catalog, req)]

    def _compute(self, req: Request, scope: Scope, version: Any) -> tuple[pd.DataFrame, list[str]]:
        assert scope.start is not None and scope.end is not None
        pers = periods(scope.start, scope.end, req.grain)
        check_rates(self, scope, req, version)
        groups = self.plan(req, scope)
        if req.grain == "hour":
            check_hourly(self, req, groups)
        frames = [(g, A.group_frame(g, self._run(g.sql, version), req.grain)) for g in groups]
        grid = A.period_grid(pers, req.grain)
        df = A.merge_groups(frames, req.by, grid, req.grain)
        ids = {m.id for g in groups for m in g.measures}
        df = A.fill_and_null(df, frames, req.by, self._available(scope, ids, version, req), scope.store_ids)
        names, total_names = needed_measures(self.catalog, req)
        days = A.days_series(df, pers, req.grain)
        keys = [c for c in [A.PERIOD, *req.by] if c in df.columns]
        values = A.evaluate(self.catalog, req.metric_ids, df, names, total_names, days)
        all_time = scope.with_range(None, None)
        values = A.blank_outside(values, df, pers, req.grain, self._data_day(all_time, version, "min"),
                                 self._data_day(all_time, version, "max"))
        out = pd.concat([df[keys].reset_index(drop=True), values.reset_index(drop=True)], axis=1)
        return out, [g.sql for g in groups]

    def _comparison(self, req: Request, scope: Scope, start: date, end: date, compare: str,
                    version: Any) -> tuple[pd.DataFrame, list[str]]:
        """Comparison rows keyed like the base rows: each base period against the same days shifted back.

        Days and hours have equal lengths, so one query over the shifted range lines up by position;
        a week, month, quarter or year (possibly cut by the range) gets its own shifted range, so a
        2-day edge week is compared with 2 days, not with a whole week.
        """
        shift = shift_for(compare, start, end, req.grain)
        base_periods = periods(start, end, req.grain)
        if req.grain in (None, "day", "hour"):
            c_start, c_end = shift.back(start), shift.back(end)
            comp, sqls = self._compute(req, scope.with_range(c_start, c_end), version)
            if req.grain:
                mapping = A.align_comparison(A.period_grid(base_periods, req.grain),
                                             A.period_grid(periods(c_start, c_end, req.grain), req.grain))
                comp[A.PERIOD] = comp[A.PERIOD].map(mapping)
                comp = comp[comp[A.PERIOD].notna()]
            return comp, sqls
        whole = replace(req, grain=None)
        parts, sqls = [], []
        for p in base_periods:
            part, part_sql = self._compute(whole, scope.with_range(shift.back(p.first), shift.back(p.last)), version)
            parts.append(part.assign(**{A.PERIOD: pd.Timestamp(p.start)}))
            sqls += part_sql
        return pd.concat(parts, ignore_index=True), sqls

    def _attach_comparison(self, base: pd.DataFrame, comp: pd.DataFrame, req: Request, compare: str) -> pd.DataFrame:
        keys = list(req.by)
        if req.grain:
            keys = [A.PERIOD, *keys]
        renamed = comp.rename(columns={m: f"{m}__{compare}" for m in req.metric_ids}).assign(_in_comp=True)
        if not keys:
            merged = pd.concat([base.reset_index(drop=True), renamed.reset_index(drop=True)], axis=1)
        else:  # outer: a value that had rows only in one of the two periods still shows
            merged = base.assign(_in_base=True).merge(renamed, on=keys, how="outer" if req.by else "left")
            base_cover, comp_cover = A.covered_periods(base, req.grain), A.covered_periods(comp, req.grain)
            for m in req.metric_ids:
                if not (req.by and self.catalog.is_additive(m)):
                    continue  # an additive metric absent from one side had 0 there (if that period has data)
                for flag, col, cover in (("_in_base", m, base_cover), ("_in_comp", f"{m}__{compare}", comp_cover)):
                    covered = merged[A.PERIOD].isin(cover[m]) if req.grain else bool(cover[m])
                    merged.loc[merged[flag].isna() & covered, col] = 0.0
            merged = merged.drop(columns=["_in_base"])
        merged = merged.drop(columns=["_in_comp"])
        changes = {f"{m}__{compare}_change": A.relative_change(merged[m], merged[f"{m}__{compare}"])
                   for m in req.metric_ids}
        return pd.concat([merged, pd.DataFrame(changes, index=merged.index)], axis=1)

    # ---- explain -------------------------------------------------------------------------------------
    def explain(self, metric_id: str, *, by: list[str] | tuple[str, ...] = (), grain: str | None = None,
                start: date | None = None, end: date | None = None, where: dict[str, Any] | None = None,
                store: str | list[str] | None = None, currency: str | None = None,
                segment: str | dict[str, Any] | None = None) -> dict[str, Any]:
        """Definition, formula and the SQL statements a query of this metric would run."""
        metric = self.catalog.metric(metric_id)
        _, by_t, where_t = self._parse([metric_id], by, where, grain)
        start, end = check_day(start, "--from"), check_day(end, "--to")
        if segment is not None:  # a query of this metric alone would be refused
            refuse_all([metric_id], segment_notes(self.catalog, [metric_id], by_t, where_t))
        version = self.data_version()
        check_where(self.wh, pick_stores(self.stores(version), store), where_t)
        scope = self.resolve_scope(store, currency, version)
        scope = replace(scope, members=self.members(segment, scope))
        start, end = self._range(scope, start, end, version)
        req = Request([metric_id], by_t, where_t, grain, self.settings)
        req = replace(req, by=split_by_store(self.catalog, scope, req))
        groups = self.plan(req, scope.with_range(start, end))
        return {"id": metric.id, "name": {"zh": metric.zh, "en": metric.en}, "group": metric.group,
                "definition": {"zh": metric.def_zh, "en": metric.def_en}, "formula": metric.formula.text,
                "unit": metric.unit, "good": metric.good, "dimensions": sorted(self.catalog.metric_dims(metric_id)),
                "from": start.isoformat(), "to": end.isoformat(),
                "segment": segment if segment is None or isinstance(segment, str) else json.dumps(segment),
                "measures": {m.id: {"source": m.source, "agg": m.agg} for g in groups for m in g.measures},
                "sql": [g.sql for g in groups]}
