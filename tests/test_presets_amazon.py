"""amazon-orders, amazon-business-report and amazon-ads on the sample files in tests/data/presets.

The samples are written from Amazon's documented layouts (no seller's data). Every expectation is
recomputed here from the file with the csv module and the rules of docs/presets.md applied by hand:
item-price is the line total; Pending = created without amount or paid time; Non-Amazon lines are
quarantined; the order's country is its marketplace's; the business report's own columns sum to the
traffic_daily rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import shoplens
from shoplens.errors import SchemaError
from shoplens.ingest.pipeline import import_files
from shoplens.metrics import MetricsEngine
from shoplens.presets import get_preset

DATA = Path(__file__).parent / "data" / "presets"
ORDERS = DATA / "amazon-all-orders.txt"
BY_DATE = DATA / "amazon-business-report-by-date.csv"
BY_CHILD = DATA / "amazon-business-report-child-2026-11.csv"
ADS = DATA / "amazon-ads-sp-campaigns.csv"
CAD_RATE = Decimal("0.7")  # fx_rates of the fixture: 1 CAD = 0.70 USD on 2026-11-03 (local LA day)
# the rules, written down independently of the preset's tables
STATUS = {"Shipped": "shipped", "Pending": "created", "Unshipped": "paid", "Cancelled": "cancelled",
          "Shipped - Delivered to Buyer": "delivered"}
MARKET = {"Amazon.com": "US", "Amazon.ca": "CA"}


def money(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", "")) if text else Decimal(0)


def lines(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def expected_orders() -> dict[str, dict[str, Any]]:
    orders: dict[str, dict[str, Any]] = {}
    for row in lines(ORDERS, "\t"):
        if row["sales-channel"] == "Non-Amazon":
            continue
        o = orders.setdefault(row["amazon-order-id"], {
            "status": STATUS[row["order-status"]], "currency": row["currency"] or "USD",
            "created": datetime.fromisoformat(row["purchase-date"]).astimezone(UTC).replace(tzinfo=None),
            "gross": Decimal(0), "discount": Decimal(0), "shipping": Decimal(0), "tax": Decimal(0),
            "country": MARKET[row["sales-channel"]], "items": []})
        o["gross"] += money(row["item-price"])
        # item promotions are the discount on gross (item prices); a shipping promotion lowers shipping
        o["discount"] += abs(money(row["item-promotion-discount"]))
        o["shipping"] += money(row["shipping-price"]) - abs(money(row["ship-promotion-discount"]))
        o["tax"] += money(row["item-tax"]) + money(row["shipping-tax"])
        o["items"].append((row["asin"], int(row["quantity"]), money(row["item-price"])))
    return orders


@pytest.fixture(scope="module")
def amz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("amazon")
    wh = shoplens.connect(str(folder / "w.duckdb"))
    fx = folder / "fx.csv"
    fx.write_text("date,currency,rate_to\n2026-11-03,CAD,0.70\n")
    import_files(wh, [fx], table="fx_rates", store="amz", currency="USD", timezone="America/Los_Angeles")
    first = import_files(wh, [ORDERS], preset="amazon-orders", store="amz")
    before = snapshot(wh.con)
    second = import_files(wh, [ORDERS], preset="amazon-orders", store="amz")
    by_date = import_files(wh, [BY_DATE], preset="amazon-business-report", store="amz")
    by_child = import_files(wh, [BY_CHILD], preset="amazon-business-report", store="amz")
    ads = import_files(wh, [ADS], preset="amazon-ads", store="amz")
    yield {"wh": wh, "con": wh.con, "first": first, "second": second, "before": before,
           "after": snapshot(wh.con), "by_date": by_date, "by_child": by_child, "ads": ads}
    wh.close()


def snapshot(con: Any) -> dict[str, Any]:
    return {t: con.execute(f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM {t} x WHERE store_id = 'amz'")
            .fetchone() for t in ("orders", "order_items", "products", "quarantine")}


# ---------------------------------------------------------------- amazon-orders


def test_orders_conservation(amz: dict[str, Any]) -> None:
    file = amz["first"].files[0]
    rows = lines(ORDERS, "\t")
    non_amazon = sum(r["sales-channel"] == "Non-Amazon" for r in rows)
    assert (file.read, file.loaded, file.duplicates, file.quarantined) == (len(rows), len(rows) - non_amazon, 0,
                                                                           non_amazon) == (8, 7, 0, 1)
    assert file.reasons == {"not_allowed": 1}
    assert file.tables == {"order_items": 7, "orders": len(expected_orders()), "products": 3}
    q = amz["con"].execute("SELECT line, \"column\", reason FROM quarantine WHERE store_id = 'amz'").fetchall()
    assert q == [(8, "sales-channel", "not_allowed")]  # line 8 = the S01- Multi-Channel Fulfillment order


def test_orders_match_the_file(amz: dict[str, Any]) -> None:
    got = amz["con"].execute(
        "SELECT order_id, status, currency, created_ts, paid_ts, gross_amount, discount, shipping_fee, tax, country, "
        "user_id FROM orders WHERE store_id = 'amz'").fetchall()
    expected = expected_orders()
    assert {r[0] for r in got} == set(expected)
    for oid, status, cur, created, paid, gross, discount, shipping, tax, country, user in got:
        e = expected[oid]
        assert (status, cur, created, gross, discount, shipping, tax, country, user) == (
            e["status"], e["currency"], e["created"], e["gross"], e["discount"], e["shipping"], e["tax"],
            e["country"], None), oid
        assert paid == (None if status in ("created", "cancelled") else created), oid


def test_shipping_promotion_lowers_shipping_not_the_goods_discount(amz: dict[str, Any]) -> None:
    """111-4000007: item 24.99, shipping 5.99, ship-promotion-discount -5.99 (free shipping), no item
    promotion. gross_amount has no shipping, so a discount of 5.99 would count a shipping gift as a
    goods discount (net revenue 19.00 instead of 24.99)."""
    row = amz["con"].execute("SELECT gross_amount, discount, shipping_fee FROM orders "
                             "WHERE order_id = '111-4000007-1000007'").fetchone()
    assert row == (Decimal("24.99"), Decimal(0), Decimal(0))
    row = amz["con"].execute("SELECT gross_amount, discount, shipping_fee FROM orders "
                             "WHERE order_id = '111-4000001-1000001'").fetchone()
    assert row == (Decimal("59.97"), Decimal("5.00"), Decimal("4.99"))  # the -5.00 item promotion


def test_pending_order_is_created_without_amount(amz: dict[str, Any]) -> None:
    row = amz["con"].execute("SELECT status, gross_amount, paid_ts, created_ts FROM orders "
                             "WHERE order_id = '111-4000002-1000002'").fetchone()
    # purchase-date 2026-11-02T23:30:00-08:00 is 07:30 UTC the next day: the offset is kept, not the wall time
    assert row == ("created", Decimal(0), None, datetime(2026, 11, 3, 7, 30))


def test_items_are_line_totals_divided_by_quantity(amz: dict[str, Any]) -> None:
    got = amz["con"].execute("SELECT order_id, line_no, product_id, quantity, unit_price FROM order_items "
                             "WHERE store_id = 'amz'").fetchall()
    expected = {(oid, n + 1, asin, q, (price / q) if q else price)
                for oid, o in expected_orders().items() for n, (asin, q, price) in enumerate(o["items"])}
    assert set(got) == expected
    assert ("111-4000001-1000001", 1, "B0SAMPLE01", 2, Decimal("19.99")) in got  # item-price 39.98 for 2


def test_reimport_is_idempotent(amz: dict[str, Any]) -> None:
    file = amz["second"].files[0]
    assert (file.read, file.loaded, file.duplicates, file.quarantined) == (8, 0, 7, 1)
    assert amz["after"]["orders"] == amz["before"]["orders"]
    assert amz["after"]["order_items"] == amz["before"]["order_items"]


def test_gmv_and_paid_orders_from_the_metrics_engine(amz: dict[str, Any]) -> None:
    paid = [o for o in expected_orders().values() if o["status"] in ("paid", "shipped", "delivered")]
    gmv = sum((o["gross"] * (CAD_RATE if o["currency"] == "CAD" else 1) for o in paid), Decimal(0))
    result = MetricsEngine(amz["wh"]).query(["gmv", "orders"], start=date(2026, 11, 1), end=date(2026, 11, 30),
                                           store="amz", targets=False)
    (row,) = result.rows
    assert row["orders"] == len(paid) == 4
    assert Decimal(str(row["gmv"])).quantize(Decimal("0.001")) == gmv == Decimal("59.97") + Decimal("74.97") \
        + Decimal("34.99") * CAD_RATE + Decimal("24.99")


def test_a_later_report_replaces_the_pending_order(tmp_path: Path, wh: Any) -> None:
    header, *rows = ORDERS.read_text().splitlines()
    cols = header.split("\t")
    pending = dict(zip(cols, next(r for r in rows if "\tPending\t" in r).split("\t"), strict=True))
    first = tmp_path / "orders-1.txt"
    first.write_text(header + "\n" + "\t".join(pending.values()) + "\n")
    pending.update({"order-status": "Shipped", "currency": "USD", "item-price": "29.99", "item-tax": "2.40"})
    later = tmp_path / "orders-2.txt"
    later.write_text(header + "\n" + "\t".join(pending.values()) + "\n")
    import_files(wh, [first], preset="amazon-orders", store="a")
    assert wh.con.execute("SELECT status, gross_amount FROM orders").fetchall() == [("created", Decimal(0))]
    import_files(wh, [later], preset="amazon-orders", store="a")
    assert wh.con.execute("SELECT status, gross_amount, tax, paid_ts IS NOT NULL FROM orders").fetchall() == [
        ("shipped", Decimal("29.99"), Decimal("2.40"), True)]


def test_unknown_status_is_quarantined(tmp_path: Path, wh: Any) -> None:
    header, first, *_ = ORDERS.read_text().splitlines()
    path = tmp_path / "orders.txt"
    path.write_text(header + "\n" + first.replace("\tShipped\t", "\tRefunded\t", 1) + "\n")
    summary = import_files(wh, [path], preset="amazon-orders", store="a")
    file = summary.files[0]
    assert (file.read, file.loaded, file.quarantined) == (1, 0, 1)
    assert summary.examples[0]["column"] == "order-status" and summary.examples[0]["value"] == "Refunded"


# ---------------------------------------------------------------- amazon-business-report


def test_by_date_report_equals_its_own_columns(amz: dict[str, Any]) -> None:
    rows = lines(BY_DATE)
    file = amz["by_date"].files[0]
    assert (file.read, file.loaded, file.quarantined) == (len(rows), len(rows), 0)
    got = amz["con"].execute(
        "SELECT date, visitors, page_views, paid_orders, paid_amount, currency FROM traffic_daily "
        "WHERE store_id = 'amz' AND period = 'day' AND product_id = '(all)' AND channel = '(all)' "
        "AND device = '(all)' ORDER BY date").fetchall()
    expected = [(datetime.strptime(r["Date"], "%m/%d/%Y").date(), int(r["Sessions - Total"].replace(",", "")),
                 int(r["Page Views - Total"].replace(",", "")), int(r["Total Order Items"]),
                 money(r["Ordered Product Sales"]), "USD") for r in rows]
    assert got == expected
    sessions, sales = amz["con"].execute("SELECT sum(visitors), sum(paid_amount) FROM traffic_daily "
                                         "WHERE store_id = 'amz' AND period = 'day'").fetchone()
    assert sessions == sum(e[1] for e in expected) == 10909
    assert sales == sum(e[4] for e in expected) == Decimal("10373.47")


def test_child_report_is_one_month_per_asin(amz: dict[str, Any]) -> None:
    rows = lines(BY_CHILD)
    file = amz["by_child"].files[0]
    assert (file.read, file.loaded, file.quarantined) == (4, 4, 0)
    got = amz["con"].execute(
        "SELECT product_id, date, visitors, page_views, paid_orders, paid_amount FROM traffic_daily "
        "WHERE store_id = 'amz' AND period = 'month'").fetchall()
    dash = "\u2013"
    expected = {(r["(Child) ASIN"], date(2026, 11, 1), int(r[f"Sessions {dash} Total"].replace(",", "")),
                 int(r[f"Page Views {dash} Total"].replace(",", "")), int(r["Total Order Items"]),
                 money(r["Ordered Product Sales"])) for r in rows}
    assert set(got) == expected
    assert sum(e[5] for e in expected) == Decimal("14090.69")
    names = dict(amz["con"].execute("SELECT product_id, name FROM products WHERE store_id = 'amz'").fetchall())
    assert names["B0SAMPLE04"] == "Olive Wood Bowl"


def test_child_report_takes_a_day_from_the_file_name(tmp_path: Path, wh: Any) -> None:
    path = tmp_path / "BusinessReport-2026-11-05.csv"
    path.write_bytes(BY_CHILD.read_bytes())
    import_files(wh, [path], preset="amazon-business-report", store="a")
    assert wh.con.execute("SELECT DISTINCT date, period FROM traffic_daily").fetchall() == [(date(2026, 11, 5), "day")]


def test_child_report_without_a_period_in_its_name_is_refused(tmp_path: Path, wh: Any) -> None:
    path = tmp_path / "BusinessReport-12-7-26.csv"  # Amazon names the download after the day it was made
    path.write_bytes(BY_CHILD.read_bytes())
    with pytest.raises(SchemaError) as info:
        import_files(wh, [path], preset="amazon-business-report", store="a")
    assert "file name" in str(info.value) and "2026-11" in info.value.hint
    assert wh.con.execute("SELECT count(*) FROM traffic_daily").fetchone()[0] == 0


@pytest.mark.parametrize(("days", "expected"), [
    (["13/11/2026", "14/11/2026"], [date(2026, 11, 13), date(2026, 11, 14)]),  # day first: 13 is no month
    (["01/11/2026", "02/11/2026", "03/11/2026"], [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]),
    (["11/1/2026", "11/2/2026"], [date(2026, 11, 1), date(2026, 11, 2)]),  # consecutive days read month first
    (["05.11.2026", "2026-11-06"], [date(2026, 11, 5), date(2026, 11, 6)]),
])
def test_report_dates(tmp_path: Path, wh: Any, days: list[str], expected: list[date]) -> None:
    path = tmp_path / "by-date.csv"
    path.write_text("Date,Ordered Product Sales,Sessions - Total,Page Views - Total\n"
                    + "".join(f"{d},$1.00,1,1\n" for d in days))
    import_files(wh, [path], preset="amazon-business-report", store="a")
    assert [r[0] for r in wh.con.execute("SELECT date FROM traffic_daily ORDER BY date").fetchall()] == expected


# ---------------------------------------------------------------- amazon-ads


def test_ads_report_to_ad_spend(amz: dict[str, Any]) -> None:
    rows = lines(ADS)
    file = amz["ads"].files[0]
    assert (file.read, file.loaded, file.quarantined) == (6, 6, 0)
    got = amz["con"].execute("SELECT date, channel, campaign, spend, currency, impressions, clicks FROM ad_spend "
                             "WHERE store_id = 'amz'").fetchall()
    expected = {(datetime.strptime(r["Date"], "%b %d, %Y").date(), "marketplace_ads", r["Campaign Name"],
                 money(r["Spend"]), r["Currency"], int(r["Impressions"].replace(",", "")), int(r["Clicks"]))
                for r in rows}
    assert set(got) == expected
    assert sum(e[3] for e in expected) == Decimal("266.08")


def test_ads_summary_report_is_refused(tmp_path: Path, wh: Any) -> None:
    path = tmp_path / "summary.csv"
    path.write_text("Start Date,End Date,Campaign Name,Impressions,Clicks,Spend\n"
                    "\"Nov 01, 2026\",\"Nov 30, 2026\",SP - Auto,100,3,$4.50\n")
    with pytest.raises(SchemaError) as info:
        import_files(wh, [path], preset="amazon-ads", store="a")
    assert "Daily" in info.value.hint and info.value.zh


# ---------------------------------------------------------------- recognising files


@pytest.mark.parametrize(("path", "preset", "delimiter"), [
    (ORDERS, "amazon-orders", "\t"), (BY_DATE, "amazon-business-report", ","),
    (BY_CHILD, "amazon-business-report", ","), (ADS, "amazon-ads", ",")])
def test_each_file_is_recognised_by_its_preset_only(path: Path, preset: str, delimiter: str) -> None:
    header = path.read_text(encoding="utf-8").splitlines()[0]
    cells = next(csv.reader([header], delimiter=delimiter))
    names = ("amazon-orders", "amazon-business-report", "amazon-ads", "ga4-bigquery")
    assert [n for n in names if get_preset(n).recognise(cells)] == [preset]


@pytest.mark.parametrize(("path", "preset", "looks_like"), [
    (BY_DATE, "amazon-orders", "amazon-business-report"), (ORDERS, "amazon-ads", "amazon-orders"),
    (ADS, "amazon-business-report", "amazon-ads")])
def test_wrong_kind_of_file(wh: Any, path: Path, preset: str, looks_like: str) -> None:
    with pytest.raises(SchemaError) as info:
        import_files(wh, [path], preset=preset, store="a")
    assert f"--preset {looks_like}" in info.value.hint and f"--preset {looks_like}" in info.value.zh_hint
    assert wh.con.execute("SELECT count(*) FROM import_manifest").fetchone()[0] == 0


def test_ads_report_as_excel(tmp_path: Path, wh: Any) -> None:
    """The console's XLSX download: dates are date cells, numbers are numbers."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date", "Campaign Name", "Impressions", "Clicks", "Spend", "Currency"])
    sheet.append([datetime(2026, 11, 1), "SP - Auto", 15230, 102, 55.08, "USD"])
    sheet.append([datetime(2026, 11, 2), "SP - Auto", 13998, 95, 51.3, "USD"])
    path = tmp_path / "Sponsored_Products_Campaign_report.xlsx"
    book.save(path)
    file = import_files(wh, [path], preset="amazon-ads", store="a").files[0]
    assert (file.read, file.loaded, file.quarantined) == (2, 2, 0)
    assert wh.con.execute("SELECT date, spend, impressions FROM ad_spend ORDER BY date").fetchall() == [
        (date(2026, 11, 1), Decimal("55.08"), 15230), (date(2026, 11, 2), Decimal("51.30"), 13998)]


