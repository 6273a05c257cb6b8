"""The one metrics engine: every KPI for the CLI, the Python API, the REST API, dashboards and alerts.

``MetricsEngine(wh).query(["gmv", "orders"], by=["channel"], grain="month", compare="previous")``
returns a :class:`MetricResult` (``.to_pandas()``, ``.to_dict()`` = the JSON contract). Results
of each SQL statement are cached per warehouse *data version* (the latest import id), so a
repeated query is served from memory and any new import invalidates it.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from shoplens.errors import ShoplensError
from shoplens.metrics import assemble as A
from shoplens.metrics.options import normalise_where, parse_sort, top_rows
from shoplens.metrics.periods import Period, check_grain, label, periods, shift_for
from shoplens.metrics.plan import Group, Planner, Request, needed_measures, plan_groups
from shoplens.metrics.scope import Scope, StoreInfo, lit
from shoplens.metrics.sources import SOURCES
from shoplens.metrics.spec import Catalog, load_catalog
from shoplens.metrics.targets import Targets, load_targets
from shoplens.warehouse.connection import Warehouse
from shoplens.warehouse.rollups import USER_DAY

CACHE_SIZE = 512
_CACHE: OrderedDict[tuple[str, Any, str], pd.DataFrame] = OrderedDict()  # per SQL statement
_RESULTS: OrderedDict[tuple[Any, ...], MetricResult] = OrderedDict()  # per whole query
# measure columns that only real orders have (purchase events standing in for orders carry no money)
NEEDS_ORDERS = frozenset({"gross_amount_rc", "discount_rc", "member"})


@dataclass
class MetricResult:
    metrics: list[str]
    dims: list[str]
    grain: str | None
    start: date
    end: date
    compare: str | None
    rows: list[dict[str, Any]]
    currency: str | None
    sql: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``{"metrics": [...], "rows": [...]}`` plus the query's context."""
        return {"metrics": self.metrics, "dimensions": self.dims, "grain": self.grain,
                "from": self.start.isoformat(), "to": self.end.isoformat(), "compare": self.compare,
                "currency": self.currency, "rows": self.rows}

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float):
        return round(value, 10)
    return value


