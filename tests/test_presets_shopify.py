"""shopify-orders, shopify-products, shopify-customers on the sample files in tests/data/presets.

Expectations are computed here with the csv module from the documented rules (docs/presets.md),
not with the preset's SQL: order-level values come from an order's first line; an order whose
Financial Status is not one of Shopify's seven is quarantined whole; a line whose quantity is not
a whole number is quarantined alone; gross = sum of quantity x price of the loaded lines; paid =
paid / partially_paid / refunded / partially_refunded; one refund per order with Refunded Amount.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import shoplens
from shoplens.errors import SchemaError
from shoplens.ingest.pipeline import import_files

DATA = Path(__file__).parent / "data" / "presets"
ORDERS, PRODUCTS, CUSTOMERS = (DATA / f"shopify_{k}_export.csv" for k in ("orders", "products", "customers"))
EUR_USD = Decimal("1.08")  # the fixture's rate for 2024-03-03
KNOWN = {"paid", "partially_paid", "refunded", "partially_refunded", "pending", "authorized", "voided"}
PAID = {"paid", "partially_paid", "refunded", "partially_refunded"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def expected_orders() -> dict[str, Any]:
    """Orders, items, refunds and quarantined lines of the sample, by the documented rules."""
    lines = read(ORDERS)
    first: dict[str, dict[str, str]] = {}
    for row in lines:
        first.setdefault(row["Name"], row)
    orders: dict[str, dict[str, Any]] = {}
    items, quarantined = [], []
    broken = {row["Name"] for row in lines if not row["Lineitem quantity"].isdigit()}  # refused whole
    for number, row in enumerate(lines, start=2):  # line 1 is the header
        head = first[row["Name"]]
        if head["Financial Status"] not in KNOWN:
            quarantined.append((number, "Financial Status", "unmapped_value"))
            continue
        if not row["Lineitem quantity"].isdigit():
            quarantined.append((number, "Lineitem quantity", "invalid_int"))
            continue
        if row["Name"] in broken:
            quarantined.append((number, "Name", "order_incomplete"))
            continue
        amount = int(row["Lineitem quantity"]) * Decimal(row["Lineitem price"])
        items.append((row["Name"], row["Lineitem sku"], int(row["Lineitem quantity"]), Decimal(row["Lineitem price"])))
        order = orders.setdefault(row["Name"], {"gross": Decimal(0), "head": head})
        order["gross"] += amount
    refunds = {n: Decimal(o["head"]["Refunded Amount"]) for n, o in orders.items()
               if Decimal(o["head"]["Refunded Amount"] or 0) > 0}
    return {"lines": lines, "orders": orders, "items": items, "quarantined": quarantined, "refunds": refunds}


def in_usd(amount: Decimal, currency: str) -> Decimal:
    return amount * EUR_USD if currency == "EUR" else amount


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Store ``us`` (USD, New York) with a EUR rate, then orders, products, customers; orders imported twice."""
    tmp = tmp_path_factory.mktemp("shopify")
    wh = shoplens.connect(str(tmp / "w.duckdb"))
    fx = tmp / "fx.csv"
    fx.write_text("date,currency,rate_to\n2024-03-03,EUR,1.08\n")
    import_files(wh, [fx], table="fx_rates", store="us", currency="USD", timezone="America/New_York")
    first = import_files(wh, [ORDERS], preset="shopify-orders", store="us").files[0]
    again = import_files(wh, [ORDERS], preset="shopify-orders", store="us").files[0]
    products = import_files(wh, [PRODUCTS], preset="shopify-products", store="us").files[0]
    customers = import_files(wh, [CUSTOMERS], preset="shopify-customers", store="us").files[0]
    yield {"wh": wh, "con": wh.con, "first": first, "again": again, "products": products, "customers": customers}
    wh.close()


def test_orders_conservation_and_quarantine(shop: dict[str, Any]) -> None:
    exp = expected_orders()
    first = shop["first"]
    assert first.read == len(exp["lines"]) == 13
    assert first.quarantined == len(exp["quarantined"]) == 4
    assert first.loaded == len(exp["items"]) == 9
    assert first.read == first.loaded + first.duplicates + first.quarantined
    got = shop["con"].execute('SELECT line, "column", reason FROM quarantine WHERE file LIKE ? ORDER BY line',
                              ["%shopify_orders_export.csv"]).fetchall()
    assert got == exp["quarantined"]
    assert first.tables == {"order_items": 9, "orders": len(exp["orders"]), "refunds": len(exp["refunds"]),
                            "customers": 5}


