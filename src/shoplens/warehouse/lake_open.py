"""Reading a lake with DuckDB: every command, the API and the dashboard over Parquet instead of the warehouse file.

The lake is opened as an in-memory DuckDB database with the warehouse's schema, in which each table of the lake is
a view over its Parquet files; shoplens's own small tables (the import history, saved segments, the action log) are
copied in. Every query of every analysis then runs unchanged, reading only the files (and, thanks to Parquet's
statistics, only the row groups) it needs. The lake is read-only: commands that write (import, actions, alert
state) need the warehouse.

The schema is checked when the lake is opened, against the canonical model (docs/data-model.md), so a lake written
by other tools fails with one line naming the table, the column and the file:

- a column the model requires that a file lacks, or a type that cannot be read as the model's (text where a
  number belongs) is an error; narrower or equivalent types are cast (INTEGER for BIGINT, DOUBLE or another DECIMAL
  for money, TIMESTAMP_MS/NS or TIMESTAMPTZ for TIMESTAMP, read as UTC);
- optional columns and ``_import_id`` may be missing (read as NULL); the reporting-currency columns (``*_rc``,
  ``fx_rate``) of money tables may not: they are the numbers every money metric adds up;
- columns the model does not know are ignored, and named once in a note;
- a file that the manifest lists but that is gone is an error (a partition would silently be missing).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from shoplens.errors import NoWarehouseError, SchemaError, ShoplensError
from shoplens.warehouse.ddl import quote
from shoplens.warehouse.lake_layout import MANIFEST, Manifest, canonical, lake_root, lake_tables, read_manifest
from shoplens.warehouse.migrations import LATEST, migrate_to_latest
from shoplens.warehouse.rollups import ROLLUPS, refresh_user_day
from shoplens.warehouse.scope import lit

INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
TIMESTAMPS = {"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP WITH TIME ZONE"}


def readable_as(expected: str, found: str) -> bool:
    """Whether a lake column of type ``found`` reads as the model's ``expected`` without losing meaning."""
    if found == expected:
        return True
    if expected == "BIGINT":
        return found in INTEGERS
    if expected.startswith("DECIMAL"):
        return found in INTEGERS or found in ("DOUBLE", "FLOAT") or found.startswith("DECIMAL")
    if expected == "TIMESTAMP":
        return found in TIMESTAMPS
    if expected == "JSON":
        return found == "VARCHAR"
    return False


def _where(root: Path, file: str) -> str:
    return str(root / file)


def lake_files(root: Path, manifest: Manifest | None, table: str) -> list[tuple[str, str]]:
    """The table's files relative to the lake: the manifest's (each must exist), else every Parquet file found."""
    if manifest is not None:
        files = [f for p in manifest.tables.get(table, []) for f in p.files]
        for f in files:
            if not (root / f).is_file():
                raise ShoplensError(f"a partition of the lake is missing: table {table}", where=_where(root, f),
                                    hint=f"the manifest ({MANIFEST}) lists this file; restore it, or export the "
                                    "warehouse again (`shoplens lake export --to PATH` rewrites missing files)",
                                    zh=f"数据湖缺少一个分区：表 {table}",
                                    zh_hint=f"清单（{MANIFEST}）列有该文件；请恢复它，或重新导出仓库"
                                    "（`shoplens lake export --to PATH` 会补写缺失的文件）")
        return files
    folder = root / table
    return sorted(p.relative_to(root).as_posix() for p in folder.rglob("*.parquet")) if folder.is_dir() else []


def _scan(root: Path, files: list[str]) -> str:
    listed = ", ".join(lit(str(root / f)) for f in files)
    return f"read_parquet([{listed}], union_by_name = true, hive_partitioning = false)"


def _types(con: Any, scan: str) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}


