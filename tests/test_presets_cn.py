"""Chinese platform presets (tmall-orders, sycm-trade, sycm-traffic, sycm-products) on the invented
sample exports of tests/data/presets (see make_cn_samples.py there).

Every expectation is recomputed here from the sample files with plain Python (csv + Decimal): the
header is found by its first cell, title rows are the records above it, the 合计 row is the record
whose first cell is 合计; statuses and channels are mapped by the tables of docs/presets.md written
out again below, not by the preset's SQL.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import shoplens
from shoplens.errors import SchemaError
from shoplens.ingest.pipeline import import_files
from shoplens.presets import get_preset

DATA = Path(__file__).parent / "data" / "presets"
TRADE, WEEK = DATA / "sycm_trade_day.csv", DATA / "sycm_trade_week_gbk.csv"
TRAFFIC, PRODUCTS = DATA / "sycm_traffic_gbk.csv", DATA / "sycm_products_day.csv"
ORDERS, ITEMS = DATA / "tmall_orders_gbk.csv", DATA / "tmall_items.csv"


def num(text: str) -> Decimal:
    """"¥1,234.50" / "￥88.00" / "1,234" -> Decimal; "3.65%" -> 0.0365."""
    t = text.strip().replace(",", "").replace("¥", "").replace("￥", "")
    return Decimal(t[:-1]) / 100 if t.endswith("%") else Decimal(t or "0")


def records(path: Path, first_header_cell: str) -> tuple[list[str], list[dict[str, str]], int, int]:
    """(header, data rows, title rows, totals rows) of an export, read with the csv module."""
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gbk")
    rows = [r for r in csv.reader(io.StringIO(text)) if r]
    at = next(i for i, r in enumerate(rows) if r[0] == first_header_cell)
    header, body = rows[at], rows[at + 1:]
    data = [dict(zip(header, r, strict=True)) for r in body if r[0] != "合计"]
    return header, data, at, len(body) - len(data)


def totals_row(path: Path) -> dict[str, str]:
    header, _, _, _ = records(path, "统计日期")
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gbk")
    row = next(r for r in csv.reader(io.StringIO(text)) if r and r[0] == "合计")
    return dict(zip(header, row, strict=True))


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Store ``sy``: the three 生意参谋 reports; store ``tm``: the order report with its item report."""
    path = tmp_path_factory.mktemp("cn") / "w.duckdb"
    w = shoplens.connect(str(path))
    runs = {
        "trade": import_files(w, [TRADE, WEEK], preset="sycm-trade", store="sy"),
        "traffic": import_files(w, [TRAFFIC], preset="sycm-traffic", store="sy"),
        "products": import_files(w, [PRODUCTS], preset="sycm-products", store="sy"),
        "tmall": import_files(w, [ORDERS, ITEMS], preset="tmall-orders", store="tm"),
    }
    yield {"con": w.con, "path": path, "runs": runs, "wh": w}
    w.close()


