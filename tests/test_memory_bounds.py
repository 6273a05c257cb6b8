"""Bounded memory (issue #11, Seen 9 and 14): imports, uploads and the demo build stay within a peak RSS
set by the configured DuckDB memory limit, whatever the size of the input; a line that never ends fails
at once with its line number instead of being read into memory.

Each case runs the real CLI (or server) in a child process with a small ``SHOPLENS_MEMORY_LIMIT`` and
reads that process's own peak RSS (``ru_maxrss`` from ``os.wait4``; ``VmHWM`` for the server). The
bound is what the process needs besides the data: the interpreter and its libraries (measured here,
the same way, by a child that imports them), DuckDB at up to twice its limit at peaks (blocks being
evicted to the temp folder while new ones come in, and the allocator's caches: measured 1.3-2x), and
one batch of input or generated rows. Before the fix the import below took 1.6 GB and the demo build
1.2 GB (DuckDB's default limit is 80 % of the RAM, and every batch a transaction registered stayed in
Python memory until COMMIT); the bound does not grow with the input.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import shoplens
from api_server import SECRET, ApiServer
from shoplens.errors import ShoplensError
from shoplens.ingest.lines import MAX_LINE_CHARS
from shoplens.server.accounts import add_user

LIMIT_MB = 160  # SHOPLENS_MEMORY_LIMIT for the children below
DUCKDB_MB = 2 * LIMIT_MB  # DuckDB's resident memory at peaks
BATCHES_MB = 160  # Python's share beyond the interpreter: one batch of lines / generated rows and their copies
IMPORT_ROWS = 1_200_000  # ~60 MB of CSV: before the fix the import alone took ~1 GB


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLENS_")}
    return {**base, "SHOPLENS_MEMORY_LIMIT": f"{LIMIT_MB}MiB", "COLUMNS": "200", **extra}


def run_cli(*args: str, cwd: Path, timeout: float = 300, **extra: str) -> tuple[int, str, float, float]:
    """(exit code, stderr, peak RSS in MB, seconds) of ``python -m shoplens.cli ARGS``."""
    started = time.monotonic()
    err = cwd / "stderr.txt"
    with err.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "shoplens.cli", *args], stdout=subprocess.DEVNULL,
                                stderr=fh, env=env(**extra), cwd=cwd)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"shoplens {' '.join(args)} did not finish in {timeout} s")
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err.read_text(), usage.ru_maxrss / 1024, time.monotonic() - started


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory: pytest.TempPathFactory) -> float:
    """Peak RSS of the interpreter with what an import and a demo build import (no data touched)."""
    tmp = tmp_path_factory.mktemp("baseline")
    code = ("import shoplens.ingest.pipeline, shoplens.demo.build, shoplens.metrics.engine, shoplens.server.app;"
            "import duckdb; duckdb.connect().execute('SELECT 42').fetchall()")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env(), cwd=tmp)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    print(f"interpreter and libraries: {usage.ru_maxrss / 1024:.0f} MB")
    return usage.ru_maxrss / 1024


def write_events(path: Path, rows: int) -> None:
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'e' || i AS event_id, TIMESTAMP '2024-01-01' + to_seconds(i) AS ts,
                                'u' || (i % 70000) AS user_id, ['page_view', 'product_view', 'add_to_cart'][i % 3 + 1]
                                AS event, 'p' || (i % 900) AS product_id, 'email' AS channel, 'mobile' AS device
                         FROM range({rows}) t(i)) TO '{path}' (HEADER, DELIMITER ',')""")
    con.close()


def test_a_big_import_stays_within_the_memory_limit(tmp_path: Path, baseline_mb: float) -> None:
    big = tmp_path / "events.csv"
    write_events(big, IMPORT_ROWS)
    code, err, rss, _ = run_cli("--db", str(tmp_path / "w.duckdb"), "import", "events", str(big), "--store", "web",
                                "--currency", "USD", "--timezone", "UTC", cwd=tmp_path)
    assert code == 0, err
    bound = baseline_mb + DUCKDB_MB + BATCHES_MB
    print(f"import of {IMPORT_ROWS:,} rows: peak RSS {rss:.0f} MB (bound {bound:.0f})")
    assert rss < bound, f"peak RSS {rss:.0f} MB > {bound:.0f} MB (interpreter {baseline_mb:.0f} + 2x limit + batches)"
    with shoplens.connect(str(tmp_path / "w.duckdb"), read_only=True) as wh:
        assert wh.con.execute("SELECT count(*) FROM events").fetchone()[0] == IMPORT_ROWS


def test_no_room_to_spill_fails_clearly_and_writes_nothing(tmp_path: Path) -> None:
    shoplens.connect(str(tmp_path / "w.duckdb")).close()
    big = tmp_path / "events.csv"
    write_events(big, IMPORT_ROWS)
    code, err, _, _ = run_cli("--db", str(tmp_path / "w.duckdb"), "import", "events", str(big), "--store", "web",
                              "--currency", "USD", "--timezone", "UTC", cwd=tmp_path,
                              SHOPLENS_MAX_TEMP_DIRECTORY_SIZE="1MiB")
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"error: {big}: the temp folder ran out of room for what does not fit in 160 MiB")
    assert "max_temp_directory_size" in lines[0] and "nothing was written" in lines[0]
    with shoplens.connect(str(tmp_path / "w.duckdb"), read_only=True) as wh:
        assert wh.con.execute("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM import_manifest)"
                              " + (SELECT count(*) FROM stores)").fetchone()[0] == 0


