"""An import is all or nothing (acceptance point 2): kill -9 at several moments of a large import,
and a fatal error in the second file of an import, leave the warehouse exactly as it was before."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

import shoplens
from shoplens.errors import ShoplensError
from shoplens.ingest import readers
from shoplens.model import TABLES

BIG_ROWS = 1_500_000
SMALL = ("event_id,ts,user_id,event\n"
         "s1,2023-05-01 08:00:00,u1,page_view\n"
         "s2,2023-05-02 09:30:00,u2,add_to_cart\n"
         "s3,2023-05-03 10:45:00,u1,purchase\n")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "shoplens.cli", *args]


def state(db: Path) -> dict[str, list[tuple]]:
    """Every table of the warehouse (canonical and system), in full."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {t.name: con.execute(f'SELECT * FROM "{t.name}" ORDER BY ALL').fetchall() for t in TABLES}
        for name in ("import_manifest", "quarantine"):
            out[name] = con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def write_events_csv(path: Path, rows: int, prefix: str = "b") -> None:
    """Valid events, ts from 2024-01-01 00:00:00 one second apart (written by DuckDB: fast)."""
    con = duckdb.connect()
    try:
        con.execute(f"""COPY (SELECT '{prefix}' || i AS event_id,
                                     TIMESTAMP '2024-01-01' + to_seconds(i) AS ts,
                                     'u' || (i % 50000) AS user_id,
                                     ['page_view', 'product_view', 'add_to_cart'][i % 3 + 1] AS event
                              FROM range({int(rows)}) t(i)) TO '{path}' (HEADER, DELIMITER ',')""")
    finally:
        con.close()


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big_events.csv"
    write_events_csv(path, BIG_ROWS)
    return path


def _after(seconds: float) -> Callable[[subprocess.Popen, Path, Path], bool]:
    start = time.monotonic()

    def ready(proc: subprocess.Popen, db: Path, big: Path) -> bool:
        return time.monotonic() - start >= seconds

    return ready


def _db_grows() -> Callable[[subprocess.Popen, Path, Path], bool]:
    """Fires when the warehouse file grows: the merge is writing the batch's blocks (uncommitted)."""
    size: list[int] = []

    def ready(proc: subprocess.Popen, db: Path, big: Path) -> bool:
        if not size:
            size.append(db.stat().st_size)
        return db.stat().st_size > size[0]

    return ready


def _db_stops_growing(quiet: float = 0.15) -> Callable[[subprocess.Popen, Path, Path], bool]:
    """Fires once the warehouse file has grown and then kept its size for ``quiet`` seconds: the
    batch is written and the import is committing (or, on a fast machine, has committed)."""
    seen: list[int] = []
    grown: list[float] = []

    def ready(proc: subprocess.Popen, db: Path, big: Path) -> bool:
        size = db.stat().st_size
        if not seen:
            seen.append(size)
        if size != seen[-1]:
            seen.append(size)
            grown[:] = [time.monotonic()]
        return bool(grown) and time.monotonic() - grown[0] >= quiet

    return ready


