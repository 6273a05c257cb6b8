"""`shoplens import undo ID` (issue #11, Seen 2 "no way to undo an import").

The reference is always a fresh warehouse that imported only what should remain: after import A,
import B (replacing some of A's rows, its derived rows and its quarantine) and undo B, every table
of the warehouse (canonical, quarantine, manifest, rollup, history) equals the fresh one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import shoplens
from shoplens.demo import build_demo
from shoplens.errors import ShoplensError
from shoplens.model import TABLES
from shoplens.warehouse.history import history_table

ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "2"}
UK = {"store": "uk", "currency": "GBP", "timezone": "Europe/London"}
CLOCK = {"import_manifest": ("started", "finished")}  # when an import ran differs between two warehouses


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **ENV})


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every table of the warehouse but the meta table, in full (the manifest without its clock)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND "
                                           "schema_name = 'main' AND table_name <> '_shoplens_meta'").fetchall()]
        out = {}
        for name in names:
            cols = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall() if r[0] not in CLOCK.get(name, ())]
            out[name] = con.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} FROM \"{name}\" "
                                    "ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def imported(db: Path, *batches: tuple[list[Path], dict]) -> list[int]:
    with shoplens.connect(str(db)) as wh:
        return [shoplens.import_files(wh, files, **kw).import_id for files, kw in batches]


# ---- canonical files: events (rollup), customers (first_seen = min), orders with quarantined lines ----
def canonical(tmp: Path) -> tuple[list[Path], list[Path]]:
    a, b = tmp / "a", tmp / "b"
    a.mkdir()
    b.mkdir()
    events_a = write(a / "events.csv", "event_id,ts,user_id,event\n"
                     "e1,2026-03-01 10:00:00,u1,page_view\ne2,2026-03-01 23:30:00,u1,add_to_cart\n"
                     "e3,2026-03-02 09:00:00,u2,page_view\ne4,2026-03-03 12:00:00,u2,purchase\n")
    customers_a = write(a / "customers.csv", "user_id,first_seen,country\nu1,2026-03-01 10:00:00,GB\n"
                        "u2,2026-03-02 09:00:00,FR\n")
    orders = tmp / "orders.csv"  # one path, two contents: B's import replaces A's quarantine rows of it
    write(orders, "order_id,user_id,created_ts,status,gross_amount\no1,u1,2026-03-01 11:00:00,paid,10\n"
          "o2,u2,2026-03-03 12:00:00,paid,20\no3,u2,not a date,paid,5\n")
    first = [events_a, customers_a, orders]
    events_b = write(b / "events.csv", "event_id,ts,user_id,event\n"
                     "e2,2026-03-05 08:00:00,u1,add_to_cart\n"  # moves to another day
                     "e3,2026-03-02 09:00:00,u2,favorite\n"  # another event on the same day
                     "e4,2026-03-03 12:00:00,u2,purchase\n"  # unchanged
                     "e9,2026-03-04 10:00:00,u3,page_view\n")  # new
    customers_b = write(b / "customers.csv", "user_id,first_seen,country\nu1,2026-02-20 10:00:00,GB\n"
                        "u3,2026-03-04 10:00:00,DE\n")
    return first, [events_b, customers_b, orders]


def second_orders(orders: Path) -> None:
    write(orders, "order_id,user_id,created_ts,status,gross_amount\no1,u1,2026-03-01 11:00:00,shipped,10\n"
          "o2,u2,2026-03-03 12:00:00,paid,20\no3,u2,2026-03-03 13:00:00,paid,5\no4,u3,2026-03-04 10:00:00,paid,x\n")


def test_undo_gives_exactly_the_state_before_canonical(tmp_path: Path) -> None:
    setup = write(tmp_path / "setup.csv", "event_id,ts,user_id,event\ns1,2026-02-27 10:00:00,u0,page_view\n")
    first, second = canonical(tmp_path)
    fresh = tmp_path / "fresh.duckdb"
    imported(fresh, ([setup], UK), (first, UK))

    db = tmp_path / "w.duckdb"
    ids = imported(db, ([setup], UK), (first, UK))
    second_orders(second[2])
    [b] = imported(db, (second, {"store": "uk"}))
    changed = dump(db)
    assert changed["events"] != dump(fresh)["events"]  # B really replaced rows of A …
    assert len(changed[history_table("events")]) == 2 and len(changed[history_table("quarantine")]) == 1
    assert changed["_rollup_user_day"] != dump(fresh)["_rollup_user_day"]  # … and the rollup days

    with shoplens.connect(str(db)) as wh:
        version = wh.data_version()
        result = shoplens.undo_import(wh, b)
        assert wh.data_version() != version  # caches keyed on the data version see the change
    assert result.removed == {"customers": 2, "events": 3, "orders": 2}
    assert result.restored == {"customers": 1, "events": 2, "orders": 1}
    assert (result.quarantine_removed, result.quarantine_restored) == (1, 1)
    assert dump(db) == dump(fresh)

    # an undone id is never given again
    with shoplens.connect(str(db)) as wh:
        again = shoplens.import_files(wh, [setup], store="uk", table="events")
    assert (ids, b, again.import_id) == ([1, 2], 3, 4)


def retail(path: Path, lines: list[str]) -> Path:
    return write(path, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                 + "".join(line + "\n" for line in lines))


def test_undo_gives_exactly_the_state_before_with_derived_rows(tmp_path: Path) -> None:
    """The online-retail preset derives orders (totals of lines), products and customers (first_seen = min)."""
    a = retail(tmp_path / "a.csv", [
        "536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",
        "536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom",
        "536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,13047,United Kingdom",
        "A563185,B,Adjust bad debt,1,2011-08-12 14:50:00,11062.06,,United Kingdom"])  # quarantined
    b = retail(tmp_path / "b.csv", [
        "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.95,17850,United Kingdom",
        "536367,84879,ASSORTED COLOUR BIRD,32,2010-11-30 09:00:00,1.69,17850,United Kingdom",
        "536368,22960,JAM MAKING SET,6,2010-12-01 08:34:00,4.25,13047,United Kingdom"])
    fresh, db = tmp_path / "fresh.duckdb", tmp_path / "w.duckdb"
    retail_kw = {"preset": "online-retail", "store": "uk"}
    imported(fresh, ([a], retail_kw))
    imported(db, ([a], retail_kw))
    [b_id] = imported(db, ([b], retail_kw))
    with shoplens.connect(str(db), read_only=True) as wh:  # B replaced A's order total, product name, first_seen
        assert wh.con.execute("SELECT count(*) FROM _history_orders WHERE _replaced_by = ?", [b_id]).fetchone() == (1,)
        assert wh.con.execute("SELECT count(*) FROM _history_products WHERE _replaced_by = ?", [b_id]).fetchone() \
            == (1,)
        assert wh.con.execute("SELECT count(*) FROM _history_customers WHERE _replaced_by = ?", [b_id]).fetchone() \
            == (1,)
    proc = cli("--db", str(db), "import", "undo", str(b_id), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["restored"] == {"customers": 1, "order_items": 1, "orders": 1, "products": 1}
    assert dump(db) == dump(fresh)


def test_undo_refuses_when_a_later_import_depends_on_it(tmp_path: Path) -> None:
    setup = write(tmp_path / "setup.csv", "event_id,ts,user_id,event\ns1,2026-02-27 10:00:00,u0,page_view\n")
    first, second = canonical(tmp_path)
    db = tmp_path / "w.duckdb"
    imported(db, ([setup], UK), (first, UK))
    second_orders(second[2])
    imported(db, (second, {"store": "uk"}))
    before = dump(db)
    proc = cli("--db", str(db), "import", "undo", "2")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert "import #2 cannot be undone: import #3 replaced 2 events rows it wrote" in line
    assert "undo #3 first (shoplens import undo 3)" in line and "shoplens store delete uk" in line
    assert dump(db) == before

    # in reverse order it works, down to the import that created the store: then the store goes too
    for import_id in (3, 2):
        assert cli("--db", str(db), "import", "undo", str(import_id)).returncode == 0
    proc = cli("--db", str(db), "import", "undo", "1", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["store_removed"] is True
    assert all(rows == [] for rows in dump(db).values())

    assert "no import #7" in cli("--db", str(db), "import", "undo", "7").stderr
    assert cli("--db", str(db), "import", "undo", "seven").returncode == 2
    assert cli("--db", str(db), "import", "undo", "1", "--store", "uk").returncode == 2
    none = tmp_path / "none.duckdb"
    assert "no warehouse here yet" in cli("--db", str(none), "import", "undo", "1").stderr
    assert not none.exists()


def test_undo_refuses_when_later_imports_use_its_store_or_its_rates(tmp_path: Path, db_path: Path) -> None:
    rates = write(tmp_path / "fx.csv", "date,currency,rate_to\n2026-03-01,USD,0.8\n")
    orders = write(tmp_path / "orders.csv", "order_id,created_ts,currency,gross_amount\n"
                   "o1,2026-03-01 10:00:00,USD,10\n")
    more = write(tmp_path / "more.csv", "user_id,first_seen\nu1,2026-03-01 10:00:00\n")
    with shoplens.connect(str(db_path)) as wh:
        created = shoplens.import_files(wh, [more], store="uk", currency="GBP", timezone="Europe/London").import_id
        fx = shoplens.import_files(wh, [rates], store="uk").import_id
        converted = shoplens.import_files(wh, [orders], store="uk").import_id
        with pytest.raises(ShoplensError, match=f"it created or changed store 'uk', and import #{fx} wrote"):
            shoplens.undo_import(wh, created)
        with pytest.raises(ShoplensError, match=f"loaded exchange rates and import #{converted} converted money"):
            shoplens.undo_import(wh, fx)
        shoplens.undo_import(wh, converted)
        shoplens.undo_import(wh, fx)  # nothing converted with its rates any more
        assert wh.con.execute("SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM fx_rates)").fetchone() \
            == (0,)


def test_undoing_an_undone_import_says_so_and_lists_the_imports(tmp_path: Path) -> None:
    """A QA probe: `import undo 3` a second time said "no import #3". It says it was undone (when, which store and
    file), and the hint lists the imports there are; an id that never was one says so, with the same list."""
    db = tmp_path / "w.duckdb"
    orders = write(tmp_path / "orders.csv", "order_id,created_ts,gross_amount\no1,2026-03-01 10:00:00,10\n")
    more = write(tmp_path / "more.csv", "order_id,created_ts,gross_amount\no2,2026-03-02 10:00:00,20\n")
    imported(db, ([orders], {**UK, "table": "orders"}), ([more], {"store": "uk", "table": "orders"}))
    eu = write(tmp_path / "eu.csv", "order_id,created_ts,gross_amount\ne1,2026-03-02 10:00:00,5\n")
    imported(db, ([eu], {"store": "eu", "currency": "EUR", "timezone": "UTC", "table": "orders"}))
    assert cli("--db", str(db), "import", "undo", "2").returncode == 0
    before = dump(db)
    again = cli("--db", str(db), "import", "undo", "2")
    lines = again.stderr.splitlines()
    assert again.returncode == 2 and len(lines) == 1, again.stderr
    assert lines[0].startswith("error: import #2 was undone already (") and "; store uk, more.csv)" in lines[0]
    assert lines[0].endswith("(hint: imports in the warehouse: #1 (uk), #3 (eu))"), lines[0]
    zh = cli("--db", str(db), "--lang", "zh", "import", "undo", "2").stderr
    assert zh.startswith("错误: 导入 #2 已经撤销过了（") and "仓库中的导入：#1 (uk), #3 (eu)" in zh, zh
    never = cli("--db", str(db), "import", "undo", "7").stderr
    assert never.strip() == "error: no import #7 (hint: imports in the warehouse: #1 (uk), #3 (eu))", never
    assert dump(db) == before  # asking wrote nothing
    with shoplens.connect(str(db)) as wh, pytest.raises(ShoplensError, match="was undone already"):
        shoplens.undo_import(wh, 2)  # the Python API says the same


def test_an_unchanged_re_import_writes_no_history(tmp_path: Path, db_path: Path) -> None:
    first, _ = canonical(tmp_path)
    with shoplens.connect(str(db_path)) as wh:
        shoplens.import_files(wh, first, **UK)
        before = dump_after_close(wh, db_path)
        again = shoplens.import_files(wh, first, **UK)
        assert (again.loaded, again.quarantined, again.outcome) == (0, 1, "loaded")
    after = dump(db_path)
    for name in [t.name for t in TABLES] + ["quarantine"]:
        assert after[history_table(name)] == [], name
        assert after[name] == before[name], name  # not even the quarantine rows were rewritten
    with shoplens.connect(str(db_path)) as wh:
        result = shoplens.undo_import(wh, again.import_id)  # it wrote nothing: undoing it removes its manifest rows
    assert (result.removed, result.restored) == ({}, {})
    assert [r[:4] for r in dump(db_path)["import_manifest"]] == before["import_manifest"]


def dump_after_close(wh, db_path: Path) -> dict[str, list[tuple]]:
    """``dump`` of a warehouse this process holds open (read through the same connection)."""
    out = {name: wh.con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
           for name in [t.name for t in TABLES] + ["quarantine"]}
    out["import_manifest"] = wh.con.execute("SELECT import_id, store_id, file, file_sha256 FROM import_manifest "
                                            "ORDER BY ALL").fetchall()
    return out


def test_the_demo_build_is_not_undone(tmp_path: Path, db_path: Path) -> None:
    with shoplens.connect(str(db_path)) as wh:
        demo = build_demo(wh, events=1_000, days=28)
        with pytest.raises(ShoplensError, match="is the demo build of demo") as info:
            shoplens.undo_import(wh, demo.import_id)
        assert "shoplens store delete demo" in str(info.value)


def test_history_tables_mirror_their_tables(db_path: Path) -> None:
    """Migration 6 on a v5 warehouse; a column added to a table later needs it in its history too."""
    from shoplens.warehouse.migrations import MIGRATIONS, migrate_to_latest

    con = duckdb.connect(str(db_path))
    try:
        migrate_to_latest(con, MIGRATIONS[:5])
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '\\_history%' ESCAPE '\\'"
                           ).fetchone() == (0,)
        migrate_to_latest(con)
        for name in [t.name for t in TABLES] + ["quarantine"]:
            own = con.execute(f'DESCRIBE "{name}"').fetchall()
            kept = con.execute(f'DESCRIBE "{history_table(name)}"').fetchall()
            assert [r[:2] for r in kept] == [r[:2] for r in own] + [("_replaced_by", "BIGINT")], name
    finally:
        con.close()