def _columns_per_file(con: Any, root: Path, files: list[str]) -> dict[str, set[str]]:
    """Each file's top-level column names, from the Parquet footers (one query for all files)."""
    absolute = {str(root / f): f for f in files}
    listed = ", ".join(lit(path) for path in absolute)
    columns: dict[str, set[str]] = {f: set() for f in files}
    # the schema is a tree in depth-first order (the root first): a column is top-level when the root is its parent
    pending: dict[str, list[int]] = {}  # per file: children still to come at each open level
    for file, name, children in con.execute(f"SELECT file_name, name, num_children FROM parquet_schema([{listed}])"
                                            ).fetchall():
        stack = pending.setdefault(file, [])
        if not stack and not columns[absolute.get(file, file)]:  # the root
            stack.append(int(children or 0))
            continue
        if len(stack) == 1:
            columns[absolute.get(file, file)].add(name)
        stack[-1] -= 1
        if children:
            stack.append(int(children))
        while len(stack) > 1 and stack[-1] == 0:
            stack.pop()
    return columns


def _may_be_missing(table: str, column: str) -> bool:
    model = canonical(table)
    if model is None:  # a rollup: all of it
        return False
    if column == "_import_id":
        return True
    plain = model.column(column) if column in {c.name for c in model.columns} else None
    return plain is not None and not plain.required


def _check_table(con: Any, root: Path, table: str, files: list[str], notes: list[tuple[str, str]]) -> str:
    """The view's SELECT over the files, once their columns are checked against the warehouse table's."""
    expected = [(name, kind) for name, kind, *_ in con.execute(f"DESCRIBE {quote(table)}").fetchall()]
    found = _types(con, _scan(root, files))  # across the files (a column missing from one file still shows)
    per_file = _columns_per_file(con, root, files)
    selects = []
    for name, kind in expected:
        have = found.get(name)
        if not _may_be_missing(table, name):
            culprit = next((f for f in files if name not in per_file[f]), None)
            if culprit is not None:
                raise _column_error(root, table, culprit, (f"has no column {name}", f"缺少列 {name}"),
                                    (f"the canonical model requires it ({kind}); see docs/data-model.md",
                                     f"标准数据模型要求该列（{kind}），见 docs/data-model.md"))
        if have is None:
            selects.append(f"CAST(NULL AS {kind}) AS {quote(name)}")
            continue
        if not readable_as(kind, have):
            culprit = next((f for f in files if not readable_as(kind, _types(con, _scan(root, [f])).get(name, kind))),
                           files[0])
            one = _types(con, _scan(root, [culprit])).get(name, have)
            raise _column_error(root, table, culprit, (f"column {name} is {one}, expected {kind}",
                                                       f"列 {name} 的类型为 {one}，应为 {kind}"),
                                (f"write {name} as {kind} (docs/data-model.md lists every column's type)",
                                 f"请把 {name} 写成 {kind}（docs/data-model.md 列出了每一列的类型）"))
        selects.append(quote(name) if have == kind else f"CAST({quote(name)} AS {kind}) AS {quote(name)}")
    extra = sorted(set(found) - {name for name, _ in expected})
    if extra:
        notes.append((f"lake table {table}: columns the model does not know are ignored: {', '.join(extra)}",
                      f"数据湖表 {table}：模型之外的列已忽略：{', '.join(extra)}"))
    return f"SELECT {', '.join(selects)} FROM {_scan(root, files)}"


def _column_error(root: Path, table: str, file: str, what: tuple[str, str], hint: tuple[str, str]) -> ShoplensError:
    """One line naming the table, the file and what is wrong; ``what`` and ``hint`` are (en, zh)."""
    return ShoplensError(f"lake table {table}: {what[0]}", where=_where(root, file), hint=hint[0],
                         zh=f"数据湖表 {table}：{what[1]}", zh_hint=hint[1])


