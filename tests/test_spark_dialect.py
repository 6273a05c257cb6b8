"""The dialect rules (shoplens.warehouse.spark_dialect): each DuckDB idiom, its Spark SQL, and the same answer.

The first tests pin the Spark SQL each rule writes (read by hand against Spark's documentation). The ``spark`` ones
run each DuckDB query in DuckDB and its translation in Spark (local mode) and require the same rows: the values are
small enough to check by eye in the comments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from shoplens.warehouse.spark_dialect import parse, tables_of, to_spark


def spark_sql(sql: str, params: Any = None) -> str:
    return to_spark(parse(sql), params)


@pytest.mark.parametrize(("duck", "spark"), [
    ("SELECT timezone('Asia/Shanghai', timezone('UTC', ts)) FROM t",
     "SELECT CAST(FROM_UTC_TIMESTAMP(ts, 'Asia/Shanghai') AS TIMESTAMP_NTZ) FROM t"),
    ("SELECT ts + to_seconds(3600) FROM t", "SELECT ts + MAKE_DT_INTERVAL(0, 0, 0, 3600) FROM t"),
    ("SELECT epoch_us(ts) FROM t", "SELECT UNIX_MICROS(CAST(ts AS TIMESTAMP)) FROM t"),
    ("SELECT seq[1], seq[i], seq[-1] FROM t",
     "SELECT ELEMENT_AT(seq, 1), ELEMENT_AT(seq, NULLIF(i, 0)), ELEMENT_AT(seq, -1) FROM t"),
    ("SELECT day - DATE '1900-01-01' FROM t", "SELECT DATEDIFF(day, CAST('1900-01-01' AS DATE)) FROM t"),
    ("SELECT b FROM range(3) t(b)",
     "SELECT b FROM (SELECT EXPLODE(IF(3 - 1 < 0, ARRAY(), SEQUENCE(0, 3 - 1))) AS b) AS t"),
    ("WITH a AS MATERIALIZED (SELECT 1 AS x) SELECT x FROM a", "WITH a AS (SELECT 1 AS x) SELECT x FROM a"),
    ("SELECT count(*) FROM t GROUP BY ()", "SELECT COUNT(*) FROM t"),
    ("SELECT x FROM t WHERE s = ? AND d = $2", "SELECT x FROM t WHERE s = 'a' AND d = CAST('2026-01-02' AS DATE)"),
])
def test_the_spark_sql_of_each_rule(duck: str, spark: str) -> None:
    params = ["a", dt.date(2026, 1, 2)] if "?" in duck else None
    if params:  # `?` then `$2`: positional and numbered placeholders in one statement
        assert spark_sql(duck.replace("$2", "?"), params) == spark
    else:
        assert spark_sql(duck) == spark


def test_placeholders_are_bound_in_the_order_they_are_written() -> None:
    """A CTE comes first in the text but not in sqlglot's tree; a ``?`` inside a string is text."""
    assert spark_sql("WITH m AS (SELECT ? AS a) SELECT a, '?' FROM m WHERE a = ? LIMIT ?", ["x", "y", 3]) == \
        "WITH m AS (SELECT 'x' AS a) SELECT a, '?' FROM m WHERE a = 'y' LIMIT 3"
    assert spark_sql("SELECT ?", [1.5]) == "SELECT CAST('1.5' AS DOUBLE)"  # a bare 1.5 is a DECIMAL in Spark


def test_named_parameters_and_tables_read() -> None:
    assert spark_sql("SELECT * FROM orders o WHERE o.store_id = $store", {"store": "s'1"}) == \
        "SELECT * FROM orders AS o WHERE o.store_id = 's\\'1'"  # Spark escapes a quote with a backslash
    assert tables_of(parse("WITH x AS (SELECT * FROM events) SELECT * FROM x JOIN stores USING (store_id)")) == \
        {"events", "stores"}


