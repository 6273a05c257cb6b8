"""woocommerce-orders on tests/data/presets/woocommerce_orders_export.csv (Customer / Order / Coupon
Export, one row per item). Expectations recomputed with the csv module from the documented rules:
a status outside the seven WooCommerce core statuses quarantines the order's lines; a line whose
item_subtotal is not a number is quarantined alone; gross = sum of item_subtotal of the loaded
lines; paid = processing / completed / refunded; refunded_total > 0 is one refund.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

import shoplens
from shoplens.errors import SchemaError
from shoplens.ingest.pipeline import import_files

SAMPLE = Path(__file__).parent / "data" / "presets" / "woocommerce_orders_export.csv"
STATUSES = {"processing", "completed", "refunded", "pending", "on-hold", "cancelled", "failed"}
PAID = {"processing", "completed", "refunded"}


def number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def expected() -> dict[str, Any]:
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    orders: dict[str, dict[str, Any]] = {}
    quarantined, items = [], []
    broken = {row["order_number"] for row in lines if number(row["item_subtotal"]) is None}  # refused whole
    for n, row in enumerate(lines, start=2):
        if row["status"] not in STATUSES:
            quarantined.append((n, "status", "unmapped_value"))
        elif number(row["item_subtotal"]) is None:
            quarantined.append((n, "item_subtotal", "invalid_number"))
        elif row["order_number"] in broken:
            quarantined.append((n, "order_number", "order_incomplete"))
        else:
            items.append(row)
            o = orders.setdefault(row["order_number"], {"gross": Decimal(0), "row": row})
            o["gross"] += Decimal(row["item_subtotal"])
    return {"lines": lines, "orders": orders, "items": items, "quarantined": quarantined}


@pytest.fixture(scope="module")
def woo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    wh = shoplens.connect(str(tmp_path_factory.mktemp("woo") / "w.duckdb"))
    run = [import_files(wh, [SAMPLE], preset="woocommerce-orders", store="eu", currency="EUR",
                        timezone="Europe/Berlin").files[0] for _ in range(2)]
    yield {"wh": wh, "con": wh.con, "first": run[0], "again": run[1]}
    wh.close()


def test_conservation_quarantine_and_reimport(woo: dict[str, Any]) -> None:
    exp, first, again = expected(), woo["first"], woo["again"]
    assert (first.read, first.loaded, first.duplicates, first.quarantined) == (
        len(exp["lines"]), len(exp["items"]), 0, len(exp["quarantined"])) == (9, 6, 0, 3)
    assert (again.read, again.loaded, again.duplicates, again.quarantined) == (9, 0, 6, 3)
    got = woo["con"].execute('SELECT line, "column", reason FROM quarantine ORDER BY line').fetchall()
    assert got == exp["quarantined"]


def test_orders_and_items(woo: dict[str, Any]) -> None:
    exp = expected()
    got = {r[0]: r[1:] for r in woo["con"].execute(
        "SELECT order_id, gross_amount, discount, shipping_fee, tax, currency, country, user_id, paid_ts IS NOT NULL "
        "FROM orders").fetchall()}
    want = {k: (o["gross"], Decimal(o["row"]["discount_total"]), Decimal(o["row"]["shipping_total"]),
                Decimal(o["row"]["tax_total"]), o["row"]["order_currency"], o["row"]["shipping_country"],
                o["row"]["billing_email"].lower() or None, o["row"]["status"] in PAID)
            for k, o in exp["orders"].items()}
    assert got == want
    items = woo["con"].execute("SELECT sum(quantity), sum(quantity * unit_price) FROM order_items").fetchone()
    assert items == (sum(int(r["item_quantity"]) for r in exp["items"]),
                     sum(Decimal(r["item_subtotal"]) for r in exp["items"]))
    status = dict(woo["con"].execute("SELECT order_id, status FROM orders").fetchall())
    assert status == {"2101": "shipped", "2102": "paid", "2103": "paid", "2104": "created", "2105": "cancelled"}
    # order_date is Berlin local time (CEST, UTC+2 in May)
    created = woo["con"].execute("SELECT created_ts FROM orders WHERE order_id = '2101'").fetchone()[0]
    assert created == dt.datetime(2024, 5, 1, 7, 30)


def test_metrics_equal_independent_numbers(woo: dict[str, Any]) -> None:
    exp = expected()
    paid = [o for o in exp["orders"].values() if o["row"]["status"] in PAID]
    gmv = sum(o["gross"] for o in paid)
    refunds = sum(abs(Decimal(o["row"]["refunded_total"])) for o in exp["orders"].values())
    assert (len(paid), gmv, refunds) == (3, Decimal("117.00"), Decimal("13.90"))
    m = shoplens.metrics(woo["wh"], ["gmv", "orders", "aov", "refund_amount"], store="eu",
                         start=dt.date(2024, 5, 1), end=dt.date(2024, 5, 31))
    assert float(m["gmv"].iloc[0]) == pytest.approx(float(gmv))
    assert int(m["orders"].iloc[0]) == len(paid)
    assert float(m["aov"].iloc[0]) == pytest.approx(float(gmv) / len(paid))
    assert float(m["refund_amount"].iloc[0]) == pytest.approx(float(refunds))


def test_wrong_kind_names_the_right_preset(wh: Any) -> None:
    shopify = Path(__file__).parent / "data" / "presets" / "shopify_orders_export.csv"
    with pytest.raises(SchemaError) as info:
        import_files(wh, [shopify], preset="woocommerce-orders", store="x", currency="USD", timezone="UTC")
    assert "shopify-orders" in str(info.value.hint) and "order_date" in str(info.value)
    assert wh.con.execute("SELECT count(*) FROM import_manifest").fetchone()[0] == 0