def _listing_digest(root: Path, files: list[str]) -> str:
    """Which files (and versions of them) the lake is made of: the data version of a lake without a manifest."""
    digest = hashlib.sha256()
    for f in sorted(files):
        stat = (root / f).stat()
        digest.update(f"{f}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def open_lake(location: str | Path, settings: Any) -> tuple[duckdb.DuckDBPyConnection, list[tuple[str, str]]]:
    """An in-memory DuckDB database over the lake at ``location``, and notes for the user (ignored columns)."""
    from shoplens.warehouse.connection import configured

    root = lake_root(location)
    if not root.is_dir():
        raise NoWarehouseError("no lake here", where=str(root),
                               hint="write one with `shoplens lake export --to PATH`, or check the --lake path",
                               zh="这里没有数据湖",
                               zh_hint="先用 `shoplens lake export --to PATH` 导出，或检查 --lake 路径")
    manifest = read_manifest(root)
    if manifest is not None and manifest.schema_version != LATEST:
        newer = manifest.schema_version > LATEST
        raise SchemaError(f"the lake has schema v{manifest.schema_version}, this shoplens v{LATEST}",
                          where=str(root / MANIFEST),
                          hint="upgrade shoplens" if newer else "export the warehouse again with this shoplens",
                          zh=f"数据湖结构版本为 v{manifest.schema_version}，当前 shoplens 为 v{LATEST}",
                          zh_hint="请升级 shoplens" if newer else "请用当前版本的 shoplens 重新导出仓库")
    # a spill folder per process: DuckDB clears files in its temp folder that it did not write
    spill = Path(tempfile.gettempdir()) / f"shoplens-lake-{os.getpid()}"
    con = configured(duckdb.connect(":memory:"), settings, spill)
    try:
        notes = _build(con, root, manifest)
    except BaseException:
        con.close()
        raise
    return con, notes


def _build(con: duckdb.DuckDBPyConnection, root: Path, manifest: Manifest | None) -> list[tuple[str, str]]:
    migrate_to_latest(con)  # every table of the warehouse, empty
    notes: list[tuple[str, str]] = []
    every: list[str] = []
    for table in lake_tables():
        files = lake_files(root, manifest, table.name)
        every += files
        if not files:
            continue
        select = _check_table(con, root, table.name, files, notes)
        con.execute(f"DROP TABLE {quote(table.name)}")
        con.execute(f"CREATE VIEW {quote(table.name)} AS {select}")
    if manifest is not None:
        for name, rel in manifest.system.items():
            if not (root / rel).is_file():
                raise ShoplensError(f"a file of the lake is missing: table {name}", where=_where(root, rel),
                                    hint="export the warehouse again (`shoplens lake export --to PATH`)",
                                    zh=f"数据湖缺少一个文件：表 {name}",
                                    zh_hint="请重新导出仓库（`shoplens lake export --to PATH`）")
            con.execute(f"DELETE FROM {quote(name)}")
            con.execute(f"INSERT INTO {quote(name)} BY NAME SELECT * FROM read_parquet({lit(str(root / rel))})")
    else:  # written by other tools: name the data by its files
        digest = _listing_digest(root, every)
        con.execute("INSERT OR REPLACE INTO _shoplens_meta VALUES ('warehouse_id', ?), ('revision', ?)",
                    ["lake:" + hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16], digest])
        _rollups_if_missing(con, root)
    return notes


def _rollups_if_missing(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """A lake written by other tools has events but no visitor-day rollups: build them in memory once."""
    kinds = {name: kind for name, kind in con.execute(
        "SELECT table_name, table_type FROM information_schema.tables").fetchall()}
    if all(kinds.get(name) == "VIEW" for name in ROLLUPS) or kinds.get("events") != "VIEW":
        return
    for name in ROLLUPS:
        if kinds.get(name) == "VIEW":  # one rollup given, the other not: rebuild both from events
            con.execute(f"DROP VIEW {quote(name)}")
    stores = [s for (s,) in con.execute("SELECT DISTINCT store_id FROM events").fetchall()]
    refresh_user_day(con, stores)
