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

Each lake gets a Spark session of its own (``newSession``) over one SparkContext per process, so two lakes open in one
process never see each other's views; the cursors of one lake share its session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from shoplens.errors import ShoplensError
from shoplens.warehouse import spark_dialect
from shoplens.warehouse.ddl import quote
from shoplens.warehouse.lake_layout import lake_tables
from shoplens.warehouse.lake_open import lake_files, lake_root, read_manifest

SPARK_TYPES = {"VARCHAR": "string", "BIGINT": "bigint", "UBIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double",
               "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp_ntz", "JSON": "string", "FLOAT": "float",
               "TIMESTAMP WITH TIME ZONE": "timestamp", "HUGEINT": "decimal(38,0)"}
LOG_CONFIG = Path(__file__).with_name("spark_log4j2.properties")  # errors only: no WARN lines at start
_SESSION: dict[str, Any] = {}
_SESSION_LOCK = threading.Lock()


def spark_type(duckdb_type: str) -> str:
    if duckdb_type.endswith("[]"):
        return f"array<{spark_type(duckdb_type[:-2])}>"
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.lower()
    return SPARK_TYPES.get(duckdb_type, "string")


def spark_session(master: str | None = None) -> Any:
    """The process's SparkSession (local mode on every core by default; ``$SHOPLENS_SPARK_MASTER`` for a cluster).
    Java must be there: a missing one is one clear line, not a Java stack. A lake opens a ``newSession()`` of it."""
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
    """A temporary view per table in ``spark`` (a session of this lake's own): the lake's tables over their files,
    with the columns and types the DuckDB side checked, and shoplens's small tables (import history, segments, …)
    copied from the DuckDB side, so a statement joining both runs on Spark. Returns the names Spark answers for."""
    from pyspark.sql import functions as F

    root = lake_root(location)
    manifest = read_manifest(root)
    names: set[str] = set()
    lake_names = {t.name for t in lake_tables()}
    for table in lake_tables():
        columns = [(n, k) for n, k, *_ in duck.execute(f"DESCRIBE {quote(table.name)}").fetchall()]
        files = lake_files(root, manifest, table.name)
        try:
            if files:
                frame = spark.read.option("mergeSchema", "true").parquet(*[str(root / f) for f in files])
                have = set(frame.columns)
                frame = frame.select(*[(F.col(f"`{n}`") if n in have else F.lit(None)).cast(spark_type(k)).alias(n)
                                       for n, k in columns])
            else:
                frame = spark.createDataFrame([], ", ".join(f"`{n}` {spark_type(k)}" for n, k in columns))
            frame.createOrReplaceTempView(table.name)
        except Exception as exc:  # e.g. nanosecond timestamps, which Spark 3.5 cannot read
            raise _unreadable(root / table.name, table.name, exc) from exc
        names.add(table.name.lower())
    for (name,) in duck.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
                                " AND table_schema = 'main'").fetchall():
        if name not in lake_names:
            copy_table(spark, duck, name)
            names.add(name.lower())
    return names


def copy_table(spark: Any, duck: Any, name: str) -> None:
    """A small DuckDB table (or registered data) as a temporary view of ``spark``, same columns and types."""
    columns = duck.execute(f"DESCRIBE {quote(name)}").fetchall()
    ddl = ", ".join(f"`{n}` {spark_type(k)}" for n, k, *_ in columns)
    rows = duck.execute(f"SELECT * FROM {quote(name)}").fetchall()
    spark.createDataFrame(rows, ddl).createOrReplaceTempView(name)


def _unreadable(where: Path, table: str, exc: Exception) -> ShoplensError:
    detail = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)[:300]
    return ShoplensError(f"Spark cannot read lake table {table}: {detail}", where=str(where),
                         hint="rewrite the files with types Spark 3.5 reads (e.g. microsecond timestamps), or use "
                         "--engine duckdb", zh=f"Spark 无法读取数据湖表 {table}：{detail}",
                         zh_hint="请用 Spark 3.5 可读的类型重写这些文件（如微秒精度的时间戳），或改用 --engine duckdb")