# each: a DuckDB query whose translation Spark must answer identically
SAME_ANSWER = {
    # 2026-03-28 23:30 UTC is 2026-03-29 07:30 in Shanghai
    "utc to local":
        "SELECT CAST(timezone('Asia/Shanghai', timezone('UTC', TIMESTAMP '2026-03-28 23:30:00')) AS DATE)",
    "seconds interval": "SELECT TIMESTAMP '2026-01-01 00:00:00' + to_seconds(90061)",  # 1 day 1 h 1 min 1 s
    "epoch with fraction": "SELECT epoch(TIMESTAMP '1970-01-01 00:00:01.5')",  # 1.5, not 1
    "list index from 1": "SELECT [10, 20, 30][1], [10, 20, 30][3], [10, 20, 30][4], [10, 20, 30][-1]",
    "date difference": "SELECT (DATE '1900-01-15' - DATE '1900-01-01') // 7",  # 14 days: week 2
    "range table": "SELECT sum(b) FROM range(5) t(b)",  # 0+1+2+3+4
    "unsigned bit mask": "SELECT (CAST(1 AS UBIGINT) << 63) >> 62",  # the top bit shifted back in zeros: 2
    "average of money": "SELECT avg(x) FROM (VALUES (CAST(1.0001 AS DECIMAL(18,4))), (2.0002), (4.0004)) v(x)",
    "arg_min skips null values": "SELECT arg_min(a, k), arg_max(a, k) FROM (VALUES (NULL, 1), ('x', 2), ('y', 3),"
                                 " (NULL, 4)) v(a, k)",
    "first n by a row key":
        "SELECT arg_min(e, (t, i), 2) FROM (VALUES ('c', 3, 1), ('a', 1, 2), ('b', 1, 1)) v(e, t, i)",
    "window without filter": "SELECT k, min(t) FILTER (WHERE f) OVER (ORDER BY k ROWS UNBOUNDED PRECEDING) FROM"
                             " (VALUES (1, 5, false), (2, 4, true), (3, 3, false)) v(k, t, f) ORDER BY k",
    "ordered list": "SELECT list(d ORDER BY n DESC, d) FROM (VALUES ('app', 2), ('web', 3), ('ios', 2)) v(d, n)",
    "ordered string_agg": "SELECT string_agg(p, ', ' ORDER BY l) FROM (VALUES ('b', 2), ('a', 1)) v(p, l)",
    "json object": "SELECT json_object('order_id', 'o1', 'note', NULL)",
    "reversed list": "SELECT list_reverse([1, 2, 3])",
    "time buckets": "SELECT time_bucket(INTERVAL 15 MINUTE, TIMESTAMP '2026-01-01 10:44:59')",  # 10:30
    "empty range": "SELECT count(*) FROM range(0) t(b)",
    "signed shift stays signed": "SELECT -8 >> 1",
    "row values compared":
        "SELECT count(*) FROM (VALUES (1, 'b'), (2, 'a'), (1, 'c')) v(t, i) WHERE (t, i) >= (1, 'c')",
}


@pytest.fixture(scope="module")
def spark() -> Any:
    from shoplens.warehouse.spark_engine import spark_session

    return spark_session()


def _normal(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Python values as both engines give them (Spark's structs and arrays come back as Row/list)."""
    def value(v: Any) -> Any:
        if isinstance(v, float):
            return round(v, 12)
        if hasattr(v, "asDict"):
            return tuple(v)
        return v

    return [tuple(value(v) for v in row) for row in rows]


@pytest.mark.spark
@pytest.mark.parametrize("case", sorted(SAME_ANSWER))
def test_spark_gives_duckdbs_answer(spark: Any, case: str) -> None:
    sql = SAME_ANSWER[case]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    expected = _normal(con.execute(sql).fetchall())
    got = _normal([tuple(r) for r in spark.sql(spark_sql(sql)).collect()])
    assert got == expected, spark_sql(sql)