def q(wh: dict[str, Any], sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return wh["con"].execute(sql, list(params)).fetchall()


# ---- sycm-trade --------------------------------------------------------------------------------

def test_trade_rows_are_the_report_days(wh: dict[str, Any]) -> None:
    _, data, _, _ = records(TRADE, "统计日期")
    expected = {date.fromisoformat(r["统计日期"]): (int(num(r["访客数"])), int(num(r["浏览量"])), int(r["加购人数"]),
                                                 int(r["支付买家数"]), int(r["支付子订单数"]), num(r["支付金额"]))
                for r in data}
    got = q(wh, "SELECT date, visitors, page_views, add_to_cart_users, buyers, paid_orders, paid_amount, channel, "
                "product_id, device, currency FROM traffic_daily WHERE store_id = 'sy' AND period = 'day' "
                "AND channel = '(all)' AND product_id = '(all)'")
    assert {r[0]: tuple(r[1:7]) for r in got} == expected
    assert {r[7:] for r in got} == {("(all)", "(all)", "(all)", "CNY")}
    assert expected[date(2024, 3, 5)] == (0, 0, 0, 0, 0, Decimal(0))  # the empty report day is a zero day


def test_trade_totals_row_equals_the_warehouse(wh: dict[str, Any]) -> None:
    total = totals_row(TRADE)
    got = q(wh, "SELECT sum(visitors), sum(buyers), sum(paid_amount), sum(paid_orders) FROM traffic_daily "
                "WHERE store_id = 'sy' AND period = 'day' AND channel = '(all)' AND product_id = '(all)'")[0]
    assert got == (int(num(total["访客数"])), int(total["支付买家数"]), num(total["支付金额"]),
                   int(total["支付子订单数"]))


def test_trade_weeks_from_a_gbk_file(wh: dict[str, Any]) -> None:
    _, data, titles, totals = records(WEEK, "统计日期")
    expected = {date.fromisoformat(r["统计日期"].split("~")[0]): (int(num(r["访客数"])), num(r["支付金额"]))
                for r in data}
    got = q(wh, "SELECT date, visitors, paid_amount FROM traffic_daily WHERE store_id = 'sy' AND period = 'week'")
    assert {r[0]: r[1:] for r in got} == expected
    assert all(d.isoweekday() == 1 for d in expected)  # a week row is dated by its Monday
    week = wh["runs"]["trade"].files[1]
    assert (week.read, week.loaded, week.skipped) == (len(data), len(data), {"title_rows": titles})
    assert totals == 0


def test_title_and_totals_rows_are_skipped_and_recorded(wh: dict[str, Any]) -> None:
    for run, path in (("trade", TRADE), ("traffic", TRAFFIC), ("products", PRODUCTS)):
        _, data, titles, totals = records(path, "统计日期")
        result = next(f for f in wh["runs"][run].files if Path(f.file) == path)
        assert result.skipped == {"title_rows": titles, "totals_rows": totals}, path.name
        assert result.read == len(data)  # the skipped lines are not read as data ...
        assert result.read == result.loaded + result.duplicates + result.quarantined  # ... and conservation holds
    assert wh["runs"]["trade"].to_dict()["skipped"] == {"title_rows": 2 + 2, "totals_rows": 1}
    assert not q(wh, "SELECT * FROM traffic_daily WHERE store_id = 'sy' AND date IS NULL")


def test_inconsistent_rows_and_odd_spans_are_quarantined(tmp_path: Path) -> None:
    """支付转化率 / 客单价 that contradict the counts, a span that is no day, week or month, a bad date;
    a month span is period month."""
    header = "统计日期,访客数,支付买家数,支付金额,支付转化率,客单价"
    lines = ["2024-02-01~2024-02-29,9000,300,\"¥27,000.00\",3.33%,¥90.00",  # a month: fine
             "2024-03-01,1000,40,\"¥3,600.00\",5.00%,¥90.00",  # 40/1000 = 4.00%, not 5.00%
             "2024-03-02,1000,40,\"¥3,600.00\",4.00%,¥80.00",  # 3600/40 = 90, not 80
             "2024-03-03,1000,40,\"¥3,600.00\",4.00%,¥90.00",  # fine
             "2024-03-01~2024-03-05,5000,200,\"¥18,000.00\",4.00%,¥90.00",  # 5 days: no period
             "2024-13-01,1000,40,\"¥3,600.00\",4.00%,¥90.00"]  # no such date
    path = tmp_path / "trade.csv"
    path.write_text("生意参谋\n" + header + "\n" + "\n".join(lines) + "\n", encoding="utf-8-sig")
    w = shoplens.connect(str(tmp_path / "w.duckdb"))
    result = import_files(w, [path], preset="sycm-trade", store="s").files[0]
    assert (result.read, result.loaded, result.quarantined) == (6, 2, 4)
    assert result.reasons == {"report_inconsistent": 2, "unsupported_period": 1, "invalid_date": 1}
    got = w.con.execute("SELECT date, period, visitors FROM traffic_daily ORDER BY date").fetchall()
    assert got == [(date(2024, 2, 1), "month", 9000), (date(2024, 3, 3), "day", 1000)]
    w.close()


def test_dashes_are_empty_ratios_not_unreadable_numbers(tmp_path: Path) -> None:
    """生意参谋 writes -, -- or — for a ratio it cannot compute (0 visitors, an empty day): the day still
    loads with its visitors and GMV, the empty ratio is not checked; a dash in a count is unknown (NULL)."""
    header = "统计日期,访客数,支付买家数,支付金额,支付转化率,客单价"
    lines = ["2024-03-01,0,0,¥0.00,-,-",  # the empty day of a new shop
             "2024-03-02,1000,40,\"¥3,600.00\",4.00%,--",
             "2024-03-03,1000,40,\"¥3,600.00\",—,¥90.00",
             "2024-03-04,-,40,\"¥3,600.00\",-,¥90.00",  # visitors unknown: stored empty, not 0
             "2024-03-05,1000,40,\"¥3,600.00\",abc,¥90.00",  # not a dash: still unreadable
             "2024-03-06,1000,40,\"¥3,600.00\",5.00%,-"]  # the ratio present is still checked
    path = tmp_path / "trade.csv"
    path.write_text("生意参谋\n" + header + "\n" + "\n".join(lines) + "\n", encoding="utf-8-sig")
    w = shoplens.connect(str(tmp_path / "w.duckdb"))
    result = import_files(w, [path], preset="sycm-trade", store="s").files[0]
    assert (result.read, result.loaded, result.quarantined) == (6, 4, 2)
    assert result.reasons == {"invalid_number": 1, "report_inconsistent": 1}
    got = w.con.execute("SELECT date, visitors, buyers, paid_amount FROM traffic_daily ORDER BY date").fetchall()
    assert got == [(date(2024, 3, 1), 0, 0, Decimal(0)), (date(2024, 3, 2), 1000, 40, Decimal(3600)),
                   (date(2024, 3, 3), 1000, 40, Decimal(3600)), (date(2024, 3, 4), None, 40, Decimal(3600))]
    w.close()


def test_a_folded_channel_with_an_unknown_part_is_unknown(tmp_path: Path) -> None:
    """手淘推荐 and 猜你喜欢 fold into recommendation: 10 + unknown visitors is unknown, not 10."""
    path = tmp_path / "t.csv"
    path.write_text("统计日期,流量来源,访客数,支付金额\n2024-03-01,手淘推荐,10,¥5.00\n2024-03-01,猜你喜欢,-,¥7.00\n"
                    "2024-03-01,手淘搜索,20,--\n", encoding="utf-8")
    w = shoplens.connect(str(tmp_path / "w.duckdb"))
    result = import_files(w, [path], preset="sycm-traffic", store="s").files[0]
    assert (result.read, result.loaded, result.duplicates, result.quarantined) == (3, 2, 1, 0)
    got = w.con.execute("SELECT channel, visitors, paid_amount FROM traffic_daily ORDER BY channel").fetchall()
    assert got == [("organic_search", 20, None), ("recommendation", None, Decimal("12.00"))]
    w.close()


# ---- sycm-traffic -------------------------------------------------------------------------------

CHANNELS = {  # docs/presets.md#sycm-traffic, the sources of the sample
    "手淘搜索": "organic_search", "淘宝搜索": "organic_search", "直通车": "paid_search",
    "手淘推荐": "recommendation", "猜你喜欢": "recommendation", "淘宝客": "kol", "超级推荐": "marketplace_ads",
    "引力魔方": "marketplace_ads", "淘宝直播": "live_stream", "逛逛": "short_video", "购物车": "direct",
    "淘内免费其他": "other",
}
DEVICES = {"无线": "mobile", "PC": "desktop"}


def test_traffic_by_channel_and_device(wh: dict[str, Any]) -> None:
    _, data, _, _ = records(TRAFFIC, "统计日期")
    expected: dict[tuple[Any, ...], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 5)
    for r in data:
        key = (date.fromisoformat(r["统计日期"]), CHANNELS[r["流量来源"]], DEVICES[r["终端"]])
        for i, col in enumerate(("访客数", "浏览量", "加购人数", "支付买家数", "支付金额")):
            expected[key][i] += num(r[col])
    got = q(wh, "SELECT date, channel, device, visitors, page_views, add_to_cart_users, buyers, paid_amount "
                "FROM traffic_daily WHERE store_id = 'sy' AND channel <> '(all)'")
    assert {r[:3]: [Decimal(x) for x in r[3:]] for r in got} == dict(expected)
    result = wh["runs"]["traffic"].files[0]
    # two sources folded into a channel row (猜你喜欢 into 手淘推荐's recommendation, 引力魔方 into 超级推荐's ads)
    assert (result.read, result.loaded, result.duplicates) == (len(data), len(expected), len(data) - len(expected))


def test_traffic_totals_row_equals_the_warehouse(wh: dict[str, Any]) -> None:
    total = totals_row(TRAFFIC)
    got = q(wh, "SELECT sum(visitors), sum(buyers), sum(paid_amount) FROM traffic_daily "
                "WHERE store_id = 'sy' AND channel <> '(all)'")[0]
    assert got == (int(num(total["访客数"])), int(total["支付买家数"]), num(total["支付金额"]))


def test_unknown_source_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("统计日期,流量来源,访客数\n2024-03-01,手淘搜索,10\n2024-03-01,火星广告,5\n", encoding="utf-8")
    w = shoplens.connect(str(tmp_path / "w.duckdb"))
    result = import_files(w, [path], preset="sycm-traffic", store="s").files[0]
    assert (result.loaded, result.quarantined, result.reasons) == (1, 1, {"unknown_channel": 1})
    assert w.con.execute("SELECT value FROM quarantine WHERE reason = 'unknown_channel'").fetchone() == ("火星广告",)
    w.close()


# ---- sycm-products ------------------------------------------------------------------------------

def test_products_traffic_per_product(wh: dict[str, Any]) -> None:
    _, data, _, _ = records(PRODUCTS, "统计日期")
    expected = {(date.fromisoformat(r["统计日期"]), r["商品ID"].strip('="')): (
        int(num(r["商品访客数"])), int(num(r["商品浏览量"])), int(r["商品加购人数"]), int(r["支付买家数"]),
        None, num(r["支付金额"])) for r in data}  # 支付件数 counts units, not orders: paid_orders stays empty
    got = q(wh, "SELECT date, product_id, visitors, page_views, add_to_cart_users, buyers, paid_orders, paid_amount "
                "FROM traffic_daily WHERE store_id = 'sy' AND product_id <> '(all)'")
    assert {r[:2]: r[2:] for r in got} == expected
    assert "支付件数" in next(f for f in wh["runs"]["products"].files).ignored_columns
    total = totals_row(PRODUCTS)
    assert sum(v[0] for v in expected.values()) == int(num(total["商品访客数"]))
    assert sum(v[5] for v in expected.values()) == num(total["支付金额"])


def test_products_catalog_from_the_report(wh: dict[str, Any]) -> None:
    _, data, _, _ = records(PRODUCTS, "统计日期")
    state = {"当前在线": "on_sale", "已下架": "off_shelf"}
    latest = {r["商品ID"].strip('="'): (r["商品名称"], state[r["商品状态"]])
              for r in sorted(data, key=lambda r: r["统计日期"])}
    got = q(wh, "SELECT product_id, name, status, currency FROM products WHERE store_id = 'sy'")
    assert {r[0]: r[1:3] for r in got} == latest
    assert {r[3] for r in got} == {"CNY"}


# ---- tmall-orders -------------------------------------------------------------------------------

STATUS = {"交易成功": "delivered", "买家已付款，等待卖家发货": "paid", "卖家已发货，等待买家确认": "shipped",
          "等待买家付款": "created", "交易关闭": "cancelled"}


def tmall_orders() -> list[dict[str, str]]:
    _, data, _, _ = records(ORDERS, "订单编号")
    for r in data:
        r["订单编号"] = r["订单编号"].strip('="')
    return data


def test_tmall_orders(wh: dict[str, Any]) -> None:
    data = tmall_orders()
    expected = {}
    for r in data:
        paid = bool(r["订单付款时间"])
        closed = r["订单状态"] == "交易关闭"
        discount = num(r["总金额"]) - num(r["买家实际支付金额"]) if paid and not closed else None
        expected[r["订单编号"]] = (STATUS[r["订单状态"]], num(r["买家应付货款"]), num(r["买家应付邮费"]), discount,
                                paid, r["买家会员名"], "CNY")
    got = q(wh, "SELECT order_id, status, gross_amount, shipping_fee, discount, paid_ts IS NOT NULL, user_id, currency "
                "FROM orders WHERE store_id = 'tm'")
    assert {r[0]: r[1:] for r in got} == expected
    assert all(len(oid) == 19 for oid in expected)  # the 19-digit ids, ="…" one included, kept exactly
    created = q(wh, "SELECT created_ts FROM orders WHERE order_id = '3801234567890123451'")[0][0]
    assert str(created) == "2024-03-01 01:12:03"  # 09:12:03 in Asia/Shanghai, stored in UTC


def test_tmall_refunds(wh: dict[str, Any]) -> None:
    """A refund is the goods part only (GMV = 买家应付货款 has no postage): 退款金额, else 买家实际支付金额 −
    买家应付邮费 for an order closed after payment, at most 买家应付货款."""
    expected = {}
    for r in tmall_orders():
        goods = num(r["买家应付货款"])
        if num(r["退款金额"] or "0") > 0:
            expected[r["订单编号"]] = min(num(r["退款金额"]), goods)
        elif r["订单状态"] == "交易关闭" and r["订单付款时间"]:
            expected[r["订单编号"]] = min(max(num(r["买家实际支付金额"]) - num(r["买家应付邮费"]), Decimal(0)), goods)
    got = q(wh, "SELECT order_id, amount, refund_id FROM refunds WHERE store_id = 'tm'")
    assert {r[0]: r[1] for r in got} == expected and len(expected) == 2
    assert all(r[2] == r[0] + "-refund" for r in got)
    # by hand: …457 closed after payment, goods 99.00 + postage 10.00 = 退款金额 109.00 -> 99.00 (its GMV);
    # …458 a partial refund of 69.00 of 138.00 goods stays 69.00
    assert expected == {"3801234567890123457": Decimal("99.00"), "3801234567890123458": Decimal("69.00")}


def test_tmall_refund_never_exceeds_the_goods(tmp_path: Path) -> None:
    """Orders closed after payment with postage: the refund rate of the metrics engine stays ≤ 100 %."""
    header = "订单编号,买家应付货款,买家应付邮费,总金额,买家实际支付金额,订单状态,订单创建时间,订单付款时间,退款金额"
    lines = ["1000000000000000001,100.00,10.00,110.00,110.00,交易关闭,2024-03-01 10:00:00,2024-03-01 10:01:00,",
             "1000000000000000002,100.00,10.00,110.00,95.00,交易关闭,2024-03-01 11:00:00,2024-03-01 11:01:00,",
             "1000000000000000003,50.00,5.00,55.00,55.00,交易关闭,2024-03-01 12:00:00,2024-03-01 12:01:00,55.00",
             "1000000000000000004,50.00,5.00,55.00,55.00,交易成功,2024-03-01 13:00:00,2024-03-01 13:01:00,"]
    path = tmp_path / "o.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    run = shoplens_cli("import", "--preset", "tmall-orders", str(path), "--store", "s", db=db)
    assert run.returncode == 0, run.stderr
    w = shoplens.connect(str(db))
    # 110 paid − 10 postage = 100 (all of the goods); 95 paid − 10 postage = 85 (a 15.00 coupon was never
    # paid); 退款金额 55.00 capped at the 50.00 goods
    assert dict(w.con.execute("SELECT order_id, amount FROM refunds").fetchall()) == {
        "1000000000000000001": Decimal("100.00"), "1000000000000000002": Decimal("85.00"),
        "1000000000000000003": Decimal("50.00")}
    w.close()
    out = shoplens_cli("metrics", "gmv,refund_amount,refund_rate", "--store", "s", "--from", "2024-03-01",
                       "--to", "2024-03-01", "--format", "json", db=db)
    assert out.returncode == 0, out.stderr
    row = json.loads(out.stdout)["rows"][0]
    assert (Decimal(str(row["gmv"])), Decimal(str(row["refund_amount"]))) == (Decimal(300), Decimal(235))
    assert abs(row["refund_rate"] - 235 / 300) < 1e-9  # was above 1 per order when postage was refunded


def test_tmall_items_and_products(wh: dict[str, Any]) -> None:
    _, data, _, _ = records(ITEMS, "订单编号")
    position: dict[str, int] = defaultdict(int)
    expected = {}
    for r in data:
        position[r["订单编号"]] += 1
        pid = r["商家编码"] or r["外部系统编号"] or r["标题"]
        expected[(r["订单编号"], position[r["订单编号"]])] = (pid, int(r["购买数量"]), num(r["价格"]))
    got = q(wh, "SELECT order_id, line_no, product_id, quantity, unit_price FROM order_items WHERE store_id = 'tm'")
    assert {r[:2]: r[2:] for r in got} == expected
    products = q(wh, "SELECT product_id, name FROM products WHERE store_id = 'tm'")
    assert {p for p, _ in products} == {v[0] for v in expected.values()} == {
        "SKU-CREAM-50", "SKU-CLEANSER", "GIFT-01", "SKU-SUN-50"}
    # each order's goods amount is the sum of its items in the sample
    goods = {r["订单编号"]: num(r["买家应付货款"]) for r in tmall_orders()}
    lines: dict[str, Decimal] = defaultdict(Decimal)
    for (oid, _), (_, qty, price) in expected.items():
        lines[oid] += qty * price
    assert dict(lines) == goods


def shoplens_cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPLENS_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_tmall_metrics_equal_the_report(wh: dict[str, Any], tmp_path: Path) -> None:
    """GMV, paid orders and AOV of the metrics engine against the order report: a paid order has a
    订单付款时间 (a closed one that was paid included), GMV sums its 买家应付货款."""
    paid = [r for r in tmall_orders() if r["订单付款时间"]]
    gmv = sum(num(r["买家应付货款"]) for r in paid)
    db = tmp_path / "m.duckdb"
    run = shoplens_cli("import", "--preset", "tmall-orders", str(ORDERS), str(ITEMS), "--store", "tm", db=db)
    assert run.returncode == 0, run.stderr
    out = shoplens_cli("metrics", "gmv,orders,aov", "--store", "tm", "--from", "2024-03-01", "--to", "2024-03-03",
                       "--format", "json", db=db)
    assert out.returncode == 0, out.stderr
    row = json.loads(out.stdout)["rows"][0]
    assert (Decimal(str(row["gmv"])), row["orders"]) == (gmv, len(paid))
    assert Decimal(str(row["aov"])) == (gmv / len(paid)).quantize(Decimal("0.01"))


def test_tmall_unknown_status_and_other_shop(tmp_path: Path) -> None:
    header = "订单编号,买家会员名,买家应付货款,订单状态,订单创建时间,订单付款时间,店铺名称"
    lines = ["1000000000000000001,a,10.00,交易成功,2024-03-01 10:00:00,2024-03-01 10:01:00,甲店",
             "1000000000000000002,b,20.00,交易成功,2024-03-01 11:00:00,2024-03-01 11:01:00,甲店",
             "1000000000000000003,c,30.00,交易冻结,2024-03-01 12:00:00,2024-03-01 12:01:00,甲店",
             "1000000000000000004,d,40.00,交易成功,2024-03-01 13:00:00,2024-03-01 13:01:00,乙店"]
    path = tmp_path / "o.csv"
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode("gbk"))
    w = shoplens.connect(str(tmp_path / "w.duckdb"))
    result = import_files(w, [path], preset="tmall-orders", store="s").files[0]
    assert (result.read, result.loaded, result.quarantined) == (4, 2, 2)
    assert result.reasons == {"unknown_status": 1, "other_store": 1}
    assert w.con.execute("SELECT sum(gross_amount) FROM orders").fetchone() == (Decimal("30.00"),)
    w.close()


