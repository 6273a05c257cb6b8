"""--map-value COLUMN:SRC=DST (issue #15, part 2) and the issue's own Tmall-style order export end to end.

The export is written here from the 订单报表 layout (订单编号 with 19 digits, 订单状态 in Chinese, amounts as "1,299.00"
and "¥88.00"), in UTF-8 and GBK; its expected sums are computed from the cells with Decimal, not by shoplens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import shoplens
from shoplens.errors import SchemaError, ShoplensError
from shoplens.ingest.pipeline import import_files

ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "2"}
HEADER = ["订单编号", "订单状态", "订单创建时间", "买家实际支付金额"]
STATUS = {"交易成功": "delivered", "等待买家付款": "created", "交易关闭": "cancelled"}
MAPS = ["订单编号=order_id", "订单状态=status", "订单创建时间=created_ts", "买家实际支付金额=gross_amount"]
VALUE_MAPS = [f"订单状态:{k}={v}" for k, v in STATUS.items()]
STORE = ["--store", "tmall", "--currency", "CNY", "--timezone", "Asia/Shanghai"]


def rows() -> list[list[str]]:
    """12 orders: every status, amounts with thousands separators and ¥, ids above 2^63 / 10."""
    out = []
    for i in range(12):
        status = list(STATUS)[i % 3]
        amount = f"{1299 + i * 1000:,}.{i:02d}" if i % 2 else f"¥{88 + i}.50"
        out.append([str(3021234567890123456 + i * 7), status, f"2026-11-{11 + i % 3} 0{i % 10}:15:00", amount])
    return out


def write_export(path: Path, encoding: str) -> Path:
    lines = [",".join(HEADER)] + [",".join(f'"{c}"' if "," in c else c for c in r) for r in rows()]
    text = "\n".join(lines) + "\n"
    if encoding == "gbk":  # GBK has no U+00A5: Chinese exports write the full-width ￥
        text = text.replace("¥", "￥")
    path.write_bytes(text.encode(encoding))
    return path


def expected() -> tuple[int, Decimal, Counter]:
    total = sum(Decimal(r[3].replace("¥", "").replace(",", "")) for r in rows())
    return len(rows()), total, Counter(STATUS[r[1]] for r in rows())


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ, **ENV, "SHOPLENS_DB": str(cwd / "w.duckdb")}, cwd=cwd)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_tmall_export_loads_every_row_with_exact_sums(tmp_path: Path, encoding: str) -> None:
    path = write_export(tmp_path / f"tmall_{encoding}.csv", encoding)
    args = [f"--map={m}" for m in MAPS] + [f"--map-value={m}" for m in VALUE_MAPS]
    proc = cli("import", "orders", str(path), *STORE, *args, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    n, total, statuses = expected()
    assert (summary["read"], summary["loaded"], summary["quarantined"]) == (n, n, 0)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    got = con.execute("SELECT count(*), sum(gross_amount), list(order_id ORDER BY order_id) FROM orders").fetchone()
    assert got[0] == n and got[1] == total
    assert got[2] == sorted(r[0] for r in rows())  # 19 digits, exactly
    assert dict(con.execute("SELECT status, count(*) FROM orders GROUP BY 1").fetchall()) == statuses
    assert con.execute("SELECT DISTINCT currency FROM orders").fetchall() == [("CNY",)]


def test_tmall_export_without_value_maps_exits_non_zero_and_says_why(tmp_path: Path) -> None:
    path = write_export(tmp_path / "tmall.csv", "gbk")
    maps = [f"--map={m}" for m in MAPS]
    proc = cli("import", "orders", str(path), *STORE, *maps, cwd=tmp_path)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "no rows loaded" in proc.stderr
    assert "not_allowed 12" in proc.stdout and "订单状态: 交易成功" in proc.stdout
    quarantined = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True).execute(
        "SELECT DISTINCT message FROM quarantine").fetchall()
    assert len(quarantined) == 1 and "--map-value" in quarantined[0][0]  # the hint names the way out
    strict = cli("import", "orders", str(path), *STORE, *maps, "--strict", cwd=tmp_path)
    assert strict.returncode == 5 and "import refused" in strict.stderr, strict.stderr


def _import(wh, path: Path, **kw):
    return import_files(wh, [path], table="orders", store="tmall", currency="CNY", timezone="Asia/Shanghai",
                        maps=MAPS, **kw)


def test_canonical_column_name_works_and_unmapped_values_stay_refused(wh, tmp_path: Path) -> None:
    path = write_export(tmp_path / "t.csv", "utf-8")
    # by canonical column (status) for two values; 交易关闭 is not mapped: its 4 lines are quarantined
    summary = _import(wh, path, value_maps=["status:交易成功=delivered", "订单状态:等待买家付款=created"])
    assert (summary.loaded, summary.quarantined) == (8, 4)
    assert summary.files[0].reasons == {"not_allowed": 4}
    assert wh.con.execute("SELECT count(*) FROM quarantine WHERE value = '交易关闭'").fetchone()[0] == 4


@pytest.mark.parametrize("bad", ["订单状态交易成功=delivered", "订单状态:交易成功", ":交易成功=delivered",
                                 "订单状态:=delivered", "订单状态:交易成功="])
def test_bad_syntax_is_one_line_with_a_hint(wh, tmp_path: Path, bad: str) -> None:
    path = write_export(tmp_path / "t.csv", "utf-8")
    with pytest.raises(SchemaError) as err:
        _import(wh, path, value_maps=[bad])
    assert "bad value map" in str(err.value) and "--map-value COLUMN:SOURCE_VALUE=canonical_value" in str(err.value)
    assert err.value.zh and err.value.zh_hint
    assert wh.con.execute("SELECT count(*) FROM import_manifest").fetchone()[0] == 0


def test_an_unknown_column_names_the_columns_read(wh, tmp_path: Path) -> None:
    path = write_export(tmp_path / "t.csv", "utf-8")
    with pytest.raises(SchemaError) as err:
        _import(wh, path, value_maps=["付款方式:支付宝=alipay"])
    text = str(err.value)
    assert "'付款方式'" in text and "订单状态" in text and err.value.where == str(path.absolute())


def test_map_value_with_a_preset_is_refused_clearly(wh, tmp_path: Path) -> None:
    path = write_export(tmp_path / "t.csv", "utf-8")
    with pytest.raises(ShoplensError) as err:
        import_files(wh, [path], preset="online-retail", value_maps=VALUE_MAPS[:1])
    assert "--map-value work with a canonical import, not with --preset" in str(err.value)


def test_a_value_map_to_a_value_the_column_does_not_take_is_refused(tmp_path: Path) -> None:
    """`--map-value 订单状态:交易成功=done`: refused up front naming the allowed values (it used to import and then
    quarantine every line with the file's own 交易成功, as if the map had been ignored)."""
    file = tmp_path / "t.csv"
    file.write_text("订单编号,订单状态,订单创建时间,买家实际支付金额\n"
                    "3021234567890123456,交易成功,2026-11-11 10:00:00,1\n", encoding="utf-8")
    maps = ["订单编号=order_id", "订单状态=status", "订单创建时间=created_ts", "买家实际支付金额=gross_amount"]
    with shoplens.connect(str(tmp_path / "v.duckdb")) as wh:
        with pytest.raises(SchemaError) as info:
            import_files(wh, [file], table="orders", store="t", currency="CNY", timezone="Asia/Shanghai", maps=maps,
                         value_maps=["订单状态:交易成功=done"])
        assert "'done' is not a value of status" in info.value.message and "delivered" in info.value.hint
        assert wh.con.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
        summary = import_files(wh, [file], table="orders", store="t", currency="CNY", timezone="Asia/Shanghai",
                               maps=maps, value_maps=["订单状态:交易成功=Delivered"])  # any case, as the column reads
        assert summary.loaded == 1
