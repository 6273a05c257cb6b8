"""A tiny hand-made warehouse for the metric tests (tests/test_metrics_fixture_*.py).

Loaded the way users load data: canonical CSV files (headers = canonical column names) through
``import_files``. Store ``s1`` is in Asia/Shanghai (UTC+8, no DST) and reports in CNY, so a UTC
timestamp after 16:00 belongs to the NEXT local day (``2026-03-01T17:30:00Z`` = 2026-03-02 01:30).
All timestamps below are UTC (``Z``); the comment gives the local day where it matters.

The main period is ISO week 2026-W10 = Mon 2026-03-02 .. Sun 2026-03-08 (local). The previous
week W09 = 2026-02-23 .. 2026-03-01. Expected values in the tests are worked out by hand from
this data and the catalog definitions.

Store ``s2`` imports only events (purchase events stand in for orders); store ``s3`` only orders.

Who is who in s1:
    u1  gold member; first visit 2026-02-10, first order o10 (2026-02-10): a returning buyer in W10
    u2  gold member; first visit 2026-02-24, first order o11 (2026-02-25): a returning buyer in W10
    u3  silver member; first visit 2026-03-03 (new in W10), first order o23 (2026-03-04)
    u4  no customers row; first visit 2026-03-08, first paid order o27 (2026-03-08); o25 was never paid
    u5  blank tier; one order o02 on 2025-08-01 (dormant by W10), no events
    u6  tier "none"; one order o03 on 2025-10-01 (within 180 days of 2026-03-08), no events
    u7  visitor only (first visit 2026-03-05), began checkout, never bought
    u8  visitor only (first visit 2026-03-06, no channel), came back on 2026-03-13
    u9  visitor only, 2026-04-10 (the store's last event day)
    guest orders (empty user_id): o01 (2025-03-04), o04 (2026-01-30), o24 (2026-03-05)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shoplens
from csv_files import write_csv
from shoplens.analyses.segments import SegmentMetricsEngine as MetricsEngine  # segments as filters too
from shoplens.ingest.pipeline import import_files
from shoplens.metrics.spec import load_catalog
from shoplens.metrics.targets import load_targets

W10 = (date(2026, 3, 2), date(2026, 3, 8))
W09 = (date(2026, 2, 23), date(2026, 3, 1))

# table -> (header, rows); "" is an empty cell
S1: dict[str, tuple[str, list[tuple[str, ...]]]] = {
    "products": ("product_id,category,brand,unit_cost,status", [
        ("p1", "apparel", "A", "20", "on_sale"),
        ("p2", "apparel", "B", "", "on_sale"),  # no unit cost: its lines are left out of margin
        ("p3", "shoes", "A", "50", "on_sale"),
        ("p4", "shoes", "B", "10", "off_shelf"),
        ("p5", "bags", "A", "30", "on_sale"),  # last sold 2025-08-01: slow-moving
        ("p6", "bags", "B", "40", "on_sale"),  # sold 2026-02-10 only (within 30 days of 2026-03-08)
        ("p7", "bags", "A", "5", "discontinued"),
    ]),
    "customers": ("user_id,member_tier", [
        ("u1", "gold"), ("u2", "gold"), ("u3", "silver"), ("u5", ""), ("u6", "none"),
    ]),
    "orders": ("order_id,user_id,created_ts,paid_ts,status,gross_amount,discount,channel,device,is_member", [
        ("o01", "", "2025-03-04T01:00:00Z", "2025-03-04T02:00:00Z", "paid", "450", "", "direct", "desktop", ""),
        ("o02", "u5", "2025-08-01T01:00:00Z", "2025-08-01T02:00:00Z", "delivered", "80", "", "direct", "desktop", ""),
        ("o03", "u6", "2025-10-01T01:00:00Z", "2025-10-01T02:00:00Z", "delivered", "70", "", "direct", "desktop", ""),
        ("o04", "", "2026-01-30T01:00:00Z", "2026-01-30T02:00:00Z", "paid", "1000", "", "direct", "desktop", ""),
        ("o10", "u1", "2026-02-10T01:00:00Z", "2026-02-10T02:00:00Z", "delivered", "100", "", "organic_search",
         "desktop", ""),
        ("o11", "u2", "2026-02-25T01:00:00Z", "2026-02-25T02:00:00Z", "paid", "60", "", "paid_search", "mobile", ""),
        # paid 23:30 local on 2026-03-01: W09, not W10
        ("o12", "u1", "2026-03-01T15:00:00Z", "2026-03-01T15:30:00Z", "paid", "40", "", "organic_search",
         "desktop", ""),
        # ---- W10 ----
        # paid 2026-03-02 01:30 local
        ("o21", "u1", "2026-03-01T17:00:00Z", "2026-03-01T17:30:00Z", "paid", "200", "20", "paid_search",
         "mobile", ""),
        ("o22", "u1", "2026-03-04T01:55:00Z", "2026-03-04T02:00:00Z", "paid", "100", "", "organic_search",
         "desktop", ""),
        ("o23", "u3", "2026-03-04T02:58:00Z", "2026-03-04T03:00:00Z", "paid", "300", "30", "recommendation",
         "mobile", "false"),  # u3 is silver, but the order says not a member
        ("o24", "", "2026-03-05T01:58:00Z", "2026-03-05T02:00:00Z", "paid", "50", "", "paid_search", "mobile", ""),
        ("o25", "u4", "2026-03-06T02:00:00Z", "", "created", "999", "", "direct", "mobile", ""),  # never paid
        # no paid_ts but shipped: paid, at created_ts (2026-03-07)
        ("o26", "u2", "2026-03-07T02:00:00Z", "", "shipped", "150", "", "kol", "desktop", ""),
        # paid, cancelled later: still a paid order; u4 has no customers row but the order says member
        ("o27", "u4", "2026-03-08T01:58:00Z", "2026-03-08T02:00:00Z", "cancelled", "100", "", "live_stream",
         "app", "true"),
    ]),
    "order_items": ("order_id,line_no,product_id,quantity,unit_price,unit_cost", [
        ("o02", "1", "p5", "1", "80", ""),
        ("o03", "1", "p1", "1", "70", ""),
        ("o10", "1", "p6", "1", "100", ""),
        ("o11", "1", "p1", "1", "60", ""),
        ("o12", "1", "p2", "1", "40", ""),
        ("o21", "1", "p1", "2", "50", ""),
        ("o21", "2", "p3", "1", "100", ""),
        ("o22", "1", "p2", "1", "100", ""),
        ("o23", "1", "p3", "2", "100", ""),
        ("o23", "2", "p4", "2", "50", ""),
        ("o24", "1", "p1", "1", "50", ""),
        ("o25", "1", "p1", "1", "999", ""),
        ("o26", "1", "p2", "3", "50", ""),
        ("o27", "1", "p1", "2", "50", "25"),  # the line's own unit cost wins over the product's 20
    ]),
    "events": ("event_id,ts,user_id,session_id,event,product_id,channel,device,properties", [
        ("e01", "2026-02-10T01:00:00Z", "u1", "S0", "page_view", "", "organic_search", "desktop", ""),
        ("e09", "2026-03-01T15:30:00Z", "u1", "S12", "page_view", "", "direct", "desktop", ""),  # 03-01 23:30
        ("e02", "2026-03-01T17:30:00Z", "u1", "S1", "page_view", "", "paid_search", "mobile", ""),  # 03-02 01:30
        ("e03", "2026-03-01T17:32:00Z", "u1", "S1", "product_view", "p1", "paid_search", "mobile", ""),
        ("e04", "2026-03-01T17:35:00Z", "u1", "S1", "add_to_cart", "p1", "paid_search", "mobile", ""),
        ("e05", "2026-03-01T17:36:00Z", "u1", "S1", "begin_checkout", "", "paid_search", "mobile", ""),
        ("e06", "2026-03-01T17:40:00Z", "u1", "S1", "purchase", "", "paid_search", "mobile", '{"order_id": "o21"}'),
        ("e07", "2026-03-04T01:50:00Z", "u1", "S2", "product_view", "p2", "organic_search", "desktop", ""),
        ("e08", "2026-03-04T02:00:00Z", "u1", "S2", "purchase", "", "organic_search", "desktop",
         '{"order_id": "o22"}'),
        ("e10", "2026-02-24T02:00:00Z", "u2", "S3", "page_view", "", "paid_search", "mobile", ""),
        ("e11", "2026-03-07T01:00:00Z", "u2", "S4", "product_view", "p2", "kol", "desktop", ""),
        ("e12", "2026-03-07T01:05:00Z", "u2", "S4", "favorite", "p2", "kol", "desktop", ""),
        ("e13", "2026-03-07T01:10:00Z", "u2", "S4", "add_to_cart", "p2", "kol", "desktop", ""),
        # u3: no session id -> sessions by 30-minute gap: (e20, e21) 20 min apart, then e22 40 min later
        ("e20", "2026-03-03T02:00:00Z", "u3", "", "page_view", "", "recommendation", "mobile", ""),
        ("e21", "2026-03-03T02:20:00Z", "u3", "", "product_view", "p3", "recommendation", "mobile", ""),
        ("e22", "2026-03-03T03:00:00Z", "u3", "", "page_view", "", "recommendation", "mobile", ""),
        ("e23", "2026-03-04T02:50:00Z", "u3", "S5", "add_to_cart", "p3", "recommendation", "mobile", ""),
        ("e24", "2026-03-04T02:55:00Z", "u3", "S5", "begin_checkout", "", "recommendation", "mobile", ""),
        ("e25", "2026-03-04T03:00:00Z", "u3", "S5", "purchase", "", "recommendation", "mobile",
         '{"order_id": "o23"}'),
        ("e30", "2026-03-08T01:00:00Z", "u4", "S6", "page_view", "", "live_stream", "mobile", ""),
        ("e31", "2026-03-20T02:00:00Z", "u4", "S7", "page_view", "", "direct", "mobile", ""),  # day 12
        ("e40", "2026-03-05T02:00:00Z", "u7", "S8", "page_view", "", "recommendation", "tablet", ""),
        ("e41", "2026-03-05T02:05:00Z", "u7", "S8", "add_to_cart", "p1", "recommendation", "tablet", ""),
        ("e42", "2026-03-05T02:06:00Z", "u7", "S8", "begin_checkout", "", "recommendation", "tablet", ""),
        ("e50", "2026-03-06T02:00:00Z", "u8", "S9", "page_view", "", "", "desktop", ""),  # no channel
        ("e51", "2026-03-13T02:00:00Z", "u8", "S10", "page_view", "", "organic_search", "desktop", ""),  # day 7
        ("e99", "2026-04-10T02:00:00Z", "u9", "S11", "page_view", "", "direct", "desktop", ""),  # last event day
    ]),
    "refunds": ("refund_id,order_id,user_id,ts,amount,product_id", [
        ("r1", "o23", "u3", "2026-03-05T02:00:00Z", "60", "p4"),
        ("r2", "o21", "u1", "2026-03-06T02:00:00Z", "20", "p1"),
        ("r3", "o23", "u3", "2026-03-08T17:00:00Z", "999", "p3"),  # 2026-03-09 01:00 local: after W10
        ("r4", "o12", "u1", "2026-03-03T02:00:00Z", "10", "p2"),  # a W09 order refunded in W10
    ]),
    "ad_spend": ("date,channel,campaign,spend,impressions,clicks", [
        ("2026-02-25", "paid_search", "c1", "80", "800", "40"),
        ("2026-03-02", "paid_search", "c1", "100", "1000", "50"),
        ("2026-03-04", "paid_search", "c2", "50", "500", "25"),
        ("2026-03-05", "kol", "k1", "150", "1500", "25"),
    ]),
    "reviews": ("review_id,order_id,product_id,user_id,ts,rating,dsr_description,dsr_service,dsr_logistics", [
        ("v1", "o21", "p1", "u1", "2026-03-03T02:00:00Z", "5", "5", "4", "3"),
        ("v2", "o23", "p3", "u3", "2026-03-05T02:00:00Z", "4", "4", "", "5"),
        ("v3", "o23", "p4", "u3", "2026-03-08T16:30:00Z", "1", "1", "1", "1"),  # 2026-03-09 00:30 local
        ("v4", "o26", "p2", "u2", "2026-03-07T02:00:00Z", "4", "", "3", "4"),
    ]),
    "service_tickets": ("ticket_id,user_id,order_id,opened_ts,first_response_ts,kind", [
        ("t1", "u1", "o21", "2026-03-02T02:00:00Z", "2026-03-02T02:10:00Z", "complaint"),  # 600 s
        ("t2", "u3", "", "2026-03-04T02:00:00Z", "2026-03-04T03:00:00Z", "inquiry"),  # 3600 s
        ("t3", "u2", "o26", "2026-03-06T02:00:00Z", "", "complaint"),  # not answered
        ("t4", "u1", "o12", "2026-03-01T15:00:00Z", "2026-03-01T15:02:00Z", "complaint"),  # 03-01 23:00: W09
    ]),
    "shipments": ("shipment_id,order_id,carrier,shipped_ts,delivered_ts,promised_days,cost,status", [
        # o21 paid 03-01T17:30Z -> shipped 10.5 h later; delivered after 2.0 days (promised 3)
        ("sh1", "o21", "sf", "2026-03-02T04:00:00Z", "2026-03-04T04:00:00Z", "3", "10", "delivered"),
        # o22 paid 03-04T02:00Z -> shipped 72 h later; delivered after 1.5 days (promised 1: late)
        ("sh2", "o22", "yto", "2026-03-07T02:00:00Z", "2026-03-08T14:00:00Z", "1", "8", "delivered"),
        # o23 paid 03-04T03:00Z -> shipped 23 h later, lost
        ("sh3", "o23", "sf", "2026-03-05T02:00:00Z", "", "2", "12", "lost"),
        # o23 second parcel: shipped 24 h after payment, delivered after 3.0 days, no promise
        ("sh4", "o23", "sf", "2026-03-05T03:00:00Z", "2026-03-08T03:00:00Z", "", "6", "delivered"),
        ("sh5", "", "yto", "2026-03-06T02:00:00Z", "", "", "4", "in_transit"),  # not linked to an order
    ]),
    "inventory_snapshots": ("date,product_id,warehouse,on_hand", [
        ("2026-03-01", "p1", "main", "20"),  # W09
        ("2026-03-02", "p1", "main", "10"),
        ("2026-03-02", "p1", "wh2", "5"),  # warehouses are summed: p1 has 15 on 03-02
        ("2026-03-02", "p2", "main", "0"),
        ("2026-03-03", "p1", "main", "12"),
        ("2026-03-03", "p2", "main", "0"),
        ("2026-03-04", "p1", "main", "8"),
        ("2026-03-04", "p2", "main", "6"),
    ]),
    "fx_rates": ("date,currency,rate_to", [
        ("2026-03-04", "USD", "8"),  # 8 CNY per USD
    ]),
}

S2_EVENTS = ("event_id,ts,user_id,session_id,event,channel,device,properties", [
    ("x01", "2026-03-02T02:00:00Z", "w1", "A", "page_view", "direct", "mobile", ""),
    ("x02", "2026-03-02T02:05:00Z", "w1", "A", "purchase", "direct", "mobile", '{"order_id": "k1"}'),
    ("x03", "2026-03-03T02:00:00Z", "w2", "B", "page_view", "direct", "mobile", ""),
    ("x04", "2026-03-03T02:05:00Z", "w2", "B", "purchase", "direct", "mobile", ""),  # order id = event id
    ("x05", "2026-03-03T03:00:00Z", "w3", "C", "page_view", "direct", "mobile", ""),
])
S3_ORDERS = ("order_id,user_id,created_ts,paid_ts,gross_amount,channel", [
    ("y1", "z1", "2026-03-02T02:00:00Z", "2026-03-02T02:00:00Z", "100", "direct"),
])


def _write(folder: Path, name: str, header: str, rows: list[tuple[str, ...]]) -> Path:
    return write_csv(folder / f"{name}.csv", header, rows)


def load(wh, folder: Path, store: str, tables: dict[str, tuple[str, list[tuple[str, ...]]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for table, (header, rows) in tables.items():
        path = _write(folder, f"{store}_{table}", header, rows)
        summary = import_files(wh, [path], table=table, store=store, currency="CNY", timezone="Asia/Shanghai")
        result = summary.files[0]
        assert result.quarantined == 0, (table, summary.examples)
        assert result.loaded == len(rows), (table, result)


def build(wh, folder: Path) -> None:
    """Import the three stores into ``wh``."""
    load(wh, folder, "s1", S1)
    load(wh, folder, "s2", {"events": S2_EVENTS})
    load(wh, folder, "s3", {"orders": S3_ORDERS})


# ---- shared by the test files -------------------------------------------------------------------
# which test file holds the expected W10 value of every metric of which catalog groups
FILE_GROUPS = {
    "test_metrics_fixture_traffic.py": ("traffic", "conversion"),
    "test_metrics_fixture_orders.py": ("retention", "value"),
    "test_metrics_fixture_ops.py": ("product", "service", "logistics"),
}
# metric settings pinned to the catalog's documented defaults, whatever the user's config says
SETTINGS = "settings:\n  slow_moving_days: 30\n  dormant_days: 180\n"
_BUILT: dict[str, Path] = {}


def catalog_ids(groups: tuple[str, ...]) -> set[str]:
    return {m.id for m in load_catalog().metrics.values() if m.group in groups}


def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture warehouse file, built once per test session (the tests only read it)."""
    if "db" not in _BUILT:
        folder = tmp_path_factory.mktemp("session-metrics_fixture")  # session-: kept for the whole run (conftest)
        wh = shoplens.connect(str(folder / "fixture.duckdb"))
        try:
            build(wh, folder / "csv")
        finally:
            wh.close()
        config = folder / "settings.yaml"
        config.write_text(SETTINGS, encoding="utf-8")
        _BUILT.update(db=folder / "fixture.duckdb", config=config)
    return _BUILT["db"]


