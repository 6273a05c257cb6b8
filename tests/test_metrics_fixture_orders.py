"""Retention and value metrics, grains, comparisons, cuts and targets on the hand-made fixture.

Every expected value is worked out by hand from tests/metrics_fixture.py and the catalog
definitions; the arithmetic is in the comment beside it. Days are local days of store s1
(Asia/Shanghai). W10 = 2026-03-02..08, W09 = 2026-02-23..03-01.

Paid orders by local pay day (gross, buyer):
  2025-03-04 o01 450 guest | 2025-08-01 o02 80 u5 | 2025-10-01 o03 70 u6 | 2026-01-30 o04 1000 guest
  02-10 o10 100 u1 | 02-25 o11 60 u2 | 03-01 o12 40 u1 (15:30Z = 23:30 local)
  W10: 03-02 o21 200 u1 (paid_search, mobile) | 03-04 o22 100 u1 (organic_search), o23 300 u3 (recommendation,
  is_member false) | 03-05 o24 50 guest (paid_search) | 03-07 o26 150 u2 (kol; shipped, paid at created_ts)
  | 03-08 o27 100 u4 (live_stream, is_member true, cancelled after payment); o25 (03-06, u4) was never paid.
"""

from __future__ import annotations

from datetime import date

import pytest

from metrics_fixture import FILE_GROUPS, W10, check, expected_value_tests, rows
from shoplens.errors import ShoplensError
from shoplens.metrics import MetricsEngine
from shoplens.metrics.targets import load_targets

GROUPS = FILE_GROUPS["test_metrics_fixture_orders.py"]

EXPECTED = {
    "repeat_purchase_rate": 1 / 4,  # u1 has 2 paid orders in W10 (o21, o22) / 4 paying buyers u1 u2 u3 u4
    "new_buyers": 2,  # first ever paid order in W10: u3 (o23), u4 (o27; o25 never paid); u1 since o10, u2 since o11
    "returning_buyers": 4 - 2,  # u1 u2
    "returning_buyer_share": 2 / 4,
    # new visitors of W10: u3 (first day 03-03), u7 (03-05), u8 (03-06), u4 (03-08); the store's last event
    # day 04-10 is after all their windows (03-08 + 30 = 04-07), so all 4 count.
    "retention_7d": 2 / 4,  # back on day 1..7: u3 (03-04, day 1), u8 (03-13, day 7); u4 only on day 12; u7 never
    "retention_30d": 3 / 4,  # back on day 1..30: u3, u8, u4 (03-20, day 12)
    # member orders: o21 o22 (u1 gold) 300 + o26 (u2 gold) 150 + o27 (order says member, no customers row) 100;
    # not o23 (order says not a member although u3 is silver), not the guest o24 / GMV 900
    "member_gmv_share": 550 / 900,
    # buyers with a paid order by 03-08: u5 u6 u1 u2 u3 u4 = 6; no purchase in the 180 days 2025-09-10..2026-03-08:
    # u5 (last 2025-08-01); u6 bought 2025-10-01
    "dormant_share": 1 / 6,
    "gmv": 900,  # o21 200 + o22 100 + o23 300 + o24 50 (guest) + o26 150 + o27 100
    # refunds made in W10: r1 60 + r2 20 + r4 10 (of the W09 order o12); r3 is 03-09 01:00 local.
    # discounts: o21 20 + o23 30
    "net_revenue": 900 - 90 - 50,
    # lines with a known unit cost (p2 has none): p1 o21 2x50 (cost 2x20), o24 1x50 (20), o27 2x50 (own cost 2x25);
    # p3 o21 1x100 (50), o23 2x100 (2x50); p4 o23 2x50 (2x10)
    # sales 100 + 50 + 100 + 100 + 200 + 100 = 650; cost 40 + 20 + 50 + 50 + 100 + 20 = 280
    "gross_profit": 650 - 280,
    "gross_margin": 370 / 650,
    "uv_value": 900 / 6,  # GMV / 6 visitors (u1 u2 u3 u4 u7 u8)
    "ad_spend": 100 + 50 + 150,  # 03-02 paid_search, 03-04 paid_search, 03-05 kol (02-25 is W09)
    "roi": 500 / 300,  # paid-channel orders o21 200 + o24 50 (paid_search) + o26 150 (kol) + o27 100 (live_stream)
    "cpa": 300 / 4,  # spend / 4 paid-channel orders
    "cpc": 300 / 100,  # spend / clicks 50 + 25 + 25
    "cac": 300 / 2,  # spend / 2 new buyers
    # GMV of identified buyers by 03-08: o02 80 + o03 70 + o10 100 + o11 60 + o12 40 + W10 (900 - guest o24 50)
    # = 1200 / 6 buyers
    "ltv_to_date": 1200 / 6,
    "refund_amount": 60 + 20 + 10,
    "refund_rate": 90 / 900,
}


