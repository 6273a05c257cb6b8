"""``product_name`` next to ``product`` in metric rows (shoplens.metrics.product_names).

A hand-made warehouse of two stores (UTC, CNY) loaded from CSV the way users load data. Period
2026-03-02 .. 2026-03-08, previous 2026-02-23 .. 2026-03-01. Expected rows are worked out by hand:

    store a  products p1 'Mug, "Big" 大杯', p2 'Tea (A)', p4 (no name)      (p9 is sold, not in the catalog)
             oa0 2026-02-25  p1 1x10                     (previous period)
             oa1 2026-03-03  p1 2x10, p2 1x30, p4 1x4     ua1, the only gold member
             oa2 2026-03-05  p9 1x5
    store b  products p2 'Tea (B)', p3 'Line one\\nLine two', p4 'Soap 肥皂', p5 '[b]Old[/b] 旧'
             ob0 2026-02-24  p2 1x20, p5 1x3             (previous period)
             ob1 2026-03-04  p2 3x20, p3 1x7

Without --by store, p2 takes store a's name (first store in id order) and p4 store b's (a has no name).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shoplens
from api_server import PASSWORD, ApiServer
from csv_files import write_csv
from shoplens.analyses.segments import SegmentMetricsEngine as MetricsEngine
from shoplens.ingest.pipeline import import_files
from shoplens.metrics.spec import load_catalog
from shoplens.server.accounts import add_user

MUG, TEA_A, TEA_B = 'Mug, "Big" 大杯', "Tea (A)", "Tea (B)"
LINES, SOAP, OLD = "Line one\nLine two", "Soap 肥皂", "[b]Old[/b] 旧"
START, END = date(2026, 3, 2), date(2026, 3, 8)
RANGE = ["--from", str(START), "--to", str(END)]

DATA: dict[str, dict[str, tuple[str, list[tuple[str, ...]]]]] = {
    "a": {
        "products": ("product_id,name,category", [("p1", MUG, "home"), ("p2", TEA_A, "food"), ("p4", "", "care")]),
        "customers": ("user_id,member_tier", [("ua1", "gold"), ("ua2", "silver")]),
        "orders": ("order_id,user_id,created_ts,paid_ts,status,gross_amount", [
            ("oa0", "ua2", "2026-02-25T10:00:00Z", "2026-02-25T10:00:00Z", "paid", "10"),
            ("oa1", "ua1", "2026-03-03T10:00:00Z", "2026-03-03T10:00:00Z", "paid", "54"),
            ("oa2", "ua2", "2026-03-05T10:00:00Z", "2026-03-05T10:00:00Z", "paid", "5")]),
        "order_items": ("order_id,line_no,product_id,quantity,unit_price", [
            ("oa0", "1", "p1", "1", "10"), ("oa1", "1", "p1", "2", "10"), ("oa1", "2", "p2", "1", "30"),
            ("oa1", "3", "p4", "1", "4"), ("oa2", "1", "p9", "1", "5")]),
    },
    "b": {
        "products": ("product_id,name,category", [("p2", TEA_B, "food"), ("p3", LINES, "home"),
                                                  ("p4", SOAP, "care"), ("p5", OLD, "home")]),
        "orders": ("order_id,user_id,created_ts,paid_ts,status,gross_amount", [
            ("ob0", "ub1", "2026-02-24T10:00:00Z", "2026-02-24T10:00:00Z", "paid", "23"),
            ("ob1", "ub1", "2026-03-04T10:00:00Z", "2026-03-04T10:00:00Z", "paid", "67")]),
        "order_items": ("order_id,line_no,product_id,quantity,unit_price", [
            ("ob0", "1", "p2", "1", "20"), ("ob0", "2", "p5", "1", "3"), ("ob1", "1", "p2", "3", "20"),
            ("ob1", "2", "p3", "1", "7")]),
    },
}

BY_PRODUCT = [
    {"product": "p1", "product_name": MUG, "gmv": 20.0, "paid_units": 2},
    {"product": "p2", "product_name": TEA_A, "gmv": 90.0, "paid_units": 4},
    {"product": "p3", "product_name": LINES, "gmv": 7.0, "paid_units": 1},
    {"product": "p4", "product_name": SOAP, "gmv": 4.0, "paid_units": 1},
    {"product": "p9", "product_name": None, "gmv": 5.0, "paid_units": 1},
]
BY_STORE_PRODUCT = [
    {"store": "a", "product": "p1", "product_name": MUG, "gmv": 20.0, "paid_units": 2},
    {"store": "a", "product": "p2", "product_name": TEA_A, "gmv": 30.0, "paid_units": 1},
    {"store": "a", "product": "p4", "product_name": None, "gmv": 4.0, "paid_units": 1},
    {"store": "a", "product": "p9", "product_name": None, "gmv": 5.0, "paid_units": 1},
    {"store": "b", "product": "p2", "product_name": TEA_B, "gmv": 60.0, "paid_units": 3},
    {"store": "b", "product": "p3", "product_name": LINES, "gmv": 7.0, "paid_units": 1},
]
STORE_B = [{"product": "p2", "product_name": TEA_B, "gmv": 60.0}, {"product": "p3", "product_name": LINES, "gmv": 7.0}]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("product_names")
    path = folder / "names.duckdb"
    with shoplens.connect(str(path)) as wh:
        for store, tables in DATA.items():
            for table, (header, rows) in tables.items():
                file = write_csv(folder / f"{store}_{table}.csv", header, rows)
                summary = import_files(wh, [file], table=table, store=store, currency="CNY", timezone="UTC")
                assert summary.files[0].quarantined == 0, (store, table, summary.examples)
                assert summary.files[0].loaded == len(rows), (store, table)
    return path


@pytest.fixture(scope="module")
def engine(db: Path) -> Iterator[MetricsEngine]:
    wh = shoplens.connect(str(db), read_only=True)
    try:
        yield MetricsEngine(wh)
    finally:
        wh.close()


def rows(engine: MetricsEngine, metrics: str = "gmv,paid_units", **kw: Any) -> list[dict[str, Any]]:
    return engine.query(metrics, start=START, end=END, targets=False, **kw).rows


def cli(db: Path, *args: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SHOPLENS_CONFIG"}
    proc = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "metrics", *args, *RANGE],
                          capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**env, "SHOPLENS_LANG": "en", "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# ---- the hand-computed warehouse ------------------------------------------------------------------


def test_names_by_product(engine: MetricsEngine) -> None:
    got = rows(engine, by=["product"])
    assert got == BY_PRODUCT
    assert all(list(r)[:2] == ["product", "product_name"] for r in got)  # right after the id


def test_names_by_store_and_product_are_each_stores_own(engine: MetricsEngine) -> None:
    got = rows(engine, by=["store", "product"])
    assert got == BY_STORE_PRODUCT
    assert list(got[0]) == ["store", "product", "product_name", "gmv", "paid_units"]
    assert list(rows(engine, by=["product", "store"])[0])[:3] == ["product", "product_name", "store"]


def test_names_come_from_the_queried_stores_only(engine: MetricsEngine) -> None:
    """A store's names never show in another store's query (a login limited to b, or --where store=b)."""
    assert rows(engine, "gmv", by=["product"], store="b") == STORE_B
    assert rows(engine, "gmv", by=["product"], where={"store": "b"}) == STORE_B
    assert rows(engine, "gmv", by=["product"], store="a")[1] == {"product": "p2", "product_name": TEA_A, "gmv": 30.0}


def test_sort_and_limit(engine: MetricsEngine) -> None:
    assert rows(engine, by=["product"], sort="gmv:desc", limit=2) == [BY_PRODUCT[1], BY_PRODUCT[0]]
    assert rows(engine, by=["product"], sort="gmv:asc", limit=1) == [BY_PRODUCT[3]]


def test_compare_previous_names_rows_of_either_period(engine: MetricsEngine) -> None:
    got = rows(engine, "gmv", by=["product"], compare="previous")
    assert got == [
        {"product": "p1", "product_name": MUG, "gmv": 20.0, "gmv__previous": 10.0, "gmv__previous_change": 1.0},
        {"product": "p2", "product_name": TEA_A, "gmv": 90.0, "gmv__previous": 20.0, "gmv__previous_change": 3.5},
        {"product": "p3", "product_name": LINES, "gmv": 7.0, "gmv__previous": 0.0, "gmv__previous_change": None},
        {"product": "p4", "product_name": SOAP, "gmv": 4.0, "gmv__previous": 0.0, "gmv__previous_change": None},
        {"product": "p5", "product_name": OLD, "gmv": 0.0, "gmv__previous": 3.0, "gmv__previous_change": -1.0},
        {"product": "p9", "product_name": None, "gmv": 5.0, "gmv__previous": 0.0, "gmv__previous_change": None},
    ]


def test_grain_and_segment(engine: MetricsEngine) -> None:
    daily = rows(engine, "gmv", by=["product"], grain="day", where={"store": "b"})
    assert [(r["period"], r["product"], r["product_name"], r["gmv"]) for r in daily if r["gmv"]] == [
        ("2026-03-04", "p2", TEA_B, 60.0), ("2026-03-04", "p3", LINES, 7.0)]
    gold = rows(engine, "gmv", by=["product"], segment="member_tier=gold")
    assert gold == [{"product": "p1", "product_name": MUG, "gmv": 20.0},
                    {"product": "p2", "product_name": TEA_A, "gmv": 30.0},
                    {"product": "p4", "product_name": SOAP, "gmv": 4.0}]


def test_not_a_metric_and_only_with_product(engine: MetricsEngine) -> None:
    catalog = load_catalog()
    assert "product_name" not in catalog.metrics and "product_name" not in catalog.dimensions
    assert "product_name" not in rows(engine, by=["category"])[0]
    result = engine.query("gmv,paid_units", by=["product"], start=START, end=END, targets=False)
    assert result.dims == ["product"] and result.metrics == ["gmv", "paid_units"]
    frame = result.to_pandas()
    assert list(frame.columns) == ["product", "product_name", "gmv", "paid_units"]
    assert frame.loc[frame["product"] == "p9", "product_name"].isna().all()


def test_cli_json_csv_and_table(db: Path, tmp_path: Path) -> None:
    out = cli(db, "gmv,paid_units", "--by", "product", "--format", "json", cwd=tmp_path)
    assert json.loads(out)["rows"] == BY_PRODUCT
    assert "大杯" in out  # UTF-8 kept, not \u escapes

    table = list(csv.reader(io.StringIO(cli(db, "gmv,paid_units", "--by", "product", "--format", "csv",
                                            cwd=tmp_path))))
    assert table[0] == ["product", "product_name", "gmv", "paid_units"]
    assert table[1:] == [["p1", MUG, "20.0", "2"], ["p2", TEA_A, "90.0", "4"], ["p3", LINES, "7.0", "1"],
                         ["p4", SOAP, "4.0", "1"], ["p9", "", "5.0", "1"]]

    shown = cli(db, "gmv", "--by", "product", "--compare", "previous", cwd=tmp_path)
    assert "product_name" in shown and TEA_A in shown and "Line one" in shown
    assert OLD in shown  # a name is data: printed as it is, not read as Rich markup


def test_rest_json_and_csv_for_a_login_of_one_store(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "served.duckdb"
    shutil.copy(db, copy)
    with shoplens.connect(str(copy)) as wh:
        add_user(wh, "bea", PASSWORD, "viewer", ["b"])
        add_user(wh, "root", PASSWORD, "admin", ["*"])
    server = ApiServer(copy)
    try:
        params = {"metrics": "gmv", "by": "product", "from": str(START), "to": str(END)}
        with server.client("bea") as bea:
            assert bea.get("/api/v1/metrics", params=params).json()["rows"] == STORE_B
        with server.client("root") as root:
            assert root.get("/api/v1/metrics", params={**params, "metrics": "gmv,paid_units"}).json()["rows"] == \
                BY_PRODUCT
            text = root.get("/api/v1/metrics", params={**params, "format": "csv"}).text
        table = list(csv.reader(io.StringIO(text)))
        assert table[0] == ["product", "product_name", "gmv"]
        assert [r[:2] for r in table[1:]] == [["p1", MUG], ["p2", TEA_A], ["p3", LINES], ["p4", SOAP], ["p9", ""]]
    finally:
        server.stop()


# ---- the demo store against a plain SQL lookup ------------------------------------------------------


def test_demo_names_equal_a_plain_lookup(demo_db: Path) -> None:
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        got = MetricsEngine(wh).query("gmv", by=["product"]).rows
        names = dict(wh.con.execute("SELECT product_id, name FROM products WHERE store_id = 'demo'").fetchall())
        assert len(got) > 100
        for row in got:
            assert row["product_name"] == names.get(row["product"]), row
        uv = MetricsEngine(wh).query("uv", by=["product"]).rows
        assert [r["product_name"] for r in uv if r["product"] is None] == [None]  # events without a product
