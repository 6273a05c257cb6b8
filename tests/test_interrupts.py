"""Ctrl-C (SIGINT) and SIGTERM stop any command with one line and exit 130 / 143, data intact (issue #11, item 3).

Real subprocesses and real signals at several points of a large import (200k events): while Python
imports the modules, while the file is read and staged, during the merge, during COMMIT. Before the
fix an interrupted import printed nothing and exited 0 (Typer swallowed the KeyboardInterrupt), the
merge said "internal error: RuntimeError: Query interrupted", an early one broke pandas' import
("partially initialized module 'pandas'") or left a module lock held (the import hung), and SIGTERM
killed the process without a word.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

import shoplens
from signal_runs import run_and_signal, snapshot

ROWS = 200_000
ARGS = ["import", "events", "--store", "big", "--currency", "USD", "--timezone", "UTC"]
NOTHING = "interrupted; nothing was written"
ROLLED_BACK = "interrupted; the import was rolled back"
COMMITTED = "interrupted after the import had been committed; it is complete"
CODE = {signal.SIGINT: 130, signal.SIGTERM: 143}


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("interrupts") / "events.csv"
    kinds = ("page_view", "product_view", "add_to_cart", "purchase")
    with path.open("w", encoding="utf-8") as fh:
        fh.write("event_id,ts,user_id,event,channel\n")
        fh.writelines(f"e{i},2026-10-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z,u{i % 20_000},"
                      f"{kinds[i % 4]},email\n" for i in range(ROWS))
    return path


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with one small store (the state every interrupted import must leave)."""
    folder = tmp_path_factory.mktemp("interrupts_base")
    small = folder / "small.csv"
    small.write_text("event_id,ts,user_id,event,channel\ns1,2026-10-01T10:00:00Z,u1,product_view,email\n"
                     "s2,2026-10-01T10:01:00Z,u1,purchase,email\n", encoding="utf-8")
    path = folder / "base.duckdb"
    with shoplens.connect(str(path)) as wh:
        shoplens.import_files(wh, [small], table="events", store="small", currency="USD", timezone="UTC")
    return path


@pytest.fixture
def db(base_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    shutil.copy(base_db, path)
    return path


def count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute(sql).fetchone()[0])


@pytest.mark.parametrize(("pause", "sig", "delay", "said"), [
    ("start=0", signal.SIGINT, 0.0, NOTHING),  # Python is importing the commands' modules
    ("start=0", signal.SIGTERM, 0.3, NOTHING),
    ("staging", signal.SIGINT, 0.0, ROLLED_BACK),  # reading the CSV into the transaction
    ("staging", signal.SIGTERM, 0.0, ROLLED_BACK),
    ("merge", signal.SIGINT, 0.0, ROLLED_BACK),  # all lines checked, about to merge
    ("merge", signal.SIGTERM, 0.0, ROLLED_BACK),
    ("merge=0", signal.SIGINT, 0.1, ROLLED_BACK),  # inside DuckDB's merge query ("Query interrupted")
], ids=["imports-int", "imports-term", "staging-int", "staging-term", "merge-int", "merge-term", "in-query-int"])
def test_an_interrupted_import_says_so_and_writes_nothing(db: Path, big_csv: Path, pause: str, sig: int,
                                                           delay: float, said: str) -> None:
    before = snapshot(db)
    run = run_and_signal(["--db", str(db), *ARGS, str(big_csv)], pause=pause, sig=sig, delay=delay)
    assert run.lines() == [said], run.stderr
    assert run.code == CODE[sig]
    assert run.stdout == ""
    assert snapshot(db) == before


def test_the_line_under_a_progress_bar_in_chinese(db: Path, big_csv: Path) -> None:
    """With a terminal the import draws its progress bar; after Ctrl-C the only text left is the line."""
    before = snapshot(db)
    run = run_and_signal(["--db", str(db), "--lang", "zh", *ARGS, str(big_csv)], pause="staging",
                         sig=signal.SIGINT, tty=True)
    assert run.lines() == ["已中断；本次导入已回滚，仓库未改变"], run.stderr
    assert run.code == 130
    assert snapshot(db) == before


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["int", "term"])
def test_a_commit_in_progress_is_never_cut(db: Path, big_csv: Path, sig: int) -> None:
    """A signal during COMMIT waits for it: the import is complete, and the line says so (exit 130/143)."""
    run = run_and_signal(["--db", str(db), *ARGS, str(big_csv)], pause="commit=2", sig=sig)
    assert run.lines() == [COMMITTED], run.stderr
    assert run.code == CODE[sig]
    assert count(db, "SELECT count(*) FROM events WHERE store_id = 'big'") == ROWS
    assert count(db, "SELECT count(*) FROM import_manifest WHERE store_id = 'big' AND loaded = 200000") == 1