test_the_file_covers_every_metric_of_its_groups, test_w10_value, test_w10_all_metrics_in_one_query = (
    expected_value_tests(EXPECTED, GROUPS))


# ---- grains and empty periods --------------------------------------------------------------------
def test_day_grain_zero_and_null(engine):
    # a day without paid orders: GMV 0 and orders 0 (the store has orders), AOV 0/0 = null;
    # refunds by refund day: 03-03 r4 10, 03-05 r1 60, 03-06 r2 20 (r3 is 03-09)
    got = rows(engine, ["gmv", "orders", "aov", "refund_amount", "refund_rate", "member_gmv_share"], grain="day")
    check(got, [
        {"period": "2026-03-02", "gmv": 200, "orders": 1, "aov": 200, "refund_amount": 0, "refund_rate": 0,
         "member_gmv_share": 1},  # o21 (u1 gold)
        {"period": "2026-03-03", "gmv": 0, "orders": 0, "aov": None, "refund_amount": 10, "refund_rate": None,
         "member_gmv_share": None},  # 10 / 0, 0 / 0
        {"period": "2026-03-04", "gmv": 400, "orders": 2, "aov": 200, "refund_amount": 0, "refund_rate": 0,
         "member_gmv_share": 100 / 400},  # o22 member, o23 not
        {"period": "2026-03-05", "gmv": 50, "orders": 1, "aov": 50, "refund_amount": 60, "refund_rate": 60 / 50,
         "member_gmv_share": 0 / 50},  # only the guest order o24: no member GMV, 0 (not null)
        {"period": "2026-03-06", "gmv": 0, "orders": 0, "aov": None, "refund_amount": 20, "refund_rate": None,
         "member_gmv_share": None},  # o25 is not paid
        {"period": "2026-03-07", "gmv": 150, "orders": 1, "aov": 150, "refund_amount": 0, "refund_rate": 0,
         "member_gmv_share": 1},  # o26 (u2 gold)
        {"period": "2026-03-08", "gmv": 100, "orders": 1, "aov": 100, "refund_amount": 0, "refund_rate": 0,
         "member_gmv_share": 1},  # o27 (order says member)
    ])


def test_a_range_without_orders_has_gmv_0_without_a_grain(engine):
    # 03-06: no paid order, no ad spend; r2 refunds 20 -> net revenue 0 - 20 - 0
    got = rows(engine, ["gmv", "orders", "aov", "refund_amount", "refund_rate", "net_revenue", "ad_spend", "cpc"],
               start=date(2026, 3, 6), end=date(2026, 3, 6))
    check(got, [{"gmv": 0, "orders": 0, "aov": None, "refund_amount": 20, "refund_rate": None, "net_revenue": -20,
                 "ad_spend": 0, "cpc": None}])


def test_gross_profit_without_known_costs(engine):
    # 03-06 has no order lines at all: profit 0, margin 0/0; 03-07 has only o26's p2 lines, whose cost is
    # unknown: the sum of their costs is unknown, so is the profit
    got = rows(engine, ["gross_profit", "gross_margin"], grain="day", start=date(2026, 3, 6), end=date(2026, 3, 7))
    check(got, [{"period": "2026-03-06", "gross_profit": 0, "gross_margin": None},
                {"period": "2026-03-07", "gross_profit": None, "gross_margin": None}])


def test_week_grain_ratio_is_a_ratio_of_sums(engine):
    # weeks start on Monday; the range starts on Sunday 03-01, so W09 covers only 03-01 (o12 40, visitor u1 e09)
    # W10 AOV = 900 / 6 = 150, not the mean of the daily AOVs (200 + 200 + 50 + 150 + 100) / 5 = 140;
    # revenue per buyer 900 / 4 = 225, not the mean of 200, 200, 150, 100 (03-05 has only a guest) = 162.5
    got = rows(engine, ["gmv", "orders", "aov", "customer_unit_price", "conversion_rate"], grain="week",
               start=date(2026, 3, 1), end=date(2026, 3, 8))
    check(got, [
        {"period": "2026-W09", "gmv": 40, "orders": 1, "aov": 40, "customer_unit_price": 40, "conversion_rate": 1 / 1},
        {"period": "2026-W10", "gmv": 900, "orders": 6, "aov": 150, "customer_unit_price": 225,
         "conversion_rate": 4 / 6},
    ])


