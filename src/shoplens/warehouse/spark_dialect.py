"""The dialect rules: shoplens's SQL is written once, in DuckDB's dialect, and this module turns it into Spark SQL.

sqlglot does most of the work (it knows both dialects); the rules below cover the DuckDB idioms that sqlglot
passes through unchanged or maps to a Spark function with other semantics. Every difference between the engines
lives here, nowhere in the analyses: a rule is one function from a sqlglot node to its Spark form.

Time: shoplens stores naive UTC timestamps, which Spark reads as TIMESTAMP_NTZ; the Spark session runs in UTC
(``spark.sql.session.timeZone``), so converting between NTZ and Spark's TIMESTAMP is the identity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType

_DUCKDB = Dialect.get_or_raise("duckdb")


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _utc_to_local(node: exp.Expression) -> exp.Expression | None:
    """DuckDB ``timezone(tz, timezone('UTC', ts))`` (a naive UTC time as local wall-clock time) →
    ``CAST(from_utc_timestamp(ts, tz) AS TIMESTAMP_NTZ)``; a lone ``timezone('UTC', ts)`` is ``ts`` itself."""
    if not (isinstance(node, exp.Anonymous) and node.name.lower() == "timezone" and len(node.expressions) == 2):
        return None
    zone, value = node.expressions
    inner = value
    if isinstance(inner, exp.Anonymous) and inner.name.lower() == "timezone" and len(inner.expressions) == 2 \
            and inner.expressions[0].name.upper() == "UTC":
        converted = _call("FROM_UTC_TIMESTAMP", inner.expressions[1], zone)
        return exp.Cast(this=converted, to=exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"))
    if zone.name.upper() == "UTC":
        return value
    return None


def _to_seconds(node: exp.Expression) -> exp.Expression | None:
    """DuckDB ``to_seconds(n)`` (an interval of n seconds) → ``make_dt_interval(0, 0, 0, n)``."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "to_seconds" and len(node.expressions) == 1:
        zero = exp.Literal.number(0)
        return _call("MAKE_DT_INTERVAL", zero, zero.copy(), zero.copy(), node.expressions[0])
    return None


def _epoch(node: exp.Expression) -> exp.Expression | None:
    """DuckDB ``epoch(ts)`` is seconds with their fraction; Spark's ``unix_timestamp`` drops the fraction."""
    if isinstance(node, exp.TimeToUnix):
        micros = _call("UNIX_MICROS", exp.Cast(this=node.this, to=exp.DataType.build("TIMESTAMP", dialect="spark")))
        seconds = exp.Cast(this=micros, to=exp.DataType.build("DOUBLE"))
        return exp.Div(this=seconds, expression=exp.Literal.number("1e6"))
    return None


def _epoch_us(node: exp.Expression) -> exp.Expression | None:
    """DuckDB ``epoch_us(ts)`` (microseconds since 1970) → ``unix_micros(ts)``."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us" and len(node.expressions) == 1:
        return _call("UNIX_MICROS", exp.Cast(this=node.expressions[0],
                                             to=exp.DataType.build("TIMESTAMP", dialect="spark")))
    return None


def _hash(node: exp.Expression) -> exp.Expression | None:
    """DuckDB ``hash(x)`` (64 bits; shoplens uses it only to break ties in a fixed order) → ``xxhash64(x)``."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        return _call("XXHASH64", *node.expressions)
    return None


def _cte_materialized(node: exp.Expression) -> exp.Expression | None:
    """``WITH x AS [NOT] MATERIALIZED (…)`` is a hint to DuckDB's planner; Spark has no such clause."""
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)  # in place: the rules go on into its query
    return None


_UNSIGNED: ContextVar[bool] = ContextVar("unsigned", default=False)  # the statement declares UBIGINT masks


def _unsigned(node: exp.Expression) -> exp.Expression | None:
    """UBIGINT bit masks (retention's periods) → BIGINT: the same 64 bits; ``>>`` must then shift in zeros, in a
    statement that declares UBIGINT (a signed ``>>`` elsewhere stays arithmetic)."""
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.UBIGINT:
        return exp.DataType.build("BIGINT")
    if isinstance(node, exp.BitwiseRightShift) and _UNSIGNED.get():
        return _call("SHIFTRIGHTUNSIGNED", node.this, node.expression)
    return None


