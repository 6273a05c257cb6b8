"""Traffic and conversion metrics on the hand-made fixture (tests/metrics_fixture.py).

Every expected value is worked out by hand from the fixture data and the catalog definition
(def_en in catalog.yaml, the docstrings of metrics/sources.py and builders.py); the arithmetic
is in the comment beside it. Days are local days of store s1 (Asia/Shanghai, UTC+8).
"""

from __future__ import annotations

from datetime import date

from metrics_fixture import FILE_GROUPS, check, expected_value_tests, rows

GROUPS = FILE_GROUPS["test_metrics_fixture_traffic.py"]

# W10 = 2026-03-02..08. Visitors with an event in W10: u1 (e02-e06 on 03-02, from 17:30Z the evening
# before; e07-e08 on 03-04), u2 (e11-e13), u3 (e20-e25), u4 (e30), u7 (e40-e42), u8 (e50). Not in W10:
# e01 (02-10), e09 (03-01 23:30 local), e10 (02-24), e31 (03-20), e51 (03-13), e99 (04-10).
# Sessions starting in W10:
#   S1 u1 e02-e06: 5 events, 2 page views, 17:30 -> 17:40 = 600 s    S2 u1 e07-e08: 2 events, 1 pv, 600 s
#   S4 u2 e11-e13: 3 events, 1 pv, 600 s
#   u3 has no session ids -> cut at 30-minute gaps: G1 = e20 + e21 (20 min apart): 2 events, 2 pv, 1200 s;
#   G2 = e22 (40 min after e21): 1 event, 1 pv, 0 s
#   S5 u3 e23-e25: 3 events, 0 pv, 600 s      S6 u4 e30: 1 event, 1 pv, 0 s
#   S8 u7 e40-e42: 3 events, 1 pv, 360 s      S9 u8 e50: 1 event, 1 pv, 0 s
# Paid orders of W10 (orders table): o21 u1 200 (paid 03-02 01:30 local), o22 u1 100, o23 u3 300,
#   o24 guest 50, o26 u2 150 (shipped, no paid_ts: paid at created_ts), o27 u4 100 (cancelled after payment);
#   not o25 (never paid), not o12 (paid 03-01 23:30 local).
EXPECTED = {
    "uv": 6,  # u1 u2 u3 u4 u7 u8
    "pv": 10,  # page_view e02 e20 e22 e30 e40 e50 + product_view e03 e07 e11 e21
    "sessions": 9,  # S1 S2 S4 G1 G2 S5 S6 S8 S9
    "new_visitors": 4,  # first ever event in W10: u3 u4 u7 u8 (u1 first came 02-10, u2 02-24)
    "paid_traffic_share": 3 / 6,  # paid channels: u1 (paid_search) u2 (kol) u4 (live_stream) / 6 visitors
    "free_traffic_share": 3 / 6,  # free: u1 (organic_search e07) u3 u7 (recommendation); u8 has no channel / 6
    "search_traffic_share": 1 / 6,  # organic or paid search: u1 / 6
    "recommendation_traffic_share": 2 / 6,  # u3 u7 / 6
    "traffic_share": 6 / 6,  # not cut: all visitors / all visitors
    "bounce_rate": 3 / 9,  # single-event sessions G2 S6 S9 / 9 sessions
    "avg_session_duration": 3960 / 9,  # (600 S1 + 600 S2 + 600 S4 + 1200 G1 + 0 G2 + 600 S5 + 0 + 360 S8 + 0) / 9
    "pages_per_session": 10 / 9,  # (2 + 1 + 1 + 2 + 1 + 0 + 1 + 1 + 1) / 9
    "ctr": 100 / 3000,  # ad clicks 50 + 25 + 25 / impressions 1000 + 500 + 1500 (the 02-25 row is W09)
    "product_view_rate": 3 / 6,  # product_view: u1 u2 u3 / 6
    "add_to_cart_users": 4,  # add_to_cart: u1 (e04) u2 (e13) u3 (e23) u7 (e41)
    "add_to_cart_rate": 4 / 6,  # 4 cart adders / 6 visitors
    "favorites": 1,  # e12
    # cart adders with a purchase event in W10: u1 (e06, e08) u3 (e25); u2 bought o26 but has no purchase event
    "cart_to_purchase_rate": 2 / 4,
    "checkout_abandonment_rate": 1 - 2 / 3,  # began checkout: u1 u3 u7; of them purchased: u1 u3
    "conversion_rate": 4 / 6,  # paying buyers u1 u2 u3 u4 (from orders) / 6 visitors
    "orders": 6,  # o21 o22 o23 o24 (guest) o26 o27
    "paying_buyers": 4,  # u1 (o21, o22) u3 u2 u4; the guest order o24 has no buyer
    "paid_units": 14,  # o21 2+1, o22 1, o23 2+2, o24 1, o26 3, o27 2
    "aov": 900 / 6,  # GMV 200 + 100 + 300 + 50 + 150 + 100 = 900 / 6 orders = 150
    "customer_unit_price": 900 / 4,  # 900 / 4 paying buyers = 225
    "items_per_order": 14 / 6,  # 14 units / 6 orders
}


