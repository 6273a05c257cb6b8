"""`lake export`: layout, manifest, incremental rewrites, undo, a stopped export, and the folders it refuses.

A hand-made store ("tmall.global-1", UTC): five events, three in January (u1, u2, u1)
and two in February (u3, u3); a second import adds one February event (u4). Every count below is from that list;
files are read back with pyarrow, not with shoplens.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import shoplens
from csv_files import write_csv
from shoplens.errors import ShoplensError
from shoplens.warehouse import lake_export
from shoplens.warehouse.connection import Warehouse
from shoplens.warehouse.lake_layout import partition_dir

STORE = "tmall.global-1"
EVENTS = "event_id,ts,user_id,event"
FIRST = [("e1", "2026-01-05T10:00:00Z", "u1", "page_view"), ("e2", "2026-01-06T09:00:00Z", "u2", "page_view"),
         ("e3", "2026-01-31T23:30:00Z", "u1", "purchase"), ("e4", "2026-02-01T00:10:00Z", "u3", "page_view"),
         ("e5", "2026-02-02T08:00:00Z", "u3", "add_to_cart")]
SECOND = [("e6", "2026-02-03T12:00:00Z", "u4", "page_view")]
JAN = "events/store=tmall.global-1/month=2026-01"
FEB = "events/store=tmall.global-1/month=2026-02"


def _import(db: Path, folder: Path, name: str, rows: list[tuple[str, ...]]) -> None:
    with shoplens.connect(str(db)) as wh:
        shoplens.import_files(wh, [write_csv(folder / name, EVENTS, rows)], table="events", store=STORE,
                              currency="CNY", timezone="UTC")


def _export(db: Path, lake: Path | str) -> lake_export.ExportSummary:
    with shoplens.connect(str(db), read_only=True) as wh:
        return shoplens.export_lake(wh, lake)


def _uv(lake: Path, start: str, end: str) -> int:
    with shoplens.connect(lake=str(lake)) as wh:
        frame = shoplens.metrics(wh, "uv", start=start, end=end)
    return int(frame["uv"].iloc[0])


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, Path]:
    db, lake = tmp_path / "w.duckdb", tmp_path / "lake"
    _import(db, tmp_path, "first.csv", FIRST)
    return db, lake


def _rows_in(folder: Path) -> int:
    return sum(pq.read_table(f).num_rows for f in folder.glob("*.parquet"))


def test_partitions_by_store_and_month_with_a_manifest(store: tuple[Path, Path]) -> None:
    db, lake = store
    summary = _export(db, lake)
    assert (_rows_in(lake / JAN), _rows_in(lake / FEB)) == (3, 2)
    (january,) = (lake / JAN).iterdir()
    assert re.fullmatch(r"part-00001-[0-9a-f]{8}-0\.parquet", january.name)  # export number, partition, file
    assert pq.read_table(january).column("store_id").to_pylist() == [STORE] * 3
    manifest = json.loads((lake / "_shoplens_lake.json").read_text(encoding="utf-8"))
    parts = {(p["store"], p["month"]): p["rows"] for p in manifest["tables"]["events"]}
    assert parts == {(STORE, "2026-01"): 3, (STORE, "2026-02"): 2}
    # dimensions by store only; the store row itself is exported
    assert _rows_in(lake / "stores/store=tmall.global-1") == 1
    assert summary.tables["events"].to_dict() == {"partitions_written": 2, "partitions_kept": 0,
                                                  "partitions_removed": 0, "rows_written": 5, "rows": 5}
    assert (_uv(lake, "2026-01-01", "2026-01-31"), _uv(lake, "2026-02-01", "2026-02-28")) == (2, 1)


def test_an_unchanged_warehouse_rewrites_no_partition(store: tuple[Path, Path]) -> None:
    db, lake = store
    _export(db, lake)
    before = {p: p.stat().st_mtime_ns for p in (lake / "events").rglob("*.parquet")}
    again = _export(db, lake)
    assert all(t.written == 0 and t.removed == 0 for t in again.tables.values())
    assert (again.files_written, again.files_removed) == (0, 0)
    assert {p: p.stat().st_mtime_ns for p in (lake / "events").rglob("*.parquet")} == before


def test_an_import_rewrites_only_the_months_it_touched_and_undo_is_exported(store: tuple[Path, Path],
                                                                            tmp_path: Path) -> None:
    db, lake = store
    _export(db, lake)
    january = sorted((lake / JAN).iterdir())
    _import(db, tmp_path, "second.csv", SECOND)
    summary = _export(db, lake)
    assert summary.tables["events"].to_dict() == {"partitions_written": 1, "partitions_kept": 1,
                                                  "partitions_removed": 0, "rows_written": 3, "rows": 6}
    assert sorted((lake / JAN).iterdir()) == january  # untouched
    assert [p.name[:11] for p in (lake / FEB).iterdir()] == ["part-00002-"]  # the old file is gone
    assert _uv(lake, "2026-02-01", "2026-02-28") == 2  # u3, u4
    with shoplens.connect(str(db)) as wh:
        shoplens.undo_import(wh, 2)
    _export(db, lake)
    assert _rows_in(lake / FEB) == 2 and _uv(lake, "2026-02-01", "2026-02-28") == 1


def test_a_stopped_export_leaves_the_previous_lake(store: tuple[Path, Path], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db, lake = store
    _export(db, lake)
    manifest = (lake / "_shoplens_lake.json").read_text(encoding="utf-8")
    files = sorted(p.relative_to(lake) for p in lake.rglob("*.parquet"))
    _import(db, tmp_path, "second.csv", SECOND)

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(lake_export, "write_manifest", stop)
    with pytest.raises(KeyboardInterrupt):
        _export(db, lake)
    monkeypatch.undo()
    assert (lake / "_shoplens_lake.json").read_text(encoding="utf-8") == manifest
    assert sorted(p.relative_to(lake) for p in lake.rglob("*.parquet")) == files
    assert _uv(lake, "2026-02-01", "2026-02-28") == 1  # the lake as it was before
    _export(db, lake)
    assert _uv(lake, "2026-02-01", "2026-02-28") == 2


def test_a_missing_file_is_reported_then_rewritten_by_the_next_export(store: tuple[Path, Path]) -> None:
    db, lake = store
    _export(db, lake)
    (gone,) = (lake / FEB).iterdir()
    gone.unlink()
    with pytest.raises(ShoplensError, match="a partition of the lake is missing: table events") as err:
        Warehouse(lake=lake, read_only=True)
    assert err.value.where == str(gone)
    summary = _export(db, lake)
    assert summary.tables["events"].written == 1
    assert _uv(lake, "2026-02-01", "2026-02-28") == 1


def test_folders_an_export_refuses(store: tuple[Path, Path], tmp_path: Path) -> None:
    db, lake = store
    _export(db, lake)
    other = tmp_path / "other.duckdb"
    _import(other, tmp_path, "other.csv", SECOND)
    with pytest.raises(ShoplensError, match="exported from another warehouse"):
        _export(other, lake)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ShoplensError, match="not empty and holds no shoplens lake"):
        _export(db, mine)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    with pytest.raises(ShoplensError, match="s3a:// URL is not supported"):
        _export(db, "s3a://bucket/lake")


def test_a_lake_is_read_only(store: tuple[Path, Path]) -> None:
    db, lake = store
    _export(db, lake)
    with pytest.raises(ShoplensError, match="a lake is read-only"):
        Warehouse(lake=lake)
    with pytest.raises(ShoplensError, match="no lake here"):
        Warehouse(lake=lake / "nope", read_only=True)


def test_path_keys_are_percent_encoded() -> None:
    """Store ids of the warehouse are plain ASCII; a lake's other writers may use any text."""
    assert partition_dir("events", "my shop/1", "2026-01") == "events/store=my%20shop%2F1/month=2026-01"
    assert partition_dir("products", "天猫", "") == "products/store=%E5%A4%A9%E7%8C%AB"


