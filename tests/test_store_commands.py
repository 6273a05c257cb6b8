"""`shoplens store list|show|rename|delete` (issue #11, Seen 2 "no way to delete a store"; Seen 16:
an id like `a,b` could not be named again, rename gives it a valid one).

The warehouse: store `a` (events and their rollup, orders, quarantine, a replacing re-import so
the history holds rows too), store `b`, logins and segments naming them.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import shoplens
from shoplens.analyses.segments import save_segment
from shoplens.server.accounts import add_user, issue_token
from shoplens.warehouse import stores as stores_mod

ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "2"}
PASSWORD = "correct-horse-7"


def cli(*args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **ENV}, stdin=stdin)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def two_stores(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    events = write(tmp_path / "events.csv", "event_id,ts,user_id,event\ne1,2026-03-01 10:00:00,u1,page_view\n"
                   "e2,2026-03-02 10:00:00,u1,purchase\n")
    orders = write(tmp_path / "orders.csv", "order_id,user_id,created_ts,status,gross_amount\n"
                   "o1,u1,2026-03-02 10:00:00,paid,10\no2,u2,2026-03-03 10:00:00,paid,oops\n")
    with shoplens.connect(str(db)) as wh:
        shoplens.import_files(wh, [events, orders], store="a", currency="CNY", timezone="Asia/Shanghai")
        write(orders, "order_id,user_id,created_ts,status,gross_amount\n"
              "o1,u1,2026-03-02 10:00:00,shipped,10\no2,u2,2026-03-03 10:00:00,paid,oops\n")
        shoplens.import_files(wh, [orders], store="a")  # replaces o1: a history row
        shoplens.import_files(wh, [write(tmp_path / "b.csv", "order_id,created_ts,gross_amount\n"
                                         "x1,2026-03-01 10:00:00,7\n")], table="orders", store="b",
                              currency="USD", timezone="UTC")
        add_user(wh, "only_a", PASSWORD, "viewer", ["a"])
        add_user(wh, "both", PASSWORD, "analyst", ["a", "b"])
        add_user(wh, "root", PASSWORD, "admin", ["*"])
        issue_token(wh, "only_a", "api")
        for name, stores in (("seg_a", ["a"]), ("seg_ab", ["a", "b"]), ("shared", None)):
            save_segment(wh, name, "orders>=1")
            wh.con.execute("UPDATE segments SET stores = ? WHERE name = ?", [stores, name])
    return db


def per_store(db: Path) -> dict[str, dict[str, int]]:
    """Rows per store in every table that has a store_id column."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out: dict[str, dict[str, int]] = {}
        for table in stores_mod.store_tables(con):
            for store, n in con.execute(f'SELECT store_id, count(*) FROM "{table}" GROUP BY 1').fetchall():
                out.setdefault(store, {})[table] = n
        return out
    finally:
        con.close()


