"""Edge cases a review found: every expectation is written by hand from the rule it protects."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import shoplens
from shoplens.errors import ShoplensError
from shoplens.ingest.pipeline import import_files


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def rows(wh, sql: str) -> list[tuple]:
    return wh.con.execute(sql).fetchall()


def test_derived_rows_keep_what_a_richer_import_stored(tmp_path: Path, wh) -> None:
    """An order line knows no customer tier or product brand: deriving must not wipe them."""
    customers = write(tmp_path / "customers.csv", "user_id,first_seen,member_tier,tags\n"
                                                  "17850,2010-01-01 00:00:00,gold,vip\n")
    products = write(tmp_path / "products.csv", "product_id,name,brand,list_price,currency\n"
                                                "85123A,Heart holder,Acme,3.00,GBP\n")
    import_files(wh, [customers, products], store="uk", currency="GBP", timezone="Europe/London")
    retail = write(tmp_path / "retail.csv", "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
                                            "CustomerID,Country\n536365,85123A,WHITE HANGING HEART,6,"
                                            "2010-12-01 08:26:00,2.55,17850,United Kingdom\n")
    import_files(wh, [retail], preset="online-retail", store="uk")
    assert rows(wh, "SELECT member_tier, tags, first_seen::VARCHAR, country FROM customers") == [
        ("gold", "vip", "2010-01-01 00:00:00", "United Kingdom")]  # tier kept, earliest first_seen kept
    assert rows(wh, "SELECT name, brand, list_price FROM products") == [
        ("WHITE HANGING HEART", "Acme", Decimal("3.0000"))]  # the name the lines carry, the brand kept


def test_first_seen_is_the_minimum_inside_one_file(tmp_path: Path, wh) -> None:
    f = write(tmp_path / "c.csv", "user_id,first_seen\nu1,2020-01-01 00:00:00\nu1,2021-01-01 00:00:00\n")
    summary = import_files(wh, [f], store="s", currency="USD", timezone="UTC")
    assert rows(wh, "SELECT first_seen::VARCHAR FROM customers") == [("2020-01-01 00:00:00",)]
    assert (summary.loaded, summary.duplicates) == (1, 1)


def test_store_settings_come_from_a_stores_file_in_the_same_import(tmp_path: Path, wh) -> None:
    stores = write(tmp_path / "stores.csv", "store_id,name,reporting_currency,timezone\nt,Tokyo,EUR,Asia/Tokyo\n")
    fx = write(tmp_path / "fx.csv", "date,currency,rate_to\n2024-03-02,USD,0.9\n")
    # 2024-03-01 20:00 UTC is 2024-03-02 05:00 in Tokyo: the EUR rate of the 2nd applies
    orders = write(tmp_path / "o.csv", "order_id,created_ts,currency,gross_amount\no1,2024-03-01T20:00:00Z,USD,10\n")
    import_files(wh, [orders, fx, stores], store="t")  # any order on the command line
    assert rows(wh, "SELECT reporting_currency, timezone FROM stores") == [("EUR", "Asia/Tokyo")]
    assert rows(wh, "SELECT fx_rate, gross_amount_rc FROM orders") == [(Decimal("0.9"), Decimal("9.0000"))]


def test_a_store_with_data_keeps_its_currency_and_zone(tmp_path: Path, wh) -> None:
    orders = write(tmp_path / "o.csv", "order_id,created_ts,gross_amount\no1,2024-03-01 10:00:00,10\n")
    import_files(wh, [orders], store="s", currency="USD", timezone="UTC")
    stores = write(tmp_path / "stores.csv", "store_id,name,reporting_currency,timezone\ns,Shop,EUR,Asia/Tokyo\n"
                                            "s,Shop,USD,UTC\n")
    summary = import_files(wh, [stores], store="s")
    assert summary.files[0].reasons == {"store_settings_locked": 1}
    assert rows(wh, "SELECT name, reporting_currency, timezone FROM stores") == [("Shop", "USD", "UTC")]


def test_jsonl_keys_that_appear_late_are_read(tmp_path: Path, wh) -> None:
    lines = [json.dumps({"order_id": f"o{i}", "created_ts": "2024-03-01 10:00:00", "gross_amount": 1})
             for i in range(1500)]
    lines[1200] = json.dumps({"order_id": "o1200", "created_ts": "2024-03-01 10:00:00", "gross_amount": 1,
                              "discount": 0.5})
    f = write(tmp_path / "o.jsonl", "\n".join(lines) + "\n")
    import_files(wh, [f], store="s", currency="USD", timezone="UTC")
    assert rows(wh, "SELECT order_id, discount FROM orders WHERE discount IS NOT NULL") == [
        ("o1200", Decimal("0.5000"))]


def test_quarantine_is_per_real_file(tmp_path: Path, wh) -> None:
    (tmp_path / "d1").mkdir()
    (tmp_path / "d2").mkdir()
    bad = "order_id,created_ts,gross_amount\no1,not a date,1\n"
    a = write(tmp_path / "d1" / "x.csv", bad)
    b = write(tmp_path / "d2" / "x.csv", bad.replace("o1", "o2"))
    import_files(wh, [a], store="s", currency="USD", timezone="UTC")
    import_files(wh, [b], store="s", currency="USD", timezone="UTC")
    assert sorted(rows(wh, "SELECT file, value FROM quarantine")) == [
        (str(a.absolute()), "not a date"), (str(b.absolute()), "not a date")]
    summary = import_files(wh, [a, a], store="s", currency="USD")  # listed twice, read once
    assert len(summary.files) == 1
    assert rows(wh, "SELECT count(*) FROM quarantine") == [(2,)]


def test_latin1_is_not_mistaken_for_gbk(tmp_path: Path, wh) -> None:
    f = write(tmp_path / "p.csv", "product_id,name\np1,Crème brûlée\n", encoding="latin-1")
    with pytest.raises(ShoplensError, match="cannot tell the text encoding"):
        import_files(wh, [f], store="s", table="products", currency="USD", timezone="UTC")
    import_files(wh, [f], store="s", table="products", encoding="latin-1", currency="USD", timezone="UTC")
    assert rows(wh, "SELECT name FROM products") == [("Crème brûlée",)]


def test_ids_are_trimmed_and_blank_ids_are_missing(tmp_path: Path, wh) -> None:
    f = write(tmp_path / "o.csv", "order_id,created_ts,gross_amount\n o9 ,2024-03-01 10:00:00,1\n"
                                  "o9,2024-03-01 10:00:00,1\n   ,2024-03-01 10:00:00,1\n")
    summary = import_files(wh, [f], store="s", currency="USD", timezone="UTC")
    assert rows(wh, "SELECT order_id FROM orders") == [("o9",)]
    assert (summary.loaded, summary.duplicates, summary.quarantined) == (1, 1, 1)
    assert rows(wh, 'SELECT line, "column", reason FROM quarantine') == [(4, "order_id", "missing_required")]


def test_huge_integers_are_refused_not_rounded(tmp_path: Path, wh) -> None:
    f = write(tmp_path / "i.csv", "order_id,line_no,quantity,unit_price\n"
                                  "o1,1,9007199254740993,1\no1,2,99999999999999999999,1\n")
    summary = import_files(wh, [f], store="s", table="order_items", currency="USD", timezone="UTC")
    assert rows(wh, "SELECT quantity FROM order_items") == [(9007199254740993,)]
    assert summary.files[0].reasons == {"invalid_int": 1}


def test_empty_strings_in_parquet_are_empty_cells(tmp_path: Path, wh) -> None:
    f = tmp_path / "o.parquet"
    pq.write_table(pa.table({"order_id": ["o1", ""], "created_ts": ["2024-03-01 10:00:00"] * 2,
                             "gross_amount": [1.5, 2.0]}), f)
    summary = import_files(wh, [f], store="s", currency="USD", timezone="UTC")
    assert rows(wh, "SELECT order_id, gross_amount FROM orders") == [("o1", Decimal("1.5000"))]
    assert rows(wh, 'SELECT line, "column", reason FROM quarantine') == [(2, "order_id", "missing_required")]
    assert summary.quarantined == 1


def test_a_workbook_with_several_sheets_needs_sheet(tmp_path: Path, wh) -> None:
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["just a note"])
    orders = book.create_sheet("orders")
    orders.append(["order_id", "created_ts", "gross_amount"])
    orders.append(["o1", "2024-03-01 10:00:00", 3])
    path = tmp_path / "export.xlsx"
    book.save(path)
    with pytest.raises(ShoplensError, match="several sheets"):
        import_files(wh, [path], store="s", currency="USD", timezone="UTC")
    import_files(wh, [path], store="s", currency="USD", sheet="orders", timezone="UTC")
    assert rows(wh, "SELECT order_id, gross_amount FROM orders") == [("o1", Decimal("3.0000"))]


def test_delimiter_can_be_given(tmp_path: Path, wh) -> None:
    f = tmp_path / "o.txt.gz"
    with gzip.open(f, "wt") as fh:
        fh.write("order_id|created_ts|gross_amount\no1|2024-03-01 10:00:00|4\n")
    import_files(wh, [f], store="s", currency="USD", delimiter="|", table="orders", timezone="UTC")
    assert rows(wh, "SELECT order_id, gross_amount FROM orders") == [("o1", Decimal("4.0000"))]


def test_offsets_written_with_a_space(tmp_path: Path, db_path: Path) -> None:
    f = write(tmp_path / "o.csv", "order_id,created_ts,gross_amount\no1,2024-11-11 20:00:00 +0800,1\n")
    with shoplens.connect(str(db_path)) as wh:
        import_files(wh, [f], store="s", currency="USD", timezone="UTC")
        assert rows(wh, "SELECT created_ts::VARCHAR FROM orders") == [("2024-11-11 12:00:00",)]