def test_an_interrupted_demo_build_keeps_the_previous_demo(tmp_path: Path) -> None:
    path = tmp_path / "demo.duckdb"
    with shoplens.connect(str(path)) as wh:
        from shoplens.demo import build_demo

        build_demo(wh, events=2_000, days=30, seed=3)
    before = snapshot(path)
    run = run_and_signal(["--db", str(path), "demo", "--events", "20000", "--days", "40"], pause="demo",
                         sig=signal.SIGINT)
    assert run.lines() == ["interrupted; the demo build was rolled back"], run.stderr
    assert run.code == 130
    assert snapshot(path) == before


CHILD = """
import sys, time
from shoplens.cli import signals

signals.install()
sys.path.insert(0, {folder!r})
print("ready", flush=True)
t0 = time.monotonic()
try:
    {body}
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def child(tmp_path: Path, body: str, extra: str = "") -> list[str]:
    """A Python child with the CLI's handlers, SIGINT'd 0.15 s after it says "ready"; its stdout lines."""
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(folder=str(tmp_path), body=textwrap.indent(body, "    ").strip()) + extra,
                      encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(0.15)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out.split()


def test_an_interrupt_never_breaks_a_module_import_half_way(tmp_path: Path) -> None:
    """The handler waits until the import is done (before: the module was dropped half-initialised, and
    DuckDB's lazy pandas import later failed with "partially initialized module 'pandas'")."""
    (tmp_path / "slow_module.py").write_text("import time\ntime.sleep(1.5)\nCOMPLETE = True\n", encoding="utf-8")
    extra = "import slow_module\nprint('complete' if slow_module.COMPLETE else 'broken')\n"
    assert child(tmp_path, "import slow_module\ntime.sleep(30)", extra) == ["interrupted", "complete"]


def test_pandas_survives_an_interrupt_during_its_import(tmp_path: Path) -> None:
    extra = ("import pandas\nprint('pandas-ok' if pandas.DataFrame({'a': [1]}).shape == (1, 1) "
             "and hasattr(pandas, 'plotting') else 'broken')\n")
    assert child(tmp_path, "import pandas\ntime.sleep(30)", extra) == ["interrupted", "pandas-ok"]


QUERY_CHILD = """
import sys
import shoplens
from shoplens.cli import signals

signals.install()
wh = shoplens.connect(sys.argv[1])
print("ready", flush=True)
try:
    wh.con.execute("SELECT count(*) FROM range(100000000000) t WHERE t.range % 7 = 3").fetchall()
    print("finished")
except Exception as exc:
    print(type(exc).__name__, flush=True)
    signals.exit_if_requested()
"""


def test_duckdb_query_interrupted_is_the_interrupt(tmp_path: Path) -> None:
    """DuckDB turns the KeyboardInterrupt of a running query into RuntimeError('Query interrupted'): the
    CLI reports the interrupt (before: "internal error: RuntimeError: Query interrupted … report it"), and
    the warehouse's connection is interrupted too, so a worker thread stops its task (before: the
    connection's cleanup waited for a 10^11-row scan)."""
    script = tmp_path / "child.py"
    script.write_text(QUERY_CHILD, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / "q.duckdb")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(1)  # the query runs on DuckDB's worker threads; without interrupting them it ran to its end
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert out.strip() in ("RuntimeError", "InterruptException")
    assert (proc.returncode, err.strip()) == (130, NOTHING)


def test_a_second_signal_stops_at_once(tmp_path: Path) -> None:
    """The first Ctrl-C waits for the import of a module (30 s here); the second one does not wait."""
    (tmp_path / "stuck_module.py").write_text("import time\ntime.sleep(30)\n", encoding="utf-8")
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(folder=str(tmp_path), body="import stuck_module"), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert proc.poll() is None  # still importing
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert time.monotonic() - started < 10
    assert (proc.returncode, out, err.strip()) == (130, "", NOTHING)
