"""Product, service and logistics metrics on the hand-made fixture, query errors, catalog coverage.

Every expected value is worked out by hand from tests/metrics_fixture.py and the catalog
definitions; the arithmetic is in the comment beside it. Days are local days of store s1
(Asia/Shanghai). W10 = 2026-03-02..08.

Products: p1 apparel/A cost 20, p2 apparel/B no cost, p3 shoes/A cost 50 (all on sale), p4 shoes/B off shelf,
p5 bags/A and p6 bags/B on sale, p7 bags/A discontinued. W10 order lines (units x price):
p1 o21 2x50, o24 1x50, o27 2x50 = 250 (5 units); p2 o22 1x100, o26 3x50 = 250 (4); p3 o21 1x100, o23 2x100 = 300 (3);
p4 o23 2x50 = 100 (2). Item sales 900, 14 units, 6 paid orders.
"""

from __future__ import annotations

import importlib
from datetime import date

import pytest

from metrics_fixture import FILE_GROUPS, check, expected_value_tests, rows
from shoplens.errors import ShoplensError
from shoplens.metrics.spec import load_catalog

GROUPS = FILE_GROUPS["test_metrics_fixture_ops.py"]

EXPECTED = {
    "sku_count": 5,  # on_sale: p1 p2 p3 p5 p6 (p4 off shelf, p7 discontinued)
    "sell_through_rate": 3 / 5,  # on-sale SKUs sold in W10: p1 p2 p3 (p4 sold but is off shelf) / 5
    # on-sale SKUs without a sale in the 30 days 02-07..03-08: p5 (last sold 2025-08-01); p6 sold 02-10 / 5
    "slow_moving_sku_share": 1 / 5,
    # 4 SKUs sold -> the top ceil(4 x 10 %) = 1: p3 300 / item sales 900
    "top_seller_sales_share": 300 / 900,
    # on hand per SKU and day (warehouses summed): 03-02 p1 10 + 5, p2 0; 03-03 p1 12, p2 0; 03-04 p1 8, p2 6
    # = 41 over 3 snapshot days; 14 units sold over the 7 days
    "inventory_turnover_days": (41 / 3) / (14 / 7),
    "stockout_sku_share": 2 / 6,  # p2 on 03-02 and 03-03 / 6 SKU-days
    "stock_units": 41 / 3,  # the same 41 units on hand over 3 snapshot days: the daily average
    # at cost: p1 (cost 20) 15 + 12 + 8 units; p2 has no cost, so its 6 units are left out (unknown, not 0)
    "stock_cost": 20 * (15 + 12 + 8) / 3,
    "stockout_days": 2,  # p2 had 0 on hand on 03-02 and 03-03 (SKU-days summed over the store)
    "dsr_description": (5 + 4) / 2,  # v1 5, v2 4; v4 has none; v3 was posted 03-09 00:30 local
    "dsr_service": (4 + 3) / 2,  # v1 4, v4 3; v2 has none
    "dsr_logistics": (3 + 5 + 4) / 3,  # v1 v2 v4
    "reviews": 3,  # posted in W10: v1 v2 v4 (v3 is 03-09 00:30 local)
    "tickets": 3,  # opened in W10: t1 t2 t3 (t4 opened 03-01 23:00 local: W09)
    "complaint_rate": 2 / 6,  # complaints opened in W10: t1 t3 (t4 opened 03-01 23:00 local) / 6 paid orders
    "avg_first_response_time": (600 + 3600) / 2,  # t1 10 min, t2 1 h; t3 never answered
    "refund_order_share": 3 / 6,  # orders refunded in W10: o23 (r1) o21 (r2) o12 (r4) / 6 paid orders
    "avg_delivery_days": (2.0 + 1.5 + 3.0) / 3,  # delivered parcels sh1 2.0, sh2 1.5, sh4 3.0 days
    "on_time_delivery_rate": 1 / 2,  # delivered with a promise: sh1 (2.0 <= 3 days), sh2 (1.5 > 1: late)
    # parcels of paid orders: sh1 10.5 h, sh3 23 h, sh4 24 h after payment; sh2 72 h; sh5 has no order
    "shipped_within_48h_rate": 3 / 4,
    "shipping_cost_per_order": (10 + 8 + 12 + 6 + 4) / 3,  # all parcels' cost / shipped orders o21 o22 o23
    "lost_parcel_rate": 1 / 5,  # sh3 / 5 parcels
    "parcels": 5,  # sh1..sh5
    "delivered_parcels": 3,  # sh1 sh2 sh4 (the denominator of avg_delivery_days above)
    "promised_parcels": 2,  # sh1 sh2 (the denominator of on_time_delivery_rate above)
}


def test_every_catalog_metric_has_a_fixture_test():
    tested: set[str] = set()
    for name in FILE_GROUPS:
        tested |= set(importlib.import_module(name.removesuffix(".py")).EXPECTED)
    assert tested == set(load_catalog().metrics)