def test_unreadable_report_day_is_quarantined(tmp_path: Path, wh: Any) -> None:
    path = tmp_path / "by-date.csv"
    path.write_text("Date,Ordered Product Sales,Sessions - Total,Page Views - Total\n"
                    "11/1/2026,\"$1,234.50\",\"1,200\",\"2,000\"\nTotal,$9.00,9,9\n")
    summary = import_files(wh, [path], preset="amazon-business-report", store="a")
    file = summary.files[0]
    assert (file.read, file.loaded, file.quarantined, file.reasons) == (2, 1, 1, {"invalid_date": 1})
    assert (summary.examples[0]["line"], summary.examples[0]["column"]) == (3, "Date")
    assert wh.con.execute("SELECT date, visitors, page_views, paid_amount FROM traffic_daily").fetchall() == [
        (date(2026, 11, 1), 1200, 2000, Decimal("1234.50"))]


def test_amounts_in_another_currency_are_quarantined(tmp_path: Path, wh: Any) -> None:
    """A "$" report imported into a EUR store (Amazon.de) would load dollars as euros."""
    path = tmp_path / "by-date.csv"
    path.write_text("Date,Ordered Product Sales,Sessions - Total,Page Views - Total\n"
                    "05.11.2026,\"$1,234.50\",10,20\n06.11.2026,\"€99,00\",10,20\n07.11.2026,99.00,10,20\n")
    summary = import_files(wh, [path], preset="amazon-business-report", store="de", currency="EUR",
                           timezone="Europe/Berlin")
    file = summary.files[0]
    assert (file.read, file.loaded, file.quarantined) == (3, 1, 2)
    # the import's general check (the same for every preset and canonical import), at the amount's cell
    assert {(e["line"], e["reason"], e["column"], e["value"]) for e in summary.examples} == {
        (2, "currency_mismatch", "Ordered Product Sales", "$1,234.50"),
        (3, "invalid_number", "Ordered Product Sales", "€99,00")}
    assert wh.con.execute("SELECT date, paid_amount, currency FROM traffic_daily").fetchall() == [
        (date(2026, 11, 7), Decimal("99.00"), "EUR")]