def test_month_grain_with_previous(engine):
    # two whole months compare with the two months before: Feb <- Dec 2025, Mar <- Jan 2026
    got = rows(engine, ["gmv", "orders"], grain="month", compare="previous", start=date(2026, 2, 1),
               end=date(2026, 3, 31))
    check(got, [
        # Feb: o10 100 + o11 60; Dec 2025: no order (the store has data since 2025-03-04: 0, not null)
        {"period": "2026-02", "gmv": 160, "gmv__previous": 0, "gmv__previous_change": None,
         "orders": 2, "orders__previous": 0, "orders__previous_change": None},
        # Mar: o12 40 + W10 900 = 940 (7 orders); Jan: o04 1000 -> (940 - 1000) / 1000
        {"period": "2026-03", "gmv": 940, "gmv__previous": 1000, "gmv__previous_change": -0.06,
         "orders": 7, "orders__previous": 1, "orders__previous_change": (7 - 1) / 1},
    ])


def test_previous_of_a_whole_month_is_the_month_before(engine):
    # March compares with February (160), not with the 31 days 01-29..02-28 (which hold o04's 1000 too)
    got = rows(engine, "gmv", compare="previous", start=date(2026, 3, 1), end=date(2026, 3, 31))
    check(got, [{"gmv": 940, "gmv__previous": 160, "gmv__previous_change": (940 - 160) / 160}])


def test_previous_week(engine):
    # W09: o11 60 + o12 40 (2 orders, new buyer u2), no refund, no favorite
    got = rows(engine, ["gmv", "orders", "new_buyers", "refund_amount", "favorites"], compare="previous")
    check(got, [{"gmv": 900, "gmv__previous": 100, "gmv__previous_change": (900 - 100) / 100,
                 "orders": 6, "orders__previous": 2, "orders__previous_change": (6 - 2) / 2,
                 "new_buyers": 2, "new_buyers__previous": 1, "new_buyers__previous_change": (2 - 1) / 1,
                 "refund_amount": 90, "refund_amount__previous": 0, "refund_amount__previous_change": None,
                 "favorites": 1, "favorites__previous": 0, "favorites__previous_change": None}])


def test_previous_and_wow_of_two_days(engine):
    span = {"start": date(2026, 3, 4), "end": date(2026, 3, 5)}  # o22 100 + o23 300 + o24 50 = 450
    # previous: the 2 days just before, 03-02..03: o21 200
    check(rows(engine, "gmv", compare="previous", **span),
          [{"gmv": 450, "gmv__previous": 200, "gmv__previous_change": (450 - 200) / 200}])
    # wow: 7 days earlier, 02-25..26: o11 60
    check(rows(engine, "gmv", compare="wow", **span),
          [{"gmv": 450, "gmv__wow": 60, "gmv__wow_change": (450 - 60) / 60}])
    # by day, each day compares with the day the shift maps onto it: 03-04 <- 03-02, 03-05 <- 03-03 (0)
    check(rows(engine, "gmv", compare="previous", grain="day", **span), [
        {"period": "2026-03-04", "gmv": 400, "gmv__previous": 200, "gmv__previous_change": (400 - 200) / 200},
        {"period": "2026-03-05", "gmv": 50, "gmv__previous": 0, "gmv__previous_change": None},
    ])


def test_change_divides_by_the_absolute_comparison_value(engine):
    # net revenue 03-07: o26 150 - 0 - 0; previous day 03-06: 0 GMV - r2 20 = -20 -> (150 - -20) / |-20|
    check(rows(engine, "net_revenue", compare="previous", start=date(2026, 3, 7), end=date(2026, 3, 7)),
          [{"net_revenue": 150, "net_revenue__previous": -20, "net_revenue__previous_change": (150 + 20) / 20}])


def test_yoy(engine):
    # one calendar year back: 2025-03-02..08 holds o01 450 (2025-03-04)
    check(rows(engine, "gmv", compare="yoy"), [{"gmv": 900, "gmv__yoy": 450, "gmv__yoy_change": (900 - 450) / 450}])
    # weekly: 52 weeks back, 2025-03-03..09 (Monday to Sunday) holds it too
    check(rows(engine, "gmv", compare="yoy", grain="week"),
          [{"period": "2026-W10", "gmv": 900, "gmv__yoy": 450, "gmv__yoy_change": 1.0}])