test_the_file_covers_every_metric_of_its_groups, test_w10_value, test_w10_all_metrics_in_one_query = (
    expected_value_tests(EXPECTED, GROUPS))


# ---- product ---------------------------------------------------------------------------------------
def test_product_metrics_by_category(engine):
    got = rows(engine, ["sku_count", "sell_through_rate", "slow_moving_sku_share", "top_seller_sales_share"],
               by=["category"])
    check(got, [
        # on sale p1 p2, both sold; 2 SKUs sold -> top 1: p1 or p2, 250 either way / 500
        {"category": "apparel", "sku_count": 2, "sell_through_rate": 2 / 2, "slow_moving_sku_share": 0 / 2,
         "top_seller_sales_share": 250 / 500},
        # on sale p5 p6, none sold in W10; p5 unsold for 30 days, p6 sold 02-10; no sales: 0 / 0
        {"category": "bags", "sku_count": 2, "sell_through_rate": 0 / 2, "slow_moving_sku_share": 1 / 2,
         "top_seller_sales_share": None},
        # on sale p3 (p4 off shelf), sold; sold p3 300, p4 100 -> top 1: p3 / 400
        {"category": "shoes", "sku_count": 1, "sell_through_rate": 1 / 1, "slow_moving_sku_share": 0 / 1,
         "top_seller_sales_share": 300 / 400},
    ])


def test_sku_count_alone_by_category_and_brand(engine):
    # the catalog snapshot alone still has a row per category (a category without sales included)
    expected = [{"category": "apparel", "sku_count": 2}, {"category": "bags", "sku_count": 2},
                {"category": "shoes", "sku_count": 1}]
    check(rows(engine, "sku_count", by=["category"]), expected)
    check(rows(engine, "sku_count", by=["category"], grain="week"), [{"period": "2026-W10", **e} for e in expected])
    check(rows(engine, "sell_through_rate", by=["category"]), [
        {"category": "apparel", "sell_through_rate": 1}, {"category": "bags", "sell_through_rate": 0},
        {"category": "shoes", "sell_through_rate": 1}])
    check(rows(engine, "sku_count", by=["brand"]), [
        {"brand": "A", "sku_count": 3},  # p1 p3 p5 (p7 discontinued)
        {"brand": "B", "sku_count": 2},  # p2 p6 (p4 off shelf)
    ])


def test_product_metrics_by_month(engine):
    got = rows(engine, ["sell_through_rate", "slow_moving_sku_share", "top_seller_sales_share"], grain="month",
               start=date(2026, 2, 1), end=date(2026, 3, 31))
    check(got, [
        # Feb sales: o10 p6 100, o11 p1 60 -> sold on sale p1 p6 / 5; unsold 01-30..02-28: p2 p3 p5;
        # top 1 of 2 SKUs: p6 100 / 160
        {"period": "2026-02", "sell_through_rate": 2 / 5, "slow_moving_sku_share": 3 / 5,
         "top_seller_sales_share": 100 / 160},
        # Mar sales: o12 p2 40 (03-01) + W10 -> p1 250, p2 290, p3 300, p4 100 = 940; sold on sale p1 p2 p3;
        # unsold 03-02..03-31: p5, p6 (02-10); top 1 of 4: p3 300 / 940
        {"period": "2026-03", "sell_through_rate": 3 / 5, "slow_moving_sku_share": 2 / 5,
         "top_seller_sales_share": 300 / 940},
    ])


def test_inventory_by_product(engine):
    # W10 units: p1 2 + 1 + 2 = 5, p2 1 + 3 = 4, p3 3, p4 2 over 7 days; p3 p4 have no snapshot (0 / 0)
    check(rows(engine, ["stockout_sku_share", "inventory_turnover_days"], by=["product"]), [
        {"product": "p1", "stockout_sku_share": 0 / 3, "inventory_turnover_days": ((15 + 12 + 8) / 3) / (5 / 7)},
        {"product": "p2", "stockout_sku_share": 2 / 3, "inventory_turnover_days": ((0 + 0 + 6) / 3) / (4 / 7)},
        {"product": "p3", "stockout_sku_share": None, "inventory_turnover_days": None},
        {"product": "p4", "stockout_sku_share": None, "inventory_turnover_days": None},
    ])


def test_stockout_days_by_product(engine):
    # per SKU the days its snapshot (warehouses summed) was 0: p2 on 03-02 and 03-03; p1 never (p3 p4: no snapshot,
    # no row)
    check(rows(engine, ["stockout_days", "stock_units"], by=["product"]), [
        {"product": "p1", "stockout_days": 0, "stock_units": (15 + 12 + 8) / 3},
        {"product": "p2", "stockout_days": 2, "stock_units": (0 + 0 + 6) / 3},
    ])


