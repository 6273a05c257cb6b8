"""A full disk is one clear line (what, where, hint), exit 6, warehouse unchanged (issue #11, item 16).

Before: "error: internal error: IOException: IO Error: Could not write file "…/w.duckdb": No space left
on device (hint: run again with --debug and report it)". The real tests run the CLI on a small tmpfs
mounted in a private mount namespace (``unshare --user --map-root-user --mount``: no root needed, and
the mount disappears with the process); they skip where the system allows no such namespace.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

import shoplens
from shoplens.disk import DiskFullError, disk_full_error
from shoplens.errors import ShoplensError
from signal_runs import shoplens_command, snapshot

KEPT = "; the warehouse keeps its earlier state"


# ------------------------------------------------------------------ the mapping, on real exception types


def duckdb_io_error(path: str) -> duckdb.Error:
    return duckdb.IOException(f'IO Error: Could not write file "{path}": No space left on device')


def test_the_warehouse_file_or_its_wal() -> None:
    for path in ("/data/shop.duckdb", "/data/shop.duckdb.wal"):
        err = disk_full_error(duckdb_io_error(path), kept=True)
        assert isinstance(err, DiskFullError) and err.exit_code == 6
        assert str(err) == (f"{path}: the disk is full: the warehouse could not be written (hint: free space on "
                            f"that disk (or use --db on a disk with room) and run it again{KEPT})")
        assert err.render("zh") == (f"{path}: 磁盘已满：无法写入仓库（提示：请清理该磁盘空间"
                                    "（或用 --db 指向有空间的磁盘）后重试；仓库保持原来的状态）")


def test_the_temp_folder() -> None:
    spill = "/data/shop.duckdb.tmp/duckdb_temp_storage_S32K-0.tmp"
    err = disk_full_error(duckdb_io_error(spill), kept=True)
    assert err is not None and err.where == "/data/shop.duckdb.tmp"
    assert err.message.startswith("no room left for temporary files") and "temp_directory" in (err.hint or "")
    offload = duckdb.OutOfMemoryException(
        "Out of Memory Error: failed to offload data block of size 256.0 KiB (2.5 MiB/2.6 MiB used).\n"
        "This limit was set by the 'max_temp_directory_size' setting.")
    assert disk_full_error(offload, kept=True, temp_cap_set=False).message == err.message


def test_a_temp_cap_the_operator_chose_is_a_limit_not_a_full_disk() -> None:
    """Reaching max_temp_directory_size set in the config names that setting (exit 2), and the same
    line comes whether DuckDB's error arrives raw or already explained by the import."""
    from shoplens.config import WarehouseSettings
    from shoplens.warehouse.memory import out_of_memory

    offload = duckdb.OutOfMemoryException(
        "Out of Memory Error: failed to offload data block of size 256.0 KiB (800.0 KiB/1.0 MiB used).\n"
        "This limit was set by the 'max_temp_directory_size' setting.")
    assert disk_full_error(offload, kept=True, temp_cap_set=True) is None
    capped = out_of_memory(offload, WarehouseSettings(memory_limit=2**27, max_temp_directory_size=2**20), "f.csv")
    assert not isinstance(capped, DiskFullError) and capped.exit_code == 2
    assert capped.message.startswith("the temp folder ran out of room for what does not fit in 128 MiB")
    try:
        raise capped from None
    except Exception as explained:  # the CLI's view: what it would report
        assert disk_full_error(explained, kept=True, temp_cap_set=False) is None
    uncapped = out_of_memory(offload, WarehouseSettings(memory_limit=2**27), "f.csv")
    assert isinstance(uncapped, DiskFullError) and uncapped.exit_code == 6


def test_a_python_write_and_a_wrapped_cause() -> None:
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/exports/rfm.csv")
    err = disk_full_error(full, kept=False)
    assert str(err) == ("/exports/rfm.csv: the disk is full: a file could not be written (hint: free space on that "
                        "disk, or write to another one, and run it again)")
    try:
        try:
            raise duckdb_io_error("/data/new.duckdb")
        except duckdb.Error as cause:
            raise ShoplensError("cannot open the warehouse: IO Error") from cause
    except ShoplensError as wrapped:
        assert disk_full_error(wrapped, kept=True).where == "/data/new.duckdb"
    assert disk_full_error(OSError(errno.EACCES, "Permission denied", "/x")) is None
    assert disk_full_error(duckdb.IOException('IO Error: Could not read file "/x"')) is None


# ------------------------------------------------------------------ for real, on a small filesystem

SCRIPT = r"""
set -e
mount -t tmpfs -o size="$SIZE" tmpfs "$MNT"
if [ -n "$BASE" ]; then cp "$BASE" "$MNT/w.duckdb"; fi
if [ -n "$FILL" ]; then cat /dev/zero > "$MNT/fill" 2>/dev/null || true; fi
set +e
"$@"
echo $? > "$OUT/rc"
cp "$MNT"/w.duckdb* "$OUT/" 2>/dev/null
exit 0
"""