def open_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MetricsEngine]:
    """An engine on the fixture warehouse (use from a module-scoped fixture)."""
    wh = shoplens.connect(str(fixture_db(tmp_path_factory)))
    try:
        yield MetricsEngine(wh, targets=load_targets(_BUILT["config"]))
    finally:
        wh.close()


def expected_value_tests(expected: dict[str, Any], groups: tuple[str, ...]) -> tuple[Any, Any, Any]:
    """The tests every fixture file runs on its hand-computed W10 values (``EXPECTED``)."""

    def test_the_file_covers_every_metric_of_its_groups() -> None:
        assert set(expected) == catalog_ids(groups)

    @pytest.mark.parametrize("metric", sorted(expected))
    def test_w10_value(engine: MetricsEngine, metric: str) -> None:
        check(rows(engine, metric), [{metric: expected[metric]}])

    def test_w10_all_metrics_in_one_query(engine: MetricsEngine) -> None:
        check(rows(engine, sorted(expected)), [expected])

    return test_the_file_covers_every_metric_of_its_groups, test_w10_value, test_w10_all_metrics_in_one_query


def rows(engine: MetricsEngine, metrics: list[str] | str, **kw: Any) -> list[dict[str, Any]]:
    """Result rows of a query; by default W10 of store s1, without targets."""
    kw.setdefault("start", W10[0])
    kw.setdefault("end", W10[1])
    kw.setdefault("store", "s1")
    kw.setdefault("targets", False)
    return engine.query([metrics] if isinstance(metrics, str) else metrics, **kw).rows


def check(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Rows equal (floats approximately); only the keys named in ``expected`` are compared."""
    picked = [{k: row.get(k, "<missing>") for k in want} for row, want in zip(actual, expected, strict=False)]
    assert len(actual) == len(expected), actual
    for got, want in zip(picked, expected, strict=True):
        assert got == pytest.approx(want), (got, want)