def test_ads_spend_in_another_currency_is_quarantined(tmp_path: Path, wh: Any) -> None:
    """"£" on a USD row (its Currency column) and "$" on a EUR row: currency_mismatch; "$" with USD loads."""
    path = tmp_path / "ads.csv"
    path.write_text("Date,Campaign Name,Impressions,Clicks,Spend,Currency\n"
                    "\"Nov 01, 2026\",A,10,1,£5.00,USD\n\"Nov 01, 2026\",B,10,1,$5.00,EUR\n"
                    "\"Nov 01, 2026\",C,10,1,$7.00,USD\n")
    summary = import_files(wh, [path], preset="amazon-ads", store="a")
    assert summary.files[0].reasons == {"currency_mismatch": 2}
    assert {(e["line"], e["column"]) for e in summary.examples} == {(2, "Spend"), (3, "Spend")}
    assert wh.con.execute("SELECT campaign, spend, currency FROM ad_spend").fetchall() == [
        ("C", Decimal("7.00"), "USD")]


@pytest.mark.parametrize("name", [
    "BusinessReport-2026-11-01_2026-11-30.csv",  # a range: once read as 1 November holding a month of sessions
    "BusinessReport-2026-10_2026-11.csv",  # two months: once read as October
    "BusinessReport-2026-11-01-2026-11-30.csv", "BusinessReport-2026-11-5.csv", "BusinessReport-2026-13.csv"])