def _average(node: exp.Expression) -> exp.Expression | None:
    """DuckDB's ``avg`` is a DOUBLE (of a DECIMAL too); Spark's avg of a DECIMAL keeps only 4 more decimals. So
    ``avg(x)`` → ``CAST(sum(x) AS DOUBLE) / count(x)`` (NULLs ignored alike; no rows: NULL alike)."""
    def ratio(total: exp.Expression, count: exp.Expression) -> exp.Expression:
        return exp.Div(this=exp.Cast(this=total, to=exp.DataType.build("DOUBLE")), expression=count)

    if isinstance(node, exp.Filter) and isinstance(node.this, exp.Avg):
        where, value = node.expression, node.this.this
        return ratio(exp.Filter(this=exp.Sum(this=value.copy()), expression=where.copy()),
                     exp.Filter(this=exp.Count(this=value.copy()), expression=where.copy()))
    if isinstance(node, exp.Window) and isinstance(node.this, exp.Avg):
        total, count = node.copy(), node.copy()
        total.set("this", exp.Sum(this=node.this.this.copy()))
        count.set("this", exp.Count(this=node.this.this.copy()))
        return ratio(total, count)
    if isinstance(node, exp.Avg) and not isinstance(node.parent, exp.Window | exp.Filter):
        return ratio(exp.Sum(this=node.this.copy()), exp.Count(this=node.this.copy()))
    return None


def _series_table(node: exp.Expression) -> exp.Expression | None:
    """DuckDB's table function ``range(n) t(b)`` / ``generate_series(a, b) t(x)`` → a subquery of
    ``explode(sequence(…))`` (Spark's table-valued functions take no column aliases)."""
    if not (isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries)):
        return None
    series, alias = node.this, node.args.get("alias")
    end = series.args["end"]
    if series.args.get("is_end_exclusive"):
        end = exp.Sub(this=end.copy(), expression=exp.Literal.number(1))
    column = alias.columns[0].name if alias is not None and alias.columns else "range"
    name = alias.name if alias is not None and alias.name else "series"
    step = series.args.get("step")
    start = series.args["start"]
    args = [start.copy(), end] + ([step.copy()] if step is not None else [])
    # DuckDB gives no rows for an empty range; Spark's sequence counts down (or fails) when end < start
    zero = exp.Literal.number(0)
    up = exp.and_(exp.GT(this=step.copy(), expression=zero.copy()), exp.LT(this=end.copy(), expression=start.copy())) \
        if step is not None else exp.LT(this=end.copy(), expression=start.copy())
    empty = up if step is None else exp.or_(up, exp.and_(exp.LT(this=step.copy(), expression=zero.copy()),
                                                          exp.GT(this=end.copy(), expression=start.copy())))
    values = exp.If(this=empty, true=exp.Array(expressions=[]), false=_call("SEQUENCE", *args))
    select = exp.select(exp.alias_(exp.Explode(this=values), column))
    return exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(name)))


def _is_date(node: exp.Expression) -> bool:
    return isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.DATE


def _date_difference(node: exp.Expression) -> exp.Expression | None:
    """DuckDB ``date - date`` is a number of days; Spark's is an interval. A difference with a date literal (how
    shoplens writes one: ``day - DATE '1900-01-01'``) → ``datediff(day, …)``."""
    if isinstance(node, exp.Sub) and _is_date(node.expression):
        return _call("DATEDIFF", node.this, node.expression)
    return None


def _tuple(node: exp.Expression) -> exp.Expression | None:
    """A row value ``(ts, event_id)`` (compared, or its min taken) → ``named_struct``, which Spark orders field by
    field as DuckDB orders a row. ``x IN (a, b)`` and the rows of ``VALUES`` stay as they are."""
    if isinstance(node, exp.Tuple) and not isinstance(node.parent, exp.In | exp.Values) and len(node.expressions) > 1:
        pairs: list[exp.Expression] = []
        for i, value in enumerate(node.expressions):
            pairs += [exp.Literal.string(f"f{i + 1}"), value]
        return _call("NAMED_STRUCT", *pairs)
    return None


def _element(node: exp.Expression) -> exp.Expression | None:
    """``list[i]`` counts from 1 in DuckDB and from 0 in Spark's brackets → ``element_at(list, nullif(i, 0))``
    (from 1, from the end when negative, NULL past the end or at 0, as in DuckDB)."""
    if not (isinstance(node, exp.Bracket) and len(node.expressions) == 1 and not node.expressions[0].is_string):
        return None
    index = node.expressions[0]
    number = index.this if isinstance(index, exp.Neg) else index
    if isinstance(number, exp.Literal) and number.is_int:  # sqlglot has made a constant index 0-based already
        value = (-1 if isinstance(index, exp.Neg) else 1) * int(number.this) + 1
        return _call("ELEMENT_AT", node.this, exp.Literal.number(value)) if value else exp.Null()
    return _call("ELEMENT_AT", node.this, exp.Nullif(this=index, expression=exp.Literal.number(0)))