# ---- every preset --------------------------------------------------------------------------------

def test_reimport_writes_nothing(wh: dict[str, Any]) -> None:
    w = wh["wh"]
    before = {t: q(wh, f"SELECT count(*) FROM {t}")[0][0] for t in ("traffic_daily", "orders", "order_items",
                                                                     "refunds", "products")}
    again = [import_files(w, [TRADE, WEEK], preset="sycm-trade", store="sy"),
             import_files(w, [TRAFFIC], preset="sycm-traffic", store="sy"),
             import_files(w, [PRODUCTS], preset="sycm-products", store="sy"),
             import_files(w, [ORDERS, ITEMS], preset="tmall-orders", store="tm")]
    for summary in again:
        assert summary.loaded == 0 and set(summary.tables.values()) == {0}
        assert summary.duplicates == summary.read
    after = {t: q(wh, f"SELECT count(*) FROM {t}")[0][0] for t in before}
    assert after == before


def test_each_preset_recognises_its_own_file_only() -> None:
    headers = {"sycm-trade": records(TRADE, "统计日期")[0], "sycm-traffic": records(TRAFFIC, "统计日期")[0],
               "sycm-products": records(PRODUCTS, "统计日期")[0], "tmall-orders": records(ORDERS, "订单编号")[0]}
    items = records(ITEMS, "订单编号")[0]
    for name in headers:
        preset = get_preset(name)
        assert preset.expects and preset.expects_zh
        assert {other for other, h in headers.items() if preset.recognise(h)} == {name}
    assert get_preset("tmall-orders").recognise(items)