def small_disk(tmp_path: Path, size: str, args: list[str], *, base: Path | None = None,
               fill: bool = False) -> tuple[int, str, Path]:
    """``shoplens ARGS`` with ``MNT`` (= ``tmp_path/mnt``, a fresh tmpfs of ``size``) holding ``w.duckdb`` (a
    copy of ``base``); returns the exit code, stderr and the folder the warehouse was copied back to."""
    mnt, out = tmp_path / "mnt", tmp_path / "after"
    mnt.mkdir(exist_ok=True)
    out.mkdir(exist_ok=True)
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) to make a small filesystem")
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            f"mount -t tmpfs -o size=1m tmpfs {mnt}"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {probe.stderr.strip()}")
    env = {**os.environ, "SIZE": size, "MNT": str(mnt), "OUT": str(out), "BASE": str(base or ""),
           "FILL": "1" if fill else "", "COLUMNS": "200", "SHOPLENS_LANG": "en"}
    command = [part.replace("MNT", str(mnt)) for part in args]
    run = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", SCRIPT, "sh",
                          *shoplens_command(), *command], capture_output=True, text=True, env=env, timeout=600)
    assert (out / "rc").exists(), run.stderr
    return int((out / "rc").read_text()), run.stderr, out


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small warehouse (one store, two events) to put on the small disk."""
    folder = tmp_path_factory.mktemp("disk_base")
    csv = folder / "small.csv"
    csv.write_text("event_id,ts,user_id,event\ns1,2026-10-01T10:00:00Z,u1,product_view\n"
                   "s2,2026-10-01T10:01:00Z,u1,purchase\n", encoding="utf-8")
    path = folder / "base.duckdb"
    with shoplens.connect(str(path)) as wh:
        shoplens.import_files(wh, [csv], table="events", store="small", currency="USD", timezone="UTC")
    return path


@pytest.fixture(scope="module")
def events_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("disk_csv") / "events.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("event_id,ts,user_id,event,channel\n")
        fh.writelines(f"e{i},2026-10-{1 + i % 28:02d}T{i % 24:02d}:00:00Z,u{i % 9_000},page_view,email\n"
                      for i in range(150_000))
    return path


def test_an_import_onto_a_full_disk(tmp_path: Path, base: Path, events_csv: Path) -> None:
    code, err, after = small_disk(tmp_path, "4m", ["--db", "MNT/w.duckdb", "import", "events", str(events_csv),
                                                   "--store", "big", "--currency", "USD", "--timezone", "UTC"],
                                  base=base)
    where = tmp_path / "mnt" / "w.duckdb"
    assert code == 6
    assert err.strip().splitlines() == [
        f"error: {where}: the disk is full: the warehouse could not be written (hint: free space on that disk (or use "
        f"--db on a disk with room) and run it again{KEPT})"]
    assert snapshot(after / "w.duckdb") == snapshot(base)


def test_a_demo_onto_a_full_disk(tmp_path: Path, base: Path) -> None:
    code, err, after = small_disk(tmp_path, "4m", ["--db", "MNT/w.duckdb", "--lang", "zh", "demo", "--events",
                                                   "150000", "--days", "40", "--force"], base=base)
    assert code == 6
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "磁盘已满：无法写入仓库" in lines[0] and "仓库保持原来的状态" in lines[0], err
    assert snapshot(after / "w.duckdb") == snapshot(base)


def test_an_export_onto_a_full_disk(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    with shoplens.connect(str(db)) as wh:
        from shoplens.demo import build_demo

        build_demo(wh, events=2_000, days=30, seed=1)
    code, err, _ = small_disk(tmp_path, "1m", ["--db", str(db), "rfm", "--store", "demo", "--export", "MNT/rfm.csv"],
                              fill=True)
    assert code == 6
    assert err.strip().splitlines() == [  # a failed write() does not name its file: no "where" then
        f"error: the disk is full: a file could not be written (hint: free space on that disk, or write to another "
        f"one, and run it again{KEPT})"], err



def test_a_new_warehouse_on_a_full_disk(tmp_path: Path, base: Path) -> None:
    """Opening fails before any import: DuckDB's error comes wrapped in "cannot open the warehouse"."""
    csv = tmp_path / "small.csv"
    csv.write_text("event_id,ts,user_id,event\nn1,2026-10-01T10:00:00Z,u1,product_view\n", encoding="utf-8")
    code, err, _ = small_disk(tmp_path, "1m", ["--db", "MNT/new.duckdb", "import", "events", str(csv), "--store",
                                               "x", "--currency", "USD", "--timezone", "UTC"], fill=True)
    assert code == 6
    assert err.strip().splitlines() == [
        f"error: {tmp_path / 'mnt' / 'new.duckdb'}: the disk is full: the warehouse could not be written (hint: free "
        f"space on that disk (or use --db on a disk with room) and run it again{KEPT})"], err