# ---- cuts ------------------------------------------------------------------------------------------
def test_guest_orders_count_in_orders_and_gmv_not_in_buyers(engine):
    got = rows(engine, ["gmv", "orders", "paying_buyers", "aov", "customer_unit_price"], by=["new_vs_returning"])
    check(got, [
        {"new_vs_returning": "guest", "gmv": 50, "orders": 1, "paying_buyers": 0, "aov": 50,
         "customer_unit_price": None},  # o24; 50 / 0 buyers
        # first orders: o23 (u3) 300, o27 (u4) 100
        {"new_vs_returning": "new", "gmv": 400, "orders": 2, "paying_buyers": 2, "aov": 200,
         "customer_unit_price": 200},
        # o21 200 + o22 100 (u1), o26 150 (u2)
        {"new_vs_returning": "returning", "gmv": 450, "orders": 3, "paying_buyers": 2, "aov": 150,
         "customer_unit_price": 225},
    ])


def test_by_channel(engine):
    # spend per channel: paid_search 100 + 50, kol 150; roi = paid-channel GMV / spend, cpa = spend / paid orders
    got = rows(engine, ["gmv", "orders", "ad_spend", "roi", "cpa"], by=["channel"])
    check(got, [
        {"channel": "kol", "gmv": 150, "orders": 1, "ad_spend": 150, "roi": 150 / 150, "cpa": 150 / 1},  # o26
        {"channel": "live_stream", "gmv": 100, "orders": 1, "ad_spend": 0, "roi": None, "cpa": 0 / 1},  # o27
        {"channel": "organic_search", "gmv": 100, "orders": 1, "ad_spend": 0, "roi": None, "cpa": None},  # o22
        {"channel": "paid_search", "gmv": 250, "orders": 2, "ad_spend": 150, "roi": 250 / 150,
         "cpa": 150 / 2},  # o21 o24
        {"channel": "recommendation", "gmv": 300, "orders": 1, "ad_spend": 0, "roi": None, "cpa": None},  # o23
    ])


def test_by_channel_type(engine):
    check(rows(engine, ["gmv", "orders", "roi"], by=["channel_type"]), [
        {"channel_type": "free", "gmv": 400, "orders": 2, "roi": None},  # o22 o23; no paid GMV, no spend: 0/0
        {"channel_type": "paid", "gmv": 500, "orders": 4, "roi": 500 / 300},  # o21 o24 o26 o27
    ])


def test_by_category_and_brand_use_order_lines(engine):
    # p1 apparel/A: o21 100, o24 50, o27 100; p2 apparel/B: o22 100, o26 150; p3 shoes/A: o21 100, o23 200;
    # p4 shoes/B: o23 100. Orders and buyers with a line of the category/brand (the guest o24 has no buyer).
    check(rows(engine, ["gmv", "orders", "paying_buyers", "aov"], by=["category"]), [
        {"category": "apparel", "gmv": 500, "orders": 5, "paying_buyers": 3, "aov": 500 / 5},  # o21 o22 o24 o26 o27
        {"category": "shoes", "gmv": 400, "orders": 2, "paying_buyers": 2, "aov": 400 / 2},  # o21 o23; u1 u3
    ])
    check(rows(engine, ["gmv", "orders"], by=["brand"]), [
        {"brand": "A", "gmv": 250 + 300, "orders": 4},  # o21 o23 o24 o27
        {"brand": "B", "gmv": 250 + 100, "orders": 3},  # o22 o23 o26
    ])


def test_by_member_tier(engine):
    # tier from customers (u4 has no row, a guest has none: "none"); member = the order's is_member, else the tier
    check(rows(engine, ["gmv", "orders", "member_gmv_share"], by=["member_tier"]), [
        {"member_tier": "gold", "gmv": 450, "orders": 3, "member_gmv_share": 1},  # o21 o22 (u1) o26 (u2)
        {"member_tier": "none", "gmv": 150, "orders": 2, "member_gmv_share": 100 / 150},  # o27 (member) o24 (guest)
        {"member_tier": "silver", "gmv": 300, "orders": 1, "member_gmv_share": 0},  # o23 says not a member
    ])


def test_reporting_in_another_currency(engine):
    # 03-04: o22 100 + o23 300 CNY; fx_rates: 8 CNY per USD on 03-04
    r = engine.query(["gmv", "aov"], start=date(2026, 3, 4), end=date(2026, 3, 4), store="s1", currency="USD",
                     targets=False)
    assert r.currency == "USD"
    check(r.rows, [{"gmv": 400 / 8, "aov": 400 / 8 / 2}])