class MetricsEngine:
    def __init__(self, wh: Warehouse, catalog: Catalog | None = None, targets: Targets | None = None) -> None:
        self.wh = wh
        self.catalog = catalog or load_catalog()
        self.targets = targets if targets is not None else load_targets(None)
        self.settings = self.targets.settings

    # ---- warehouse facts (cached per data version) ----------------------------------------------
    def data_version(self) -> Any:
        return tuple(self.wh.con.execute("SELECT coalesce(max(import_id), 0), count(*) FROM import_manifest")
                     .fetchone() or ())

    def _run(self, sql: str, version: Any) -> pd.DataFrame:
        key = (str(self.wh.path), version, sql)
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit.copy()
        df = self.wh.con.execute(sql).df()
        _CACHE[key] = df
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return df.copy()

    def stores(self, version: Any) -> list[StoreInfo]:
        df = self._run("SELECT store_id, timezone, reporting_currency FROM stores ORDER BY store_id", version)
        return [StoreInfo(r.store_id, r.timezone, r.reporting_currency) for r in df.itertuples()]

    def _has_rows(self, version: Any, stores: tuple[str, ...]) -> dict[str, set[str]]:
        tables = sorted({t for s in SOURCES.values() for t in s.tables} | {"orders"})
        parts = [f"SELECT '{t}' AS t, store_id FROM (SELECT DISTINCT store_id FROM "
                 f"{USER_DAY if t == 'events' else t})" for t in tables]
        df = self._run(" UNION ALL ".join(parts), version)
        out: dict[str, set[str]] = {t: set() for t in tables}
        for row in df.itertuples():
            if row.store_id in stores:
                out[row.t].add(row.store_id)
        return out

    def _data_day(self, scope: Scope, version: Any, fn: str) -> date | None:
        """First (fn=min) or last (fn=max) local day with events or orders in the scope's stores."""
        sql = (f"SELECT {fn}(d) FROM (SELECT {fn}(r.day) AS d FROM {USER_DAY} r"
               f" WHERE {scope.store_filter('r')} UNION ALL"
               f" SELECT CAST({scope.local('o', f'{fn}(o.created_ts)')} AS DATE) FROM orders o"
               f" WHERE {scope.store_filter('o')} GROUP BY o.store_id)")
        value = self._run(sql, version).iloc[0, 0]
        return None if pd.isna(value) else pd.Timestamp(value).date()

    def _last_day(self, scope: Scope, version: Any) -> date | None:
        return self._data_day(scope, version, "max")

    # ---- resolving a request ----------------------------------------------------------------------
    def resolve_scope(self, store: str | list[str] | None, currency: str | None, version: Any) -> Scope:
        known = self.stores(version)
        if not known:
            raise ShoplensError("the warehouse has no stores yet", hint="import data or run `shoplens demo`",
                                zh="仓库里还没有店铺", zh_hint="先导入数据或运行 `shoplens demo`")
        by_id = {s.store_id: s for s in known}
        wanted = [store] if isinstance(store, str) else list(store or [])
        for s in wanted:
            if s not in by_id:
                raise ShoplensError(f"unknown store {s!r}", hint=f"stores: {', '.join(by_id)}",
                                    zh=f"未知店铺 {s!r}", zh_hint=f"已有店铺：{', '.join(by_id)}")
        chosen = [by_id[s] for s in wanted] if wanted else known
        if currency is None and len({s.currency for s in chosen}) > 1:
            raise ShoplensError(
                "these stores report in different currencies", hint="pick one with --store, or sum them in one "
                "currency with --currency CUR", zh="这些店铺的报告币种不同",
                zh_hint="用 --store 选一个店铺，或用 --currency 换算成同一币种")
        currency = currency.upper() if currency else None
        has = self._has_rows(version, tuple(s.store_id for s in chosen))
        no_orders = tuple(s.store_id for s in chosen if s.store_id not in has["orders"])
        return Scope(tuple(chosen), None, None, currency, no_orders)

    def _available(self, scope: Scope, measure_ids: set[str], version: Any) -> dict[str, set[str]]:
        has = self._has_rows(version, scope.store_ids)
        out: dict[str, set[str]] = {}
        for mid in measure_ids:
            m = self.catalog.measures[mid]
            tables = SOURCES[m.source].tables
            if m.source in ("orders", "items") and ({m.column} | {c.column for c in m.where}) & NEEDS_ORDERS:
                tables = ("orders",)
            out[mid] = set().union(*(has.get(t, set()) for t in tables))
        return out

    def _check_dims(self, metric_ids: list[str], dims: set[str]) -> None:
        for d in sorted(dims):
            if d not in self.catalog.dimensions:
                raise ShoplensError(f"unknown dimension {d!r}", hint=f"one of {', '.join(self.catalog.dimensions)}",
                                    zh=f"未知维度 {d!r}", zh_hint=f"可选：{', '.join(self.catalog.dimensions)}")
        for mid in metric_ids:
            unsupported = dims - self.catalog.metric_dims(mid)
            if unsupported:
                ok = ", ".join(sorted(self.catalog.metric_dims(mid))) or "-"
                raise ShoplensError(f"metric {mid} cannot be cut or filtered by {', '.join(sorted(unsupported))}",
                                    hint=f"{mid} supports: {ok}",
                                    zh=f"指标 {mid} 不支持按 {', '.join(sorted(unsupported))} 拆分或筛选",
                                    zh_hint=f"{mid} 支持的维度：{ok}")

    # ---- the query ---------------------------------------------------------------------------------
    def query(self, metrics: list[str] | str, *, by: list[str] | tuple[str, ...] = (), grain: str | None = None,
              start: date | None = None, end: date | None = None, compare: str | None = None,
              where: dict[str, Any] | None = None, store: str | list[str] | None = None,
              currency: str | None = None, targets: bool = True, sort: str | None = None,
              limit: int | None = None) -> MetricResult:
        """Compute metrics for inclusive local dates ``start``..``end`` (default: the last 30 days with data).

        ``sort``/``limit``: order rows by a queried metric (``gmv`` largest first, ``gmv:asc``) and keep
        the first ``limit`` (per period with a grain); see :mod:`shoplens.metrics.options`.
        """
        metric_ids = [m.strip() for m in (metrics.split(",") if isinstance(metrics, str) else metrics) if m.strip()]
        if not metric_ids:
            raise ShoplensError("no metric given", hint="e.g. gmv,orders", zh="没有指定指标", zh_hint="例如 gmv,orders")
        for mid in metric_ids:
            self.catalog.metric(mid)
        by_t = tuple(dict.fromkeys(by))
        where_t = normalise_where({k: tuple(str(x) for x in (v if isinstance(v, list | tuple | set) else [v]))
                                   for k, v in (where or {}).items()})
        self._check_dims(metric_ids, set(by_t) | set(where_t))
        check_grain(grain)
        order = parse_sort(sort, metric_ids)
        if limit is not None and limit < 1:
            raise ShoplensError("--limit must be at least 1", zh="--limit 至少为 1")
        version = self.data_version()
        key = ("query", str(self.wh.path), version, tuple(metric_ids), by_t, tuple(sorted(where_t.items())), grain,
               start, end, compare, str(store), currency, targets, repr(self.targets))
        cached = _RESULTS.get(key)
        if cached is None:
            cached = self._query(metric_ids, by_t, where_t, grain, start, end, compare, store, currency, targets,
                                 version)
            _RESULTS[key] = cached
            while len(_RESULTS) > CACHE_SIZE:
                _RESULTS.popitem(last=False)
        result = copy.deepcopy(cached)
        result.rows = top_rows(result.rows, order, limit)
        return result

    def _query(self, metric_ids: list[str], by_t: tuple[str, ...], where_t: dict[str, tuple[str, ...]],
               grain: str | None, start: date | None, end: date | None, compare: str | None,
               store: str | list[str] | None, currency: str | None, targets: bool, version: Any) -> MetricResult:
        scope = self.resolve_scope(store, currency, version)
        start, end = self._range(scope, start, end, version)
        req = Request(metric_ids, by_t, where_t, grain, self.settings)
        base, sqls = self._compute(req, scope.with_range(start, end), version)
        frame = base
        if compare:
            shift = shift_for(compare, start, end, grain)
            c_start, c_end = shift.back(start), shift.back(end)
            comp, comp_sql = self._compute(req, scope.with_range(c_start, c_end), version)
            sqls += comp_sql
            frame = self._attach_comparison(frame, comp, req, compare, periods(start, end, grain),
                                            periods(c_start, c_end, grain))
        if targets:
            frame = self.targets.attach(frame, self.catalog, metric_ids, grain, periods(start, end, grain),
                                        scope.store_ids)
        rows = self._rows(frame, req)
        currency_out = scope.currency or (scope.stores[0].currency if scope.stores else None)
        return MetricResult(metric_ids, list(by_t), grain, start, end, compare, rows, currency_out, sqls)

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

    def _check_rates(self, scope: Scope, version: Any) -> None:
        """--currency needs a rate for every day of the range, or sums would silently skip days."""
        if not scope.converts() or scope.start is None or scope.end is None:
            return
        days = (scope.end - scope.start).days + 1
        for s in scope.stores:
            if s.currency == scope.currency:
                continue
            sql = (f"SELECT min(d)::VARCHAR, count(*) FROM (SELECT CAST(range AS DATE) AS d FROM range("
                   f"DATE '{scope.start}', DATE '{scope.end}' + INTERVAL 1 DAY, INTERVAL 1 DAY)) days"
                   f" WHERE d NOT IN (SELECT date FROM fx_rates WHERE store_id = {lit(s.store_id)}"
                   f" AND currency = {lit(scope.currency or '')})")
            first, missing = self._run(sql, version).iloc[0]
            if missing:
                raise ShoplensError(
                    f"no {scope.currency} rate for {missing} of {days} days in store {s.store_id} (first {first})",
                    hint=f"import fx_rates with currency {scope.currency} (rate_to = {s.currency} per 1 "
                         f"{scope.currency}) for those dates",
                    zh=f"店铺 {s.store_id} 有 {missing}/{days} 天没有 {scope.currency} 汇率（最早 {first}）",
                    zh_hint=f"为这些日期导入 currency 为 {scope.currency} 的 fx_rates（rate_to = 1 {scope.currency} "
                            f"折合多少 {s.currency}）")

    def plan(self, req: Request, scope: Scope) -> list[Group]:
        pers = periods(scope.start or date.today(), scope.end or date.today(), req.grain)
        planner = Planner(self.wh.ibis, self.catalog, req, scope, pers)
        return [planner.build(g) for g in plan_groups(self.catalog, req)]

    def _compute(self, req: Request, scope: Scope, version: Any) -> tuple[pd.DataFrame, list[str]]:
        assert scope.start is not None and scope.end is not None
        pers = periods(scope.start, scope.end, req.grain)
        self._check_rates(scope, version)
        groups = self.plan(req, scope)
        for g in groups:
            if not g.timed or g.measures[0].agg != "builder":
                continue
            from shoplens.metrics.builders import BUILDERS

            if req.grain not in BUILDERS[g.measures[0].builder or ""].grains:
                raise ShoplensError(f"{g.measures[0].id} has no {req.grain} grain", hint="use day or longer",
                                    zh=f"{g.measures[0].id} 不支持 {req.grain} 粒度", zh_hint="请用 day 或更长的粒度")
        frames = [(g, A.group_frame(g, self._run(g.sql, version), req.grain)) for g in groups]
        grid = A.period_grid(pers, req.grain)
        df = A.merge_groups(frames, req.by, grid, req.grain)
        ids = {m.id for g in groups for m in g.measures}
        df = A.fill_and_null(df, frames, req.by, self._available(scope, ids, version), scope.store_ids)
        names, total_names = needed_measures(self.catalog, req)
        days = A.days_series(df, pers, req.grain)
        keys = [c for c in [A.PERIOD, *req.by] if c in df.columns]
        values = A.evaluate(self.catalog, req.metric_ids, df, names, total_names, days)
        first_day = self._data_day(scope.with_range(None, None), version, "min")
        values = A.blank_before(values, df, pers, req.grain, first_day)
        out = pd.concat([df[keys].reset_index(drop=True), values.reset_index(drop=True)], axis=1)
        return out, [g.sql for g in groups]

    def _attach_comparison(self, base: pd.DataFrame, comp: pd.DataFrame, req: Request, compare: str,
                           base_periods: list[Period], comp_periods: list[Period]) -> pd.DataFrame:
        keys = list(req.by)
        if req.grain:
            mapping = A.align_comparison(A.period_grid(base_periods, req.grain), A.period_grid(comp_periods, req.grain))
            comp = comp.copy()
            comp[A.PERIOD] = comp[A.PERIOD].map(mapping)
            comp = comp[comp[A.PERIOD].notna()]
            keys = [A.PERIOD, *keys]
        renamed = comp.rename(columns={m: f"{m}__{compare}" for m in req.metric_ids}).assign(_matched=True)
        merged = base.merge(renamed, on=keys, how="left") if keys else pd.concat(
            [base.reset_index(drop=True), renamed.reset_index(drop=True)], axis=1)
        if req.by:  # a dimension value with no rows in the comparison period had 0 of an additive metric
            unmatched = merged["_matched"].isna()
            covered = A.covered_periods(comp, req.grain)
            for m in req.metric_ids:
                if self.catalog.is_additive(m):
                    col = f"{m}__{compare}"
                    fill = unmatched & (merged[A.PERIOD].isin(covered[m]) if req.grain else bool(covered[m]))
                    merged.loc[fill, col] = 0.0
        merged = merged.drop(columns=["_matched"])
        changes = {f"{m}__{compare}_change": A.relative_change(merged[m], merged[f"{m}__{compare}"])
                   for m in req.metric_ids}
        return pd.concat([merged, pd.DataFrame(changes, index=merged.index)], axis=1)

    def _rows(self, frame: pd.DataFrame, req: Request) -> list[dict[str, Any]]:
        if A.PERIOD in frame.columns:
            frame = frame.sort_values([A.PERIOD, *req.by], na_position="last")
        elif req.by:
            frame = frame.sort_values(list(req.by), na_position="last")
        count_like = {m for m in req.metric_ids if self.catalog.metrics[m].unit == "count"}
        money = {m for m in req.metric_ids if self.catalog.is_additive(m) and self.catalog.metrics[m].unit != "count"}
        rows = []
        for rec in frame.to_dict("records"):
            row: dict[str, Any] = {}
            if req.grain:
                row["period"] = label(pd.Timestamp(rec.pop(A.PERIOD)).to_pydatetime(), req.grain)
            for d in req.by:
                row[d] = _clean(rec.pop(d))
            for k, v in rec.items():
                v = _clean(v)
                plain = v is not None and not k.endswith(("_change", "ment"))
                if plain and k.split("__")[0] in count_like:
                    v = round(v)
                elif plain and k.split("__")[0] in money:  # summed money: 4 decimals, like the warehouse
                    v = round(v, 4)
                row[k] = v
            rows.append(row)
        return rows

    # ---- explain -------------------------------------------------------------------------------------
    def explain(self, metric_id: str, *, by: list[str] | tuple[str, ...] = (), grain: str | None = None,
                start: date | None = None, end: date | None = None, where: dict[str, Any] | None = None,
                store: str | list[str] | None = None, currency: str | None = None) -> dict[str, Any]:
        """Definition, formula and the SQL statements a query of this metric would run."""
        metric = self.catalog.metric(metric_id)
        by_t = tuple(dict.fromkeys(by))
        where_t = {k: tuple(str(x) for x in (v if isinstance(v, list | tuple) else [v]))
                   for k, v in (where or {}).items()}
        self._check_dims([metric_id], set(by_t) | set(where_t))
        check_grain(grain)
        version = self.data_version()
        scope = self.resolve_scope(store, currency, version)
        start, end = self._range(scope, start, end, version)
        req = Request([metric_id], by_t, where_t, grain, self.settings)
        groups = self.plan(req, scope.with_range(start, end))
        return {"id": metric.id, "name": {"zh": metric.zh, "en": metric.en}, "group": metric.group,
                "definition": {"zh": metric.def_zh, "en": metric.def_en}, "formula": metric.formula.text,
                "unit": metric.unit, "good": metric.good, "dimensions": sorted(self.catalog.metric_dims(metric_id)),
                "from": start.isoformat(), "to": end.isoformat(),
                "measures": {m.id: {"source": m.source, "agg": m.agg} for g in groups for m in g.measures},
                "sql": [g.sql for g in groups]}