def test_reimport_is_idempotent(shop: dict[str, Any]) -> None:
    again, first = shop["again"], shop["first"]
    assert (again.read, again.loaded, again.duplicates, again.quarantined) == (first.read, 0, first.loaded,
                                                                               first.quarantined)
    con = shop["con"]
    assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == len(expected_orders()["orders"])
    assert con.execute("SELECT count(*) FROM refunds").fetchone()[0] == 2


def test_orders_rows(shop: dict[str, Any]) -> None:
    exp = expected_orders()
    got = {r[0]: r[1:] for r in shop["con"].execute(
        "SELECT order_id, gross_amount, currency, discount, shipping_fee, tax, country, user_id, paid_ts IS NOT NULL "
        "FROM orders").fetchall()}
    want = {}
    for name, o in exp["orders"].items():
        h = o["head"]
        want[name] = (o["gross"], h["Currency"], Decimal(h["Discount Amount"]), Decimal(h["Shipping"]),
                      Decimal(h["Taxes"]), h["Shipping Country"], h["Email"].lower() or None,
                      h["Financial Status"] in PAID)
    assert got == want
    items = shop["con"].execute("SELECT order_id, product_id, quantity, unit_price FROM order_items").fetchall()
    assert sorted(items) == sorted(exp["items"])


def test_statuses_channels_and_instants(shop: dict[str, Any]) -> None:
    rows = dict(shop["con"].execute("SELECT order_id, status FROM orders").fetchall())
    # hand-derived from the sample: fulfilled -> shipped; Cancelled at or voided -> cancelled;
    # pending/authorized -> created
    assert rows == {"#1001": "shipped", "#1002": "shipped", "#1003": "created", "#1004": "cancelled",
                    "#1005": "paid", "#1006": "cancelled", "#1009": "created"}  # #1008 has a bad line
    channels = dict(shop["con"].execute("SELECT order_id, channel FROM orders WHERE channel IS NOT NULL").fetchall())
    assert channels == {"#1002": "other", "#1004": "other", "#1005": "social"}  # pos, draft order, instagram
    # 2024-03-01 10:15:00 -0500 is 15:15 UTC whatever the store's zone
    created = shop["con"].execute("SELECT created_ts FROM orders WHERE order_id = '#1001'").fetchone()[0]
    assert created == dt.datetime(2024, 3, 1, 15, 15)
    refund = shop["con"].execute("SELECT ts, amount FROM refunds WHERE order_id = '#1004'").fetchone()
    assert refund == (dt.datetime(2024, 3, 4, 17, 0), Decimal(42))  # Cancelled at 12:00 -0500


def test_metrics_equal_independent_numbers(shop: dict[str, Any]) -> None:
    exp = expected_orders()
    paid = {n: o for n, o in exp["orders"].items() if o["head"]["Financial Status"] in PAID}
    gmv = sum(in_usd(o["gross"], o["head"]["Currency"]) for o in paid.values())
    refunds = sum(exp["refunds"].values())
    assert len(paid) == 4 and gmv == Decimal("62.50") + 60 + 37 + Decimal("23.76")
    m = shoplens.metrics(shop["wh"], ["gmv", "orders", "aov", "refund_amount"], store="us",
                         start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31))
    assert float(m["gmv"].iloc[0]) == pytest.approx(float(gmv))
    assert int(m["orders"].iloc[0]) == len(paid)
    assert float(m["aov"].iloc[0]) == pytest.approx(float(gmv) / len(paid))
    assert float(m["refund_amount"].iloc[0]) == pytest.approx(float(refunds)) == 62.0


def test_products(shop: dict[str, Any]) -> None:
    f = shop["products"]
    assert (f.read, f.loaded, f.quarantined) == (8, 5, 3)
    lines = read(PRODUCTS)
    head: dict[str, dict[str, str]] = {}
    for row in lines:
        head.setdefault(row["Handle"], row)
    status = {"active": "on_sale", "draft": "off_shelf", "archived": "discontinued"}
    want = {}
    for row in lines:
        h = head[row["Handle"]]
        if row["Variant SKU"] and h["Status"] in status:
            want[row["Variant SKU"]] = (h["Title"], h["Type"] or h["Product Category"], h["Vendor"],
                                        Decimal(row["Variant Price"].replace(",", "")),
                                        Decimal(row["Cost per item"]) if row["Cost per item"] else None,
                                        status[h["Status"]])
    got = {r[0]: r[1:] for r in shop["con"].execute(
        "SELECT product_id, name, category, brand, list_price, unit_cost, status FROM products").fetchall()}
    assert got == want
    q = shop["con"].execute('SELECT line, "column", reason FROM quarantine WHERE file LIKE ? ORDER BY line',
                            ["%shopify_products_export.csv"]).fetchall()
    assert q == [(4, "Handle", "no_variant"), (8, "Variant SKU", "missing_required"), (9, "Status", "unmapped_value")]


