"""The lake's layout: which tables it holds, how they are partitioned, and its manifest.

A lake is a folder of Parquet files that Spark, DuckDB or a seller's own tools read::

    PATH/_shoplens_lake.json                         the manifest: which files make up the lake now
    PATH/events/store=tmall/month=2026-05/part-00003-0.parquet
    PATH/products/store=tmall/part-00001-0.parquet   dimensions: by store only
    PATH/_system/import_manifest-00003.parquet       shoplens's own small tables, one file each

Facts are Hive-partitioned by store and the UTC month of their time column; dimensions (stores, customers, products,
sellers) and order lines (no time column of their own) by store only. ``store_id`` stays inside every file too: the
path keys (``store=``, ``month=``) are for pruning and for people, a reader never needs them. Store ids are
percent-encoded in paths (``store=my%20shop``); a row without a time goes to ``month=__HIVE_DEFAULT_PARTITION__``,
the name Hive and Spark use.

The manifest is the commit point of an export: files it does not list are not part of the lake (an interrupted export
leaves only unlisted files, removed by the next one). A lake written by other tools may have no manifest: then every
``*.parquet`` under a table's folder is read.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from shoplens.errors import ShoplensError
from shoplens.model import TABLES, Table
from shoplens.warehouse.rollups import ROLLUPS

MANIFEST = "_shoplens_lake.json"
SYSTEM_DIR = "_system"
LAKE_FORMAT = 1
NULL_MONTH = "__HIVE_DEFAULT_PARTITION__"
DIMENSIONS = ("stores", "customers", "products", "sellers")
# shoplens's own tables that analyses read (saved segments, the action log, alert history, import history);
# logins, API tokens and collector keys are secrets and never leave the warehouse
SYSTEM_TABLES = ("_shoplens_meta", "import_manifest", "quarantine", "segments", "actions", "alerts", "alert_events")


@dataclass(frozen=True)
class LakeTable:
    """One partitioned table of the lake: its name, the column its month comes from (None: by store only)."""

    name: str
    month_of: str | None

    def month_sql(self, alias: str = "") -> str:
        """The partition month of a row, as the export computes it (UTC, ``YYYY-MM``)."""
        if self.month_of is None:
            return "''"
        col = f'{alias}"{self.month_of}"'
        return f"coalesce(strftime({col}, '%Y-%m'), '{NULL_MONTH}')"


def lake_tables() -> tuple[LakeTable, ...]:
    """Every canonical table, then the two visitor-day rollups (exported so a lake reader need not rebuild them)."""
    canonical = tuple(LakeTable(t.name, None if t.name in DIMENSIONS else t.time_column) for t in TABLES)
    return canonical + tuple(LakeTable(name, "day") for name in ROLLUPS)


def canonical(name: str) -> Table | None:
    return next((t for t in TABLES if t.name == name), None)


def partition_dir(table: str, store: str, month: str) -> str:
    """The partition's folder, relative to the lake: ``events/store=tmall/month=2026-05``."""
    parts = [table, "store=" + quote(store, safe="")]
    if month:
        parts.append("month=" + month)
    return "/".join(parts)


@dataclass
class Partition:
    """One (store, month) of a table as exported: its files (relative to the lake), rows and fingerprint."""

    store: str
    month: str
    files: list[str]
    rows: int
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store, "month": self.month, "files": self.files, "rows": self.rows,
                "fingerprint": self.fingerprint}


@dataclass
class Manifest:
    """What the lake holds now. ``exports`` counts the exports into it (file names carry the number)."""

    warehouse_id: str
    schema_version: int
    exports: int = 0
    last_import_id: int = 0
    revision: str = ""
    exported_at: str = ""
    tables: dict[str, list[Partition]] = field(default_factory=dict)
    system: dict[str, str] = field(default_factory=dict)  # table → its one file
    system_fingerprints: dict[str, str] = field(default_factory=dict)

    def files(self) -> set[str]:
        """Every file the lake is made of, relative to it."""
        listed = {f for parts in self.tables.values() for p in parts for f in p.files}
        return listed | set(self.system.values())

    def to_dict(self) -> dict[str, Any]:
        return {"format": LAKE_FORMAT, "warehouse_id": self.warehouse_id, "schema_version": self.schema_version,
                "exports": self.exports, "last_import_id": self.last_import_id, "revision": self.revision,
                "exported_at": self.exported_at,
                "tables": {name: [p.to_dict() for p in parts] for name, parts in self.tables.items()},
                "system": self.system, "system_fingerprints": self.system_fingerprints}


def lake_root(location: str | os.PathLike[str]) -> Path:
    """The lake's folder. Object-store URLs are refused with a way forward (this version writes folders)."""
    text = str(location)
    if "://" in text and not text.startswith("file://"):
        scheme = text.split("://", 1)[0]
        raise ShoplensError(f"a lake at a {scheme}:// URL is not supported by this version", where=text,
                            hint="export to a local or mounted folder, then copy it (e.g. `aws s3 sync PATH "
                            "s3://bucket/lake`); Spark reads that copy",
                            zh=f"当前版本不支持 {scheme}:// 地址的数据湖",
                            zh_hint="先导出到本地或挂载的文件夹，再复制过去（如 `aws s3 sync PATH s3://bucket/lake`），"
                            "Spark 读取那份副本")
    return Path(text.removeprefix("file://"))


def read_manifest(root: Path) -> Manifest | None:
    """The lake's manifest, None when there is none (a new folder, or a lake written by other tools)."""
    path = root / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != LAKE_FORMAT:
            raise ValueError(f"format {data.get('format')!r}, this shoplens reads format {LAKE_FORMAT}")
        tables = {name: [Partition(p["store"], p["month"], list(p["files"]), int(p["rows"]), str(p["fingerprint"]))
                         for p in parts] for name, parts in data["tables"].items()}
        return Manifest(str(data["warehouse_id"]), int(data["schema_version"]), int(data["exports"]),
                        int(data["last_import_id"]), str(data.get("revision") or ""), str(data.get("exported_at", "")),
                        tables, {str(k): str(v) for k, v in data.get("system", {}).items()},
                        {str(k): str(v) for k, v in data.get("system_fingerprints", {}).items()})
    except (ValueError, KeyError, TypeError) as exc:
        raise ShoplensError(f"the lake's manifest cannot be read: {exc}", where=str(path),
                            hint="export the warehouse again into a new folder (`shoplens lake export --to NEW`)",
                            zh=f"无法读取数据湖的清单：{exc}",
                            zh_hint="把仓库重新导出到一个新文件夹（`shoplens lake export --to 新路径`）") from exc


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Replace the manifest in one step (write aside, flush, rename): the commit point of an export."""
    path = root / MANIFEST
    scratch = root / (MANIFEST + ".writing")
    with open(scratch, "w", encoding="utf-8") as out:
        json.dump(manifest.to_dict(), out, ensure_ascii=False, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(scratch, path)