def test_stock_units_by_product_on_one_day(engine):
    # one day's snapshot is that day's stock (p1's two warehouses summed); p3 p4 have no snapshot that day
    check(rows(engine, ["stock_units"], by=["product"], start=date(2026, 3, 2), end=date(2026, 3, 2)), [
        {"product": "p1", "stock_units": 15}, {"product": "p2", "stock_units": 0},
    ])


def test_stockout_by_day(engine):
    got = rows(engine, ["stockout_sku_share"], grain="day", start=date(2026, 3, 1), end=date(2026, 3, 5))
    check(got, [
        {"period": "2026-03-01", "stockout_sku_share": 0 / 1},  # p1 20
        {"period": "2026-03-02", "stockout_sku_share": 1 / 2},  # p2 0
        {"period": "2026-03-03", "stockout_sku_share": 1 / 2},  # p2 0
        {"period": "2026-03-04", "stockout_sku_share": 0 / 2},
        {"period": "2026-03-05", "stockout_sku_share": None},  # no snapshot
    ])


# ---- service ---------------------------------------------------------------------------------------
def test_reviews_by_category(engine):
    check(rows(engine, ["dsr_description", "dsr_service", "dsr_logistics"], by=["category"]), [
        # v1 (p1) 5/4/3, v4 (p2) -/3/4
        {"category": "apparel", "dsr_description": 5 / 1, "dsr_service": (4 + 3) / 2, "dsr_logistics": (3 + 4) / 2},
        # v2 (p3) 4/-/5
        {"category": "shoes", "dsr_description": 4 / 1, "dsr_service": None, "dsr_logistics": 5 / 1},
    ])


def test_service_by_the_channel_of_the_linked_order(engine):
    # tickets and refunds take the channel of their order: t1 -> o21 paid_search, t3 -> o26 kol, t2 has no
    # order (its row has no channel); r1 -> o23 recommendation, r2 -> o21 paid_search, r4 -> o12 organic_search
    got = rows(engine, ["complaint_rate", "refund_order_share", "orders"], by=["channel"])
    check(got, [
        {"channel": "kol", "complaint_rate": 1 / 1, "refund_order_share": 0 / 1, "orders": 1},
        {"channel": "live_stream", "complaint_rate": 0 / 1, "refund_order_share": 0 / 1, "orders": 1},
        {"channel": "organic_search", "complaint_rate": 0 / 1, "refund_order_share": 1 / 1, "orders": 1},
        {"channel": "paid_search", "complaint_rate": 1 / 2, "refund_order_share": 1 / 2, "orders": 2},
        {"channel": "recommendation", "complaint_rate": 0 / 1, "refund_order_share": 1 / 1, "orders": 1},
        {"channel": None, "complaint_rate": None, "refund_order_share": None, "orders": 0},  # t2: 0 / 0
    ])


# ---- logistics -------------------------------------------------------------------------------------
def test_logistics_by_carrier(engine):
    metrics = ["lost_parcel_rate", "avg_delivery_days", "on_time_delivery_rate", "shipped_within_48h_rate",
               "shipping_cost_per_order"]
    check(rows(engine, metrics, by=["carrier"]), [
        # sh1 sh3 sh4: lost sh3; delivered sh1 2.0, sh4 3.0; promised and delivered: sh1 on time;
        # all three within 48 h; cost 10 + 12 + 6 over orders o21 o23
        {"carrier": "sf", "lost_parcel_rate": 1 / 3, "avg_delivery_days": (2.0 + 3.0) / 2,
         "on_time_delivery_rate": 1 / 1, "shipped_within_48h_rate": 3 / 3, "shipping_cost_per_order": 28 / 2},
        # sh2 sh5: delivered sh2 1.5 days (late); sh2 72 h after payment, sh5 without order; cost 8 + 4 / o22
        {"carrier": "yto", "lost_parcel_rate": 0 / 2, "avg_delivery_days": 1.5, "on_time_delivery_rate": 0 / 1,
         "shipped_within_48h_rate": 0 / 1, "shipping_cost_per_order": 12 / 1},
    ])


# ---- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("metrics", "kw", "fragment"), [
    (["gmvv"], {}, "unknown metric"),
    (["roi"], {"by": ["country"]}, "cannot be cut"),  # ad spend has no country
    (["sku_count"], {"where": {"device": ["mobile"]}}, "cannot be cut"),
    (["retention_7d"], {"by": ["channel"]}, "cannot be cut"),
    (["gmv"], {"by": ["colour"]}, "unknown dimension"),
    (["gmv"], {"grain": "fortnight"}, "unknown grain"),
    (["gmv"], {"compare": "mom"}, "unknown comparison"),
    (["gmv"], {"store": "s9"}, "unknown store"),
    (["gmv"], {"start": date(2026, 3, 9)}, "after"),
    ([], {}, "no metric"),
])
def test_query_errors(engine, metrics, kw, fragment):
    with pytest.raises(ShoplensError, match=fragment):
        rows(engine, metrics, **kw)
