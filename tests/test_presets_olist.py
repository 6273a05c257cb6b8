"""olist preset on the real (partial) Olist files; expectations recomputed with pandas.

Rules applied independently (from the preset's docstring): customers keyed by
customer_unique_id, the person's last line wins; payments one row per line in BRL; products get
the English category when the translation is in the same import; sellers and customers get
country BR and 5-digit zip prefixes.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from shoplens.errors import SchemaError
from shoplens.ingest.pipeline import import_files

DIR = "olist_partial"
CUSTOMERS = "olist_customers_dataset.csv.gz"
PAYMENTS = "olist_order_payments_dataset.csv.gz"
PRODUCTS = "olist_products_dataset.csv"
SELLERS = "olist_sellers_dataset.csv"
TRANSLATION = "product_category_name_translation.csv"


def read(datasets: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(datasets / DIR / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def olist(datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Store ``br``: all five files in one import (translation listed last on purpose);
    store ``pt``: products alone; store ``tr``: the translation alone."""
    wh = shoplens.connect(str(tmp_path_factory.mktemp("olist") / "w.duckdb"))
    d = datasets / DIR
    full = import_files(wh, [d / f for f in (PRODUCTS, CUSTOMERS, PAYMENTS, SELLERS, TRANSLATION)],
                        preset="olist", store="br")
    alone = import_files(wh, [d / PRODUCTS], preset="olist", store="pt")
    translation = import_files(wh, [d / TRANSLATION], preset="olist", store="tr")
    yield {"con": wh.con, "full": {Path(f.file).name: f for f in full.files}, "alone": alone,
           "translation": translation}
    wh.close()


def rows(con: Any, sql: str, store: str = "br") -> list[tuple[Any, ...]]:
    return con.execute(sql, [store]).fetchall()


def test_every_file_balances(olist: dict[str, Any], datasets: Path) -> None:
    for name, file in olist["full"].items():
        assert file.read == len(read(datasets, name))
        assert file.read == file.loaded + file.duplicates + file.quarantined
        assert file.quarantined == 0


def test_customers_one_row_per_person(olist: dict[str, Any], datasets: Path) -> None:
    df = read(datasets, CUSTOMERS)
    file = olist["full"][CUSTOMERS]
    assert (file.read, file.loaded, file.duplicates) == (99_441, 96_096, 99_441 - 96_096)
    assert df.customer_unique_id.nunique() == 96_096
    last = df.drop_duplicates("customer_unique_id", keep="last")
    expected = {u: ("BR", f"state:{s},city:{c},zip:{z.zfill(5)}") for u, s, c, z in zip(
        last.customer_unique_id, last.customer_state, last.customer_city, last.customer_zip_code_prefix,
        strict=True)}
    got = rows(olist["con"], "SELECT user_id, country, tags FROM customers WHERE store_id = ?")
    assert {r[0]: r[1:] for r in got} == expected


def test_payments(olist: dict[str, Any], datasets: Path) -> None:
    df = read(datasets, PAYMENTS)
    df["amount"] = df.payment_value.map(Decimal)
    con = olist["con"]
    count, total, currencies = rows(con, "SELECT count(*), sum(amount), list(DISTINCT currency) FROM payments "
                                         "WHERE store_id = ?")[0]
    assert count == len(df) == 103_886
    assert total == sum(df.amount) == Decimal("16008872.12")
    assert currencies == ["BRL"]
    by_method = {m: (len(g), sum(g.amount), int(g.payment_installments.astype(int).sum()))
                 for m, g in df.groupby("payment_type")}
    got = rows(con, "SELECT method, count(*), sum(amount), sum(installments) FROM payments WHERE store_id = ? "
                    "GROUP BY 1")
    assert {r[0]: r[1:] for r in got} == by_method
    got = rows(con, "SELECT order_id, payment_seq, amount FROM payments WHERE store_id = ?")
    assert {(o, s): a for o, s, a in got} == {
        (o, int(s)): a for o, s, a in zip(df.order_id, df.payment_sequential, df.amount, strict=True)}


def test_products_with_translation(olist: dict[str, Any], datasets: Path) -> None:
    df, tr = read(datasets, PRODUCTS), read(datasets, TRANSLATION)
    english = dict(zip(tr.product_category_name, tr.product_category_name_english, strict=True))
    expected = {p: (english.get(c, c) if c else None) for p, c in zip(df.product_id, df.product_category_name,
                                                                       strict=True)}
    got = dict(rows(olist["con"], "SELECT product_id, category FROM products WHERE store_id = ?"))
    assert len(got) == 32_951
    assert got == expected
    untranslated = {c for c in df.product_category_name if c and c not in english}
    assert untranslated == {"pc_gamer", "portateis_cozinha_e_preparadores_de_alimentos"}  # kept in Portuguese
    assert got["1e9e8ef04dbcff4541ed26657ea517e5"] == "perfumery"


def test_products_without_translation(olist: dict[str, Any], datasets: Path) -> None:
    df = read(datasets, PRODUCTS)
    got = dict(rows(olist["con"], "SELECT product_id, category FROM products WHERE store_id = ?", "pt"))
    assert got == {p: (c or None) for p, c in zip(df.product_id, df.product_category_name, strict=True)}


def test_translation_alone(olist: dict[str, Any]) -> None:
    file = olist["translation"].files[0]
    assert (file.read, file.loaded, file.duplicates, file.quarantined) == (71, 71, 0, 0)
    assert file.tables == {}


def test_sellers(olist: dict[str, Any], datasets: Path) -> None:
    df = read(datasets, SELLERS)
    expected = {s: (c, st, z.zfill(5), "BR") for s, c, st, z in zip(
        df.seller_id, df.seller_city, df.seller_state, df.seller_zip_code_prefix, strict=True)}
    got = rows(olist["con"], "SELECT seller_id, city, state, zip_prefix, country FROM sellers WHERE store_id = ?")
    assert len(got) == 3_095
    assert {r[0]: r[1:] for r in got} == expected


def test_store_defaults(olist: dict[str, Any]) -> None:
    got = rows(olist["con"], "SELECT timezone, reporting_currency FROM stores WHERE store_id = ?")
    assert got == [("America/Sao_Paulo", "BRL")]


@pytest.mark.parametrize("name", ["olist_marketing_qualified_leads_dataset.csv.gz", "olist_closed_deals_dataset.csv"])
def test_unknown_table_is_a_schema_error(datasets: Path, wh: Any, name: str) -> None:
    with pytest.raises(SchemaError) as info:
        import_files(wh, [datasets / DIR / name], preset="olist", store="x")
    assert "customer_unique_id" in str(info.value) and "payment_sequential" in str(info.value)
    assert wh.con.execute("SELECT count(*) FROM import_manifest").fetchone()[0] == 0


def test_optional_columns_may_be_missing(tmp_path: Path, wh: Any) -> None:
    """Detection needs only the identifying headers; other known columns may be absent."""
    path = tmp_path / "payments.csv"
    path.write_text("payment_value,order_id,payment_sequential\n10.50,o1,1\n2.25,o1,2\n")
    file = import_files(wh, [path], preset="olist", store="x").files[0]
    assert (file.read, file.loaded, file.quarantined) == (2, 2, 0)
    got = wh.con.execute("SELECT order_id, payment_seq, method, installments, amount FROM payments "
                         "ORDER BY payment_seq").fetchall()
    assert got == [("o1", 1, None, None, Decimal("10.5")), ("o1", 2, None, None, Decimal("2.25"))]