def test_a_first_export_stopped_halfway_leaves_a_folder_to_export_into(store: tuple[Path, Path],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db, lake = store
    real, calls = lake_export._export_table, []

    def stop_at_the_third_table(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lake_export, "_export_table", stop_at_the_third_table)
    with pytest.raises(KeyboardInterrupt):
        _export(db, lake)
    monkeypatch.undo()
    assert not [p for p in lake.rglob("*") if p.is_file() and p.name != ".export.lock"]
    _export(db, lake)
    assert _uv(lake, "2026-01-01", "2026-01-31") == 2


def test_no_login_leaves_the_warehouse(store: tuple[Path, Path]) -> None:
    """shoplens's meta table also holds the demo's login record: only the schema and data versions are exported."""
    db, lake = store
    with shoplens.connect(str(db)) as wh:
        wh.con.execute("INSERT OR REPLACE INTO _shoplens_meta VALUES ('demo_login', ?)", ['{"password_hash": "x"}'])
    _export(db, lake)
    (meta,) = (lake / "_system").glob("_shoplens_meta-*.parquet")
    keys = set(pq.read_table(meta).column("key").to_pylist())
    assert keys <= {"schema_version", "skipped_migrations", "warehouse_id", "revision", "last_import_id"}
    assert "warehouse_id" in keys


def test_two_exports_at_once_are_refused(store: tuple[Path, Path]) -> None:
    import fcntl

    db, lake = store
    _export(db, lake)
    with open(lake / ".export.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ShoplensError, match="another export into this lake is running"):
            _export(db, lake)
