"""From metrics to SQL: which measures a query needs, grouped into as few aggregate queries as possible.

Plain measures (sum / count / count_distinct) of one source share a single GROUP BY; ``entities``
measures aggregate twice (per entity, then count the entities meeting every condition); builders
write their own SQL. The query's --where filters are applied to every source through Ibis (bound
literals, never SQL text) before anything is aggregated.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis

from shoplens.metrics import rollup_source, traffic_source
from shoplens.metrics.builders import BUILDERS, BuildContext
from shoplens.metrics.periods import IBIS_UNIT, Period
from shoplens.metrics.sources import SOURCES
from shoplens.metrics.spec import Catalog, Condition, Measure
from shoplens.warehouse.rollups import USER_DAY
from shoplens.warehouse.scope import Scope, distinct_key

PLAIN = ("sum", "count", "count_distinct")
_SCHEMAS: dict[str, Any] = {}  # source SQL without its date bounds -> Ibis schema (types do not depend on dates)
_SCHEMAS_LOCK = threading.Lock()
_BOUNDS = re.compile(r"(TIMESTAMP|DATE) '[^']*'")


@dataclass
class Group:
    """One SQL statement producing some measures, keyed by ``_period`` (if timed) and dimensions."""

    key: str
    source: str
    measures: list[Measure]
    dims: tuple[str, ...]  # the dimensions it groups by
    total: bool = False  # a total(...) measure: grouped without the query's dimensions
    timed: bool = True
    sql: str = ""
    renames: dict[str, str] = field(default_factory=dict)  # output column -> measure id


@dataclass
class Request:
    metric_ids: list[str]
    by: tuple[str, ...]
    where: dict[str, tuple[str, ...]]
    grain: str | None
    settings: dict[str, Any] = field(default_factory=dict)
    # dimensions whose null rows the caller never reads (the product analyses key rows by SKU): groups cut by
    # them skip the rows without a value (events without a product: half the cost of product-page visitors)
    drop_null: tuple[str, ...] = ()


def needed_measures(catalog: Catalog, req: Request) -> tuple[dict[str, str], dict[str, str]]:
    """(formula name -> measure used) for plain references and for total(...) references."""
    wanted = frozenset(req.by) | frozenset(req.where)
    plain: dict[str, str] = {}
    totals: dict[str, str] = {}
    for mid in req.metric_ids:
        formula = catalog.metrics[mid].formula
        for name in formula.measures:
            plain[name] = catalog.measure_dims(name, wanted)[0]
        for name in formula.totals:
            totals[name] = catalog.measure_dims(name, frozenset(req.where))[0]
    return plain, totals


def _condition(t: Any, cond: Condition) -> Any:
    col = t[cond.column]
    if cond.null is True:
        return col.isnull()
    if cond.null is False:
        return col.notnull()
    if len(cond.values) == 1:
        return col == cond.values[0]
    return col.isin(list(cond.values))


def _all(t: Any, conds: tuple[Condition, ...]) -> Any:
    out = None
    for cond in conds:
        expr = _condition(t, cond)
        out = expr if out is None else out & expr
    return out


def _reduction(t: Any, m: Measure, stores: int = 1) -> Any:
    where = _all(t, m.where)
    if m.agg == "count":
        return t.count(where=where)
    if m.agg == "sum":  # a sum over no rows is 0 like a count (SQL says null): no member orders -> member GMV 0
        return ibis.ifelse(t.count(where=where) > 0, t[m.column].sum(where=where), 0)
    return distinct_key(t, m.column or "", stores).nunique(where=where)


class Planner:
    """Builds the SQL of every group for one scope (range) of a request."""

    def __init__(self, ibis_con: Any, catalog: Catalog, req: Request, scope: Scope, periods: list[Period]) -> None:
        self.con, self.catalog, self.req, self.scope, self.periods = ibis_con, catalog, req, scope, periods
        self.placeholders: dict[str, str] = {}  # table name in the Ibis expression -> the SQL it stands for

    def sql_table(self, sql: str) -> Any:
        """A table standing for ``sql``, spliced in by :meth:`to_sql`. Why not ``con.sql(sql)``: Ibis would
        ask DuckDB for the schema and parse the source SQL on every query (about half of the compile time of
        a query); the schema is the same for every date range, so it is asked once per process."""
        key = _BOUNDS.sub("", sql)
        with _SCHEMAS_LOCK:
            schema = _SCHEMAS.get(key)
        if schema is None:
            schema = self.con.sql(sql).schema()
            with _SCHEMAS_LOCK:
                _SCHEMAS[key] = schema
        name = f"__shoplens_source_{id(self)}_{len(self.placeholders)}"
        self.placeholders[name] = sql
        return ibis.table(schema, name=name)

    def to_sql(self, expr: Any) -> str:
        """DuckDB SQL of ``expr`` with each placeholder table replaced by its SQL."""
        sql = ibis.to_sql(expr, dialect="duckdb")
        for name, source_sql in self.placeholders.items():
            sql = re.sub(rf'"{name}"( AS )?', lambda m, s=source_sql, n=name: f"({s})" + (m.group(1) or f' AS "{n}"'),
                         sql)
        return sql

    def source_table(self, name: str, needs: frozenset[str], scope: Scope | None = None) -> Any:
        """The source as an Ibis table, with the request's --where filters applied."""
        source = SOURCES[name]
        where_dims = frozenset(d for d in self.req.where if d in source.dims)
        t = self.sql_table(source.sql(scope or self.scope, needs | where_dims))
        for dim in sorted(where_dims):
            values = list(self.req.where[dim])
            t = t.filter(t[dim] == values[0] if len(values) == 1 else t[dim].isin(values))
        return t

    def _known(self, t: Any, group: Group) -> Any:
        """``t`` without the rows whose group dimensions in ``drop_null`` are null."""
        for dim in self.req.drop_null:
            if dim in group.dims:
                t = t.filter(t[dim].notnull())
        return t

    def _keys(self, t: Any, group: Group) -> list[Any]:
        keys = []
        if group.timed and self.req.grain:
            keys.append(t["_ts"].truncate(IBIS_UNIT[self.req.grain]).name("_period"))
        keys.extend(t[d] for d in group.dims)
        return keys

    def from_rollup(self, group: Group) -> str | None:
        """The rollup table that answers the group, or None (raw events)."""
        if group.source != "events":
            return None
        return rollup_source.usable(group.measures, group.dims, set(self.req.where), self.req.grain)

    def rollup_table(self, table: str, dims: tuple[str, ...]) -> Any:
        needs = frozenset(dims) | set(self.req.where)
        t = self.sql_table(rollup_source.rollup_sql(self.scope, table, needs))
        for dim in sorted(self.req.where):  # usable(): every filtered dimension is a column of the table
            values = list(self.req.where[dim])
            t = t.filter(t[dim] == values[0] if len(values) == 1 else t[dim].isin(values))
        return t

    def plain_sql(self, group: Group) -> str:
        needs = frozenset(group.dims)
        for m in group.measures:
            needs |= {m.column} if m.column else frozenset()
            needs |= {c.column for c in m.where}
        rollup = self.from_rollup(group)
        if rollup:
            t = self._known(self.rollup_table(rollup, group.dims), group)
            # a row of the visitor-day rollup is one (store, day, visitor); of the dims rollup, not
            per_day = self.req.grain == "day" and rollup == USER_DAY
            aggs = {f"m{i}": rollup_source.reduction(t, m, per_day, len(self.scope.stores))
                    for i, m in enumerate(group.measures)}
        else:
            t = self._known(self.source_table(group.source, needs), group)
            aggs = {f"m{i}": _reduction(t, m, len(self.scope.stores)) for i, m in enumerate(group.measures)}
        group.renames = {f"m{i}": m.id for i, m in enumerate(group.measures)}
        keys = self._keys(t, group)
        expr = t.group_by(keys).aggregate(**aggs) if keys else t.aggregate(**aggs)
        return traffic_source.union(self, group, self.to_sql(expr))  # stores answering from traffic_daily

    def entities_sql(self, group: Group) -> str:
        m = group.measures[0]
        needs = frozenset(group.dims) | {m.column or ""} | {c.column for conds, _ in m.having for c in conds}
        rollup = self.from_rollup(group)
        t = self.rollup_table(rollup, group.dims) if rollup else self.source_table(group.source, needs)
        t = self._known(t.filter(t[m.column].notnull()), group)
        keys = self._keys(t, group)
        if rollup:
            counts = {f"c{i}": rollup_source.event_count(t, conds).sum() for i, (conds, _) in enumerate(m.having)}
        else:
            counts = {f"c{i}": t.count(where=_all(t, conds)) for i, (conds, _) in enumerate(m.having)}
        entity = distinct_key(t, m.column or "", len(self.scope.stores)).name("_entity")
        per_entity = t.group_by([*keys, entity]).aggregate(**counts)
        keep = None
        for i, (_, minimum) in enumerate(m.having):
            cond = per_entity[f"c{i}"] >= minimum
            keep = cond if keep is None else keep & cond
        kept = per_entity.filter(keep)
        names = [k.get_name() for k in keys]
        expr = kept.group_by(names).aggregate(m0=kept.count()) if names else kept.aggregate(m0=kept.count())
        group.renames = {"m0": m.id}
        return self.to_sql(expr)

    def builder_sql(self, group: Group) -> str:
        m = group.measures[0]
        builder = BUILDERS[m.builder or ""]
        params = dict(m.params)
        params.update(self.req.settings.get(m.id, {}))

        def source(name: str, needs: frozenset[str], start: date | None, end: date | None) -> str:
            t = self.source_table(name, needs, self.scope.with_range(start, end))
            return self.to_sql(t)

        ctx = BuildContext(self.scope, self.req.grain, self.periods, group.dims, params, source)
        group.renames = {"value": m.id}
        return builder.build(ctx)

    def build(self, group: Group) -> Group:
        kind = group.measures[0].agg
        group.sql = (self.plain_sql(group) if kind in PLAIN else
                     self.entities_sql(group) if kind == "entities" else self.builder_sql(group))
        return group


def plan_groups(catalog: Catalog, req: Request) -> list[Group]:
    """Measures grouped into statements (without SQL yet)."""
    plain, totals = needed_measures(catalog, req)
    groups: dict[str, Group] = {}
    for total, names in ((False, plain), (True, totals)):
        dims = () if total else req.by
        for measure_id in dict.fromkeys(names.values()):
            m = catalog.measures[measure_id]
            timed = SOURCES[m.source].timed
            if m.agg in PLAIN:
                key = f"{m.source}{'#total' if total else ''}"
                groups.setdefault(key, Group(key, m.source, [], dims, total, timed)).measures.append(m)
            else:
                key = f"{m.id}{'#total' if total else ''}"
                groups[key] = Group(key, m.source, [m], dims, total, timed)
    return list(groups.values())
