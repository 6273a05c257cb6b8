"""Logins and segments keep lists of stores; the server changes them while other requests read.

DuckDB rewrites a changed LIST value as delete + insert, and on a table with a PRIMARY KEY a second rewrite of
the same key failed at COMMIT ("write-write conflict on key") while an older read was still open. Migration 11
rebuilt both tables without the index; these tests hold a reader open the way a busy server does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

import shoplens
from shoplens.analyses.segments.store import get_segment, save_segment
from shoplens.errors import ShoplensError
from shoplens.server.accounts import add_user, get_account, set_access, set_password
from shoplens.warehouse.migrations import MIGRATIONS, migrate_to_latest

STORE = ("INSERT INTO stores (store_id, name, platform, reporting_currency, timezone) VALUES "
         "('a', 'A', 'shopify', 'USD', 'UTC'), ('b', 'B', 'shopify', 'USD', 'UTC')")


@pytest.fixture
def wh(tmp_path: Path) -> Any:
    with shoplens.connect(str(tmp_path / "w.duckdb")) as warehouse:
        warehouse.con.execute(STORE)
        yield warehouse


def _open_reader(wh: Any) -> Any:
    reader = wh.con.cursor()
    reader.execute("BEGIN TRANSACTION")
    reader.execute("SELECT count(*) FROM app_users, segments").fetchall()
    return reader


def test_a_login_changes_twice_while_a_read_is_open(wh: Any) -> None:
    add_user(wh, "nina", "first-pass-1", role="analyst", stores=["a"])
    reader = _open_reader(wh)
    try:
        set_access(wh, "nina", role="viewer")  # the stores list is rewritten with the row
        wh.con.execute("BEGIN TRANSACTION")
        set_password(wh, "nina", "second-pass-2")
        set_access(wh, "nina", stores=["a", "b"])
        wh.con.execute("COMMIT")  # failed with a write-write conflict before migration 11
    finally:
        reader.close()
    account = get_account(wh, "nina")
    assert account is not None and (account.role, account.stores) == ("viewer", ("a", "b"))


def test_a_segment_is_saved_twice_while_a_read_is_open(wh: Any) -> None:
    save_segment(wh, "buyers", "orders>=1", stores=["a"])
    reader = _open_reader(wh)
    try:
        save_segment(wh, "buyers", "orders>=2", stores=["a", "b"])
        save_segment(wh, "buyers", "orders>=3", description="three", stores=["b"])
    finally:
        reader.close()
    segment = get_segment(wh, "buyers")
    assert (segment.description, list(segment.stores)) == ("three", ["b"])
    assert wh.con.execute("SELECT count(*) FROM segments WHERE name = 'buyers'").fetchone()[0] == 1


def test_names_stay_unique_without_the_index(wh: Any) -> None:
    add_user(wh, "nina", "first-pass-1")
    with pytest.raises(ShoplensError, match="exists already"):
        add_user(wh, "nina", "other-pass-2")
    assert wh.con.execute("SELECT count(*) FROM app_users WHERE username = 'nina'").fetchone()[0] == 1


def test_migration_11_keeps_rows_and_not_nulls(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    migrate_to_latest(con, migrations=MIGRATIONS[:10])
    con.execute("INSERT INTO app_users VALUES ('ana', 'h', 'viewer', ['x'], NULL, now()::TIMESTAMP, "
                "now()::TIMESTAMP)")
    con.execute("INSERT INTO segments VALUES ('s', '{}', NULL, now()::TIMESTAMP, now()::TIMESTAMP, NULL)")
    migrate_to_latest(con)
    assert con.execute("SELECT username, stores FROM app_users").fetchall() == [("ana", ["x"])]
    assert con.execute("SELECT name, definition FROM segments").fetchall() == [("s", "{}")]
    assert not con.execute("SELECT * FROM duckdb_constraints() WHERE table_name IN ('app_users', 'segments') "
                           "AND constraint_type = 'PRIMARY KEY'").fetchall()
    for bad in ("INSERT INTO app_users (username) VALUES ('x')", "INSERT INTO segments (name) VALUES ('x')",
                "INSERT INTO app_users (password_hash, role, stores, created_at, updated_at) "
                "VALUES ('h', 'r', [], now()::TIMESTAMP, now()::TIMESTAMP)"):
        with pytest.raises(duckdb.ConstraintException):
            con.execute(bad)
    con.close()
