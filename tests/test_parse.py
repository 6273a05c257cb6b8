"""Cell parsing rules, evaluated in DuckDB exactly as the import runs them (hand-computed values)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from shoplens.ingest.parse import lit, typed_expr
from shoplens.model import get_table


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    yield c
    c.close()


def parse(con, table: str, column: str, text: str | None, tz: str = "UTC"):
    col = get_table(table).column(column)
    value = "NULL::VARCHAR" if text is None else lit(text)
    return con.execute(f"SELECT {typed_expr(col, value, tz)}").fetchone()[0]


@pytest.mark.parametrize(("text", "tz", "expected"), [
    # London is UTC+1 in summer (BST) and UTC+0 in winter
    ("2011-06-01 10:00:00", "Europe/London", datetime(2011, 6, 1, 9, 0)),
    ("2011-12-01 10:00:00", "Europe/London", datetime(2011, 12, 1, 10, 0)),
    ("2024-11-11 00:30:00", "Asia/Shanghai", datetime(2024, 11, 10, 16, 30)),
    ("2024/11/11 08:00", "Asia/Shanghai", datetime(2024, 11, 11, 0, 0)),
    ("2024年11月11日 08:00:00", "Asia/Shanghai", datetime(2024, 11, 11, 0, 0)),
    ("2024-11-11T08:00:00+08:00", "Europe/London", datetime(2024, 11, 11, 0, 0)),
    ("2024-11-11T08:00:00Z", "Asia/Shanghai", datetime(2024, 11, 11, 8, 0)),
    ("1511544070", "Asia/Shanghai", datetime(2017, 11, 24, 17, 21, 10)),  # epoch seconds are absolute
    ("1511544070000", "UTC", datetime(2017, 11, 24, 17, 21, 10)),
    ("2024-13-01 10:00", "UTC", None),
    ("yesterday", "UTC", None),
])
def test_timestamps(con, text: str, tz: str, expected: datetime | None) -> None:
    assert parse(con, "orders", "created_ts", text, tz) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("12.50", Decimal("12.5")), ("-3", Decimal("-3")), ("1e3", Decimal("1000")), (".5", Decimal("0.5")),
    # as platform exports write them (issue #15): thousands separators in groups of three, a symbol before
    # the digits; "12,5" stays unreadable (a decimal comma or a typo), and so do misplaced symbols or percents
    ("1,234.00", Decimal("1234")), ("¥12", Decimal("12")), ("-US$5", Decimal("-5")), ("HK$ 1,299.50",
    Decimal("1299.5")), ("CN¥-3", Decimal("-3")), ("abc", None), ("12,5", None), ("1,23,456", None),
    ("12¥", None), ("5%", None), ("¥¥5", None), ("$", None), ("1,23", None),
])
def test_money(con, text: str, expected: Decimal | None) -> None:
    assert parse(con, "orders", "gross_amount", text) == expected


@pytest.mark.parametrize(("text", "expected"), [("3", 3), (" 4 ", 4), ("5.0", 5), ("1.5", None), ("x", None),
                                               ("1,234", 1234), ("12,34", None), ("¥3", None)])
def test_integers_are_never_rounded(con, text: str, expected: int | None) -> None:
    assert parse(con, "order_items", "quantity", text) == expected


@pytest.mark.parametrize(("column", "text", "expected"), [
    ("channel", "直播", "live_stream"), ("channel", " SEO ", "organic_search"), ("channel", "kol", "kol"),
    ("channel", "tv", None), ("device", "PC", "desktop"), ("status", "Shipped", "shipped"),
    ("status", "lost", None), ("currency", "rmb", "CNY"), ("currency", "eur", "EUR"), ("currency", "EURO", None),
    ("is_member", "是", True), ("is_member", "no", False), ("is_member", "maybe", None),
])
def test_enumerations_and_aliases(con, column: str, text: str, expected: object) -> None:
    assert parse(con, "orders", column, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("pageview", "page_view"), ("buy", "purchase"), ("coupon_claim", "coupon_claim"), ("Bad Event!", None),
])
def test_events_accept_standard_aliases_and_custom_names(con, text: str, expected: str | None) -> None:
    assert parse(con, "events", "event", text) == expected


def test_dates_and_json(con) -> None:
    assert parse(con, "fx_rates", "date", "2024-11-11") == date(2024, 11, 11)
    assert parse(con, "fx_rates", "date", "2024/11/11") == date(2024, 11, 11)
    assert parse(con, "fx_rates", "date", "11/11/2024") is None  # ambiguous day/month order: refused
    assert parse(con, "events", "properties", '{"a": 1}') == '{"a": 1}'
    assert parse(con, "events", "properties", "{a: 1}") is None


def test_timezone_names(con) -> None:
    assert parse(con, "stores", "timezone", "Asia/Shanghai") == "Asia/Shanghai"
    assert parse(con, "stores", "timezone", "Mars/Olympus") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("3.50%", Decimal("0.035")), ("12 %", Decimal("0.12")), ("0.5", Decimal("0.5")), ("1,000.5", Decimal("1000.5")),
    ("¥3", None), ("3%%", None),
])
def test_rates_take_percent_signs(con, text: str, expected: Decimal | None) -> None:
    """A percent sign divides by 100 on rates and scores (never on money: "5%" of what?)."""
    assert parse(con, "fx_rates", "rate_to", text) == expected