def test_child_report_name_must_hold_exactly_one_day_or_month(tmp_path: Path, wh: Any, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BY_CHILD.read_bytes())
    with pytest.raises(SchemaError) as info:
        import_files(wh, [path], preset="amazon-business-report", store="a")
    assert "one day or month" in str(info.value) and "2026-11-05" in info.value.hint
    assert info.value.zh and info.value.zh_hint and "\n" not in str(info.value)
    assert wh.con.execute("SELECT count(*) FROM traffic_daily").fetchone()[0] == 0


def test_child_report_name_with_other_words_keeps_its_one_month(tmp_path: Path, wh: Any) -> None:
    path = tmp_path / "BusinessReport (1) child 2026-11.csv"
    path.write_bytes(BY_CHILD.read_bytes())
    import_files(wh, [path], preset="amazon-business-report", store="a")
    assert wh.con.execute("SELECT DISTINCT date, period FROM traffic_daily").fetchall() == [
        (date(2026, 11, 1), "month")]


def test_dashes_in_report_numbers_are_empty_not_unreadable(tmp_path: Path, wh: Any) -> None:
    """Amazon writes "--" where it has no figure: an optional column reads as empty (unknown, NULL), the
    rest of the day loads; a dash in a required column is refused as empty (missing_required)."""
    path = tmp_path / "by-date.csv"
    path.write_text("Date,Ordered Product Sales,Sessions - Total,Page Views - Total,Total Order Items\n"
                    "11/1/2026,$10.00,5,9,--\n11/2/2026,$0.00,--,9,0\n11/3/2026,$3.00,4,8,1\n")
    file = import_files(wh, [path], preset="amazon-business-report", store="a").files[0]
    assert (file.read, file.loaded, file.quarantined, file.reasons) == (3, 2, 1, {"missing_required": 1})
    assert wh.con.execute("SELECT date, visitors, paid_orders, buyers, paid_amount FROM traffic_daily "
                          "ORDER BY date").fetchall() == [
        (date(2026, 11, 1), 5, None, None, Decimal("10.00")), (date(2026, 11, 3), 4, 1, 1, Decimal("3.00"))]
    ads = tmp_path / "ads.csv"
    ads.write_text("Date,Campaign Name,Impressions,Clicks,Spend\n\"Nov 01, 2026\",A,\u2014,-,$1.00\n")
    file = import_files(wh, [ads], preset="amazon-ads", store="a").files[0]
    assert (file.loaded, file.quarantined) == (1, 0)
    assert wh.con.execute("SELECT impressions, clicks, spend FROM ad_spend").fetchall() == [
        (None, None, Decimal("1.00"))]