def test_customers_link_to_orders(shop: dict[str, Any]) -> None:
    f = shop["customers"]
    rows = read(CUSTOMERS)
    with_email = [r for r in rows if r["Email"]]
    assert (f.read, f.loaded, f.quarantined) == (len(rows), len(with_email), len(rows) - len(with_email))
    got = shop["con"].execute("SELECT user_id, country, tags, first_seen IS NOT NULL FROM customers "
                              "WHERE user_id IN ('ann@example.com', 'bob@example.com')  ORDER BY 1").fetchall()
    # country and tags from the customers file; first_seen kept from the orders imported before it
    assert got == [("ann@example.com", "US", "vip, newsletter", True), ("bob@example.com", "CA", None, True)]


def test_wrong_kind_names_the_right_preset(wh: Any) -> None:
    with pytest.raises(SchemaError) as info:
        import_files(wh, [PRODUCTS], preset="shopify-orders", store="x", currency="USD", timezone="UTC")
    assert "shopify-products" in str(info.value.hint) and "Financial Status" in str(info.value)
    assert wh.con.execute("SELECT count(*) FROM import_manifest").fetchone()[0] == 0


def test_new_store_needs_currency_and_timezone(wh: Any) -> None:
    with pytest.raises(Exception, match="--currency"):
        import_files(wh, [ORDERS], preset="shopify-orders", store="x")


def test_unknown_currency_quarantines_the_whole_order(tmp_path: Path, wh: Any) -> None:
    text = ORDERS.read_text(encoding="utf-8").splitlines()
    header, line1, line2 = text[0], text[1], text[2]  # the two lines of #1001
    path = tmp_path / "orders.csv"
    path.write_text("\n".join([header, line1.replace(",USD,", ",XYZ,"), line2.replace(",USD,", ",,")]) + "\n")
    f = import_files(wh, [path], preset="shopify-orders", store="x", currency="USD", timezone="UTC").files[0]
    assert (f.read, f.loaded, f.quarantined) == (2, 0, 2)
    reasons = wh.con.execute('SELECT line, "column", reason FROM quarantine ORDER BY line, reason').fetchall()
    assert (2, "Currency", "unknown_currency") in reasons and (3, "Currency", "missing_required") in reasons


@pytest.mark.parametrize(("sample", "preset"), [
    (ORDERS, "shopify-orders"), (PRODUCTS, "shopify-products"), (CUSTOMERS, "shopify-customers"),
    (DATA / "woocommerce_orders_export.csv", "woocommerce-orders")])
def test_each_sample_is_recognised_by_its_preset_only(sample: Path, preset: str) -> None:
    from shoplens.presets import get_preset, preset_names

    with sample.open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    claim = {n for n in preset_names() if getattr(get_preset(n), "recognise", lambda _h: False)(header)}
    assert claim == {preset}
    assert getattr(get_preset(preset), "expects", "") and CJK.search(get_preset(preset).expects_zh)


def test_wrong_kind_from_the_command_line(tmp_path: Path) -> None:
    """As a user sees it: non-zero exit, one line naming the preset the file looks like, both languages, no
    traceback, nothing written."""
    db = tmp_path / "w.duckdb"
    for lang, words in (("en", "looks like a shopify-customers file"), ("zh", "它像是 shopify-customers 文件")):
        run = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "--lang", lang, "import",
                              "--preset", "shopify-orders", str(CUSTOMERS), "--store", "x", "--currency", "USD",
                              "--timezone", "UTC"], capture_output=True, text=True, timeout=120)
        assert run.returncode != 0
        assert words in run.stderr + run.stdout
        assert "Traceback" not in run.stderr


def test_order_in_another_currency_without_a_rate_stops_the_import(wh: Any) -> None:
    """Orders are derived rows: a missing EUR rate cannot be quarantined line by line, so nothing is written and
    the error names the currency and the local day to add."""
    with pytest.raises(Exception, match=r"EUR->USD for 2024-03-03") as info:
        import_files(wh, [ORDERS], preset="shopify-orders", store="x", currency="USD", timezone="America/New_York")
    assert "fx_rates" in str(info.value.hint)
    assert wh.con.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
    assert wh.con.execute("SELECT count(*) FROM import_manifest").fetchone()[0] == 0