class SparkConnection:
    """Stands for a DuckDB connection (``wh.con``): lake tables are read by Spark, the rest by DuckDB."""

    def __init__(self, duck: duckdb.DuckDBPyConnection, spark: Any, spark_tables: set[str],
                 data_tables: set[str] | None = None) -> None:
        self.duck, self.spark = duck, spark
        # shared by this connection's cursors: they use the same Spark session (a lake's own), whose views they see
        self.spark_tables = spark_tables  # every view Spark has
        self.data_tables = data_tables if data_tables is not None else {t.name.lower() for t in lake_tables()}
        self.temp_views: set[str] = set()
        self.statements = {"spark": 0, "duckdb": 0}  # where this connection's statements ran (tests read it)

    def _on_spark(self, tree: Any) -> bool:
        """Spark runs what reads the lake's data (and knows every table it reads); shoplens's small tables alone,
        schema questions and writes stay on the DuckDB side."""
        read = spark_dialect.tables_of(tree)
        if isinstance(tree, exp.Describe) or _writes(tree) or not read & self.data_tables:
            return False
        return read <= self.spark_tables

    def execute(self, sql: str, parameters: Any = None) -> Any:
        tree = spark_dialect.parse(sql)
        self._drop_temp_view(tree)
        if not self._on_spark(tree):
            self.statements["duckdb"] += 1
            return self.duck.execute(sql, parameters) if parameters is not None else self.duck.execute(sql)
        self.statements["spark"] += 1
        if _creates_temp(tree):
            return self._temp_view(tree, parameters)
        return self._answer(self.spark.sql(spark_dialect.to_spark(tree, parameters)))

    def _drop_temp_view(self, tree: Any) -> None:
        """``DROP TABLE x`` of a temporary table made on Spark: drop (and uncache) the view too."""
        if isinstance(tree, exp.Drop) and isinstance(tree.this, exp.Table):
            name = tree.this.name.lower()
            if name in self.temp_views:
                self.spark.sql(f"UNCACHE TABLE IF EXISTS `{name}`")
                self.spark.catalog.dropTempView(name)
                self.temp_views.discard(name)
                self.spark_tables.discard(name)
                self.data_tables.discard(name)

    def _arrow(self, frame: Any) -> Any:
        """Spark's rows as an Arrow table with the types DuckDB would give."""
        import pyarrow as pa
        from pyspark.sql.pandas.types import to_arrow_schema

        batches = frame._collect_as_arrow()
        table = pa.Table.from_batches(batches) if batches else to_arrow_schema(frame.schema).empty_table()
        # Spark's TIMESTAMP is an instant; in a UTC session its wall-clock time is the naive time DuckDB gives
        naive = pa.schema([pa.field(f.name, pa.timestamp(f.type.unit)) if pa.types.is_timestamp(f.type) and f.type.tz
                           else f for f in table.schema])
        table = table.cast(naive) if naive != table.schema else table
        names, seen = [], set()
        for name in table.column_names:  # Spark may name two columns alike (scalar subqueries); DuckDB may not
            unique, n = name, 1
            while unique in seen:
                unique, n = f"{name}_{n}", n + 1
            seen.add(unique)
            names.append(unique)
        return table.rename_columns(names) if names != table.column_names else table

    def _answer(self, frame: Any) -> Any:
        """Spark's rows as a DuckDB result (``fetchall``, ``df``, ``fetchnumpy``, Arrow: same Python types)."""
        cursor = self.duck.cursor()
        cursor.register("__spark_answer", self._arrow(frame))
        return cursor.execute("SELECT * FROM __spark_answer")

    def _temp_view(self, tree: Any, parameters: Any) -> Any:
        """``CREATE TEMP TABLE x AS SELECT …`` over lake tables: a cached temporary view in this Spark session."""
        name = tree.this.name if hasattr(tree.this, "name") else str(tree.this)
        select = spark_dialect.to_spark(tree.expression, parameters)
        frame = self.spark.sql(select)
        frame.cache()
        frame.createOrReplaceTempView(name)
        self.spark_tables.add(name.lower())
        self.data_tables.add(name.lower())
        self.temp_views.add(name.lower())
        return self.duck.execute("SELECT 1 WHERE false")

    def sql(self, query: str) -> Any:
        """A relation, as DuckDB's ``sql()`` gives (Ibis reads its schema or its Arrow table)."""
        tree = spark_dialect.parse(query)
        if not self._on_spark(tree):
            self.statements["duckdb"] += 1
            return self.duck.sql(query)
        self.statements["spark"] += 1
        return self.duck.from_arrow(self._arrow(self.spark.sql(spark_dialect.to_spark(tree))))

    def register(self, name: str, data: Any) -> Any:
        """A local table (an analysis's own rows): known to both sides."""
        self.duck.register(name, data)
        copy_table(self.spark, self.duck, name)
        self.spark_tables.add(name.lower())
        self.data_tables.add(name.lower())
        return self

    def unregister(self, name: str) -> Any:
        self.duck.unregister(name)
        self.spark.catalog.dropTempView(name)
        self.spark_tables.discard(name.lower())
        self.data_tables.discard(name.lower())
        return self

    def cursor(self) -> SparkConnection:
        """Another cursor on the same lake: a DuckDB cursor, and the same Spark session (where the lake's views are;
        temporary views of analyses have unique names, so parallel tasks do not collide)."""
        return SparkConnection(self.duck.cursor(), self.spark, self.spark_tables, self.data_tables)

    def interrupt(self) -> None:
        self.duck.interrupt()
        self.spark.sparkContext.cancelAllJobs()

    def close(self) -> None:
        self.duck.close()

    def __getattr__(self, name: str) -> Any:  # anything else (settings, description): the DuckDB side
        return getattr(self.duck, name)


def _writes(tree: Any) -> bool:
    return isinstance(tree, exp.Insert | exp.Delete | exp.Update | exp.Drop | exp.Set | exp.Command) or (
        isinstance(tree, exp.Create) and not _creates_temp(tree))


def _creates_temp(tree: Any) -> bool:
    if not isinstance(tree, exp.Create) or tree.args.get("kind", "").upper() != "TABLE":
        return False
    props = tree.args.get("properties")
    temporary = bool(props and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions))
    return temporary and isinstance(tree.expression, exp.Query)
