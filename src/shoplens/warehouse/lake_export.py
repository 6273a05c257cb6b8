"""``shoplens lake export``: the warehouse as a lake of Parquet files, written incrementally.

Each partition (table × store × month, see :mod:`shoplens.warehouse.lake_layout`) has a fingerprint: its row count
and the XOR of its rows' hashes. An export rewrites only the partitions whose fingerprint changed since the last
export (imports, undos, store renames all change it), drops the ones that vanished, and keeps the rest untouched, so
a daily export after a daily import rewrites about one month per table. Fingerprints cost one scan per table inside
DuckDB (~0.1 s per 2 M events).

Nothing half-done is ever part of the lake: new files are written under new names (the export's number), then the
manifest is replaced in one rename, and only then are the files it no longer lists deleted. An export that stops
early leaves the previous lake as it was, plus unlisted files that the next export removes.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shoplens.errors import ShoplensError
from shoplens.warehouse.ddl import quote
from shoplens.warehouse.lake_layout import (
    MANIFEST,
    SYSTEM_DIR,
    SYSTEM_TABLES,
    LakeTable,
    Manifest,
    Partition,
    lake_root,
    lake_tables,
    partition_dir,
    read_manifest,
    write_manifest,
)
from shoplens.warehouse.migrations import LATEST
from shoplens.warehouse.scope import lit

STAGING_PREFIX = "_staging-"
LOCK = ".export.lock"  # flock'ed while an export runs: two at once would take the same file names
OWN_FILE = re.compile(r"part-\d{5}-[0-9a-f]{8}-\d+\.parquet")  # what cleanup may delete in a table's folders
SYSTEM_FILE = re.compile(r"_?[a-z_]+-\d{5}\.parquet")
# shoplens's meta table holds more than the schema version and the warehouse id (the demo's login record): only these
META_KEYS = ("schema_version", "skipped_migrations", "warehouse_id", "revision", "last_import_id")
SYSTEM_ROWS = {"_shoplens_meta": "SELECT * FROM _shoplens_meta WHERE key IN ("
               + ", ".join(f"'{k}'" for k in META_KEYS) + ")"}


@dataclass
class TableExport:
    """What one export did to one table."""

    written: int = 0  # partitions (re)written
    kept: int = 0  # partitions unchanged since the last export
    removed: int = 0  # partitions gone from the warehouse
    rows_written: int = 0
    rows: int = 0  # rows in the lake's table after the export

    def to_dict(self) -> dict[str, int]:
        return {"partitions_written": self.written, "partitions_kept": self.kept,
                "partitions_removed": self.removed, "rows_written": self.rows_written, "rows": self.rows}


@dataclass
class ExportSummary:
    lake: str
    export: int
    seconds: float = 0.0
    files_written: int = 0
    files_removed: int = 0
    tables: dict[str, TableExport] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"lake": self.lake, "export": self.export, "seconds": round(self.seconds, 2),
                "files_written": self.files_written, "files_removed": self.files_removed,
                "tables": {name: t.to_dict() for name, t in self.tables.items()}}


def _meta(con: Any, key: str) -> str:
    row = con.execute("SELECT value FROM _shoplens_meta WHERE key = ?", [key]).fetchone()
    return str(row[0]) if row and row[0] is not None else ""


def _fingerprints(con: Any, table: LakeTable) -> dict[tuple[str, str], tuple[int, str]]:
    """(store, month) → (rows, fingerprint) of a warehouse table."""
    rows = con.execute(f"SELECT x.store_id, {table.month_sql('x.')} AS month, count(*), bit_xor(hash(x))"
                       f" FROM {quote(table.name)} x WHERE x.store_id IS NOT NULL GROUP BY ALL").fetchall()
    return {(store, month): (int(n), f"{int(n)}:{h}") for store, month, n, h in rows}


def _check_target(root: Path, old: Manifest | None, warehouse_id: str) -> None:
    if old is not None and old.warehouse_id != warehouse_id:
        raise ShoplensError("this lake was exported from another warehouse", where=str(root / MANIFEST),
                            hint="export into a new folder, or delete this one first",
                            zh="该数据湖导出自另一个仓库", zh_hint="请导出到新的文件夹，或先删除该文件夹")
    if old is None and root.exists() and any(p.is_file() and p.name != LOCK for p in root.rglob("*")
                                             if STAGING_PREFIX not in p.as_posix()):
        raise ShoplensError("the folder is not empty and holds no shoplens lake", where=str(root),
                            hint="export into a new or empty folder (nothing of yours is overwritten)",
                            zh="该文件夹非空，且不是 shoplens 数据湖",
                            zh_hint="请导出到新的或空的文件夹（不会覆盖已有文件）")


def export_lake(wh: Any, location: str | Path) -> ExportSummary:
    """Write what changed in the warehouse since the last export into the lake at ``location``."""
    root = lake_root(location)
    _check_target(root, read_manifest(root), _meta(wh.con, "warehouse_id"))  # before anything is created
    root.mkdir(parents=True, exist_ok=True)
    view = wh.cursor()  # temp tables of its own
    try:
        with open(root / LOCK, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                raise ShoplensError("another export into this lake is running", where=str(root),
                                    hint="wait for it to finish, then run this again",
                                    zh="另一个导出正在写入该数据湖", zh_hint="等它完成后再运行") from exc
            return _export(view.con, root)
    finally:
        view.close()


def _export(con: Any, root: Path) -> ExportSummary:
    started = time.monotonic()
    warehouse_id = _meta(con, "warehouse_id")
    old = read_manifest(root)  # again, under the lock
    _check_target(root, old, warehouse_id)
    number = (old.exports if old else 0) + 1
    summary = ExportSummary(str(root), number)
    last_import = con.execute("SELECT coalesce(max(import_id), 0) FROM import_manifest").fetchone()
    new = Manifest(warehouse_id, LATEST, number, int(last_import[0]) if last_import else 0,
                   _meta(con, "revision"), datetime.now(UTC).isoformat(timespec="seconds"))
    same_schema = old is not None and old.schema_version == LATEST
    staging = root / f"{STAGING_PREFIX}{number:05d}-{uuid.uuid4().hex[:8]}"
    written: list[Path] = []
    committed = False
    try:
        for table in lake_tables():
            before = {(p.store, p.month): p for p in old.tables.get(table.name, [])} if old and same_schema else {}
            new.tables[table.name], summary.tables[table.name] = _export_table(
                con, root, staging, table, before, number, written)
        for name in SYSTEM_TABLES:
            rows = SYSTEM_ROWS.get(name, "SELECT * FROM " + quote(name))
            fingerprint = str(con.execute(f"SELECT count(*) || ':' || coalesce(bit_xor(hash(x)), 0)"
                                          f" FROM ({rows}) x").fetchone()[0])  # type: ignore[index]
            rel = old.system.get(name, "") if old and same_schema else ""
            if not rel or old is None or old.system_fingerprints.get(name) != fingerprint \
                    or not (root / rel).is_file():
                rel = f"{SYSTEM_DIR}/{name}-{number:05d}.parquet"
                (root / SYSTEM_DIR).mkdir(exist_ok=True)
                con.execute(f"COPY ({rows}) TO {lit(str(root / rel))} (FORMAT parquet)")
                written.append(root / rel)
            new.system[name], new.system_fingerprints[name] = rel, fingerprint
        _flush(written)
        write_manifest(root, new)
        committed = True
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        now = _read_quietly(root)
        if not committed and (now is None or now.exports != number):  # the previous lake stays as it was
            for path in written:
                path.unlink(missing_ok=True)
            _remove_empty_folders(root)
        raise
    summary.files_written = len(written)
    summary.files_removed = _remove_unlisted(root, new)
    summary.seconds = time.monotonic() - started
    return summary


def _export_table(con: Any, root: Path, staging: Path, table: LakeTable, before: dict[tuple[str, str], Partition],
                  number: int, written: list[Path]) -> tuple[list[Partition], TableExport]:
    """The table's partitions after this export; changed ones are written to ``written`` (moved into place)."""
    now = _fingerprints(con, table)
    done = TableExport(removed=sum(1 for key in before if key not in now))
    kept: list[Partition] = []
    changed: list[tuple[str, str]] = []
    for key, (_rows, fingerprint) in now.items():
        old = before.get(key)
        if old is not None and old.fingerprint == fingerprint and all((root / f).is_file() for f in old.files):
            kept.append(old)
        else:
            changed.append(key)
    done.kept = len(kept)
    fresh: list[Partition] = []
    if changed:
        con.execute("CREATE OR REPLACE TEMP TABLE _lake_parts (store_id VARCHAR, month VARCHAR, part_no INTEGER)")
        con.executemany("INSERT INTO _lake_parts VALUES (?, ?, ?)",
                        [(store, month, i) for i, (store, month) in enumerate(changed)])
        out = staging / table.name
        out.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY (SELECT x.*, p.part_no FROM {quote(table.name)} x JOIN _lake_parts p"
                    f" ON p.store_id = x.store_id AND p.month = {table.month_sql('x.')})"
                    f" TO {lit(str(out))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (part_no),"
                    " OVERWRITE_OR_IGNORE)")
        for i, (store, month) in enumerate(changed):
            target = partition_dir(table.name, store, month)
            (root / target).mkdir(parents=True, exist_ok=True)
            files = []
            tag = hashlib.sha1(f"{store}\0{month}".encode()).hexdigest()[:8]  # two stores one folder apart by case
            for j, staged in enumerate(sorted((out / f"part_no={i}").glob("*.parquet"))):
                rel = f"{target}/part-{number:05d}-{tag}-{j}.parquet"
                staged.replace(root / rel)
                written.append(root / rel)
                files.append(rel)
            rows, fingerprint = now[(store, month)]
            fresh.append(Partition(store, month, files, rows, fingerprint))
            done.rows_written += rows
        shutil.rmtree(out, ignore_errors=True)
    done.written = len(fresh)
    partitions = sorted(kept + fresh, key=lambda p: (p.store, p.month))
    done.rows = sum(p.rows for p in partitions)
    return partitions, done