def test_metrics_of_tables_never_imported_are_null(engine):
    # s3 imported only orders (y1 100 by z1 on 03-02): no ad spend, refunds, order lines or events
    got = rows(engine, ["gmv", "ad_spend", "roi", "refund_amount", "net_revenue", "gross_profit", "retention_7d",
                        "ltv_to_date", "dormant_share"], store="s3", start=date(2026, 3, 2), end=date(2026, 3, 3))
    check(got, [{"gmv": 100, "ad_spend": None, "roi": None, "refund_amount": None, "net_revenue": None,
                 "gross_profit": None, "retention_7d": None, "ltv_to_date": 100 / 1, "dormant_share": 0 / 1}])


def test_two_stores_are_summed(engine):
    # s1 and s3 (both CNY): builders give a row per store, summed into one; s3 adds buyer z1 (y1 100 on 03-02)
    metrics = ["gmv", "orders", "dormant_share", "ltv_to_date"]
    both = {"store": ["s1", "s3"]}
    # buyers 6 + 1, dormant u5; identified GMV 1200 + 100
    total = {"gmv": 900 + 100, "orders": 6 + 1, "dormant_share": 1 / 7, "ltv_to_date": 1300 / 7}
    check(rows(engine, metrics, **both), [total])
    check(rows(engine, metrics, grain="week", **both), [{"period": "2026-W10", **total}])
    check(rows(engine, metrics, by=["store"], **both), [
        {"store": "s1", "gmv": 900, "orders": 6, "dormant_share": 1 / 6, "ltv_to_date": 1200 / 6},
        {"store": "s3", "gmv": 100, "orders": 1, "dormant_share": 0 / 1, "ltv_to_date": 100 / 1},
    ])


# ---- per-period snapshots and cohorts -------------------------------------------------------------
def test_dormant_share_and_ltv_at_each_month_end(engine):
    got = rows(engine, ["dormant_share", "ltv_to_date"], grain="month", start=date(2026, 1, 1),
               end=date(2026, 3, 31))
    check(got, [
        # by 01-31: u5 u6; the 180 days 2025-08-05..2026-01-31: u5 (2025-08-01) is dormant;
        # identified GMV 80 + 70 (the guest o04 does not count)
        {"period": "2026-01", "dormant_share": 1 / 2, "ltv_to_date": (80 + 70) / 2},
        # by 02-28: + u1 (o10 100) u2 (o11 60); u5 dormant
        {"period": "2026-02", "dormant_share": 1 / 4, "ltv_to_date": (80 + 70 + 100 + 60) / 4},
        # by 03-31: + u3 u4 (6 buyers, GMV 1200 as in W10); the 180 days 2025-10-03..2026-03-31: u6
        # (2025-10-01) is dormant now too
        {"period": "2026-03", "dormant_share": 2 / 6, "ltv_to_date": 1200 / 6},
    ])


def test_retention_by_week(engine):
    got = rows(engine, ["retention_7d", "retention_30d", "new_visitors"], grain="week", start=date(2026, 3, 2),
               end=date(2026, 4, 12))
    check(got, [
        {"period": "2026-W10", "retention_7d": 2 / 4, "retention_30d": 3 / 4, "new_visitors": 4},
        # no new visitor in W11..W14: 0 / 0
        *({"period": f"2026-W{w}", "retention_7d": None, "retention_30d": None, "new_visitors": 0}
          for w in range(11, 15)),
        # u9 first came 04-10, the store's last event day: their 7 days are not in the data yet
        {"period": "2026-W15", "retention_7d": None, "retention_30d": None, "new_visitors": 1},
    ])


# ---- targets -------------------------------------------------------------------------------------
TARGETS = """
targets:
  - {metric: gmv, value: 3100, per: month}
  - {metric: refund_rate, value: 0.2}
benchmarks:
  refund_rate: 0.08
"""