def test_a_demo_build_stays_within_the_memory_limit(tmp_path: Path, baseline_mb: float) -> None:
    code, err, rss, _ = run_cli("--db", str(tmp_path / "d.duckdb"), "demo", "--events", "2000000", "--format", "json",
                                cwd=tmp_path)
    assert code == 0, err
    bound = baseline_mb + DUCKDB_MB + BATCHES_MB
    print(f"demo build of 2 M events: peak RSS {rss:.0f} MB (bound {bound:.0f})")
    assert rss < bound, f"peak RSS {rss:.0f} MB > {bound:.0f} MB (interpreter {baseline_mb:.0f} + 2x limit + batches)"


def one_line_gzip(path: Path, chars: int, header: str = "") -> Path:
    block = "ab," * (1 << 18)
    with gzip.open(path, "wt", compresslevel=1, newline="") as fh:
        fh.write(header)
        for _ in range(chars // len(block)):
            fh.write(block)
    return path


@pytest.mark.parametrize(("header", "line"), [("", 1), ("event_id,ts,user_id,event\n", 2)])
def test_a_line_that_never_ends_fails_fast_with_its_number(tmp_path: Path, baseline_mb: float, header: str,
                                                           line: int) -> None:
    # 400 M characters in a ~1 MB gzip: reading the line first would take ~1 GB and several seconds
    path = one_line_gzip(tmp_path / "one_line.csv.gz", 400_000_000, header)
    code, err, rss, seconds = run_cli("--db", str(tmp_path / "w.duckdb"), "import", "events", str(path),
                                      "--store", "web", "--currency", "USD", "--timezone", "UTC", cwd=tmp_path)
    lines = [x for x in err.splitlines() if x.strip()]
    print(f"one line: peak RSS {rss:.0f} MB, {seconds:.1f} s")
    assert code == 2 and len(lines) == 1, err
    assert f"{path}:{line}: line {line} is longer than {MAX_LINE_CHARS:,} characters" in lines[0]
    assert "hint:" in lines[0] and "Traceback" not in err
    assert rss < baseline_mb + 100, f"peak RSS {rss:.0f} MB: the line was read into memory"
    assert seconds < 30


def test_a_long_jsonl_line_fails_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"event_id": "e1", "ts": "2024-01-01 00:00:00", "user_id": "u", "event": "page_view"}\n'
                    + '{"event_id": "' + "x" * (MAX_LINE_CHARS + 10) + '"}\n', encoding="utf-8")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh, pytest.raises(ShoplensError) as caught:
        shoplens.import_files(wh, [path], table="events", store="web", currency="USD", timezone="UTC")
    assert caught.value.where == f"{path}:2"


def test_an_unclosed_quote_stops_at_the_cell_limit_with_a_line_number(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    rows = "".join(f"e{i},2024-01-01 00:00:{i % 60:02d},u{i},page_view\n" for i in range(10))
    path.write_text("event_id,ts,user_id,event\n" + rows + 'e10,"2024-01-01\n' + "no closing quote\n" * 20000,
                    encoding="utf-8")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh, pytest.raises(ShoplensError) as caught:
        shoplens.import_files(wh, [path], table="events", store="web", currency="USD", timezone="UTC")
    assert "field larger than field limit" in caught.value.message
    assert caught.value.where and caught.value.where.startswith(f"{path}:")
    assert 12 < int(caught.value.where.rsplit(":", 1)[1]) < 20_012


def test_an_upload_stays_within_the_servers_memory_limit(tmp_path: Path, baseline_mb: float) -> None:
    db = tmp_path / "srv.duckdb"
    with shoplens.connect(str(db)) as wh:
        add_user(wh, "root", "correct-horse-7", "admin", ["*"])
    big = tmp_path / "events.csv.gz"
    plain = tmp_path / "events.csv"
    write_events(plain, IMPORT_ROWS)
    with plain.open("rb") as src, gzip.open(big, "wb", compresslevel=1) as dst:
        dst.write(src.read())
    server = ApiServer(db, env={**env(), "SHOPLENS_SECRET_KEY": SECRET})
    try:
        with server.client("root") as root, big.open("rb") as fh:
            r = root.post("/api/v1/imports", files={"file": ("events.csv.gz", fh, "application/gzip")},
                          data={"table": "events", "store": "web", "timezone": "UTC", "currency": "USD"}, timeout=300)
            assert r.status_code == 200, r.text
        with open(f"/proc/{server.proc.pid}/status") as fh:
            hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    finally:
        server.stop()
    bound = baseline_mb + DUCKDB_MB + BATCHES_MB + 60  # + the server's own threads and the upload's buffers
    print(f"upload of {IMPORT_ROWS:,} rows: server peak RSS {hwm:.0f} MB (bound {bound:.0f})")
    assert hwm < bound, f"server peak RSS {hwm:.0f} MB > {bound:.0f} MB"
