"""Spark as shoplens's engine: the same SQL, run by Spark over the lake (``--engine spark --lake PATH``).

How it fits without a second code base:
- The lake is opened as for DuckDB (:mod:`shoplens.warehouse.lake_open`). That in-memory DuckDB database checks the
  schema, holds shoplens's small system tables and answers schema questions (``DESCRIBE``), so Ibis compiles every
  query exactly as it does for a warehouse file.
- :class:`SparkConnection` stands where the DuckDB connection stands (``wh.con``). A statement that reads a table
  of the lake (events, orders, the rollups, …) is translated by :mod:`shoplens.warehouse.spark_dialect` and run by
  Spark. Everything else (schema questions, system tables, settings) runs on the DuckDB side.
- Spark's answer comes back as Arrow and is handed out as a DuckDB result, so callers read ``fetchall()``,
  ``df()``, ``fetchnumpy()`` or Arrow with the same Python types as from a warehouse file.

Each cursor gets a Spark session of its own (``newSession``: temporary views do not collide between the analyses'
parallel tasks) over one SparkContext per process.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import duckdb

from shoplens.errors import ShoplensError
from shoplens.warehouse import spark_dialect
from shoplens.warehouse.ddl import quote
from shoplens.warehouse.lake_layout import lake_tables
from shoplens.warehouse.lake_open import lake_files, lake_root, read_manifest

SPARK_TYPES = {"VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double", "BOOLEAN": "boolean",
               "DATE": "date", "TIMESTAMP": "timestamp_ntz", "JSON": "string", "FLOAT": "float"}
LOG_CONFIG = Path(__file__).with_name("spark_log4j2.properties")  # errors only: no WARN lines at start
_SESSION: dict[str, Any] = {}
_SESSION_LOCK = threading.Lock()


def spark_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.lower()
    return SPARK_TYPES[duckdb_type]


def spark_session(master: str | None = None) -> Any:
    """The process's SparkSession (local mode on every core by default; ``$SHOPLENS_SPARK_MASTER`` or the config's
    ``spark.master`` for a cluster). Java must be there: a missing one is one clear line, not a Java stack."""
    with _SESSION_LOCK:
        if "spark" in _SESSION:
            return _SESSION["spark"]
        if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
            raise ShoplensError("Spark needs Java, and none was found", where="--engine spark",
                                hint="install Java 17 (Debian/Ubuntu: apt install openjdk-17-jre-headless) or set "
                                "JAVA_HOME; or use --engine duckdb",
                                zh="Spark 需要 Java，但没有找到",
                                zh_hint="安装 Java 17（Debian/Ubuntu：apt install openjdk-17-jre-headless）或设置 "
                                "JAVA_HOME；或改用 --engine duckdb")
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise ShoplensError("the Spark engine needs pyspark", where="--engine spark",
                                hint="pip install 'shoplens[spark]' (pyspark 3.5)",
                                zh="Spark 引擎需要安装 pyspark",
                                zh_hint="pip install 'shoplens[spark]'（pyspark 3.5）") from exc
        master = master or os.environ.get("SHOPLENS_SPARK_MASTER") or "local[*]"
        builder = (SparkSession.builder.master(master).appName("shoplens")
                   .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                   # shoplens makes no Spark tables: keep Spark's empty catalog folder out of the user's folder
                   .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "shoplens-spark-warehouse"))
                   .config("spark.sql.session.timeZone", "UTC")  # naive UTC timestamps: NTZ <-> TIMESTAMP is identity
                   .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
                   .config("spark.sql.shuffle.partitions", os.environ.get("SHOPLENS_SPARK_PARTITIONS", "8"))
                   .config("spark.sql.ansi.enabled", "false")
                   # decimals keep their scale as in DuckDB (money: exact sums, same digits on both engines)
                   .config("spark.sql.decimalOperations.allowPrecisionLoss", "false")
                   .config("spark.driver.memory", os.environ.get("SHOPLENS_SPARK_DRIVER_MEMORY", "2g"))
                   .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{LOG_CONFIG}"))
        try:
            spark = builder.getOrCreate()
        except Exception as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ShoplensError(f"cannot start Spark: {detail}", where=master,
                                hint="check the master URL and that the cluster is reachable; or use --engine duckdb",
                                zh=f"无法启动 Spark：{detail}",
                                zh_hint="检查 master 地址及集群是否可达；或改用 --engine duckdb") from exc
        spark.sparkContext.setLogLevel("ERROR")
        _SESSION["spark"] = spark
        return spark


def register_lake(spark: Any, duck: duckdb.DuckDBPyConnection, location: str | Path) -> set[str]:
    """A temporary view per table of the lake in ``spark``, with the columns and types the DuckDB side checked;
    returns the names Spark answers for."""
    from pyspark.sql import functions as F

    root = lake_root(location)
    manifest = read_manifest(root)
    names: set[str] = set()
    for table in lake_tables():
        columns = [(n, k) for n, k, *_ in duck.execute(f"DESCRIBE {quote(table.name)}").fetchall()]
        ddl = ", ".join(f"`{n}` {spark_type(k)}" for n, k in columns)
        files = lake_files(root, manifest, table.name)
        if files:
            frame = spark.read.option("mergeSchema", "true").parquet(*[str(root / f) for f in files])
            have = set(frame.columns)
            frame = frame.select(*[(F.col(f"`{n}`") if n in have else F.lit(None)).cast(spark_type(k)).alias(n)
                                   for n, k in columns])
        else:
            frame = spark.createDataFrame([], ddl)
        frame.createOrReplaceTempView(table.name)
        names.add(table.name.lower())
    return names


class SparkConnection:
    """Stands for a DuckDB connection (``wh.con``): lake tables are read by Spark, the rest by DuckDB."""

    def __init__(self, duck: duckdb.DuckDBPyConnection, spark: Any, spark_tables: set[str]) -> None:
        self.duck, self.spark, self.spark_tables = duck, spark, set(spark_tables)
        self.statements = {"spark": 0, "duckdb": 0}  # where this connection's statements ran (tests read it)

    def execute(self, sql: str, parameters: Any = None) -> Any:
        tree = spark_dialect.parse(sql)
        read = spark_dialect.tables_of(tree)
        if isinstance(tree, exp_describe()) or not (read & self.spark_tables) or _writes(tree):
            self.statements["duckdb"] += 1
            return self.duck.execute(sql, parameters) if parameters is not None else self.duck.execute(sql)
        self.statements["spark"] += 1
        if _creates_temp(tree):
            return self._temp_view(tree, parameters)
        return self._answer(self.spark.sql(spark_dialect.to_spark(tree, parameters)))

    def _answer(self, frame: Any) -> Any:
        """Spark's rows as a DuckDB result (same Python types as a warehouse file gives)."""
        import pyarrow as pa
        from pyspark.sql.pandas.types import to_arrow_schema

        batches = frame._collect_as_arrow()
        table = pa.Table.from_batches(batches) if batches else to_arrow_schema(frame.schema).empty_table()
        # Spark's TIMESTAMP is an instant; in a UTC session its wall-clock time is the naive time DuckDB gives
        naive = pa.schema([pa.field(f.name, pa.timestamp(f.type.unit)) if pa.types.is_timestamp(f.type) and f.type.tz
                           else f for f in table.schema])
        if naive != table.schema:
            table = table.cast(naive)
        cursor = self.duck.cursor()
        cursor.register("__spark_answer", table)
        return cursor.execute("SELECT * FROM __spark_answer")

    def _temp_view(self, tree: Any, parameters: Any) -> Any:
        """``CREATE TEMP TABLE x AS SELECT …`` over lake tables: a cached temporary view in this Spark session."""
        name = tree.this.name if hasattr(tree.this, "name") else str(tree.this)
        select = spark_dialect.to_spark(tree.expression, parameters)
        frame = self.spark.sql(select)
        frame.cache()
        frame.createOrReplaceTempView(name)
        self.spark_tables.add(name.lower())
        return self.duck.execute("SELECT 1 WHERE false")

    def sql(self, query: str) -> Any:
        return self.execute(query)

    def register(self, name: str, data: Any) -> Any:
        """A local table (an analysis's own rows): known to both sides."""
        self.duck.register(name, data)
        columns = self.duck.execute(f"DESCRIBE {quote(name)}").fetchall()
        ddl = ", ".join(f"`{n}` {spark_type(k)}" for n, k, *_ in columns)
        rows = self.duck.execute(f"SELECT * FROM {quote(name)}").fetchall()
        self.spark.createDataFrame(rows, ddl).createOrReplaceTempView(name)
        self.spark_tables.add(name.lower())
        return self

    def unregister(self, name: str) -> Any:
        self.duck.unregister(name)
        self.spark.catalog.dropTempView(name)
        self.spark_tables.discard(name.lower())
        return self

    def cursor(self) -> SparkConnection:
        return SparkConnection(self.duck.cursor(), self.spark.newSession(), self._base_tables())

    def _base_tables(self) -> set[str]:
        return {t.name.lower() for t in lake_tables()}

    def interrupt(self) -> None:
        self.duck.interrupt()
        self.spark.sparkContext.cancelAllJobs()

    def close(self) -> None:
        self.duck.close()

    def __getattr__(self, name: str) -> Any:  # anything else (settings, description): the DuckDB side
        return getattr(self.duck, name)


def exp_describe() -> type:
    from sqlglot import exp

    return exp.Describe


def _writes(tree: Any) -> bool:
    from sqlglot import exp

    return isinstance(tree, exp.Insert | exp.Delete | exp.Update | exp.Drop | exp.Set | exp.Command) or (
        isinstance(tree, exp.Create) and not _creates_temp(tree))


def _creates_temp(tree: Any) -> bool:
    from sqlglot import exp

    if not isinstance(tree, exp.Create) or tree.args.get("kind", "").upper() != "TABLE":
        return False
    props = tree.args.get("properties")
    temporary = bool(props and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions))
    return temporary and isinstance(tree.expression, exp.Query)
