"""The warehouse file (acceptance point 3): schema version, forward migrations, refusing a newer
schema, the NoWarehouse message, and one writer at a time across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import shoplens
from shoplens.errors import DatabaseLockedError, NoWarehouseError, SchemaError
from shoplens.model import TABLES
from shoplens.warehouse import migrations
from shoplens.warehouse.connection import Warehouse
from shoplens.warehouse.migrations import LATEST, MIGRATIONS, current_version, migrate_to_latest

NEXT = LATEST + 1

EVENTS = "event_id,ts,user_id,event\ne1,2024-03-01 10:00:00,u1,page_view\ne2,2024-03-01 11:00:00,u2,search\n"


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def dump(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {t.name: con.execute(f'SELECT * FROM "{t.name}" ORDER BY ALL').fetchall() for t in TABLES}
        for name in ("import_manifest", "quarantine", "_shoplens_meta"):
            out[name] = con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def test_schema_version_is_stored(db_path: Path) -> None:
    with shoplens.connect(str(db_path)) as wh:
        assert wh.con.execute("SELECT value FROM _shoplens_meta WHERE key = 'schema_version'").fetchall() \
            == [(str(MIGRATIONS[-1][0]),)]  # the last one's number (the gap 15 is filled later: test_collector)
        tables = {r[0] for r in wh.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {t.name for t in TABLES} | {"import_manifest", "quarantine", "_shoplens_meta"} <= tables
    # every column of the model exists with its SQL type
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        for table in TABLES:
            cols = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_name = ?", [table.name]).fetchall())
            assert cols == {c.name: c.sql_type for c in table.all_columns}, table.name
    finally:
        con.close()


def test_migrations_are_applied_forward_once(db_path: Path) -> None:
    calls: list[int] = []

    def add_note(con: duckdb.DuckDBPyConnection) -> None:
        calls.append(NEXT)
        con.execute("ALTER TABLE orders ADD COLUMN note VARCHAR")

    def broken(con: duckdb.DuckDBPyConnection) -> None:
        calls.append(NEXT + 1)
        con.execute("ALTER TABLE orders ADD COLUMN half_done VARCHAR")
        raise RuntimeError("migration failed")

    two = [*MIGRATIONS, (NEXT, "orders.note", add_note)]
    with shoplens.connect(str(db_path)) as wh:  # a current warehouse with data in it
        wh.con.execute("INSERT INTO orders (store_id, order_id) VALUES ('s', 'o1')")
    con = duckdb.connect(str(db_path))
    try:
        assert current_version(con) == LATEST
        assert migrate_to_latest(con, migrations=two) == NEXT
        assert migrate_to_latest(con, migrations=two) == NEXT  # nothing left to do
        assert calls == [NEXT]
        assert current_version(con) == NEXT
        assert con.execute("SELECT order_id, note FROM orders").fetchall() == [("o1", None)]

        with pytest.raises(RuntimeError):
            migrate_to_latest(con, migrations=[*two, (NEXT + 1, "broken", broken)])
        assert calls == [NEXT, NEXT + 1]
        assert current_version(con) == NEXT  # the failed migration is rolled back entirely
        names = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                           "WHERE table_name = 'orders'").fetchall()}
        assert "note" in names and "half_done" not in names
    finally:
        con.close()

    # a fresh database runs every migration in order
    fresh = db_path.with_name("fresh.duckdb")
    con = duckdb.connect(str(fresh))
    try:
        assert current_version(con) == 0
        assert migrate_to_latest(con, migrations=two) == NEXT
        assert calls == [NEXT, NEXT + 1, NEXT]
        assert con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' "
                           "AND column_name = 'note'").fetchone() == (1,)
    finally:
        con.close()


def test_a_newer_warehouse_is_refused(tmp_path: Path, db_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text(EVENTS)
    with shoplens.connect(str(db_path)) as wh:
        shoplens.import_files(wh, [str(events)], table="events", store="s", currency="USD", timezone="UTC")
        newer = migrations.LATEST + 1
        wh.con.execute("UPDATE _shoplens_meta SET value = ? WHERE key = 'schema_version'", [str(newer)])
    before = dump(db_path)
    for read_only in (False, True):
        with pytest.raises(SchemaError) as info:
            shoplens.connect(str(db_path), read_only=read_only)
        assert f"v{newer}" in str(info.value) and "newer" in str(info.value)
        assert "upgrade shoplens" in str(info.value)
    one_line_error(cli("--db", str(db_path), "info"), "newer", "upgrade shoplens")
    one_line_error(cli("--db", str(db_path), "import", "events", str(events)), "newer")
    one_line_error(cli("--db", str(db_path), "migrate"), "newer")
    assert dump(db_path) == before


def test_read_only_commands_on_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.duckdb"
    with pytest.raises(NoWarehouseError) as info:
        shoplens.connect(str(missing), read_only=True)
    assert "no warehouse here yet" in str(info.value) and str(missing) in str(info.value)
    for args in (["info"], ["info", "--format", "json"], ["quarantine", "list"],
                 ["quarantine", "export", str(tmp_path / "out.csv")]):
        one_line_error(cli("--db", str(missing), *args), "no warehouse here yet", "shoplens import")
    assert not missing.exists()
    assert not (tmp_path / "out.csv").exists()
    # the default location comes from $SHOPLENS_DB
    one_line_error(cli("info", env={"SHOPLENS_DB": str(missing)}), str(missing))
    assert not missing.exists()


HOLDER = """
import sys, time
import shoplens
wh = shoplens.connect(sys.argv[1])
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
wh.close()
"""


def _hold(db: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_a_second_writer_fails_fast_or_queues(tmp_path: Path, db_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text(EVENTS)
    more = tmp_path / "more.csv"
    more.write_text("event_id,ts,user_id,event\ne3,2024-03-02 10:00:00,u3,purchase\n")
    with shoplens.connect(str(db_path)) as wh:
        shoplens.import_files(wh, [str(events)], table="events", store="s", currency="USD", timezone="UTC")
    before = dump(db_path)

    holder = _hold(db_path, 30)
    try:
        started = time.monotonic()
        proc = cli("--db", str(db_path), "import", "events", str(more), env={"SHOPLENS_LOCK_WAIT": "1"})
        line = one_line_error(proc, "another", f"process {holder.pid}", "SHOPLENS_LOCK_WAIT")
        assert proc.returncode == DatabaseLockedError.exit_code
        assert str(db_path) in line
        assert time.monotonic() - started < 15
        # readers cannot open a file that a writer holds either: same clear line
        one_line_error(cli("--db", str(db_path), "info", env={"SHOPLENS_LOCK_WAIT": "1"}), f"process {holder.pid}")
        with pytest.raises(DatabaseLockedError):
            Warehouse(db_path, lock_wait=0.5)
    finally:
        holder.kill()
        holder.wait()
    assert dump(db_path) == before  # intact

    # with a longer wait the second write queues behind the first and then succeeds
    holder = _hold(db_path, 2)
    try:
        proc = cli("--db", str(db_path), "import", "events", str(more), "--format", "json",
                   env={"SHOPLENS_LOCK_WAIT": "30"})
        assert holder.poll() is not None, "the import ran while the other process held the lock"
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["loaded"] == 1
    assert len(dump(db_path)["events"]) == 3


def test_migration_2_builds_the_visitor_day_rollup_from_existing_events(db_path: Path) -> None:
    """A v1 warehouse (before the rollup) gets it filled on upgrade, in local days of each store."""
    con = duckdb.connect(str(db_path))
    try:
        migrate_to_latest(con, migrations=MIGRATIONS[:1])
        con.execute("INSERT INTO stores (store_id, reporting_currency, timezone) VALUES ('s', 'CNY', 'Asia/Shanghai')")
        con.execute("INSERT INTO events (store_id, event_id, ts, user_id, event) VALUES "
                    "('s', 'e1', '2026-03-01 15:59:00', 'u1', 'page_view'),"  # 23:59 local, 1 Mar
                    "('s', 'e2', '2026-03-01 16:00:00', 'u1', 'add_to_cart'),"  # 00:00 local, 2 Mar
                    "('s', 'e3', '2026-03-01 17:00:00', 'u1', 'page_view'),"
                    "('s', 'e4', '2026-03-01 18:00:00', 'u2', 'my_custom')")
        assert migrate_to_latest(con) == LATEST
        rows = con.execute("SELECT day::VARCHAR, user_id, n_events, n_page_view, n_add_to_cart FROM _rollup_user_day "
                           "ORDER BY 1, 2").fetchall()
        assert rows == [("2026-03-01", "u1", 1, 1, 0), ("2026-03-02", "u1", 2, 1, 1), ("2026-03-02", "u2", 1, 0, 0)]
    finally:
        con.close()
