"""Numbers as platform exports write them, end to end (issue #15, part 2): thousands separators, currency symbols
checked against the row's currency (``currency_mismatch``), percent signs on rates.

Every expected value is written by hand next to its cell; converted amounts are checked against plain SQL over
the rates the test imported.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from shoplens.ingest.parse import REASONS
from shoplens.ingest.pipeline import import_files

# rate_to as a percent where it reads naturally ("14.00%" = 0.14 USD per CNY); a plain number too
RATES = {"CNY": ("14.00%", Decimal("0.14")), "JPY": ("0.0067", Decimal("0.0067")), "CAD": ("73.5%", Decimal("0.735")),
         "HKD": ("0.128", Decimal("0.128")), "EUR": ("1.08", Decimal("1.08")), "GBP": ("1.27", Decimal("1.27"))}
# order id, currency cell, gross_amount cell, discount cell -> None (loads, with this gross) or the refused column
ORDERS = [
    ("a1", "CNY", "¥1,299.00", "", Decimal("1299.00")),
    ("a2", "CNY", "CN¥88.00", "", Decimal("88.00")),
    ("a3", "CNY", "￥ 1,000.50", "", Decimal("1000.50")),
    ("a4", "JPY", "¥12,000", "", Decimal("12000")),
    ("a5", "USD", "US$5", "", Decimal("5")),
    ("a6", "CAD", "$1,234.56", "$1.00", Decimal("1234.56")),  # $ is any dollar
    ("a7", "HKD", "HK$ 1,299.00", "", Decimal("1299.00")),
    ("a8", "EUR", "€9.99", "", Decimal("9.99")),
    ("a9", "GBP", "£1,000", "", Decimal("1000")),
    ("a10", "USD", "1,234,567.89", "", Decimal("1234567.89")),  # no symbol: nothing to check
    ("b1", "USD", "¥88.00", "", "gross_amount"),
    ("b2", "JPY", "CN¥88.00", "", "gross_amount"),
    ("b3", "USD", "HK$10", "", "gross_amount"),
    ("b4", "GBP", "€5", "", "gross_amount"),
    ("b5", "EUR", "£5", "", "gross_amount"),
    ("b6", "CNY", "$5", "", "gross_amount"),
    ("b7", "USD", "US$100", "€2", "discount"),  # the discount's symbol is checked too
    ("b8", "CAD", "US$5", "", "gross_amount"),
]


@pytest.fixture
def loaded(wh, tmp_path: Path):
    rates = tmp_path / "fx.csv"
    rates.write_text("date,currency,rate_to\n" + "".join(f"2026-03-01,{c},\"{r}\"\n" for c, (r, _) in RATES.items()),
                     encoding="utf-8")
    import_files(wh, [rates], table="fx_rates", store="s", currency="USD", timezone="UTC")
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_ts,currency,gross_amount,discount\n" + "".join(
        f'{o},2026-03-01 10:00:00,{c},"{g}","{d}"\n' for o, c, g, d, _ in ORDERS), encoding="utf-8")
    return import_files(wh, [orders], table="orders", store="s")


def test_percent_rates_and_thousands_load_exactly(wh, loaded) -> None:
    got = dict(wh.con.execute("SELECT currency, rate_to FROM fx_rates").fetchall())
    assert got == {c: r for c, (_, r) in RATES.items()}


def test_symbols_that_fit_the_currency_load_with_exact_amounts(wh, loaded) -> None:
    good = {o: g for o, _c, _g, _d, g in ORDERS if isinstance(g, Decimal)}
    rows = dict(wh.con.execute("SELECT order_id, gross_amount FROM orders").fetchall())
    assert rows == good
    assert wh.con.execute("SELECT discount FROM orders WHERE order_id = 'a6'").fetchone()[0] == Decimal("1.00")
    # converted with the rates written above (amount * rate, 1 for USD; 1,234,567.89 USD once overflowed)
    currency = {o: c for o, c, _g, _d, _x in ORDERS}
    want = {o: (g * (RATES[currency[o]][1] if currency[o] != "USD" else 1)).quantize(Decimal("0.0001"))
            for o, g in good.items()}
    assert dict(wh.con.execute("SELECT order_id, gross_amount_rc FROM orders").fetchall()) == want


def test_a_symbol_that_cannot_be_the_rows_currency_is_quarantined(wh, loaded) -> None:
    bad = {o: col for o, _c, _g, _d, col in ORDERS if isinstance(col, str)}
    assert loaded.quarantined == len(bad) and loaded.files[0].reasons == {"currency_mismatch": len(bad)}
    rows = wh.con.execute("SELECT json_extract_string(raw, '$.order_id'), \"column\", value, message FROM quarantine"
                          ).fetchall()
    assert {r[0]: r[1] for r in rows} == bad
    assert {r[0]: r[2] for r in rows}["b7"] == "€2"
    assert all(REASONS["currency_mismatch"][0] in r[3] and REASONS["currency_mismatch"][1] in r[3] for r in rows)


def test_without_a_currency_column_the_store_currency_is_checked(wh, tmp_path: Path) -> None:
    """A symbol never sets the currency: the row's currency is the column, --currency or the store's."""
    path = tmp_path / "o.csv"
    path.write_text('order_id,created_ts,gross_amount\nc1,2026-03-01,"¥1,299.00"\nc2,2026-03-01,US$5\n'
                    "c3,2026-03-01,88\n", encoding="utf-8")
    summary = import_files(wh, [path], table="orders", store="cn", currency="CNY", timezone="Asia/Shanghai")
    assert (summary.loaded, summary.quarantined) == (2, 1)
    assert wh.con.execute("SELECT json_extract_string(raw, '$.order_id'), reason FROM quarantine").fetchall() == [
        ("c2", "currency_mismatch")]
    assert dict(wh.con.execute("SELECT order_id, gross_amount FROM orders").fetchall()) == {
        "c1": Decimal("1299.00"), "c3": Decimal("88")}


def test_traffic_counts_with_separators_and_money_with_symbols(wh, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('date,visitors,page_views,buyers,paid_amount\n2026-03-01,"1,234","12,345",56,"¥12,345.60"\n'
                    '2026-03-02,"1,5",10,1,¥1\n2026-03-03,10,10,1,"12%"\n2026-03-04,10,10,1,"$5"\n', encoding="utf-8")
    summary = import_files(wh, [path], table="traffic_daily", store="cn", currency="CNY", timezone="Asia/Shanghai")
    assert summary.loaded == 1
    assert summary.files[0].reasons == {"invalid_int": 1, "invalid_number": 1, "currency_mismatch": 1}
    assert wh.con.execute("SELECT visitors, page_views, buyers, paid_amount FROM traffic_daily").fetchall() == [
        (1234, 12345, 56, Decimal("12345.60"))]