def _first_n(node: exp.Expression) -> exp.Expression | None:
    """``arg_min(v, key, n)`` (the n values with the smallest keys, in key order; NULL for no rows) →
    ``transform(slice(array_sort(collect_list(struct(key, v))), 1, n), x -> x.v)``, FILTER kept on the collect."""
    filtered = isinstance(node, exp.Filter) and isinstance(node.this, exp.ArgMin | exp.ArgMax)
    agg = node.this if filtered else node
    if not (isinstance(agg, exp.ArgMin | exp.ArgMax) and agg.args.get("count") is not None) or (
            not filtered and isinstance(node.parent, exp.Filter)):
        return None
    pair = _call("NAMED_STRUCT", exp.Literal.string("k"), agg.expression.copy(), exp.Literal.string("v"),
                 agg.this.copy())
    collected: exp.Expression = _call("COLLECT_LIST", pair)
    if filtered:
        collected = exp.Filter(this=collected, expression=node.expression.copy())
    ordered = _call("ARRAY_SORT", collected)
    if isinstance(agg, exp.ArgMax):
        ordered = _call("REVERSE", ordered)
    sliced = _call("SLICE", ordered, exp.Literal.number(1), agg.args["count"].copy())
    values = exp.Transform(this=sliced, expression=exp.Lambda(this=exp.column("v", table="x"),
                                                              expressions=[exp.to_identifier("x")]))
    return exp.If(this=exp.EQ(this=exp.ArraySize(this=collected.copy()), expression=exp.Literal.number(0)),
                  true=exp.Null(), false=values)


def _arg_extreme(node: exp.Expression) -> exp.Expression | None:
    """DuckDB ``arg_min(v, key)`` skips rows whose ``v`` is NULL, Spark's ``min_by`` does not (DuckDB's
    ``arg_min_null`` is the one that matches it): the key of such rows is made NULL, which both skip."""
    if isinstance(node, exp.ArgMin | exp.ArgMax) and node.args.get("count") is None:
        value = node.this
        key = exp.If(this=exp.Is(this=value.copy(), expression=exp.Null()), true=exp.Null(),
                     false=node.expression.copy())
        return _call("MIN_BY" if isinstance(node, exp.ArgMin) else "MAX_BY", value.copy(), key)
    if isinstance(node, exp.Anonymous) and node.name.lower() in ("arg_min_null", "arg_max_null"):
        return _call("MIN_BY" if node.name.lower() == "arg_min_null" else "MAX_BY", *node.expressions)
    return None


def _window_filter(node: exp.Expression) -> exp.Expression | None:
    """``agg(x) FILTER (WHERE c) OVER (…)``: Spark has no FILTER on a window aggregate, so the filter moves into
    the argument: ``agg(CASE WHEN c THEN x END) OVER (…)`` (the aggregates used so skip NULLs)."""
    if not (isinstance(node, exp.Window) and isinstance(node.this, exp.Filter)):
        return None
    agg, condition = node.this.this.copy(), node.this.expression.this
    target = agg.this
    kept = exp.Literal.number(1) if isinstance(target, exp.Star) else target
    agg.set("this", exp.Case(ifs=[exp.If(this=condition.copy(), true=kept.copy())]))
    window = node.copy()
    window.set("this", agg)
    return window


