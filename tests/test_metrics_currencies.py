"""Stores in different currencies (issue #11, item 7): per-store rows in each store's own currency, totals
across stores only with --currency (converted at each local day's fx rate).

Two stores imported from CSV like any data. Every expected number is worked out by hand below.

cn: CNY, Asia/Shanghai (rows at 02:00 UTC = 10:00 local, the same day). fx_rates of cn: 1 USD = 7.0 CNY
    up to 2026-03-03, 7.2 from 2026-03-04.
    orders  o0 2026-02-26  350 CNY (previous week)    c0
            o1 2026-03-02  700 CNY direct             c1   = 100 USD at 7.0
            o2 2026-03-03 1400 CNY paid_search        c2   = 200 USD at 7.0
            o3 2026-03-09  720 CNY direct (next week) c3
    visitors c1, c2 on 2026-03-02
us: USD, UTC
    orders  p0 2026-02-25  300 USD (previous week)    v0
            p1 2026-03-02  100 USD organic_search     v1
            p2 2026-03-04   50 USD organic_search     v2
    visitors v1 on 2026-03-02, v2 on 2026-03-04

Week 2026-03-02..08: cn GMV 700 + 1400 = 2100 CNY (2 orders); us 100 + 50 = 150 USD (2 orders);
in USD: 100 + 200 + 150 = 450. Previous week: cn 350 (change 2100/350 - 1 = 5.0), us 300 (150/300 - 1 = -0.5).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import shoplens
from api_server import PASSWORD, ApiServer
from csv_files import write_csv
from shoplens.ingest.pipeline import import_files
from shoplens.metrics import MetricsEngine
from shoplens.metrics.currencies import MONEY_BUILDERS
from shoplens.server.accounts import add_user

WEEK = {"start": date(2026, 3, 2), "end": date(2026, 3, 8)}
ORDERS = "order_id,user_id,created_ts,paid_ts,status,gross_amount,channel"
EVENTS = "event_id,ts,user_id,event,channel"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("currencies")
    day = "2026-03-{:02d}T02:00:00Z".format
    files = {
        "cn": [
            ("fx_rates", write_csv(tmp / "cn_fx.csv", "date,currency,rate_to",
                                   [(f"2026-{d}", "USD", "7.0") for d in
                                    [*(f"02-{i:02d}" for i in range(20, 29)), "03-01", "03-02", "03-03"]] +
                                   [(f"2026-03-{i:02d}", "USD", "7.2") for i in range(4, 15)])),
            ("events", write_csv(tmp / "cn_events.csv", EVENTS, [
                ("ce1", day(2), "c1", "page_view", "direct"), ("ce2", day(2), "c2", "page_view", "paid_search")])),
            ("orders", write_csv(tmp / "cn_orders.csv", ORDERS, [
                ("o0", "c0", "2026-02-26T02:00:00Z", "2026-02-26T02:00:00Z", "paid", "350", "direct"),
                ("o1", "c1", day(2), day(2), "paid", "700", "direct"),
                ("o2", "c2", day(3), day(3), "paid", "1400", "paid_search"),
                ("o3", "c3", day(9), day(9), "paid", "720", "direct")])),
        ],
        "us": [
            ("events", write_csv(tmp / "us_events.csv", EVENTS, [
                ("ue1", day(2), "v1", "page_view", "organic_search"),
                ("ue2", day(4), "v2", "page_view", "organic_search")])),
            ("orders", write_csv(tmp / "us_orders.csv", ORDERS, [
                ("p0", "v0", "2026-02-25T02:00:00Z", "2026-02-25T02:00:00Z", "paid", "300", "direct"),
                ("p1", "v1", day(2), day(2), "paid", "100", "organic_search"),
                ("p2", "v2", day(4), day(4), "paid", "50", "organic_search")])),
        ],
    }
    zones = {"cn": ("CNY", "Asia/Shanghai"), "us": ("USD", "UTC")}
    path = tmp / "two_currencies.duckdb"
    with shoplens.connect(str(path)) as wh:
        for store, parts in files.items():
            for table, file in parts:
                summary = import_files(wh, [file], table=table, store=store, currency=zones[store][0],
                                       timezone=zones[store][1])
                assert summary.files[0].quarantined == 0, summary.examples
        add_user(wh, "root", PASSWORD, "admin", ["*"])
    return path


@pytest.fixture(scope="module")
def engine(db: Path) -> Iterator[MetricsEngine]:
    with shoplens.connect(str(db), read_only=True) as wh:
        yield MetricsEngine(wh)


def q(engine: MetricsEngine, metrics: str, **kw):
    return engine.query(metrics, targets=False, **{**WEEK, **kw})


def test_money_without_currency_is_per_store_in_each_stores_currency(engine: MetricsEngine) -> None:
    r = q(engine, "gmv,orders")
    assert r.dims == ["store"] and r.currency is None and not r.converted
    assert r.rows == [{"store": "cn", "currency": "CNY", "gmv": 2100.0, "orders": 2},
                      {"store": "us", "currency": "USD", "gmv": 150.0, "orders": 2}]
    d = r.to_dict()
    assert d["currency"] is None and d["dimensions"] == ["store"] and d["rows"][0]["currency"] == "CNY"


def test_by_store_carries_the_currency(engine: MetricsEngine) -> None:
    assert q(engine, "gmv", by=["store"]).rows == [{"store": "cn", "currency": "CNY", "gmv": 2100.0},
                                                   {"store": "us", "currency": "USD", "gmv": 150.0}]
    # a ratio of two amounts (aov) mixes currencies just as much: per store too
    assert q(engine, "aov").rows == [{"store": "cn", "currency": "CNY", "aov": 1050.0},
                                     {"store": "us", "currency": "USD", "aov": 75.0}]


def test_other_dimensions_are_cut_by_store_first(engine: MetricsEngine) -> None:
    r = q(engine, "gmv", by=["channel"])
    assert r.dims == ["store", "channel"]
    got = {(row["store"], row["channel"]): (row["currency"], row["gmv"]) for row in r.rows if row["gmv"]}
    assert got == {("cn", "direct"): ("CNY", 700.0), ("cn", "paid_search"): ("CNY", 1400.0),
                   ("us", "organic_search"): ("USD", 150.0)}


def test_metrics_without_money_are_one_total(engine: MetricsEngine) -> None:
    r = q(engine, "orders,uv")
    assert r.dims == [] and r.currency is None
    assert r.rows == [{"orders": 4, "uv": 4}]  # cn c1, c2 + us v1, v2


def test_currency_converts_with_each_days_rate(engine: MetricsEngine) -> None:
    r = q(engine, "gmv,orders", currency="USD")
    assert (r.currency, r.converted, r.dims) == ("USD", True, [])
    assert r.rows == [{"gmv": pytest.approx(450.0), "orders": 4}]  # 700/7 + 1400/7 + 150
    # 2026-03-09: 720 CNY at that day's 7.2 = 100 USD
    nxt = engine.query("gmv", start=date(2026, 3, 9), end=date(2026, 3, 9), currency="USD", store="cn",
                       targets=False)
    assert nxt.rows == [{"gmv": pytest.approx(100.0)}]
    one = q(engine, "gmv", store="cn")  # one store: its own currency, nothing converted
    assert (one.currency, one.converted, one.rows) == ("CNY", False, [{"gmv": 2100.0}])


def test_comparison_per_store(engine: MetricsEngine) -> None:
    r = q(engine, "gmv", compare="previous")
    assert r.rows == [
        {"store": "cn", "currency": "CNY", "gmv": 2100.0, "gmv__previous": 350.0, "gmv__previous_change": 5.0},
        {"store": "us", "currency": "USD", "gmv": 150.0, "gmv__previous": 300.0, "gmv__previous_change": -0.5}]


def test_daily_grain_per_store(engine: MetricsEngine) -> None:
    r = q(engine, "gmv", grain="day")  # cut by store: rows where a store had data, as with --by store
    assert [(row["period"], row["store"], row["currency"], row["gmv"]) for row in r.rows] == [
        ("2026-03-02", "cn", "CNY", 700.0), ("2026-03-02", "us", "USD", 100.0),
        ("2026-03-03", "cn", "CNY", 1400.0), ("2026-03-04", "us", "USD", 50.0)]
    assert list(r.rows[0]) == ["period", "store", "currency", "gmv"]
    usd = q(engine, "gmv", grain="day", currency="USD")  # one total per day, each day at its own rate
    assert [row["gmv"] for row in usd.rows] == [pytest.approx(200.0), pytest.approx(200.0), 50.0, 0.0, 0.0, 0.0,
                                                0.0]


def test_limit_ranks_within_each_currency(engine: MetricsEngine) -> None:
    """A top 1 by GMV is one row per currency: yuan and dollars are not ranked against each other."""
    r = q(engine, "gmv", by=["channel"], limit=1)
    assert [(row["store"], row["channel"], row["gmv"]) for row in r.rows] == [
        ("cn", "paid_search", 1400.0), ("us", "organic_search", 150.0)]


def test_explain_shows_the_per_store_sql(engine: MetricsEngine) -> None:
    """explain shows the SQL that runs: the same as an explicit --by store, not a sum over both stores."""
    assert engine.explain("gmv", **WEEK)["sql"] == engine.explain("gmv", by=["store"], **WEEK)["sql"]
    assert engine.explain("gmv", **WEEK)["sql"] != engine.explain("gmv", currency="USD", **WEEK)["sql"]


def test_money_builders_are_listed() -> None:
    """Every builder that sums a *_rc column is in MONEY_BUILDERS (so its metrics are split by store too)."""
    import inspect

    from shoplens.metrics import builders

    summing = {name for name, b in builders.BUILDERS.items() if "_rc" in inspect.getsource(b.build)}
    assert summing == set(MONEY_BUILDERS)


# ---- CLI and REST --------------------------------------------------------------------------------------


def cli(db: Path, *args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "--lang", lang, *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "5"})
    assert proc.returncode == 0, proc.stderr
    return proc


def test_cli_table_and_json(db: Path) -> None:
    week = ("--from", "2026-03-02", "--to", "2026-03-08")
    table = cli(db, "metrics", "gmv,orders", *week).stdout
    assert "each store's own currency" in table and "not added up" in table
    lines = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
             for line in table.splitlines() if line.startswith("│")}
    assert lines == {"cn": ["CNY", "2,100.00", "2"], "us": ["USD", "150.00", "2"]}
    zh = cli(db, "metrics", "gmv", *week, "--by", "store", lang="zh").stdout
    assert "各店铺自己的币种" in zh and "报告币种" in zh
    converted = cli(db, "metrics", "gmv", *week, "--currency", "USD").stdout
    assert "USD" in converted and "converted" in converted and "450.00" in converted
    data = json.loads(cli(db, "metrics", "gmv", *week, "--format", "json").stdout)
    assert data["currency"] is None and [r["currency"] for r in data["rows"]] == ["CNY", "USD"]
    csv_lines = cli(db, "metrics", "gmv", *week, "--format", "csv").stdout.splitlines()
    assert csv_lines == ["store,currency,gmv", "cn,CNY,2100.0", "us,USD,150.0"]


def test_rest_metrics(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "api.duckdb"
    copy.write_bytes(db.read_bytes())
    server = ApiServer(copy)
    try:
        with server.client("root") as client:
            r = client.get("/api/v1/metrics", params={"metrics": "gmv", "from": "2026-03-02", "to": "2026-03-08"})
            assert r.status_code == 200, r.text
            assert r.json()["currency"] is None
            assert r.json()["rows"] == [{"store": "cn", "currency": "CNY", "gmv": 2100.0},
                                        {"store": "us", "currency": "USD", "gmv": 150.0}]
            usd = client.get("/api/v1/metrics", params={"metrics": "gmv", "from": "2026-03-02", "to": "2026-03-08",
                                                        "currency": "USD"}).json()
            assert (usd["currency"], usd["converted"], usd["rows"]) == ("USD", True, [{"gmv": pytest.approx(450.0)}])
    finally:
        server.stop()


# ---- --currency needs rates only where money is read on days with data (QA after issue #11) -----------------
def test_currency_over_a_range_wider_than_the_data_converts_the_data_days(engine: MetricsEngine) -> None:
    # cn has data 02-26..03-09 and USD rates 02-20..03-14: the days before and after need none.
    # cn: 350/7.0 + 700/7.0 + 1400/7.0 + 720/7.2 = 50 + 100 + 200 + 100 = 450 USD; us: 300 + 100 + 50 = 450
    r = engine.query("gmv", start=date(2026, 1, 1), end=date(2026, 12, 31), currency="USD", targets=False)
    assert r.rows == [{"gmv": pytest.approx(900.0)}] and r.converted


def test_currency_without_money_needs_no_rates(engine: MetricsEngine) -> None:
    # visitors are counted, not converted: c1, c2 (cn) and v1, v2 (us), whatever the range and the rates
    r = engine.query("uv", start=date(2020, 1, 1), end=date(2026, 12, 31), currency="USD", targets=False)
    assert r.rows == [{"uv": 4}]


def test_currency_over_days_without_any_data_needs_no_rates(engine: MetricsEngine) -> None:
    r = engine.query("gmv", start=date(2025, 1, 1), end=date(2025, 1, 31), currency="USD", targets=False)
    assert r.rows[0]["gmv"] in (0, None) and "range" in r.notes


def test_a_store_without_data_in_the_range_is_named_in_a_note(engine: MetricsEngine) -> None:
    # us has data 02-25..03-04 only: per-store GMV over 03-05..03-09 has no row for it, and a note says why
    r = engine.query("gmv", start=date(2026, 3, 5), end=date(2026, 3, 9), targets=False)
    assert [row["store"] for row in r.rows] == ["cn"] and r.rows[0]["gmv"] == 720.0
    assert r.notes["store=us"]["reason"] == "no_data" and r.notes["store=us"]["data_to"] == "2026-03-04"
    assert "store=cn" not in r.notes


def test_a_range_reaching_past_the_data_says_where_the_data_ends(engine: MetricsEngine) -> None:
    r = engine.query("orders", start=date(2026, 3, 1), end=date(2026, 3, 31), grain="day", targets=False)
    note = r.notes["range"]
    assert (note["reason"], note["data_from"], note["data_to"]) == ("partial_data", "2026-02-25", "2026-03-09")
    assert q(engine, "orders").notes == {}  # inside the data: nothing to say