def _kill_when(proc: subprocess.Popen, ready: Callable[[], bool], limit: float = 60) -> bool:
    """SIGKILL the process once ``ready()``; False if it finished (or timed out) first."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail("the import neither finished nor reached the kill point in time")
    return False


def _info(db: Path) -> dict:
    proc = subprocess.run(cli("--db", str(db), "info", "--format", "json"), capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def test_kill_9_during_a_large_import_leaves_the_previous_state(tmp_path: Path, big_csv: Path) -> None:
    db = tmp_path / "w.duckdb"
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    first = subprocess.run(cli("--db", str(db), "import", "events", str(small), "--format", "json", "--store", "w",
                               "--currency", "USD", "--timezone", "UTC"),
                           capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["loaded"] == 3

    kill_points = {  # each makes its trigger when the import starts
        "0.5 s": lambda: _after(0.5),
        "2 s": lambda: _after(2.0),
        "merging": _db_grows,
        "committing": _db_stops_growing,
    }
    killed = []
    complete = False
    for name, make in kill_points.items():
        before = state(db)
        started = time.monotonic()
        ready = make()
        proc = subprocess.Popen(cli("--db", str(db), "import", "events", str(big_csv)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if _kill_when(proc, lambda proc=proc, ready=ready: ready(proc, db, big_csv)):
            killed.append(name)
        else:
            assert proc.returncode == 0, proc.stderr.read() if proc.stderr else name
        info = _info(db)  # opens the database after the kill
        after = state(db)
        print(f"kill point {name}: {'killed' if killed[-1:] == [name] else 'finished'} after "
              f"{time.monotonic() - started:.2f} s, {'previous' if after == before else 'new'} state")
        assert info["tables"]["events"]["rows"] == len(after["events"])
        if after == before:
            continue
        # the only other acceptable outcome: the whole batch committed (the kill came after COMMIT)
        assert not complete, "a second complete import would have loaded nothing new"
        assert len(after["events"]) == len(before["events"]) + BIG_ROWS, name
        new = [r for r in after["import_manifest"] if r not in before["import_manifest"]]
        assert len(new) == 1 and new[0][8] == BIG_ROWS, name  # loaded
        assert info["tables"]["events"]["rows"] == 3 + BIG_ROWS
        complete = True
    # the first two moments are well before the end of a 1.5 M-row import, and so is the merge;
    # "committing" may come after the COMMIT (then the whole batch must be there)
    assert {"0.5 s", "2 s", "merging"} <= set(killed), killed

    info = _info(db)
    events = info["tables"]["events"]
    if not complete:
        assert events == {"rows": 3, "min_ts": "2023-05-01T08:00:00", "max_ts": "2023-05-03T10:45:00"}
        con = duckdb.connect(str(db), read_only=True)
        try:
            assert con.execute('SELECT count(*), sum(loaded), sum("read") FROM import_manifest').fetchone() \
                == (1, 3, 3)
        finally:
            con.close()
    # the warehouse is still writable and consistent
    more = tmp_path / "more.csv"
    more.write_text("event_id,ts,user_id,event\nm1,2023-04-30 23:59:59,u9,search\n")
    proc = subprocess.run(cli("--db", str(db), "import", "events", str(more), "--format", "json"),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["loaded"] == 1
    events = _info(db)["tables"]["events"]
    assert events["rows"] == 4 + (BIG_ROWS if complete else 0)
    assert events["min_ts"] == "2023-04-30T23:59:59"


def _truncated_gzip(path: Path, tmp_path: Path) -> Path:
    """A .gz of valid events cut in half: its first MB reads fine (so planning passes), then it ends."""
    csv_path = tmp_path / "whole.csv"
    write_events_csv(csv_path, 150_000, prefix="t")
    data = gzip.compress(csv_path.read_bytes(), compresslevel=1)
    path.write_bytes(data[: len(data) // 2])
    return path


def test_a_fatal_error_in_the_second_file_leaves_nothing_of_the_first(tmp_path: Path, db_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text(SMALL)
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("event_id,ts,user_id,event\nx1,2022-01-01 00:00:00,u0,page_view\n")
    broken = _truncated_gzip(tmp_path / "second.csv.gz", tmp_path)
    readers.open_source(broken)  # header, encoding and delimiter are readable: the failure comes later

    # a fresh warehouse: not even the store the import would have created is left
    with shoplens.connect(str(db_path)) as wh:
        with pytest.raises(ShoplensError) as info:
            shoplens.import_files(wh, [str(first), str(broken)], table="events", store="new", currency="USD",
                                  timezone="UTC")
        assert "second.csv.gz" in str(info.value) and "truncated" in str(info.value)
        assert wh.con.execute("SELECT count(*) FROM stores").fetchone() == (0,)
        assert wh.con.execute("SELECT count(*) FROM events").fetchone() == (0,)
        # the connection is still usable after the rollback
        shoplens.import_files(wh, [str(earlier)], table="events", store="new", currency="USD", timezone="UTC")
    before = state(db_path)
    assert len(before["events"]) == 1 and len(before["import_manifest"]) == 1

    with shoplens.connect(str(db_path)) as wh, pytest.raises(ShoplensError):
        shoplens.import_files(wh, [str(first), str(broken)], table="events", store="new")
    assert state(db_path) == before

    proc = subprocess.run(cli("--db", str(db_path), "import", "events", str(first), str(broken)),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "second.csv.gz" in lines[0] and "truncated" in lines[0], proc.stderr
    assert state(db_path) == before
    assert before["events"][0][1:3] == ("x1", datetime(2022, 1, 1))