@pytest.mark.parametrize(("preset", "path", "looks_like"), [
    ("sycm-trade", TRAFFIC, "sycm-traffic"),
    ("sycm-products", TRADE, "sycm-trade"),
    ("sycm-traffic", ORDERS, "tmall-orders"),
    ("tmall-orders", PRODUCTS, "sycm-products"),
])
def test_wrong_kind_of_file_says_what_it_looks_like(tmp_path: Path, preset: str, path: Path, looks_like: str) -> None:
    w = shoplens.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(SchemaError) as err:
        import_files(w, [path], preset=preset, store="s")
    assert f"--preset {looks_like}" in (err.value.hint or "")
    assert f"--preset {looks_like}" in (err.value.zh_hint or "")
    assert w.con.execute("SELECT count(*) FROM import_manifest").fetchone() == (0,)
    w.close()


def test_cli_summary_says_what_was_skipped(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    run = shoplens_cli("import", "--preset", "sycm-traffic", str(TRAFFIC), "--store", "sy", db=db)
    assert run.returncode == 0, run.stderr
    assert "title rows above the header 3, totals rows 1" in run.stdout
    again = shoplens_cli("import", "--preset", "sycm-traffic", str(TRAFFIC), "--store", "sy", "--format", "json",
                         db=db)
    body = json.loads(again.stdout)
    assert body["skipped"] == {"title_rows": 3, "totals_rows": 1}
    assert body["files"][0]["skipped"] == body["skipped"] and body["loaded"] == 0


def test_generic_import_reads_totals_rows_as_data(tmp_path: Path) -> None:
    """Skipping is the presets' choice: a canonical import still reads a 合计 line (here quarantined as a bad
    date), so nothing disappears silently from a file the user mapped by hand."""
    path = tmp_path / "traffic_daily.csv"
    path.write_text("date,visitors,currency\n2024-03-01,10,CNY\n合计,10,CNY\n", encoding="utf-8")
    w = shoplens.connect(str(tmp_path / "w.duckdb"))
    result = import_files(w, [path], table="traffic_daily", store="s", currency="CNY",
                          timezone="Asia/Shanghai").files[0]
    assert (result.read, result.loaded, result.quarantined, result.skipped) == (2, 1, 1, {})
    w.close()


def test_header_not_found_falls_back_to_the_first_line(tmp_path: Path) -> None:
    from shoplens.ingest.readers import ReadOptions, open_source

    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    src = open_source(path, ReadOptions(find_header=("统计日期",), skip_totals=True))
    assert (src.columns, src.header_line, src.skipped) == (["a", "b"], 1, {})


def test_tmall_times_are_beijing_time_in_a_store_of_another_zone(tmp_path: Path) -> None:
    w = shoplens.connect(str(tmp_path / "w.duckdb"))
    import_files(w, [TRADE], preset="sycm-trade", store="eu", timezone="Europe/Berlin")  # creates the store
    assert w.con.execute("SELECT timezone FROM stores WHERE store_id = 'eu'").fetchone() == ("Europe/Berlin",)
    import_files(w, [ORDERS], preset="tmall-orders", store="eu")
    created = w.con.execute("SELECT created_ts FROM orders WHERE order_id = '3801234567890123451'").fetchone()[0]
    assert str(created) == "2024-03-01 01:12:03"  # 09:12:03 Beijing time (UTC+8), whatever the store's zone
    w.close()


def test_an_xlsx_report_reads_like_its_csv(tmp_path: Path, wh: dict[str, Any]) -> None:
    """The same 交易概况 saved as .xlsx (title rows, a date cell, 合计 row): same rows, same skipped lines."""
    import openpyxl

    raw = TRADE.read_bytes().decode("utf-8-sig")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(raw)):
        if row and row[0][:4].isdigit():
            sheet.append([date.fromisoformat(row[0]), *row[1:]])
        else:
            sheet.append(row or [None])
    path = tmp_path / "交易概况.xlsx"
    book.save(path)
    w = shoplens.connect(str(tmp_path / "x.duckdb"))
    result = import_files(w, [path], preset="sycm-trade", store="sy").files[0]
    _, data, titles, totals = records(TRADE, "统计日期")
    assert (result.read, result.loaded, result.skipped) == (len(data), len(data),
                                                            {"title_rows": titles, "totals_rows": totals})
    cols = "date, period, visitors, page_views, add_to_cart_users, buyers, paid_orders, paid_amount"
    got = w.con.execute(f"SELECT {cols} FROM traffic_daily ORDER BY date").fetchall()
    w.close()
    assert got == q(wh, f"SELECT {cols} FROM traffic_daily WHERE store_id = 'sy' AND period = 'day' "
                        "AND channel = '(all)' AND product_id = '(all)' ORDER BY date")


@pytest.mark.parametrize(("lang", "says"), [("en", "it looks like a sycm-traffic file: --preset sycm-traffic"),
                                            ("zh", "它像是 sycm-traffic 文件：--preset sycm-traffic")])
def test_cli_wrong_kind_is_one_clear_line(tmp_path: Path, lang: str, says: str) -> None:
    run = shoplens_cli("--lang", lang, "import", "--preset", "sycm-trade", str(TRAFFIC), "--store", "s",
                       db=tmp_path / "w.duckdb")
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert says in run.stderr and str(TRAFFIC) in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert ("optionally" in run.stderr) == (lang == "en")  # the hint is in the user's language