def _sorted_values(value: exp.Expression, order: list[exp.Ordered], condition: exp.Expression | None,
                   distinct: bool) -> exp.Expression:
    """The values of a group in the given order: ``transform(array_sort(collect_list(struct(keys…, v)), cmp),
    s -> s.v)``; ``cmp`` compares key by key, each ascending or descending, NULLs last as in DuckDB."""
    pairs: list[exp.Expression] = []
    for i, key in enumerate(order):
        pairs += [exp.Literal.string(f"k{i}"), key.this.copy()]
    pairs += [exp.Literal.string("v"), value.copy()]
    collected: exp.Expression = _call("COLLECT_SET" if distinct else "COLLECT_LIST", _call("NAMED_STRUCT", *pairs))
    if condition is not None:
        collected = exp.Filter(this=collected, expression=exp.Where(this=condition.copy()))
    cases = []
    for i, key in enumerate(order):
        left, right = exp.column(f"k{i}", table="l"), exp.column(f"k{i}", table="r")
        first, second = (1, -1) if key.args.get("desc") else (-1, 1)
        null_left = -1 if key.args.get("nulls_first") else 1  # DuckDB's default: NULLs last
        cases += [exp.If(this=exp.and_(left.is_(exp.Null()), exp.not_(right.is_(exp.Null()))),
                         true=exp.Literal.number(null_left)),
                  exp.If(this=exp.and_(right.is_(exp.Null()), exp.not_(left.is_(exp.Null()))),
                         true=exp.Literal.number(-null_left)),
                  exp.If(this=exp.LT(this=left.copy(), expression=right.copy()), true=exp.Literal.number(first)),
                  exp.If(this=exp.GT(this=left.copy(), expression=right.copy()), true=exp.Literal.number(second))]
    compare = exp.Lambda(this=exp.Case(ifs=cases, default=exp.Literal.number(0)),
                         expressions=[exp.to_identifier("l"), exp.to_identifier("r")])
    ordered = _call("ARRAY_SORT", collected, compare) if cases else collected
    return exp.Transform(this=ordered, expression=exp.Lambda(this=exp.column("v", table="s"),
                                                             expressions=[exp.to_identifier("s")]))


def _list_aggregate(node: exp.Expression) -> exp.Expression | None:
    """DuckDB ``list(x ORDER BY …)`` / ``string_agg(x, sep ORDER BY …)`` (a FILTER kept) → collect, sort, pick."""
    filtered = isinstance(node, exp.Filter) and isinstance(node.this, exp.List | exp.GroupConcat)
    agg = node.this if filtered else node
    if not isinstance(agg, exp.List | exp.GroupConcat) or (not filtered and isinstance(node.parent, exp.Filter)) \
            or isinstance(node.parent, exp.Window):
        return None
    inner = agg.this if isinstance(agg, exp.GroupConcat) else (agg.expressions[0] if agg.expressions else None)
    if inner is None:
        return None
    order = list(inner.expressions) if isinstance(inner, exp.Order) else []
    value = inner.this if isinstance(inner, exp.Order) else inner
    distinct = isinstance(value, exp.Distinct)
    if distinct:
        value = value.expressions[0]
    condition = node.expression.this if filtered else None
    if order or (isinstance(agg, exp.List) and not distinct):  # in a struct, so NULL values stay in the list
        values = _sorted_values(value, order, condition, distinct)
    else:
        values = _call("COLLECT_SET" if distinct else "COLLECT_LIST", value.copy())
        if condition is not None:
            values = exp.Filter(this=values, expression=exp.Where(this=condition.copy()))
    counted: exp.Expression = exp.Star()
    if isinstance(agg, exp.GroupConcat):  # NULL values are skipped: only NULLs give NULL, as no rows do
        separator = agg.args.get("separator") or exp.Literal.string(",")
        values = _call("ARRAY_JOIN", values, separator.copy())
        counted = value.copy()
    rows: exp.Expression = exp.Count(this=counted)  # no rows: NULL in DuckDB, an empty list in Spark
    if condition is not None:
        rows = exp.Filter(this=rows, expression=exp.Where(this=condition.copy()))
    return exp.If(this=exp.EQ(this=rows, expression=exp.Literal.number(0)), true=exp.Null(), false=values)


def _json_object(node: exp.Expression) -> exp.Expression | None:
    """``json_object(k, v, …)`` → ``to_json(named_struct(k, v, …))``, NULL values kept as ``null`` like DuckDB."""
    if not isinstance(node, exp.JSONObject):
        return None
    pairs: list[exp.Expression] = []
    for kv in node.expressions:
        pairs += [kv.this.copy(), kv.expression.copy()]
    options = _call("MAP", exp.Literal.string("ignoreNullFields"), exp.Literal.string("false"))
    return _call("TO_JSON", _call("NAMED_STRUCT", *pairs), options)


def _empty_grouping(node: exp.Expression) -> exp.Expression | None:
    """``GROUP BY ()`` (one row over everything) is how DuckDB spells no grouping; Spark wants no clause."""
    if isinstance(node, exp.Select) and isinstance(node.args.get("group"), exp.Group):
        keys = node.args["group"].expressions
        if len(keys) == 1 and isinstance(keys[0], exp.Tuple) and not keys[0].expressions \
                and not node.args["group"].args.get("grouping_sets"):
            node.set("group", None)
    return None