def rows_of(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_list_and_show(two_stores: Path) -> None:
    proc = cli("--db", str(two_stores), "store", "list", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    listed = {s["store_id"]: s for s in json.loads(proc.stdout)["stores"]}
    a, b = listed["a"], listed["b"]
    assert (a["reporting_currency"], a["timezone"], a["platform"], a["events"], a["orders"], a["rows"],
            a["imports"], a["demo"]) == ("CNY", "Asia/Shanghai", "other", 2, 1, 3, 2, False)
    assert (b["reporting_currency"], b["timezone"], b["orders"], b["rows"], b["imports"]) == ("USD", "UTC", 1, 1, 1)
    table = cli("--db", str(two_stores), "store", "list")
    assert table.returncode == 0 and "Asia/Shanghai" in table.stdout

    proc = cli("--db", str(two_stores), "store", "show", "a", "--format", "json")
    shown = json.loads(proc.stdout)
    assert shown["tables"]["events"] == {"rows": 2, "min": "2026-03-01T02:00:00", "max": "2026-03-02T02:00:00"}
    assert shown["tables"]["orders"]["rows"] == 1 and (shown["first"], shown["last"]) == ("2026-03-01", "2026-03-02")
    assert [(i["import_id"], i["loaded"], i["quarantined"]) for i in shown["import_list"]] == [(1, 3, 1), (2, 1, 1)]
    assert shown["quarantined"] == 1  # the re-import found the same bad line: its row stayed
    missing = cli("--db", str(two_stores), "store", "show", "nope")
    assert missing.returncode == 2 and "no store 'nope'" in missing.stderr and "stores: a, b" in missing.stderr


def test_rename_moves_every_row_and_every_mention(two_stores: Path) -> None:
    before = per_store(two_stores)
    with shoplens.connect(str(two_stores), read_only=True) as wh:
        gmv = shoplens.metrics(wh, "gmv", store="a")
    assert before["a"]["_history_orders"] == 1 and before["a"]["_rollup_user_day"] == 2

    for target, fragment in (("b", "store 'b' already exists"), ("x,y", "invalid store id"), ("a", "already has")):
        proc = cli("--db", str(two_stores), "store", "rename", "a", target)
        assert proc.returncode == 2 and fragment in proc.stderr, proc.stderr
    assert "no store 'zz'" in cli("--db", str(two_stores), "store", "rename", "zz", "c").stderr
    assert per_store(two_stores) == before

    proc = cli("--db", str(two_stores), "store", "rename", "a", "c", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rows"] == before["a"]
    after = per_store(two_stores)
    assert "a" not in after and after["c"] == before["a"] and after["b"] == before["b"]
    assert rows_of(two_stores, "SELECT username, stores FROM app_users ORDER BY 1") == [
        ("both", ["c", "b"]), ("only_a", ["c"]), ("root", ["*"])]
    assert rows_of(two_stores, "SELECT name, stores FROM segments ORDER BY 1") == [
        ("seg_a", ["c"]), ("seg_ab", ["c", "b"]), ("shared", None)]
    assert rows_of(two_stores, "SELECT name FROM stores WHERE store_id = 'c'") == [("c",)]  # it was its id
    with shoplens.connect(str(two_stores), read_only=True) as wh:
        assert shoplens.metrics(wh, "gmv", store="c")["gmv"].tolist() == gmv["gmv"].tolist()
    with shoplens.connect(str(two_stores)) as wh:  # the history moved too: the re-import can still be undone
        assert shoplens.undo_import(wh, 2).restored == {"orders": 1}


def test_delete_needs_a_confirmation_and_removes_everything_of_the_store(two_stores: Path) -> None:
    before = per_store(two_stores)
    proc = cli("--db", str(two_stores), "store", "delete", "a")  # no terminal, no --yes
    assert proc.returncode == 2 and "needs a confirmation" in proc.stderr and "--yes" in proc.stderr
    assert per_store(two_stores) == before

    proc = cli("--db", str(two_stores), "store", "delete", "a", "--yes", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    change = json.loads(proc.stdout)
    assert change["rows"] == before["a"] and change["total_rows"] == sum(before["a"].values())
    assert (change["logins_removed"], change["logins_changed"]) == (["only_a"], ["both"])
    assert (change["segments_removed"], change["segments_changed"]) == (["seg_a"], ["seg_ab"])
    after = per_store(two_stores)
    assert "a" not in after and after["b"] == before["b"]
    assert rows_of(two_stores, "SELECT username, stores FROM app_users ORDER BY 1") == [
        ("both", ["b"]), ("root", ["*"])]
    assert rows_of(two_stores, "SELECT count(*) FROM app_tokens WHERE username = 'only_a'") == [(0,)]
    assert rows_of(two_stores, "SELECT name, stores FROM segments ORDER BY 1") == [
        ("seg_ab", ["b"]), ("shared", None)]
    assert "no store 'a'" in cli("--db", str(two_stores), "store", "delete", "a", "--yes").stderr
    none = two_stores.with_name("none.duckdb")
    for args in (("delete", "a", "--yes"), ("rename", "a", "b"), ("list",)):
        assert "no warehouse here yet" in cli("--db", str(none), "store", *args).stderr
    assert not none.exists()


def test_delete_is_one_transaction(two_stores: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after some tables were emptied leaves every table as it was."""
    before = per_store(two_stores)
    real = stores_mod.store_tables
    monkeypatch.setattr(stores_mod, "store_tables", lambda con: [*real(con), "no_such_table"])
    with shoplens.connect(str(two_stores)) as wh, pytest.raises(duckdb.Error):
        shoplens.delete_store(wh, "a")
    monkeypatch.undo()
    assert per_store(two_stores) == before
    assert rows_of(two_stores, "SELECT count(*) FROM app_users") == [(3,)]


def _on_a_terminal(args: list[str], answer: str) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdin/stdout, answer the prompt, return (exit code, output)."""
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "shoplens", *args], stdin=child, stdout=child, stderr=child,
                            env={**os.environ, **ENV}, close_fds=True)
    os.close(child)
    seen, answered, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"cannot be undone" in seen:
            os.write(main, answer.encode() + b"\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    os.close(main)
    return proc.wait(timeout=30), seen.decode(errors="replace")


def test_delete_asks_on_a_terminal(two_stores: Path) -> None:
    before = per_store(two_stores)
    code, out = _on_a_terminal(["--db", str(two_stores), "store", "delete", "a"], "n")
    assert code == 1 and "this deletes store" in out and "not confirmed: nothing was deleted" in out, out
    assert per_store(two_stores) == before
    code, out = _on_a_terminal(["--db", str(two_stores), "store", "delete", "a"], "y")
    assert code == 0 and "store deleted" in out, out
    assert "a" not in per_store(two_stores)


def test_the_python_api(two_stores: Path) -> None:
    with shoplens.connect(str(two_stores)) as wh:
        assert [s.store_id for s in shoplens.stores(wh)] == ["a", "b"]
        assert shoplens.store_info(wh, "b").tables["orders"]["rows"] == 1
        shoplens.rename_store(wh, "b", "usa")
        assert shoplens.delete_store(wh, "usa").rows["orders"] == 1
        assert [s.store_id for s in shoplens.stores(wh)] == ["a"]


# ---- the messages (a QA probe: a table list as `where`, a name said twice, "1 rows") ------------------------


def test_rename_onto_an_existing_store_is_one_clean_line_in_each_language(two_stores: Path) -> None:
    proc = cli("--db", str(two_stores), "store", "rename", "a", "b")
    assert proc.returncode == 2 and proc.stderr.splitlines() == [
        "error: cannot rename store 'a' to 'b': store 'b' already exists (hint: choose another id, or delete that "
        "store first (shoplens store delete b))"], proc.stderr
    zh = cli("--db", str(two_stores), "--lang", "zh", "store", "rename", "a", "b")
    assert zh.returncode == 2 and zh.stderr.splitlines() == [
        "错误: 无法把店铺 'a' 重命名为 'b'：店铺 'b' 已存在"
        "（提示：请换一个 ID，或先删除那个店铺（shoplens store delete b））"]


def test_show_names_a_store_once_and_counts_rows_in_words(two_stores: Path) -> None:
    with shoplens.connect(str(two_stores)) as wh:  # b's name is its id (made by an import); a gets a real name
        wh.con.execute("UPDATE stores SET name = 'Tmall flagship', platform = 'tmall_global' WHERE store_id = 'a'")
    first = {s: cli("--db", str(two_stores), "store", "show", s).stdout.splitlines()[0] for s in ("a", "b")}
    assert first["b"] == "b · other · USD · UTC · 1 row"  # its one order; not "b b · … · 1 rows"
    assert first["a"] == "a Tmall flagship · tmall_global · CNY · Asia/Shanghai · 3 rows"  # 2 events, 1 order
    zh = cli("--db", str(two_stores), "--lang", "zh", "store", "show", "a").stdout.splitlines()[0]
    assert zh == "a Tmall flagship · 天猫国际 · CNY · Asia/Shanghai · 共 3 行"


def test_a_deleted_stores_import_ids_are_not_given_again(two_stores: Path, tmp_path: Path) -> None:
    """Import #3 was store b's: after `store delete b` the next import is #4, so `import undo 3` can never
    undo another import than the one #3 named."""
    assert rows_of(two_stores, "SELECT max(import_id) FROM import_manifest") == [(3,)]
    assert cli("--db", str(two_stores), "store", "delete", "b", "--yes").returncode == 0
    proc = cli("--db", str(two_stores), "import", "orders", str(write(tmp_path / "c.csv", "order_id,created_ts,"
               "gross_amount\nc1,2026-03-01 10:00:00,5\n")), "--store", "c", "--currency", "USD", "--timezone", "UTC",
               "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["import_id"] == 4, proc.stdout
    undo = cli("--db", str(two_stores), "import", "undo", "3")
    assert undo.returncode == 2 and "no import #3" in undo.stderr and "#1 (a), #2 (a), #4 (c)" in undo.stderr