def _remove_unlisted(root: Path, manifest: Manifest) -> int:
    """Delete the files the manifest no longer lists (earlier versions, leftovers of a stopped export) and
    empty partition folders; only in shoplens's own folders, only its own file names."""
    listed = manifest.files()
    removed = 0
    folders = [root / t.name for t in lake_tables()] + [root / SYSTEM_DIR]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*.parquet"):
            rel = path.relative_to(root).as_posix()
            own = OWN_FILE.fullmatch(path.name) or (folder.name == SYSTEM_DIR and SYSTEM_FILE.fullmatch(path.name))
            if own and rel not in listed:
                path.unlink()
                removed += 1
    _remove_empty_folders(root)
    for stale in root.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    return removed


def _remove_empty_folders(root: Path) -> None:
    """Partition folders left empty (by a removed partition, or a stopped first export)."""
    for folder in [root / t.name for t in lake_tables()] + [root / SYSTEM_DIR]:
        if not folder.is_dir():
            continue
        for sub in [*sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)), folder]:
            if not any(sub.iterdir()):
                sub.rmdir()


def _flush(paths: list[Path]) -> None:
    """The new files on disk before the manifest names them (a power cut must not leave it listing torn files)."""
    for path in paths:
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())


def _read_quietly(root: Path) -> Manifest | None:
    try:
        return read_manifest(root)
    except ShoplensError:
        return None
