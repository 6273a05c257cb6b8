"""No silent store (issue #11, Seen 2): an import names its store or goes to the only one, and a new
store says its currency and time zone. Store ids are validated (Seen 16). The README's import
examples are run as written.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import shoplens
from shoplens.demo import build_demo
from shoplens.errors import ShoplensError

REPO = Path(__file__).resolve().parents[1]
ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "2"}
ORDERS = "order_id,created_ts,gross_amount\no1,2024-03-01 10:00:00,10\n"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **ENV}, cwd=cwd)


def error_line(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def test_no_store_named_in_an_empty_warehouse_is_refused(tmp_path: Path) -> None:
    """Before: the rows went to a store `default` in USD/UTC."""
    orders = write(tmp_path / "orders.csv", ORDERS)
    db = tmp_path / "w.duckdb"
    line = error_line(cli("--db", str(db), "import", "orders", str(orders)))
    assert "no store to import into" in line and "--store ID --currency CODE --timezone TZ" in line
    assert not db.exists()  # nothing written, not even an empty warehouse

    line = error_line(cli("--db", str(db), "import", "orders", str(orders), "--store", "tmall"))
    assert "new store 'tmall' needs its reporting currency and time zone" in line
    assert "--currency and --timezone" in line and "stores file" in line
    line = error_line(cli("--db", str(db), "import", "orders", str(orders), "--store", "tmall", "--currency", "CNY"))
    assert "new store 'tmall' needs its time zone" in line and "--timezone" in line
    assert not db.exists()

    with shoplens.connect(str(tmp_path / "api.duckdb")) as wh:  # the Python API follows the same rule
        with pytest.raises(ShoplensError, match="no store to import into"):
            shoplens.import_files(wh, [orders], table="orders")
        with pytest.raises(ShoplensError, match="needs its reporting currency"):
            shoplens.import_files(wh, [orders], table="orders", store="tmall", timezone="Asia/Shanghai")
        assert wh.con.execute("SELECT count(*) FROM stores").fetchone() == (0,)


def test_the_only_store_is_used_and_said_several_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = write(tmp_path / "a.csv", ORDERS)
    proc = cli("--db", str(db), "import", "orders", str(first), "--store", "tmall", "--currency", "CNY",
               "--timezone", "Asia/Shanghai", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["store_implied"] is False

    second = write(tmp_path / "b.csv", ORDERS.replace("o1", "o2"))
    proc = cli("--db", str(db), "import", "orders", str(second))
    assert proc.returncode == 0, proc.stderr
    assert "→ Store tmall (the warehouse's only store; --store names one)" in proc.stdout
    proc = cli("--db", str(db), "import", "orders", str(second), "--format", "json")
    out = json.loads(proc.stdout)
    assert (out["store_id"], out["store_implied"], out["store_created"]) == ("tmall", True, False)

    proc = cli("--db", str(db), "import", "orders", str(first), "--store", "amz", "--currency", "USD",
               "--timezone", "America/Los_Angeles")
    assert proc.returncode == 0, proc.stderr
    line = error_line(cli("--db", str(db), "import", "orders", str(second)))
    assert "the warehouse has 2 stores; say which one" in line and "--store ID, one of: amz, tmall" in line
    with shoplens.connect(str(db), read_only=True) as wh:
        assert wh.con.execute("SELECT store_id, count(*) FROM orders GROUP BY 1 ORDER BY 1").fetchall() == [
            ("amz", 1), ("tmall", 2)]
        assert wh.con.execute("SELECT store_id, reporting_currency, timezone FROM stores ORDER BY 1").fetchall() == [
            ("amz", "USD", "America/Los_Angeles"), ("tmall", "CNY", "Asia/Shanghai")]


def test_a_demo_store_is_never_chosen_without_its_name(tmp_path: Path, db_path: Path) -> None:
    orders = write(tmp_path / "orders.csv", ORDERS)
    with shoplens.connect(str(db_path)) as wh:
        build_demo(wh, events=1_000, days=28)
        with pytest.raises(ShoplensError, match="only the demo store") as info:
            shoplens.import_files(wh, [orders], table="orders")
        assert "--store demo" in str(info.value)
        summary = shoplens.import_files(wh, [orders], table="orders", store="shop", currency="USD", timezone="UTC")
        assert summary.store_id == "shop"
        assert shoplens.import_files(wh, [orders], table="orders").store_id == "shop"  # the only real store


def test_a_stores_file_in_the_same_import_sets_a_new_store(tmp_path: Path, db_path: Path) -> None:
    stores = write(tmp_path / "stores.csv", "store_id,name,platform,reporting_currency,timezone\n"
                                            "jp,Tokyo shop,amazon,JPY,Asia/Tokyo\n")
    orders = write(tmp_path / "orders.csv", "order_id,created_ts,gross_amount\no1,2024-03-01 10:00:00,1000\n")
    with shoplens.connect(str(db_path)) as wh:
        summary = shoplens.import_files(wh, [orders, stores], store="jp")
        assert summary.store_created
        assert wh.con.execute("SELECT name, platform, reporting_currency, timezone FROM stores").fetchall() == [
            ("Tokyo shop", "amazon", "JPY", "Asia/Tokyo")]
        # naive times were read in the zone the stores file set; money in its currency
        assert wh.con.execute("SELECT created_ts::VARCHAR, currency, gross_amount_rc FROM orders").fetchall() == [
            ("2024-03-01 01:00:00", "JPY", Decimal("1000"))]

    other = tmp_path / "other.duckdb"
    wrong = write(tmp_path / "wrong_stores.csv", "store_id,name,reporting_currency,timezone\nxx,X,USD,UTC\n")
    line = error_line(cli("--db", str(other), "import", str(wrong), str(orders), "--store", "jp"))
    assert "the stores file did not set up store 'jp'" in line and "nothing was written" in line
    assert not other.exists()


BAD_IDS = ["*", "..", "a,b", "a\nb", "x" * 200, "x" * 65, "-x", ".hidden", "shop/1", "天猫", "a b", ""]


def test_invalid_store_ids_are_refused_by_the_python_api(tmp_path: Path, db_path: Path) -> None:
    orders = write(tmp_path / "orders.csv", ORDERS)
    with shoplens.connect(str(db_path)) as wh:
        for bad in BAD_IDS:
            with pytest.raises(ShoplensError, match=r"invalid store id|empty store id"):
                shoplens.import_files(wh, [orders], table="orders", store=bad, currency="USD", timezone="UTC")
        assert wh.con.execute("SELECT count(*) FROM stores").fetchone() == (0,)


@pytest.mark.parametrize("bad", ["*", "..", "a,b", "a\nb", "x" * 200])  # what the probe got accepted
def test_invalid_store_ids_are_one_clear_line_in_the_cli(tmp_path: Path, bad: str) -> None:
    orders = write(tmp_path / "orders.csv", ORDERS)
    db = tmp_path / "w.duckdb"
    for lang, fragment in (("en", "1-64 ASCII letters, digits"), ("zh", "无效的店铺 ID")):
        line = error_line(cli("--lang", lang, "--db", str(db), "import", "orders", str(orders), "--store", bad,
                              "--currency", "USD", "--timezone", "UTC"))
        assert fragment in line
    assert not db.exists()


@pytest.mark.parametrize("good", ["tmall-cn", "shop_1.eu", "A", "x" * 64, "2024"])
def test_valid_store_ids_are_accepted(tmp_path: Path, db_path: Path, good: str) -> None:
    orders = write(tmp_path / "orders.csv", ORDERS)
    with shoplens.connect(str(db_path)) as wh:
        assert shoplens.import_files(wh, [orders], table="orders", store=good, currency="USD",
                                     timezone="UTC").store_id == good


def _readme_import_examples() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Import your data"):]
    block = section[section.index("```sh") + 5: section.index("```", section.index("```sh") + 5)]
    return [line.split("   #")[0].strip() for line in block.strip().splitlines() if line.startswith("shoplens ")]


def test_the_readme_import_examples_load_what_they_say(tmp_path: Path) -> None:
    """Before: the `--delimiter ';' --encoding gbk` example loaded 0 rows (missing_fx_rate CNY in a USD
    store `default`) and the `--map` example stored CNY amounts as USD."""
    write(tmp_path / "orders.csv", "order_id,user_id,created_ts,status,currency,gross_amount\n"
                                   "o1,u1,2024-11-11 10:00:00,paid,CNY,100.50\n")
    write(tmp_path / "fx_rates.csv", "date,currency,rate_to\n2024-11-11,USD,7.2\n")
    write(tmp_path / "events.jsonl", json.dumps({"event_id": "e1", "ts": "2024-11-11 09:00:00", "user_id": "u1",
                                                 "event": "product_view"}) + "\n")
    book = openpyxl.Workbook()
    book.active.append(["product_id", "name", "list_price", "currency"])
    book.active.append(["p1", "茶具", 88, "CNY"])
    book.save(tmp_path / "products.xlsx")
    write(tmp_path / "export.txt", "order_id;created_ts;gross_amount;channel\ng1;2024-11-12 08:00:00;66.00;直播\n",
          encoding="gbk")
    write(tmp_path / "export.csv", "订单号,下单时间,金额\nm1,2024-11-12 09:00:00,88.00\n")
    examples = _readme_import_examples()
    assert len(examples) == 4 and any("--encoding gbk" in e for e in examples) and any("--map" in e for e in examples)
    db = tmp_path / "readme.duckdb"
    for example in examples:
        args = shlex.split(example)[1:]
        proc = cli("--db", str(db), *args, "--format", "json", cwd=tmp_path)
        assert proc.returncode == 0, (example, proc.stderr)
        out = json.loads(proc.stdout)
        assert out["quarantined"] == 0 and all(f["loaded"] > 0 for f in out["files"]), (example, out)
    with shoplens.connect(str(db), read_only=True) as wh:
        rows = wh.con.execute("SELECT order_id, currency, gross_amount, gross_amount_rc, channel FROM orders "
                              "ORDER BY 1").fetchall()
        store = wh.con.execute("SELECT store_id, reporting_currency, timezone FROM stores").fetchall()
    assert store == [("tmall", "CNY", "Asia/Shanghai")]
    assert rows == [("g1", "CNY", Decimal("66"), Decimal("66"), "live_stream"),
                    ("m1", "CNY", Decimal("88"), Decimal("88"), None),
                    ("o1", "CNY", Decimal("100.5"), Decimal("100.5"), None)]
    assert all(re.search(r"--store \S+", e) for e in examples)  # every example names its store
