"""Saved import profiles (issue #15, part 2): --save-profile NAME keeps an import's options in the warehouse
(import_profiles, migration 15), --profile NAME reuses them (explicit options win), `shoplens import profiles`
lists and deletes them; POST /api/v1/imports takes `profile` and `map_value`. CLI through a real subprocess, the
API through a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import shoplens
from api_server import PASSWORD, ApiServer
from shoplens.errors import NotFoundError, ShoplensError
from shoplens.ingest.pipeline import import_files
from shoplens.server.accounts import add_user
from shoplens.warehouse.migrations import LATEST, current_version
from shoplens.warehouse.profiles_table import list_profiles

ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "2"}
HEADER = "订单编号,订单状态,订单创建时间,买家实际支付金额\n"
NOVEMBER = HEADER + '3021234567890123456,交易成功,2026-11-11 10:00:00,"1,299.00"\n' \
    "3021234567890123457,等待买家付款,2026-11-11 11:00:00,¥88.00\n"
DECEMBER = HEADER + '3021234567890124000,交易成功,2026-12-12 10:00:00,"¥2,000.00"\n' \
    "3021234567890124001,交易关闭,2026-12-12 11:00:00,10\n" \
    "3021234567890124002,等待买家付款,2026-12-12 12:00:00,5.5\n"
MAPS = ["订单编号=order_id", "订单状态=status", "订单创建时间=created_ts", "买家实际支付金额=gross_amount"]
VALUES = ["订单状态:交易成功=delivered", "订单状态:等待买家付款=created"]
SAVE = ["orders", "--store", "tmall", "--currency", "CNY", "--timezone", "Asia/Shanghai",
        *[f"--map={m}" for m in MAPS], *[f"--map-value={v}" for v in VALUES]]


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True,
                          text=True, timeout=180, env={**os.environ, **ENV})


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    return proc.stderr.strip()


def test_save_then_next_months_file_with_one_word(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    saved = cli(db, "import", *SAVE, str(write(tmp_path / "nov.csv", NOVEMBER)), "--save-profile", "tmall-orders")
    assert saved.returncode == 0 and "profile saved: tmall-orders" in saved.stdout, saved.stderr
    listed = json.loads(cli(db, "import", "profiles", "--format", "json").stdout)["profiles"]
    assert [p["name"] for p in listed] == ["tmall-orders"]
    assert listed[0]["options"] == {"table": "orders", "maps": MAPS, "value_maps": VALUES, "currency": "CNY",
                                    "timezone": "Asia/Shanghai"}
    # December has a status November did not: an explicit --map-value adds it, the saved pairs stay
    dec = write(tmp_path / "dec.csv", DECEMBER)
    proc = cli(db, "import", str(dec), "--profile", "tmall-orders", "--map-value", "订单状态:交易关闭=cancelled",
               "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["profile"], out["read"], out["loaded"], out["quarantined"]) == ("tmall-orders", 3, 3, 0)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT order_id, status, gross_amount, currency FROM orders ORDER BY order_id").fetchall()
    assert rows == [("3021234567890123456", "delivered", Decimal("1299"), "CNY"),
                    ("3021234567890123457", "created", Decimal("88"), "CNY"),
                    ("3021234567890124000", "delivered", Decimal("2000"), "CNY"),
                    ("3021234567890124001", "cancelled", Decimal("10"), "CNY"),
                    ("3021234567890124002", "created", Decimal("5.5"), "CNY")]
    con.close()
    # the profile was used, not changed
    assert json.loads(cli(db, "import", "profiles", "-f", "json").stdout)["profiles"][0]["options"]["value_maps"] \
        == VALUES
    table = cli(db, "import", "profiles")
    assert "tmall-orders" in table.stdout and "--map-value 订单状态:交易成功=delivered" in table.stdout
    gone = cli(db, "import", "profiles", "--delete", "tmall-orders")
    assert gone.returncode == 0 and "deleted profile tmall-orders" in gone.stdout
    assert json.loads(cli(db, "import", "profiles", "-f", "json").stdout) == {"profiles": []}
    again = cli(db, "import", "profiles", "--delete", "tmall-orders")
    assert again.returncode == 2 and "no import profile 'tmall-orders'" in one_line(again)


def test_explicit_single_options_win(wh, tmp_path: Path) -> None:
    nov = write(tmp_path / "nov.csv", NOVEMBER)
    import_files(wh, [nov], table="orders", store="tmall", currency="CNY", timezone="Asia/Shanghai", maps=MAPS,
                 value_maps=VALUES, save_profile="p")
    usd = write(tmp_path / "usd.csv", HEADER + "1,交易成功,2026-11-11 10:00:00,US$3\n")
    # the saved CNY would refuse US$ (currency_mismatch); --currency USD on the command line wins
    import_files(wh, [write(tmp_path / "fx.csv", "date,currency,rate_to\n2026-11-11,USD,7.1\n")], table="fx_rates",
                 store="tmall")
    summary = import_files(wh, [usd], profile="p", currency="USD", store="tmall")
    assert (summary.loaded, summary.quarantined) == (1, 0)
    assert wh.con.execute("SELECT currency, gross_amount_rc FROM orders WHERE order_id = '1'").fetchone() == (
        "USD", Decimal("21.3"))


def test_a_refused_import_saves_no_profile(wh, tmp_path: Path) -> None:
    nov = write(tmp_path / "nov.csv", NOVEMBER)
    with pytest.raises(ShoplensError):
        import_files(wh, [nov], table="orders", store="tmall", currency="CNY", timezone="Asia/Shanghai", maps=MAPS,
                     strict=True, save_profile="p")  # no --map-value: every line quarantined, refused
    assert list_profiles(wh.con) == []


def test_unknown_and_invalid_names(wh, tmp_path: Path) -> None:
    nov = write(tmp_path / "nov.csv", NOVEMBER)
    with pytest.raises(NotFoundError) as err:
        import_files(wh, [nov], profile="nope", store="tmall")
    assert "save one with shoplens import ... --save-profile NAME" in str(err.value)
    with pytest.raises(ShoplensError) as bad:
        import_files(wh, [nov], table="orders", store="tmall", currency="CNY", timezone="Asia/Shanghai", maps=MAPS,
                     value_maps=VALUES, save_profile="no spaces")
    assert "invalid profile name" in str(bad.value)
    assert wh.con.execute("SELECT count(*) FROM import_manifest").fetchone()[0] == 0  # checked before importing


def test_migration_15_creates_the_table(wh) -> None:
    assert LATEST >= 15 and current_version(wh.con) == LATEST
    assert wh.con.execute("SELECT count(*) FROM import_profiles").fetchone()[0] == 0


def test_import_profiles_takes_no_import_options(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with shoplens.connect(str(db)):
        pass
    proc = cli(db, "import", "profiles", "--store", "x")
    assert proc.returncode == 2 and "import profiles takes --delete NAME and --format only" in one_line(proc)


def test_api_form_takes_profile_and_map_value(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with shoplens.connect(str(db)) as wh:
        import_files(wh, [write(tmp_path / "nov.csv", NOVEMBER)], table="orders", store="tmall", currency="CNY",
                     timezone="Asia/Shanghai", maps=MAPS, value_maps=VALUES, save_profile="tmall-orders")
        add_user(wh, "root", PASSWORD, "admin", ["*"])
    server = ApiServer(db)
    client = server.client("root")
    try:
        r = client.post("/api/v1/imports", files={"file": ("dec.csv", DECEMBER.encode("utf-8"), "text/csv")},
                        data={"profile": "tmall-orders", "map_value": ["订单状态:交易关闭=cancelled"]})
        assert r.status_code == 200, r.text
        assert (r.json()["profile"], r.json()["loaded"], r.json()["quarantined"]) == ("tmall-orders", 3, 0)
        bad = client.post("/api/v1/imports", files={"file": ("dec.csv", DECEMBER.encode("utf-8"), "text/csv")},
                          data={"profile": "tmall-orders", "map_value": ["订单状态交易关闭"]})
        assert bad.status_code == 400 and "bad value map" in bad.json()["error"]["message"]
    finally:
        client.close()
        server.stop()
    got = duckdb.connect(str(db), read_only=True).execute(
        "SELECT count(*), sum(gross_amount) FROM orders").fetchone()
    assert got == (5, Decimal("1299") + 88 + 2000 + 10 + Decimal("5.5"))




def test_a_canonical_profile_with_a_preset_says_the_profile_is_why(tmp_path: Path) -> None:
    """A profile holding --map/--map-value used with --preset: the error names the profile, not options the user
    never typed."""
    nov = tmp_path / "nov.csv"
    nov.write_text(NOVEMBER, encoding="utf-8")
    with shoplens.connect(str(tmp_path / "p.duckdb")) as wh:
        import_files(wh, [nov], table="orders", store="tmall", currency="CNY", timezone="Asia/Shanghai",
                     maps=MAPS, value_maps=VALUES, save_profile="tmall-monthly")
        with pytest.raises(ShoplensError) as info:
            import_files(wh, [nov], preset="tmall-orders", store="tmall", profile="tmall-monthly")
    assert "profile 'tmall-monthly' holds --map/--map-value" in info.value.message
    assert "tmall-monthly" in info.value.zh and "--profile tmall-monthly" in info.value.hint
