"""Product types (issue #16 part 1): lines that are not goods stay in GMV and out of product measures.

The online-retail rule is applied here by hand (the issue's list): POST, DOT, C2 shipping; M, m, D, B adjustment;
S sample; BANK CHARGES, AMAZONFEE, CRUK fee; gift_0001_* voucher; everything else (DCGS…, PADS too) merchandise.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import shoplens
from shoplens.ingest.pipeline import import_files
from shoplens.warehouse.migrations import MIGRATIONS, migrate_to_latest

SHIPPING, ADJUSTMENT = {"POST", "DOT", "C2"}, {"M", "m", "D", "B"}
FEE, SAMPLE = {"BANK CHARGES", "AMAZONFEE", "CRUK"}, {"S"}


def by_hand(code: str) -> str:
    if code in SHIPPING:
        return "shipping"
    if code in ADJUSTMENT:
        return "adjustment"
    if code in FEE:
        return "fee"
    if code in SAMPLE:
        return "sample"
    return "voucher" if code.startswith("gift_0001_") else "merchandise"


HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
# invoice 1: two goods (3 x 2.00, 1 x 10.00) + postage 18.00; invoice 2: a DCGS good, PADS, a manual line, a
# voucher, a sample, bank charges; invoice 3: only postage and a fee
LINES = [
    "1,85123A,HEART HOLDER,3,2011-03-01 10:00,2.00,100,United Kingdom",
    "1,22423,CAKESTAND,1,2011-03-01 10:00,10.00,100,United Kingdom",
    "1,POST,POSTAGE,1,2011-03-01 10:00,18.00,100,United Kingdom",
    "2,DCGS0003,BOXED GLASS,2,2011-03-02 11:00,4.00,200,France",
    "2,PADS,PADS TO MATCH,1,2011-03-02 11:00,0.50,200,France",
    "2,M,Manual,1,2011-03-02 11:00,7.00,200,France",
    "2,gift_0001_20,Dotcomgiftshop Gift Voucher,1,2011-03-02 11:00,16.67,200,France",
    "2,S,SAMPLES,1,2011-03-02 11:00,3.00,200,France",
    "2,BANK CHARGES,Bank Charges,1,2011-03-02 11:00,15.00,200,France",
    "3,C2,CARRIAGE,1,2011-03-03 09:00,50.00,300,EIRE",
    "3,AMAZONFEE,AMAZON FEE,1,2011-03-03 09:00,5.00,300,EIRE",
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("types")
    path = folder / "retail.csv"
    path.write_text("\n".join([HEADER, *LINES]) + "\n", encoding="utf-8")
    wh = shoplens.connect(str(folder / "w.duckdb"))
    import_files(wh, [path], preset="online-retail", store="uk")
    yield wh
    wh.close()


def test_preset_sets_the_type_of_every_code(shop: Any) -> None:
    got = dict(shop.con.execute("SELECT product_id, product_type FROM products").fetchall())
    codes = {line.split(",")[1] for line in LINES}
    assert got == {c: by_hand(c) for c in codes}
    assert got["DCGS0003"] == got["PADS"] == "merchandise"


def _one(wh: Any, metric: str, **kw: Any) -> Any:
    frame = shoplens.metrics(wh, metric, start=date(2011, 3, 1), end=date(2011, 3, 3), **kw)
    return frame


def test_gmv_keeps_every_line_product_measures_count_goods(shop: Any) -> None:
    # GMV: every sale line (postage, fees, vouchers too): 6 + 10 + 18 + 8 + 0.5 + 7 + 16.67 + 3 + 15 + 50 + 5
    assert float(_one(shop, "gmv")["gmv"].iloc[0]) == pytest.approx(139.17)
    # paid units: goods only: 3 + 1 + 2 + 1
    assert float(_one(shop, "paid_units")["paid_units"].iloc[0]) == 7
    # SKUs on sale: 85123A, 22423, DCGS0003, PADS
    assert float(_one(shop, "sku_count")["sku_count"].iloc[0]) == 4
    by_product = _one(shop, "gmv", by=["product"])
    assert set(by_product["product"]) == {"85123A", "22423", "DCGS0003", "PADS"}
    assert dict(zip(by_product["product"], by_product["gmv"].astype(float), strict=True)) == pytest.approx(
        {"85123A": 6.0, "22423": 10.0, "DCGS0003": 8.0, "PADS": 0.5})
    # items per order: goods units over paid orders (3 orders; invoice 3 has no goods)
    assert float(_one(shop, "items_per_order")["items_per_order"].iloc[0]) == pytest.approx(7 / 3)


def test_migration_types_the_products_of_an_older_warehouse(tmp_path: Path) -> None:
    """A warehouse at schema 16 (before product types) with online-retail and other SKUs."""
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    migrate_to_latest(con, MIGRATIONS[:16])
    for table in ("products", "_history_products"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN product_type")
        con.execute(f"ALTER TABLE {table} DROP COLUMN supplier")
    con.execute("INSERT INTO products (store_id, product_id, currency) VALUES "
                "('uk', 'POST', 'GBP'), ('uk', 'gift_0001_10', 'GBP'), ('uk', '85123A', 'GBP'), "
                "('cn', 'POST', 'CNY')")
    con.execute("INSERT INTO import_manifest (import_id, store_id, preset) VALUES (1, 'uk', 'online-retail'), "
                "(2, 'cn', NULL)")
    assert migrate_to_latest(con) >= 17
    got = con.execute("SELECT store_id, product_id, product_type FROM products ORDER BY ALL").fetchall()
    assert got == [("cn", "POST", "merchandise"), ("uk", "85123A", "merchandise"), ("uk", "POST", "shipping"),
                   ("uk", "gift_0001_10", "voucher")]
    assert "product_type" in {r[0] for r in con.execute("DESCRIBE _history_products").fetchall()}
    con.close()


# ---------------------------------------------------------------- the real file, against pandas


@pytest.fixture(scope="module")
def retail(datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, pd.DataFrame]]:
    path = datasets / "online_retail/online_retail.csv.gz"
    lines = pd.read_csv(path, dtype=str, keep_default_na=False)
    lines.columns = ["invoice", "stock", "description", "quantity", "date", "price", "customer", "country"]
    lines["stock"] = lines.stock.str.strip()
    qty, price = lines.quantity.astype(int), lines.price.astype(float)
    lines["sale"] = ~lines.invoice.str.startswith(("C", "A")) & (qty > 0) & (price > 0)
    lines["qty"], lines["amount"] = qty, qty * price
    lines["type"] = lines.stock.map(by_hand)
    wh = shoplens.connect(str(tmp_path_factory.mktemp("retail_types") / "w.duckdb"))
    import_files(wh, [path], preset="online-retail", store="uk")
    yield wh, lines
    wh.close()


def test_real_file_types_and_measures(retail: tuple[Any, pd.DataFrame]) -> None:
    wh, lines = retail
    loaded = lines["sale"] | (lines.invoice.str.startswith("C") & (lines.amount <= 0))  # refunds: -(q x p) >= 0
    codes = lines[loaded].drop_duplicates("stock").set_index("stock")["type"]
    stored = dict(wh.con.execute("SELECT product_id, product_type FROM products WHERE store_id = 'uk'").fetchall())
    assert stored == codes.to_dict()
    assert {t for t in stored.values() if t != "merchandise"} == {"shipping", "adjustment", "fee", "sample",
                                                                   "voucher"}
    sales = lines[lines["sale"]]
    goods = sales[sales.type == "merchandise"]
    whole = {"start": date(2010, 12, 1), "end": date(2011, 12, 9), "store": "uk"}
    frame = shoplens.metrics(wh, ["gmv", "paid_units", "sku_count"], **whole)
    assert float(frame["gmv"].iloc[0]) == pytest.approx(sales.amount.sum(), rel=1e-9)
    assert int(frame["paid_units"].iloc[0]) == int(goods.qty.sum())
    # every SKU of the file is on sale: the goods among the codes that loaded
    assert int(frame["sku_count"].iloc[0]) == int((codes == "merchandise").sum())
    by_product = shoplens.metrics(wh, "gmv", by=["product"], **whole)
    assert not set(by_product["product"]) & set(codes[codes != "merchandise"].index)
    assert float(by_product["gmv"].astype(float).sum()) == pytest.approx(goods.amount.sum(), rel=1e-9)
