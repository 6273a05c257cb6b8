"""Opening the warehouse: one DuckDB file, one writer at a time, analytics through Ibis.

DuckDB allows one read-write process or several read-only ones. A second writer waits for the
lock up to ``lock_wait`` seconds (env ``SHOPLENS_LOCK_WAIT``, default 10) so that short writes
queue behind each other, then fails with a message naming the holder, never a crash.

Every connection (and cursor) gets the resource settings of the config file's ``warehouse:`` section
(:mod:`shoplens.config`): a memory limit, the folder DuckDB spills to beyond it, and the thread count,
so no import, demo build or query can take the machine's memory (DuckDB's own default is 80 % of RAM).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb

from shoplens.config import WarehouseSettings, warehouse_settings
from shoplens.errors import DatabaseLockedError, NoWarehouseError, SchemaError, ShoplensError
from shoplens.interrupts import watch

DEFAULT_DB = "shoplens.duckdb"
ENGINES = ("duckdb", "spark")  # what runs the queries; Spark reads a lake (shoplens.warehouse.spark_engine)
IDLE_CURSORS = 8  # cursors kept for analysis tasks (see Warehouse.borrowed): more than two pools' worth


def default_db_path() -> Path:
    """``$SHOPLENS_DB`` or ``./shoplens.duckdb``."""
    return Path(os.environ.get("SHOPLENS_DB") or DEFAULT_DB)


def _lock_wait_default() -> float:
    try:
        return float(os.environ.get("SHOPLENS_LOCK_WAIT", "10"))
    except ValueError:
        return 10.0


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting lock" in text or "Could not set lock" in text)


def configured(con: duckdb.DuckDBPyConnection, settings: WarehouseSettings, db: Path,
                database_wide: bool = True) -> duckdb.DuckDBPyConnection:
    con.execute("SET TimeZone = 'UTC'")  # TIMESTAMPTZ values are read and cast in UTC
    con.execute("SET enable_progress_bar = false")  # shoplens draws its own
    con.execute("SET preserve_insertion_order = true")
    if not database_wide:  # a cursor shares its database's memory limit, temp folder and threads
        return con
    # set the temp folder only when it differs: DuckDB refuses to switch it once it has spilled there,
    # even to the same folder
    wanted = {"memory_limit": f"{settings.memory_limit}B", "temp_directory": str(settings.temp_for(db))}
    if settings.max_temp_directory_size is not None:
        wanted["max_temp_directory_size"] = f"{settings.max_temp_directory_size}B"
    if settings.threads is not None:
        wanted["threads"] = str(settings.threads)
    current = dict(con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN ("
                               + ", ".join("?" for _ in wanted) + ")", list(wanted)).fetchall())
    for name, value in wanted.items():
        if name == "temp_directory" and current.get(name) == value:
            continue
        quoted = value.replace("'", "''")
        con.execute(f"SET {name} = '{quoted}'")
    return con


def _connect(path: Path, read_only: bool, lock_wait: float, settings: WarehouseSettings) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_wait
    while True:
        try:
            return configured(duckdb.connect(str(path), read_only=read_only), settings, path)
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                detail = str(exc).splitlines()[0]
                raise ShoplensError(f"cannot open the warehouse: {detail}", where=str(path),
                                    hint="--db / SHOPLENS_DB must name a shoplens DuckDB file",
                                    zh=f"无法打开仓库：{detail}",
                                    zh_hint="--db / SHOPLENS_DB 应指向 shoplens 的 DuckDB 仓库文件") from exc
            if time.monotonic() >= deadline:
                pid = re.search(r"PID (\d+)", str(exc))
                holder = f" (process {pid.group(1)})" if pid else ""
                holder_zh = f"（进程 {pid.group(1)}）" if pid else ""
                raise DatabaseLockedError(
                    f"the warehouse is being written by another shoplens process{holder}",
                    where=str(path),
                    hint="wait for that import/demo to finish and run this again, or raise SHOPLENS_LOCK_WAIT "
                    "(seconds to wait); if it is `shoplens serve`, use the dashboard/API or stop the server",
                    zh=f"另一个 shoplens 进程{holder_zh}正在写入该仓库",
                    zh_hint="等那个导入/演示完成后再运行，或调大 SHOPLENS_LOCK_WAIT（等待锁的秒数）；"
                    "若是 `shoplens serve`，请改用看板/API，或先停止服务",
                ) from exc
            time.sleep(0.2)


class Warehouse:
    """A connection to the shoplens warehouse.

    ``con`` is the raw DuckDB connection used for loading (DDL, staging, merges); ``ibis`` is the
    Ibis backend over the same connection that every analytical query goes through, so another
    Ibis backend can be plugged in for analytics later.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
                 lock_wait: float | None = None, migrate: bool = True,
                 lake: str | os.PathLike[str] | None = None, engine: str = "duckdb") -> None:
        from shoplens.warehouse.migrations import check_version, migrate_to_latest

        self.lake_notes: list[tuple[str, str]] = []  # (en, zh) notes of opening a lake (ignored columns)
        self.lake: str | None = None  # the lake read instead of a warehouse file (--lake)
        if engine not in ENGINES:
            raise ShoplensError(f"unknown engine {engine!r}", where="--engine", hint="one of: " + ", ".join(ENGINES),
                                zh=f"未知引擎 {engine!r}", zh_hint="可选：" + "、".join(ENGINES))
        self.engine = engine
        if engine == "spark" and lake is None:
            raise ShoplensError("the Spark engine reads a lake", where="--engine spark",
                                hint="add --lake PATH (write one with `shoplens lake export --to PATH`)",
                                zh="Spark 引擎读取的是数据湖",
                                zh_hint="加上 --lake PATH（用 `shoplens lake export --to PATH` 导出）")
        if lake is not None:
            self._open_lake(lake, read_only)
            return
        self.path = Path(path) if path is not None else default_db_path()
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise NoWarehouseError(
                "no warehouse here yet", where=str(self.path),
                hint="run `shoplens demo` or `shoplens import …` first, or point --db / SHOPLENS_DB at one",
                zh="这里还没有仓库",
                zh_hint="先运行 `shoplens demo` 或 `shoplens import …`，或用 --db / SHOPLENS_DB 指向已有仓库",
            )
        if not self.path.parent.is_dir():
            raise ShoplensError("the folder for the warehouse does not exist", where=str(self.path),
                                hint="create the folder first, or check the --db path for a typo",
                                zh="仓库所在的文件夹不存在",
                                zh_hint="先创建该文件夹，或检查 --db 路径是否写错")
        wait = _lock_wait_default() if lock_wait is None else lock_wait
        self.settings = warehouse_settings()  # a bad config value fails before the file is touched
        self.con = _connect(self.path, read_only, wait, self.settings)
        watch(self.con)  # Ctrl-C interrupts its running query (shoplens.interrupts)
        self._ibis: Any = None
        self._root, self._pinned, self._lender = self, None, None
        self._idle: list[Warehouse] = []  # cursors given back by tasks (see borrowed)
        self._idle_lock, self._closed = threading.Lock(), False
        try:
            if read_only or not migrate:
                check_version(self.con, str(self.path))
            else:
                migrate_to_latest(self.con)
        except SchemaError:
            self.con.close()
            raise

    def _open_lake(self, lake: str | os.PathLike[str], read_only: bool) -> None:
        """The lake at ``lake`` instead of a warehouse file (shoplens.warehouse.lake_open); read-only."""
        from shoplens.warehouse.lake_open import open_lake

        if not read_only:
            raise ShoplensError("a lake is read-only: this command writes", where=str(lake),
                                hint="run it on the warehouse (--db) and export again (`shoplens lake export`)",
                                zh="数据湖只读：该命令需要写入",
                                zh_hint="请在仓库（--db）上运行，再重新导出（`shoplens lake export`）")
        self.path, self.read_only, self.lake = Path(lake), True, str(lake)
        self.settings = warehouse_settings()
        self.con, self.lake_notes = open_lake(lake, self.settings)
        if self.engine == "spark":
            from shoplens.warehouse.spark_engine import SparkConnection, register_lake, spark_session

            try:
                spark = spark_session().newSession()  # this lake's views only
                self.con = SparkConnection(self.con, spark, register_lake(spark, self.con, lake))
            except BaseException:
                self.con.close()
                raise
        watch(self.con)
        self._ibis = None
        self._root, self._pinned, self._lender = self, None, None
        self._idle, self._idle_lock, self._closed = [], threading.Lock(), False

    @property
    def ibis(self) -> Any:
        """The Ibis backend (created on first use; importing Ibis costs ~0.5 s)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table(self, name: str) -> Any:
        """An Ibis table expression for a canonical table."""
        return self.ibis.table(name)

    def data_version(self) -> tuple[Any, ...]:
        """Which data this is: the warehouse's id, its latest import, the number of imports and the revision
        (raised by store rename/delete and import undo, which change data without a new import), and the engine when
        it is not DuckDB; caches key on it.
        A cursor lent to a task answers the version its task started with (see borrowed)."""
        if self._pinned is not None:
            return self._pinned
        engine = () if self.engine == "duckdb" else (self.engine,)  # caches keep each engine's answers apart
        return engine + tuple(self.con.execute(
            "SELECT (SELECT value FROM _shoplens_meta WHERE key = 'warehouse_id'), coalesce(max(import_id), 0),"
            " count(*), (SELECT value FROM _shoplens_meta WHERE key = 'revision') FROM import_manifest").fetchone()
            or ())

    def cursor(self) -> Warehouse:
        """This warehouse on a cursor of its own: a second DuckDB connection to the same open database.

        Queries on different cursors run in parallel (a server gives each read request one); temp
        tables are per cursor. Close it when done; the warehouse itself stays open.
        """
        view = object.__new__(Warehouse)
        view.path, view.read_only, view._ibis, view.settings = self.path, self.read_only, None, self.settings
        view.lake, view.lake_notes, view.engine = self.lake, [], self.engine
        view.con = configured(self.con.cursor(), self.settings, self.path, database_wide=False)
        watch(view.con)  # Ctrl-C interrupts its running query too
        view._root, view._pinned, view._lender = self._root, None, None
        return view

    @contextmanager
    def borrowed(self, version: tuple[Any, ...]) -> Iterator[Warehouse]:
        """A cursor for one task of an analysis (:mod:`shoplens.analyses.workers`): an idle one given back by an
        earlier task, else a new one (a cursor and its Ibis backend cost ~10 ms to set up; an alert check runs ~50
        tasks). Its ``data_version()`` answers ``version`` during the task, so the engine asks the database once per
        analysis instead of before every query; the data each statement reads is still the latest. In a server
        request the cursor belongs to the request's computation while lent (refused once it is cancelled, its
        running statement interrupted: server/computation.py). A task that fails drops its cursor."""
        root = self._root
        lender = self._lender or (self.con if hasattr(type(self.con), "lend") else None)
        with root._idle_lock:
            view = root._idle.pop() if root._idle else None
        view = view or root.cursor()
        if lender is not None:
            try:
                lender.lend(view.con)
            except BaseException:
                root._give_back(view)  # unused: still clean
                raise
        view._pinned, view._lender = version, lender
        failed = False
        try:
            yield view
        except BaseException:
            failed = True
            raise
        finally:
            view._pinned = view._lender = None
            if lender is not None:
                lender.give_back(view.con)  # before any close: an interrupt must never reach a closed cursor
            if failed:
                with suppress(Exception):  # the root may be closed already: the task's own error matters
                    view.close()
            else:
                root._give_back(view)

    def _give_back(self, view: Warehouse) -> None:
        """Keep a lent cursor for the next task (at most IDLE_CURSORS; none once this warehouse is closed)."""
        with self._idle_lock:
            if not self._closed and len(self._idle) < IDLE_CURSORS:
                self._idle.append(view)
                return
        with suppress(Exception):
            view.close()

    def close(self) -> None:
        if self._root is self:
            with self._idle_lock:
                idle, self._idle, self._closed = self._idle, [], True
            for view in idle:
                view.close()
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