test_the_file_covers_every_metric_of_its_groups, test_w10_value, test_w10_all_metrics_in_one_query = (
    expected_value_tests(EXPECTED, GROUPS))


def test_days_are_cut_in_the_store_time_zone(engine):
    # 03-01 local = 02-28T16:00Z..03-01T16:00Z: e09 (15:30Z = 23:30 local), session S12, order o12 (15:30Z)
    # 03-02 local: e02-e06 from 17:30Z on 03-01 (S1: page_view e02 + product_view e03), order o21 (17:30Z)
    # (cut in UTC, 03-01 would hold all of them: uv 1, pv 3, sessions 2, gmv 240)
    got = rows(engine, ["uv", "pv", "sessions", "gmv"], grain="day", start=date(2026, 3, 1), end=date(2026, 3, 2))
    check(got, [{"period": "2026-03-01", "uv": 1, "pv": 1, "sessions": 1, "gmv": 40},
                {"period": "2026-03-02", "uv": 1, "pv": 2, "sessions": 1, "gmv": 200}])


def test_sessions_by_day(engine):
    got = rows(engine, ["sessions", "bounce_rate", "avg_session_duration", "pages_per_session"], grain="day")
    check(got, [
        {"period": "2026-03-02", "sessions": 1, "bounce_rate": 0, "avg_session_duration": 600,
         "pages_per_session": 2},  # S1
        # the two gap sessions of u3: G1 (2 events, 1200 s, 2 pv) and G2 (1 event: a bounce)
        {"period": "2026-03-03", "sessions": 2, "bounce_rate": 1 / 2, "avg_session_duration": (1200 + 0) / 2,
         "pages_per_session": (2 + 1) / 2},
        {"period": "2026-03-04", "sessions": 2, "bounce_rate": 0, "avg_session_duration": (600 + 600) / 2,
         "pages_per_session": (1 + 0) / 2},  # S2 S5
        {"period": "2026-03-05", "sessions": 1, "bounce_rate": 0, "avg_session_duration": 360,
         "pages_per_session": 1},  # S8
        {"period": "2026-03-06", "sessions": 1, "bounce_rate": 1, "avg_session_duration": 0,
         "pages_per_session": 1},  # S9
        {"period": "2026-03-07", "sessions": 1, "bounce_rate": 0, "avg_session_duration": 600,
         "pages_per_session": 1},  # S4
        {"period": "2026-03-08", "sessions": 1, "bounce_rate": 1, "avg_session_duration": 0,
         "pages_per_session": 1},  # S6
    ])


def test_traffic_share_by_channel(engine):
    # visitors per channel / all 6 visitors; u1 came through paid_search and organic_search, so the
    # shares add up to 7/6; u8's event has no channel (the null row, sorted last)
    check(rows(engine, ["uv", "traffic_share"], by=["channel"]), [
        {"channel": "kol", "uv": 1, "traffic_share": 1 / 6},  # u2
        {"channel": "live_stream", "uv": 1, "traffic_share": 1 / 6},  # u4
        {"channel": "organic_search", "uv": 1, "traffic_share": 1 / 6},  # u1
        {"channel": "paid_search", "uv": 1, "traffic_share": 1 / 6},  # u1
        {"channel": "recommendation", "uv": 2, "traffic_share": 2 / 6},  # u3 u7
        {"channel": None, "uv": 1, "traffic_share": 1 / 6},  # u8
    ])