def test_targets_from_a_user_config(engine, tmp_path):
    path = tmp_path / "shoplens.yaml"
    path.write_text(TARGETS, encoding="utf-8")
    eng = MetricsEngine(engine.wh, targets=load_targets(path))
    metrics = ["gmv", "refund_rate"]
    # a month target spreads over its days: 3100 / 31 = 100 a day in March; W10 = 7 days -> 700.
    # a ratio's target holds as is; refund_rate is better lower: attainment = target / value = 0.2 / 0.1
    check(eng.query(metrics, start=W10[0], end=W10[1], store="s1").rows, [
        {"gmv": 900, "gmv__target": 700, "gmv__attainment": 900 / 700, "refund_rate": 0.1,
         "refund_rate__target": 0.2, "refund_rate__attainment": 0.2 / 0.1, "refund_rate__benchmark": 0.08}])
    # across a month boundary: 02-25..28 at 3100 / 28 a day + 03-01..03 at 100; GMV o11 60 + o12 40 + o21 200
    target = 4 * 3100 / 28 + 3 * 100
    check(eng.query("gmv", start=date(2026, 2, 25), end=date(2026, 3, 3), store="s1").rows,
          [{"gmv": 300, "gmv__target": target, "gmv__attainment": 300 / target}])
    # by day and by (partial) week
    check(eng.query(metrics, start=date(2026, 3, 2), end=date(2026, 3, 3), store="s1", grain="day").rows, [
        {"period": "2026-03-02", "gmv": 200, "gmv__target": 100, "gmv__attainment": 2.0,
         "refund_rate": 0, "refund_rate__attainment": None},  # target / 0
        {"period": "2026-03-03", "gmv": 0, "gmv__target": 100, "gmv__attainment": 0.0,
         "refund_rate": None, "refund_rate__attainment": None},  # 10 refunded / 0 GMV
    ])
    check(eng.query("gmv", start=date(2026, 3, 1), end=W10[1], store="s1", grain="week").rows, [
        {"period": "2026-W09", "gmv": 40, "gmv__target": 100, "gmv__attainment": 40 / 100},  # only 03-01 in range
        {"period": "2026-W10", "gmv": 900, "gmv__target": 700, "gmv__attainment": 900 / 700},
    ])
    # targets=False: the metric columns only
    assert set(eng.query(metrics, start=W10[0], end=W10[1], store="s1", targets=False).rows[0]) == set(metrics)


def test_a_misspelt_config_section_is_an_error_not_ignored(tmp_path):
    path = tmp_path / "shoplens.yaml"
    path.write_text("targetz:\n  - {metric: gmv, value: 1}\n", encoding="utf-8")
    with pytest.raises(ShoplensError, match="unknown section 'targetz'"):
        load_targets(path)
    path.write_text("secret_key: " + "k" * 40 + "\n" + TARGETS, encoding="utf-8")  # the server's key may share it
    assert [t.metric for t in load_targets(path).targets][-2:] == ["gmv", "refund_rate"]


def test_another_currency_refuses_amounts_it_cannot_convert(engine):
    # only 03-04 has a USD rate: a range with other days, or LTV over all history, must fail, not shrink
    with pytest.raises(ShoplensError, match="no USD rate for 1 of 2 days with data"):
        engine.query(["gmv"], start=date(2026, 3, 4), end=date(2026, 3, 5), store="s1", currency="USD")
    with pytest.raises(ShoplensError, match="no USD rate in fx_rates for store s1 on 20"):
        engine.query(["ltv_to_date"], start=date(2026, 3, 4), end=date(2026, 3, 4), store="s1", currency="USD")


def test_amount_targets_are_totals_not_per_slice(engine, tmp_path):
    path = tmp_path / "shoplens.yaml"
    path.write_text(TARGETS, encoding="utf-8")
    eng = MetricsEngine(engine.wh, targets=load_targets(path))
    # a store's monthly GMV target (700 for W10) is not every channel's target; a ratio target is every row's
    got = eng.query(["gmv", "refund_rate"], by=["channel"], start=W10[0], end=W10[1], store="s1").rows
    assert all("gmv__target" not in r for r in got)
    assert all(r["refund_rate__target"] == 0.2 for r in got)
    # cut by store, each store gets its own total target
    per_store = eng.query(["gmv"], by=["store"], start=W10[0], end=W10[1], store="s1").rows
    assert per_store[0]["store"] == "s1" and per_store[0]["gmv__target"] == pytest.approx(700)


def test_a_nul_character_in_a_filter_or_currency_is_refused(engine):
    # DuckDB ends SQL text at a NUL: the engine refuses it before any SQL is built (the API relies on this)
    with pytest.raises(ShoplensError, match="--where holds a NUL"):
        engine.query("gmv", where={"channel": ["direct\x00' OR 1=1 --"]}, store="s1")
    with pytest.raises(ShoplensError, match="--currency holds a NUL"):
        engine.query("gmv", currency="US\x00D", store="s1")
