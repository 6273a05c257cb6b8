"""cdnow preset on the real CDNOW master and 1/10 sample; expectations recomputed with pandas.

Rules applied independently (from the preset's docstring): one line = one paid order of the
master customer id (no zero padding) on that New York calendar date; order_id =
customer-YYYYMMDD-k, k numbering the customer's lines of that date; gross = dollars; one item
per order with quantity = CDs and unit_price = dollars / CDs rounded half-up to 4 decimals.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from shoplens.ingest.pipeline import import_files

DIR = "cdnow"
LOCAL = "timezone('America/New_York', timezone('UTC', {}))"


def read_txt(path: Path, sample: bool) -> pd.DataFrame:
    names = ["customer", "sample_id", "date", "cds", "dollars"] if sample else ["customer", "date", "cds", "dollars"]
    df = pd.read_csv(path, sep=r"\s+", header=None, names=names, dtype=str)
    df["customer"] = df.customer.astype(int).astype(str)  # "00004" -> "4"
    df["k"] = df.groupby(["customer", "date"]).cumcount() + 1
    df["order_id"] = df.customer + "-" + df.date + "-" + df.k.astype(str)
    df["amount"] = df.dollars.map(Decimal)
    return df


def by_month(df: pd.DataFrame) -> dict[str, Decimal]:
    months = df.date.str[:4] + "-" + df.date.str[4:6]
    return {m: sum(g, Decimal(0)) for m, g in df.amount.groupby(months)}


def summary_tuple(summary: Any) -> tuple[int, int, int, int]:
    file = summary.files[0]
    return file.read, file.loaded, file.duplicates, file.quarantined


@pytest.fixture(scope="module")
def cdnow(datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Store ``master``: master .txt, then master .csv.gz, then sample .txt; store ``sample``:
    sample .csv.gz, then sample .txt."""
    wh = shoplens.connect(str(tmp_path_factory.mktemp("cdnow") / "w.duckdb"))
    d = datasets / DIR

    def run(name: str, store: str) -> Any:
        return import_files(wh, [d / name], preset="cdnow", store=store)

    result = {"master_txt": run("CDNOW_master.txt", "master"), "master_csv": run("cdnow_master.csv.gz", "master"),
              "sample_in_master": run("CDNOW_sample.txt", "master"),
              "sample_csv": run("cdnow_sample.csv.gz", "sample"), "sample_txt": run("CDNOW_sample.txt", "sample")}
    yield {"con": wh.con, "master": read_txt(d / "CDNOW_master.txt", False),
           "sample": read_txt(d / "CDNOW_sample.txt", True), **result}
    wh.close()


def one(con: Any, sql: str, store: str) -> Any:
    return con.execute(sql, [store]).fetchone()[0]


@pytest.mark.parametrize(("store", "customers", "total"), [
    ("master", 23_570, Decimal("2500315.63")), ("sample", 2_357, Decimal("244091.94"))])
def test_orders_customers_totals(cdnow: dict[str, Any], store: str, customers: int, total: Decimal) -> None:
    con, df = cdnow["con"], cdnow[store]
    assert (df.cds.astype(int) >= 0).all() and (df.amount >= 0).all()  # nothing to quarantine
    assert one(con, "SELECT count(*) FROM orders WHERE store_id = ?", store) == len(df)
    assert one(con, "SELECT count(*) FROM customers WHERE store_id = ?", store) == df.customer.nunique() == customers
    assert one(con, "SELECT sum(gross_amount) FROM orders WHERE store_id = ?", store) == sum(df.amount) == total
    assert one(con, "SELECT count(*) FROM orders WHERE store_id = ? AND gross_amount = 0", store) == \
        int((df.amount == 0).sum())


@pytest.mark.parametrize("store", ["master", "sample"])
def test_totals_by_month(cdnow: dict[str, Any], store: str) -> None:
    rows = cdnow["con"].execute(
        f"SELECT strftime({LOCAL.format('created_ts')}, '%Y-%m'), sum(gross_amount) FROM orders "
        "WHERE store_id = ? GROUP BY 1", [store]).fetchall()
    expected = by_month(cdnow[store])
    assert dict(rows) == expected
    assert len(expected) == 18  # 1997-01 .. 1998-06


@pytest.mark.parametrize("store", ["master", "sample"])
def test_order_ids_items_and_first_seen(cdnow: dict[str, Any], store: str) -> None:
    con, df = cdnow["con"], cdnow[store]
    rows = con.execute(
        f"SELECT o.order_id, o.user_id, strftime({LOCAL.format('o.created_ts')}, '%Y%m%d %H:%M'), o.gross_amount, "
        "i.line_no, i.quantity, i.unit_price FROM orders o LEFT JOIN order_items i "
        "ON i.store_id = o.store_id AND i.order_id = o.order_id WHERE o.store_id = ?", [store]).fetchall()
    step = Decimal("0.0001")
    expected = {
        oid: (c, f"{d} 00:00", a, 1, int(n), (a / int(n)).quantize(step, ROUND_HALF_UP))
        for oid, c, d, a, n in zip(df.order_id, df.customer, df.date, df.amount, df.cds, strict=True)}
    assert {r[0]: r[1:] for r in rows} == expected
    assert one(con, "SELECT sum(quantity) FROM order_items WHERE store_id = ?", store) == df.cds.astype(int).sum()
    first = con.execute(f"SELECT user_id, strftime({LOCAL.format('first_seen')}, '%Y%m%d') FROM customers "
                        "WHERE store_id = ?", [store]).fetchall()
    assert dict(first) == df.groupby("customer").date.min().to_dict()


def test_txt_and_csv_are_the_same_orders(cdnow: dict[str, Any]) -> None:
    """Both encodings give the same ids, so the second file is all duplicates; the sample's rows
    are the master's rows of the sampled customers (the master id is the buyer)."""
    n_master, n_sample = len(cdnow["master"]), len(cdnow["sample"])
    assert summary_tuple(cdnow["master_txt"]) == (n_master, n_master, 0, 0)
    assert summary_tuple(cdnow["master_csv"]) == (n_master, 0, n_master, 0)
    assert summary_tuple(cdnow["sample_in_master"]) == (n_sample, 0, n_sample, 0)
    assert summary_tuple(cdnow["sample_csv"]) == (n_sample, n_sample, 0, 0)
    assert summary_tuple(cdnow["sample_txt"]) == (n_sample, 0, n_sample, 0)
    assert cdnow["sample_csv"].files[0].ignored_columns == ["customer_id"]  # the 1..2357 sample id
    assert set(cdnow["sample"].order_id) <= set(cdnow["master"].order_id)


def test_zero_cds_and_negative_values(tmp_path: Path, wh: Any) -> None:
    """Not in the real data, so written here: 0 CDs keeps the order without an item; a negative
    CD count or dollar value is quarantined."""
    path = tmp_path / "cd.txt"
    path.write_text(" 00001 19970101  0   10.00\r\n 00002 19970101  1   -5.00\r\n 00003 19970102 -1    5.00\r\n")
    file = import_files(wh, [path], preset="cdnow", store="x").files[0]
    assert (file.read, file.loaded, file.quarantined, file.reasons) == (3, 1, 2, {"negative": 2})
    assert wh.con.execute("SELECT order_id, gross_amount FROM orders").fetchall() == [("1-19970101-1", Decimal(10))]
    assert wh.con.execute("SELECT count(*) FROM order_items").fetchone()[0] == 0
    assert sorted(r[0] for r in wh.con.execute("SELECT line FROM quarantine").fetchall()) == [2, 3]