def test_new_vs_returning_visitors(engine):
    # "new" = the visitor's first ever visit day: u3 is new on 03-03 and returning on 03-04
    check(rows(engine, ["uv", "sessions", "bounce_rate"], by=["new_vs_returning"]), [
        # u3 (03-03) u4 u7 u8; sessions G1 G2 S6 S8 S9, bounces G2 S6 S9
        {"new_vs_returning": "new", "uv": 4, "sessions": 5, "bounce_rate": 3 / 5},
        # u1 u2 u3 (03-04); sessions S1 S2 S4 S5, no bounce
        {"new_vs_returning": "returning", "uv": 3, "sessions": 4, "bounce_rate": 0},
    ])


def test_channel_type(engine):
    check(rows(engine, ["uv", "orders", "conversion_rate"], by=["channel_type"]), [
        # visitors u1 (organic_search) u3 u7; orders o22 o23 -> buyers u1 u3 / 3
        {"channel_type": "free", "uv": 3, "orders": 2, "conversion_rate": 2 / 3},
        # visitors u1 u2 u4; orders o21 o24 o26 o27 -> buyers u1 u2 u4 (o24 is a guest) / 3
        {"channel_type": "paid", "uv": 3, "orders": 4, "conversion_rate": 3 / 3},
        # u8 (no channel); no order without a channel: 0 orders, 0 / 1
        {"channel_type": None, "uv": 1, "orders": 0, "conversion_rate": 0},
    ])


def test_where_device(engine):
    metrics = ["uv", "sessions", "orders", "paying_buyers", "conversion_rate", "add_to_cart_rate"]
    # mobile events: u1 (S1) u3 (G1 G2 S5) u4 (S6); mobile orders o21 (u1) o23 (u3) o24 (guest);
    # mobile add_to_cart: e04 (u1) e23 (u3)
    check(rows(engine, metrics, where={"device": ["mobile"]}),
          [{"uv": 3, "sessions": 5, "orders": 3, "paying_buyers": 2, "conversion_rate": 2 / 3,
            "add_to_cart_rate": 2 / 3}])
    # + tablet: u7 (S8, add_to_cart e41); no tablet orders
    check(rows(engine, metrics, where={"device": ["mobile", "tablet"]}),
          [{"uv": 4, "sessions": 6, "orders": 3, "paying_buyers": 2, "conversion_rate": 2 / 4,
            "add_to_cart_rate": 3 / 4}])


def test_events_only_store_purchase_events_stand_in_for_orders(engine):
    # s2 imported only events: x02 (order id k1 from properties) and x04 (order id = event id) are its
    # paid orders, w1 and w2 its buyers (both first purchases: new); no money anywhere -> money metrics null
    got = rows(engine, ["uv", "pv", "orders", "paying_buyers", "conversion_rate", "new_buyers", "returning_buyers",
                        "gmv", "aov", "customer_unit_price", "uv_value"],
               store="s2", start=date(2026, 3, 2), end=date(2026, 3, 3))
    check(got, [{"uv": 3, "pv": 3, "orders": 2, "paying_buyers": 2, "conversion_rate": 2 / 3, "new_buyers": 2,
                 "returning_buyers": 0, "gmv": None, "aov": None, "customer_unit_price": None, "uv_value": None}])
    check(rows(engine, ["orders", "gmv"], grain="day", store="s2", start=date(2026, 3, 2), end=date(2026, 3, 3)),
          [{"period": "2026-03-02", "orders": 1, "gmv": None}, {"period": "2026-03-03", "orders": 1, "gmv": None}])


def test_orders_only_store_has_no_traffic(engine):
    # s3 imported only orders (y1: 100 by z1 on 03-02): no visitors -> uv and ratios over visitors null
    got = rows(engine, ["uv", "pv", "sessions", "conversion_rate", "uv_value", "add_to_cart_rate", "ctr",
                        "orders", "paying_buyers", "gmv", "aov"],
               store="s3", start=date(2026, 3, 2), end=date(2026, 3, 3))
    check(got, [{"uv": None, "pv": None, "sessions": None, "conversion_rate": None, "uv_value": None,
                 "add_to_cart_rate": None, "ctr": None, "orders": 1, "paying_buyers": 1, "gmv": 100, "aov": 100}])
