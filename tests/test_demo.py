"""The demo generator: every realism property is checked from the warehouse with SQL.

The statistical checks use one 300k-event build (a seventh of the 2M default, to keep the suite fast;
enough for the incident channel's few dozen purchases in its comparison window to be told apart from
noise over three days pooled); determinism, rebuilds and multi-store isolation use small builds.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import shoplens
from shoplens.demo import build_demo
from shoplens.demo import marketing as M
from shoplens.errors import ShoplensError
from shoplens.model import TABLES

FILLED = ("stores", "events", "customers", "products", "orders", "order_items", "refunds", "inventory_snapshots",
          "ad_spend", "reviews", "service_tickets", "shipments", "fx_rates")
END = date(2026, 11, 15)
DAYS = 180
START = END - timedelta(days=DAYS - 1)
PAID_CHANNELS = {"paid_search", "marketplace_ads", "live_stream", "kol"}


def local(col: str, tz: str = "Asia/Shanghai") -> str:
    """SQL for the store-local date of a UTC timestamp column."""
    return f"CAST(timezone('{tz}', timezone('UTC', {col})) AS DATE)"


def one(wh: Any, sql: str, params: list[Any] | None = None) -> Any:
    return wh.con.execute(sql, params or []).fetchone()[0]


def rows(wh: Any, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return wh.con.execute(sql, params or []).fetchall()


def checksums(wh: Any, store: str | None = None) -> dict[str, tuple[int, int]]:
    """Row count and an order-insensitive hash of every row, per table (lineage column aside)."""
    where = "" if store is None else f"WHERE store_id = '{store}'"
    out = {}
    for t in TABLES:
        out[t.name] = tuple(rows(wh, f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM '
                                     f'(SELECT * EXCLUDE (_import_id) FROM "{t.name}" {where}) t')[0])
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    wh = shoplens.connect(str(tmp_path_factory.mktemp("demo") / "demo.duckdb"))
    summary = build_demo(wh, events=300_000, days=DAYS, seed=7, end_date=END)
    yield wh, summary
    wh.close()


def test_every_table_is_filled_and_summarised(demo):
    wh, summary = demo
    assert summary.store_ids == ["demo"]
    for table in FILLED:
        n = one(wh, f"SELECT count(*) FROM {table} WHERE store_id = 'demo'")
        assert n > 0, table
        assert summary.rows[table] == n, table
    manifest = rows(wh, "SELECT import_id, preset, tables FROM import_manifest WHERE store_id = 'demo'")
    assert len(manifest) == 1 and manifest[0][1] == "demo"
    assert one(wh, "SELECT count(DISTINCT _import_id) FROM events") == 1
    assert one(wh, "SELECT min(_import_id) FROM orders") == manifest[0][0] == summary.import_id
    assert 250_000 < summary.rows["events"] < 350_000
    assert set(summary.to_dict()["incident"]) == {"channel", "start", "end", "what", "what_zh"}


def test_store_markets_currencies_and_fx(demo):
    wh, _ = demo
    assert rows(wh, "SELECT platform, reporting_currency, timezone FROM stores") == [
        ("tmall_global", "CNY", "Asia/Shanghai")]
    currencies = {r[0] for r in rows(wh, "SELECT DISTINCT currency FROM orders")}
    assert len(currencies) >= 5 and "CNY" in currencies
    assert one(wh, "SELECT count(DISTINCT country) FROM orders") >= 5
    assert one(wh, "SELECT max(n) FROM (SELECT count(DISTINCT currency) n FROM orders GROUP BY country)") == 1
    for cur in currencies - {"CNY"}:
        got = one(wh, "SELECT count(DISTINCT date) FROM fx_rates WHERE currency = ? AND date BETWEEN ? AND ?",
                  [cur, START, END])
        assert got == DAYS, cur
    assert one(wh, "SELECT count(*) FROM fx_rates WHERE currency = 'CNY'") == 0
    usd = rows(wh, "SELECT min(rate_to), max(rate_to) FROM fx_rates WHERE currency = 'USD'")[0]
    assert 6.5 < usd[0] < usd[1] < 7.8  # a gentle walk around a realistic rate
    for table in ("orders", "refunds", "shipments", "ad_spend"):
        money = {"orders": "gross_amount_rc", "refunds": "amount_rc", "shipments": "cost_rc",
                 "ad_spend": "spend_rc"}[table]
        assert one(wh, f"SELECT count(*) FROM {table} WHERE {money} IS NULL") == 0, table


def test_date_range_is_local_days(demo):
    wh, _ = demo
    first, last, n = rows(wh, f"SELECT min(d), max(d), count(DISTINCT d) FROM (SELECT {local('ts')} d FROM events)")[0]
    assert (first, last, n) == (START, END, DAYS)
    assert one(wh, f"SELECT max({local('created_ts')}) FROM orders") == END
    for table, col in (("refunds", "ts"), ("reviews", "ts"), ("shipments", "delivered_ts"),
                       ("service_tickets", "resolved_ts")):
        assert one(wh, f"SELECT max({local(col)}) FROM {table}") <= END, table


def _sessions(wh: Any) -> str:
    return (f"(SELECT session_id, any_value(channel) channel, any_value(device) device, {local('min(ts)')} d, "
            "max(event = 'product_view')::INT pv, max(event = 'add_to_cart')::INT cart, "
            "max(event = 'begin_checkout')::INT co, max(event = 'purchase')::INT buy FROM events GROUP BY 1)")


def test_funnel_drops_step_by_step(demo):
    wh, _ = demo
    n, pv, cart, co, buy = rows(wh, f"SELECT count(*), sum(pv), sum(cart), sum(co), sum(buy) FROM {_sessions(wh)}")[0]
    assert n > pv > cart > co > buy > 0
    assert 0.5 < pv / n < 0.7
    assert 0.08 < cart / n < 0.18
    assert 0.03 < buy / n < 0.055
    kinds = {r[0] for r in rows(wh, "SELECT DISTINCT event FROM events")}
    assert {"search", "favorite"} <= kinds
    assert one(wh, "SELECT count(*) FROM events WHERE session_id IS NULL OR channel IS NULL OR device IS NULL "
                   "OR country IS NULL OR source IS NULL OR medium IS NULL") == 0


def test_channels_have_distinct_quality(demo):
    wh, _ = demo
    from shoplens.model.vocab import CHANNELS

    stats = {r[0]: r[1:] for r in rows(wh, f"SELECT channel, count(*), avg(buy) FROM {_sessions(wh)} GROUP BY 1")}
    assert set(stats) == set(CHANNELS)
    overall = one(wh, f"SELECT avg(buy) FROM {_sessions(wh)}")
    by_volume = sorted(stats, key=lambda c: -stats[c][0])
    assert "live_stream" in by_volume[:6] and stats["live_stream"][1] < 0.5 * overall
    uv = dict(rows(wh, """
        SELECT e.channel, coalesce(r.rev, 0) / e.uv FROM
          (SELECT channel, count(DISTINCT user_id) uv FROM events GROUP BY 1) e LEFT JOIN
          (SELECT channel, sum(gross_amount_rc - discount_rc) rev FROM orders WHERE paid_ts IS NOT NULL
           GROUP BY 1) r USING (channel)"""))
    median_uv = sorted(uv.values())[len(uv) // 2]
    assert uv["organic_search"] > median_uv and uv["private_domain"] > median_uv
    assert uv["live_stream"] < median_uv
    devices = dict(rows(wh, "SELECT device, count(DISTINCT session_id) FROM events GROUP BY 1"))
    assert set(devices) == {"mobile", "desktop", "app", "tablet"}
    assert devices["tablet"] == min(devices.values())


def test_ad_spend_by_paid_channel_and_campaign(demo):
    wh, _ = demo
    assert {r[0] for r in rows(wh, "SELECT DISTINCT channel FROM ad_spend")} == PAID_CHANNELS
    tiers = {r[0] for r in rows(wh, "SELECT DISTINCT kol_tier FROM ad_spend WHERE kol_tier IS NOT NULL")}
    assert tiers == {"head", "mid", "tail", "koc"}
    assert one(wh, "SELECT count(*) FROM ad_spend WHERE NOT (impressions > clicks AND clicks >= 0 AND spend >= 0)") == 0
    assert one(wh, "SELECT count(DISTINCT campaign) FROM ad_spend") >= 10
    missing = one(wh, "SELECT count(*) FROM (SELECT DISTINCT campaign FROM ad_spend) a "
                      "WHERE campaign NOT IN (SELECT campaign FROM events WHERE campaign IS NOT NULL)")
    assert missing == 0
    assert one(wh, "SELECT count(DISTINCT currency) FROM ad_spend") == 2  # CNY and USD (Google, Amazon ads)


def test_purchase_events_are_orders(demo):
    wh, _ = demo
    purchases = one(wh, "SELECT count(*) FROM events WHERE event = 'purchase'")
    assert purchases == one(wh, "SELECT count(*) FROM orders WHERE paid_ts IS NOT NULL")
    matched = rows(wh, """
        SELECT count(*), max(abs(date_diff('second', e.ts, o.paid_ts))) FROM events e
        JOIN orders o ON o.order_id = json_extract_string(e.properties, '$.order_id') AND o.user_id = e.user_id
        JOIN order_items i ON i.order_id = o.order_id AND i.line_no = 1 AND i.product_id = e.product_id
        WHERE e.event = 'purchase'""")[0]
    assert matched[0] == purchases and matched[1] <= 60


def test_promotions_and_weekly_rhythm(demo):
    wh, summary = demo
    assert {"618", "1111"} <= set(summary.promos)
    gmv = dict(rows(wh, f"SELECT {local('paid_ts')}, sum(gross_amount_rc)::DOUBLE FROM orders "
                        "WHERE paid_ts IS NOT NULL GROUP BY 1"))
    median = sorted(gmv.values())[len(gmv) // 2]
    assert gmv[date(2026, 6, 18)] > 1.8 * median
    assert gmv[date(2026, 11, 11)] > 3 * median
    assert gmv[date(2026, 11, 11)] == max(gmv.values())
    wave = [gmv[date(2026, 11, d)] for d in range(1, 12)]
    assert sum(wave) / len(wave) > median
    we, wd = rows(wh, f"""
        SELECT avg(n) FILTER (WHERE dayofweek(d) IN (0, 6)), avg(n) FILTER (WHERE dayofweek(d) NOT IN (0, 6))
        FROM (SELECT d, count(*) n FROM {_sessions(wh)} GROUP BY d)
        WHERE d NOT BETWEEN '2026-05-25' AND '2026-06-22' AND d < '2026-10-26'""")[0]
    assert we > 1.05 * wd


def test_customers_members_and_repeat_buyers(demo):
    wh, _ = demo
    assert one(wh, "SELECT count(*) FROM customers WHERE first_seen IS NULL OR country IS NULL") == 0
    tiers = {r[0] for r in rows(wh, "SELECT DISTINCT member_tier FROM customers")}
    assert {"none", "silver", "gold"} <= tiers <= {"none", "silver", "gold", "vip"}
    assert one(wh, "SELECT count(*) FROM customers WHERE member_tier <> 'none' AND signup_ts IS NULL") == 0
    buyers, repeat = rows(wh, "SELECT count(*), count(*) FILTER (WHERE n >= 2) FROM "
                              "(SELECT user_id, count(*) n FROM orders WHERE paid_ts IS NOT NULL GROUP BY 1)")[0]
    assert repeat / buyers > 0.1
    first_seen_before = one(wh, "SELECT count(*) FROM customers c JOIN (SELECT user_id, min(ts) t FROM events "
                                "GROUP BY 1) e USING (user_id) WHERE c.first_seen <> e.t")
    assert first_seen_before == 0
    assert {r[0] for r in rows(wh, "SELECT DISTINCT is_member FROM orders")} == {True, False}
    status = dict(rows(wh, "SELECT status, count(*) FROM orders GROUP BY 1"))
    assert set(status) == {"created", "paid", "shipped", "delivered", "cancelled"}
    assert (status["delivered"] + status["shipped"]) / sum(status.values()) > 0.7
    assert one(wh, "SELECT count(*) FROM orders WHERE channel IS NULL OR device IS NULL OR payment_method IS NULL "
                   "OR country IS NULL OR discount IS NULL OR shipping_fee IS NULL OR tax IS NULL") == 0
    assert one(wh, "SELECT count(*) FROM orders WHERE discount > 0") > 0
    assert one(wh, "SELECT count(*) FROM orders WHERE tax > 0") > 0
    assert one(wh, "SELECT count(*) FROM orders WHERE shipping_fee > 0") > 0


def test_catalog_has_a_long_tail(demo):
    wh, _ = demo
    top, zero, n = rows(wh, """
        WITH r AS (SELECT i.product_id, sum(i.quantity * i.unit_price * o.fx_rate) rev FROM order_items i
                   JOIN orders o USING (store_id, order_id) WHERE o.paid_ts IS NOT NULL GROUP BY 1),
             k AS (SELECT coalesce(rev, 0) rev, row_number() OVER (ORDER BY coalesce(rev, 0) DESC) rn,
                          count(*) OVER () n FROM products LEFT JOIN r USING (product_id))
        SELECT sum(rev) FILTER (WHERE rn <= n * 0.2) / sum(rev), count(*) FILTER (WHERE rev = 0), max(n) FROM k""")[0]
    assert top >= 0.7 and zero > 0 and n >= 100
    assert one(wh, "SELECT count(*) FROM products WHERE NOT (unit_cost < list_price) OR currency <> 'CNY'") == 0
    statuses = {r[0] for r in rows(wh, "SELECT DISTINCT status FROM products")}
    assert {"on_sale", "off_shelf"} <= statuses
    assert one(wh, "SELECT count(DISTINCT category) FROM products") >= 6
    assert one(wh, "SELECT count(DISTINCT brand) FROM products") >= 5


def test_inventory_has_stock_outs(demo):
    wh, _ = demo
    assert one(wh, "SELECT count(DISTINCT date) FROM inventory_snapshots") == DAYS
    assert {r[0] for r in rows(wh, "SELECT DISTINCT warehouse FROM inventory_snapshots")} == {"bonded", "main"}
    total, outs, skus = rows(wh, """
        SELECT count(*), count(*) FILTER (WHERE on_hand = 0), count(DISTINCT product_id) FILTER (WHERE on_hand = 0)
        FROM inventory_snapshots JOIN products USING (store_id, product_id) WHERE status = 'on_sale'""")[0]
    assert 0 < outs < 0.2 * total and skus >= 3
    assert one(wh, "SELECT count(*) FROM inventory_snapshots WHERE in_transit > 0") > 0


def test_refunds_reviews_tickets_shipments(demo):
    wh, _ = demo
    paid = one(wh, "SELECT count(*) FROM orders WHERE paid_ts IS NOT NULL")
    refunds = one(wh, "SELECT count(*) FROM refunds")
    assert 0.01 < refunds / paid < 0.1
    assert one(wh, "SELECT count(*) FROM refunds r JOIN orders o USING (store_id, order_id) "
                   "WHERE r.user_id = o.user_id AND r.currency = o.currency AND r.ts >= o.paid_ts") == refunds
    assert one(wh, "SELECT count(DISTINCT reason) FROM refunds") >= 6
    assert one(wh, "SELECT count(*) FROM refunds WHERE product_id IS NOT NULL") > 0
    assert one(wh, "SELECT count(*) FROM reviews WHERE rating NOT BETWEEN 1 AND 5") == 0
    for col in ("dsr_description", "dsr_service", "dsr_logistics"):
        assert one(wh, f"SELECT count(*) FROM reviews WHERE {col} NOT BETWEEN 1 AND 5 "
                       f"OR {col} * 10 <> round({col} * 10)") == 0, col
    assert one(wh, "SELECT count(DISTINCT rating) FROM reviews") == 5
    kinds = dict(rows(wh, "SELECT kind, median(date_diff('minute', opened_ts, first_response_ts)) FROM "
                          "service_tickets GROUP BY 1"))
    assert set(kinds) == {"inquiry", "complaint", "return"}
    assert 1 <= kinds["inquiry"] <= 30 and kinds["inquiry"] < kinds["complaint"]
    assert one(wh, "SELECT max(date_diff('minute', opened_ts, first_response_ts)) FROM service_tickets") > 120
    assert one(wh, "SELECT count(*) FROM service_tickets WHERE first_response_ts < opened_ts "
                   "OR resolved_ts < first_response_ts") == 0
    status = dict(rows(wh, "SELECT status, count(*) FROM shipments GROUP BY 1"))
    assert {"delivered", "in_transit", "lost"} <= set(status)
    assert 0.002 < status["lost"] / sum(status.values()) < 0.01
    late = one(wh, "SELECT avg((date_diff('hour', shipped_ts, delivered_ts) > 24 * promised_days)::INT) "
                   "FROM shipments WHERE delivered_ts IS NOT NULL")
    assert 0.03 < late < 0.35
    assert one(wh, "SELECT count(*) FROM shipments s JOIN orders o USING (store_id, order_id) "
                   "WHERE s.currency <> o.currency OR s.shipped_ts < o.paid_ts") == 0
    assert one(wh, "SELECT count(DISTINCT carrier) FROM shipments") >= 10


def test_incident_is_visible_in_the_data(demo):
    wh, summary = demo
    inc = summary.incident
    assert inc["channel"] == "paid_search"
    start, end = date.fromisoformat(inc["start"]), date.fromisoformat(inc["end"])
    assert (end - start).days == 2 and 14 <= (END - end).days <= 30
    prior = (start - timedelta(days=14), start - timedelta(days=1))
    by = {(r[0], r[1]): r[2:] for r in rows(wh, f"""
        SELECT channel = 'paid_search', CASE WHEN d BETWEEN ? AND ? THEN 'incident' ELSE 'prior' END,
               count(*) / count(DISTINCT d), avg(buy)
        FROM {_sessions(wh)} WHERE d BETWEEN ? AND ? GROUP BY ALL""", [start, end, prior[0], end])}
    sessions_inc, conv_inc = by[True, "incident"]
    sessions_prior, conv_prior = by[True, "prior"]
    assert conv_inc < 0.4 * conv_prior
    assert sessions_inc > 0.7 * sessions_prior  # the traffic stays
    other_inc, other_prior = by[False, "incident"][1], by[False, "prior"][1]
    assert 0.7 < other_inc / other_prior < 1.4


def test_determinism_and_seed(tmp_path: Path):
    sums = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        with shoplens.connect(str(tmp_path / f"{name}.duckdb")) as wh:
            build_demo(wh, events=20_000, days=60, seed=seed)
            sums.append(checksums(wh))
    assert sums[0] == sums[1]
    assert sums[0]["events"] != sums[2]["events"] and sums[0]["orders"] != sums[2]["orders"]
    assert sums[0]["fx_rates"] != sums[2]["fx_rates"]


def test_rebuild_replaces_rows(wh):
    first = build_demo(wh, events=20_000, days=60, seed=5)
    before = checksums(wh)
    second = build_demo(wh, events=20_000, days=60, seed=5)
    assert second.import_id == first.import_id + 1
    assert checksums(wh) == before  # same content, not twice as much
    assert one(wh, "SELECT count(*) FROM events WHERE _import_id <> ?", [second.import_id]) == 0
    assert one(wh, "SELECT count(*) - count(DISTINCT event_id) FROM events") == 0
    assert one(wh, "SELECT count(*) FROM import_manifest WHERE preset = 'demo'") == 2


def test_two_stores_are_isolated(wh):
    build_demo(wh, events=10_000, days=40, seed=1)  # a single 'demo' store must survive
    demo_before = checksums(wh, "demo")
    ticks: dict[str, list[int]] = {}

    def progress(label: str, total: int):
        ticks[label] = [total, 0]

        def advance(n: int) -> None:
            ticks[label][1] += n
        return advance

    summary = build_demo(wh, events=10_000, days=40, seed=1, stores=2, progress=progress)
    assert summary.store_ids == ["demo-1", "demo-2"]
    assert ticks == {"demo demo-1": [40, 40], "demo demo-2": [40, 40]}
    stores = {r[0]: r[1:] for r in rows(wh, "SELECT store_id, platform, reporting_currency, timezone FROM stores")}
    assert set(stores) == {"demo", "demo-1", "demo-2"}
    assert stores["demo-1"] != stores["demo-2"]
    assert stores["demo-2"][1] == "USD"
    for store in ("demo-1", "demo-2"):
        for table in FILLED:
            assert one(wh, f"SELECT count(*) FROM {table} WHERE store_id = ?", [store]) > 0, (store, table)
    assert one(wh, "SELECT count(*) FROM fx_rates WHERE store_id = 'demo-2' AND currency = 'USD'") == 0
    assert one(wh, "SELECT count(*) FROM fx_rates WHERE store_id = 'demo-2' AND currency = 'CNY'") == 40
    shared = one(wh, "SELECT count(*) FROM (SELECT user_id FROM events WHERE store_id = 'demo-1' INTERSECT "
                     "SELECT user_id FROM events WHERE store_id = 'demo-2')")
    assert shared == 0
    cross = one(wh, "SELECT count(*) FROM order_items i JOIN orders o ON o.order_id = i.order_id "
                    "AND o.store_id <> i.store_id WHERE i.store_id LIKE 'demo-%' AND o.store_id LIKE 'demo-%'")
    assert cross == 0
    assert checksums(wh, "demo") == demo_before


def test_refuses_to_overwrite_imported_data(wh, tmp_path: Path):
    csv = tmp_path / "customers.csv"
    csv.write_text("user_id,country\nu1,CN\n", encoding="utf-8")
    shoplens.import_files(wh, [csv], table="customers", store="demo", currency="USD", timezone="UTC")
    with pytest.raises(ShoplensError, match="not demo stores"):  # a real warehouse (tests/test_demo_login.py)
        build_demo(wh, events=5_000, days=30)
    with pytest.raises(ShoplensError, match="imported data"):  # --force never overwrites a real store either
        build_demo(wh, events=5_000, days=30, force=True)
    assert rows(wh, "SELECT user_id FROM customers WHERE store_id = 'demo'") == [("u1",)]


def test_failed_build_leaves_previous_demo(wh, monkeypatch: pytest.MonkeyPatch):
    build_demo(wh, events=5_000, days=30, seed=2)
    before = checksums(wh)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(M, "ad_spend_table", boom)
    with pytest.raises(RuntimeError):
        build_demo(wh, events=5_000, days=30, seed=9)
    assert checksums(wh) == before
    assert one(wh, "SELECT count(*) FROM import_manifest") == 1


@pytest.mark.parametrize("kwargs", [{"events": 10}, {"days": 7}, {"stores": 0}])
def test_rejects_bad_arguments(wh, kwargs: dict[str, int]):
    with pytest.raises(ShoplensError):
        build_demo(wh, **kwargs)