def _time_bucket(node: exp.Expression) -> exp.Expression | None:
    """DuckDB ``time_bucket(INTERVAL n MINUTE|HOUR|SECOND, ts)`` (buckets aligned to midnight, which the epoch is too)
    → ``timestamp_seconds(floor(unix_seconds(ts) / s) * s)`` as TIMESTAMP_NTZ."""
    if not (isinstance(node, exp.DateBin) and isinstance(node.this, exp.Interval)):
        return None
    unit = str(node.this.args.get("unit") or "").upper().rstrip("S")
    seconds = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600}.get(unit)
    count = str(node.this.this.this) if isinstance(node.this.this, exp.Literal) else ""
    if seconds is None or not count.isdigit():
        return None
    width = exp.Literal.number(int(count) * seconds)
    epoch = _call("UNIX_SECONDS", exp.Cast(this=node.expression.copy(), to=exp.DataType.build("TIMESTAMP")))
    start = exp.Mul(this=exp.Floor(this=exp.Div(this=epoch, expression=width)), expression=width.copy())
    return exp.Cast(this=_call("TIMESTAMP_SECONDS", start), to=exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"))


RENAMED = {"list_reverse": "REVERSE"}  # DuckDB functions whose Spark twin only has another name


def _renamed(node: exp.Expression) -> exp.Expression | None:
    if isinstance(node, exp.Anonymous) and node.name.lower() in RENAMED:
        return _call(RENAMED[node.name.lower()], *node.expressions)
    return None


RULES: tuple[Callable[[exp.Expression], exp.Expression | None], ...] = (
    _series_table, _utc_to_local, _to_seconds, _epoch, _epoch_us, _hash, _cte_materialized, _unsigned, _average,
    _date_difference, _first_n, _tuple, _element, _arg_extreme, _window_filter,
    _list_aggregate, _json_object, _empty_grouping, _time_bucket, _renamed)


def _apply_rules(node: exp.Expression) -> exp.Expression:
    for rule in RULES:
        changed = rule(node)
        if changed is not None:
            return changed
    return node


def literal(value: Any) -> exp.Expression:
    """A Python parameter value as a SQL literal (DuckDB binds parameters; Spark SQL gets them inlined)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, float):  # a bare 1.5 is a DECIMAL in Spark SQL; NaN and infinities have no literal
        return exp.Cast(this=exp.Literal.string(repr(value)), to=exp.DataType.build("DOUBLE"))
    if isinstance(value, int | Decimal):
        return exp.Literal.number(value)
    if isinstance(value, dt.datetime):
        return exp.Cast(this=exp.Literal.string(value.isoformat(sep=" ")), to=exp.DataType.build("TIMESTAMP"))
    if isinstance(value, dt.date):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[literal(v) for v in value])
    return exp.Literal.string(str(value))


def _bind(tree: exp.Expression, params: Sequence[Any] | Mapping[str, Any]) -> exp.Expression:
    """Replace ``?`` (in order), ``$n`` and ``$name`` placeholders by the parameters' literals."""
    position = iter(range(len(params)))

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            if isinstance(params, Mapping):  # $name
                return literal(params[str(node.this)])
            index = int(node.this) - 1 if node.this and str(node.this).isdigit() else next(position)
            return literal(params[index])
        return node

    return tree.transform(bind)


def parse(sql: str) -> exp.Expression:
    """A DuckDB statement as a sqlglot tree; ``?`` placeholders become ``$1``, ``$2``, … in the order they are written
    (the tree's own order is not the text's: a CTE's ``?`` may come after the main query's)."""
    marks = [t for t in _DUCKDB.tokenize(sql) if t.token_type == TokenType.PLACEHOLDER and t.text == "?"]
    for number, token in reversed(list(enumerate(marks, start=1))):
        sql = sql[:token.start] + f"${number}" + sql[token.end + 1:]
    return sqlglot.parse_one(sql, read="duckdb")


def to_spark(tree: exp.Expression, params: Sequence[Any] | Mapping[str, Any] | None = None) -> str:
    """Spark SQL for a parsed DuckDB statement, with its parameters inlined."""
    if params:
        tree = _bind(tree, params)
    # a rule's new node is not searched again in the same pass (sqlglot prunes it): pass until nothing changes
    _UNSIGNED.set(any(t.this == exp.DataType.Type.UBIGINT for t in tree.find_all(exp.DataType)))
    text, spark = "", ""
    for _ in range(8):
        tree = tree.transform(_apply_rules)
        spark = tree.sql(dialect="spark")
        if spark == text:
            break
        text = spark
    return spark


def tables_of(tree: exp.Expression) -> set[str]:
    """The (unqualified, lower-case) names of the tables a statement reads, CTE names excluded."""
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return {t.name.lower() for t in tree.find_all(exp.Table) if t.name and t.name.lower() not in ctes}
