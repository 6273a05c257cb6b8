"""The metrics engine restricted to a segment, on the hand-made metrics fixture (tests/metrics_fixture.py).

Segment ``gold`` = ``member_tier=gold`` = users u1 and u2 of store s1. Their week W10 (2026-03-02 ..
03-08, local) worked out by hand from the fixture rows:
    orders o21 200 (paid 03-02 01:30 local), o22 100 (u1), o26 150 (u2): GMV 450, 3 orders, 2 buyers
    visitors: u1 (sessions S1, S2) and u2 (S4): 2
    refunds r4 10 (03-03) and r2 20 (03-06), both u1: 30 (r1, r3 are u3's)
    reviews v1 (u1: description 5, service 4) and v4 (u2: no description, service 3)
    tickets t1 (u1, complaint, answered in 600 s) and t3 (u2, complaint, unanswered); t4 is in W09
    shipments of u1's orders: sh1 (2.0 days, cost 10) and sh2 (1.5 days, cost 8)
    ad spend has no users: 100 + 50 + 150 = 300 for the whole store, so a segment cannot restrict it and
    every metric reading it (or inventory, or the product catalog) is null under a segment, with a note
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shoplens
from metrics_fixture import SETTINGS, W10, check, fixture_db, rows
from shoplens.analyses.segments import SegmentMetricsEngine as MetricsEngine
from shoplens.analyses.segments import save_segment
from shoplens.errors import ShoplensError
from shoplens.i18n import LABELS
from shoplens.metrics.builders import BUILDERS, BuildContext
from shoplens.metrics.periods import periods
from shoplens.metrics.segment_scope import segment_notes
from shoplens.metrics.sources import SOURCES
from shoplens.metrics.spec import load_catalog
from shoplens.metrics.targets import load_targets
from shoplens.warehouse.scope import Scope, StoreInfo

GOLD_W10 = {"gmv": 450, "orders": 3, "paying_buyers": 2, "uv": 2, "refund_amount": 30,
            "dsr_description": 5.0, "dsr_service": 3.5, "complaint_rate": 2 / 3, "avg_first_response_time": 600,
            "avg_delivery_days": 1.75, "shipping_cost_per_order": 9, "lost_parcel_rate": 0.0}


@pytest.fixture(scope="module")
def seg_engine(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("segment_metrics")
    path = folder / "fixture.duckdb"
    shutil.copy(fixture_db(tmp_path_factory), path)
    config = folder / "settings.yaml"
    config.write_text(SETTINGS, encoding="utf-8")
    wh = shoplens.connect(str(path))
    save_segment(wh, "gold", "member_tier=gold")
    try:
        yield MetricsEngine(wh, targets=load_targets(config))
    finally:
        wh.close()


@pytest.mark.parametrize("metric", sorted(GOLD_W10))
def test_gold_members_w10(seg_engine: MetricsEngine, metric: str) -> None:
    check(rows(seg_engine, metric, segment="gold"), [{metric: GOLD_W10[metric]}])


def test_all_metrics_at_once_and_by_channel(seg_engine: MetricsEngine) -> None:
    check(rows(seg_engine, sorted(GOLD_W10), segment="gold"), [GOLD_W10])
    check(rows(seg_engine, ["gmv", "orders"], by=["channel"], segment="gold"),
          [{"channel": "kol", "gmv": 150, "orders": 1}, {"channel": "organic_search", "gmv": 100, "orders": 1},
           {"channel": "paid_search", "gmv": 200, "orders": 1}])


def test_members_and_the_rest_add_up_to_the_store_without_guests(seg_engine: MetricsEngine) -> None:
    total = rows(seg_engine, ["gmv", "orders"])[0]
    rest = rows(seg_engine, ["gmv", "orders"], segment="not member_tier=gold")[0]
    assert (total["gmv"], total["orders"]) == (900, 6)  # W10 of the whole store (the guest's o24: 50)
    assert (rest["gmv"], rest["orders"]) == (900 - 450 - 50, 6 - 3 - 1)  # u3's o23 and u4's o27


def test_unsaved_rules_and_the_json_contract(seg_engine: MetricsEngine) -> None:
    # first_channel=recommendation: u3 (e20) and u7 (e40); W10: u3's o23 300, both visited
    result = seg_engine.query(["gmv", "uv"], start=W10[0], end=W10[1], store="s1", targets=False,
                              segment="first_channel=recommendation")
    assert result.rows == [{"gmv": 300.0, "uv": 2}]
    assert result.to_dict()["segment"] == "first_channel=recommendation"
    tree = {"property": "first_channel", "in": ["recommendation"]}
    assert rows(seg_engine, ["gmv", "uv"], segment=tree) == result.rows
    assert seg_engine.query("gmv", start=W10[0], end=W10[1], store="s1").to_dict()["segment"] is None


def test_a_resaved_segment_is_not_served_from_the_cache(seg_engine: MetricsEngine) -> None:
    save_segment(seg_engine.wh, "tier", "member_tier=gold")
    assert rows(seg_engine, "gmv", segment="gold") == [{"gmv": 450.0}]
    same = seg_engine.query("gmv", start=W10[0], end=W10[1], store="s1", targets=False, segment="tier")
    assert (same.rows, same.segment) == ([{"gmv": 450.0}], "tier")  # one cached result, each its own name
    save_segment(seg_engine.wh, "tier", "member_tier=silver")  # u3: o23 300
    assert rows(seg_engine, "gmv", segment="tier") == [{"gmv": 300.0}]


def test_explain_shows_the_segment(seg_engine: MetricsEngine) -> None:
    info: dict[str, Any] = seg_engine.explain("gmv", start=W10[0], end=W10[1], store="s1", segment="gold")
    assert info["segment"] == "gold"
    assert all("(o.store_id, o.user_id) IN (" in sql and "WITH _u AS" in sql for sql in info["sql"])
    assert "'gold'" in info["sql"][0]  # the member tier literal of the rule
    plain = seg_engine.explain("gmv", start=W10[0], end=W10[1], store="s1")
    assert plain["segment"] is None and "_u AS" not in plain["sql"][0]


def test_unknown_segment(seg_engine: MetricsEngine) -> None:
    with pytest.raises(ShoplensError, match="no segment named 'nope'"):
        rows(seg_engine, "gmv", segment="nope")


# ---- metrics a segment cannot restrict: ad spend, inventory and the product catalog have no users ----------
# By their formulas (catalog.yaml): members' rows divided by / against store-wide rows ...
MIXED = {"roi": "ad_spend", "cpa": "ad_spend", "cac": "ad_spend",  # orders vs ad spend
         "sell_through_rate": "products", "slow_moving_sku_share": "products",  # items vs on-sale SKUs
         "inventory_turnover_days": "inventory"}  # stock vs units sold
# ... and only store-wide rows
STORE_WIDE = {"ad_spend": "ad_spend", "ctr": "ad_spend", "cpc": "ad_spend", "sku_count": "products",
              "stockout_sku_share": "inventory", "stock_units": "inventory", "stock_cost": "inventory",
              "stockout_days": "inventory"}


def test_the_metrics_a_segment_cannot_restrict() -> None:
    catalog = load_catalog()
    notes = segment_notes(catalog, list(catalog.metrics), (), {})
    assert {m: (n.reason, n.store_wide) for m, n in notes.items()} == (
        {m: ("mixed", (s,)) for m, s in MIXED.items()} | {m: ("store_wide", (s,)) for m, s in STORE_WIDE.items()})
    # cut by product, GMV and buyers switch to order lines: still about users, nothing else changes
    by_product = [m for m in catalog.metrics if "product" in catalog.metric_dims(m)]
    assert set(segment_notes(catalog, by_product, ("product",), {})) == set(by_product) & (set(MIXED) | set(STORE_WIDE))
    assert all(f"seg_src_{name}" in LABELS for name in SOURCES)  # every source can be named in a note


def test_builders_declare_every_source_they_read() -> None:
    """The segment scope of a builder measure is its declared sources: they must be the ones it reads."""
    scope = Scope((StoreInfo("s1", "Asia/Shanghai", "CNY"),), W10[0], W10[1])
    for name, builder in BUILDERS.items():
        read: set[str] = set()

        def source(src: str, needs: frozenset[str], start: date | None, end: date | None, read=read) -> str:
            read.add(src)
            return "SELECT 1"

        builder.build(BuildContext(scope, "week", periods(W10[0], W10[1], "week"), (), {"days": 7}, source))
        assert read == builder.sources, name


def test_roi_like_metrics_are_null_for_a_segment_with_a_note(seg_engine: MetricsEngine) -> None:
    asked = ["gmv", "roi", "cpa", "cac", "ad_spend", "ctr", "orders"]
    result = seg_engine.query(asked, start=W10[0], end=W10[1], store="s1", targets=False, segment="gold")
    # gold's W10: GMV 450 and 3 orders (module docstring); the old numbers would have been roi 350 / 300
    # (o21 paid_search 200 + o26 kol 150 over ALL ad spend), cpa 300 / 2, ad spend 300, ctr 100 / 3000
    assert result.rows == [{"gmv": 450.0, "roi": None, "cpa": None, "cac": None, "ad_spend": None, "ctr": None,
                            "orders": 3}]
    assert list(result.notes) == ["roi", "cpa", "cac", "ad_spend", "ctr"]
    roi = result.notes["roi"]
    assert (roi["reason"], roi["store_wide_sources"]) == ("mixed", ["ad_spend"])
    assert roi["en"].startswith("null for a segment: roi mixes the members' orders with store-wide ad spend")
    assert roi["zh"].startswith("人群下为空：roi 把人群成员的订单与全店的推广花费混在一起")
    assert "--segment" in roi["en"] and "--segment" in roi["zh"]
    spend = result.notes["ad_spend"]
    assert (spend["reason"], spend["store_wide_sources"]) == ("store_wide", ["ad_spend"])
    assert "comes only from store-wide ad spend" in spend["en"] and "只来自全店的推广花费" in spend["zh"]
    body = json.loads(json.dumps(result.to_dict()))
    assert body["notes"] == result.notes and body["rows"] == result.rows


def test_without_a_segment_roi_is_unchanged(seg_engine: MetricsEngine) -> None:
    # W10 of the store: paid-channel orders o21 200 + o24 50 (paid_search) + o26 150 (kol) + o27 100
    # (live_stream) over spend 100 + 50 + 150; new buyers u3 and u4; paid-channel orders 4
    result = seg_engine.query(["gmv", "roi", "cpa", "cac", "ad_spend"], start=W10[0], end=W10[1], store="s1",
                              targets=False)
    check(result.rows, [{"gmv": 900, "roi": 500 / 300, "cpa": 300 / 4, "cac": 300 / 2, "ad_spend": 300}])
    assert result.notes == {} and result.to_dict()["notes"] == {}


def test_segment_by_channel_has_only_the_members_channels(seg_engine: MetricsEngine) -> None:
    # silver = u3: o23 300 through recommendation. Ad spend (paid_search, kol) would have added its own
    # channel rows with no member in them: roi is not queried at all, so only the members' channel shows
    got = rows(seg_engine, ["gmv", "roi"], by=["channel"], segment="member_tier=silver")
    assert got == [{"channel": "recommendation", "gmv": 300.0, "roi": None}]
    check(rows(seg_engine, ["roi", "gmv"], by=["channel"], segment="gold"), [
        {"channel": "kol", "roi": None, "gmv": 150}, {"channel": "organic_search", "roi": None, "gmv": 100},
        {"channel": "paid_search", "roi": None, "gmv": 200}])


def test_segment_comparisons_null_the_comparison_too(seg_engine: MetricsEngine) -> None:
    # gold in W09 (02-23 .. 03-01 local): u2's o11 60 and u1's o12 40 (paid 03-01 23:30 local) = 100
    got = rows(seg_engine, ["roi", "gmv"], compare="previous", segment="gold")
    assert got == [{"roi": None, "gmv": 450.0, "roi__previous": None, "gmv__previous": 100.0,
                    "roi__previous_change": None, "gmv__previous_change": (450 - 100) / 100}]
    # the store in W09: paid-channel o11 60 over 02-25's spend 80
    check(rows(seg_engine, ["roi", "gmv"], compare="previous"), [
        {"roi": 500 / 300, "roi__previous": 60 / 80, "roi__previous_change": (500 / 300 - 0.75) / 0.75,
         "gmv": 900, "gmv__previous": 100}])
    weekly = rows(seg_engine, ["gmv", "cac"], grain="week", compare="yoy", segment="gold")
    assert [(r["period"], r["gmv"], r["cac"], r["cac__yoy"], r["cac__yoy_change"]) for r in weekly] == [
        ("2026-W10", 450.0, None, None, None)]


def test_segment_product_cut(seg_engine: MetricsEngine) -> None:
    # gold's W10 lines: apparel p1 2 x 50 (o21), p2 100 (o22) + 3 x 50 (o26); shoes p3 100 (o21); no bags.
    # top 10 % of SKUs (rounded up: 1) by sales: apparel p2 250 of 350, shoes p3 100 of 100. The on-sale
    # SKU counts (store catalog) would have brought a bags row: sell-through is null, so no bags row
    got = rows(seg_engine, ["sell_through_rate", "top_seller_sales_share", "stockout_sku_share"], by=["category"],
               segment="gold")
    check(got, [{"category": "apparel", "sell_through_rate": None, "top_seller_sales_share": 250 / 350,
                 "stockout_sku_share": None},
                {"category": "shoes", "sell_through_rate": None, "top_seller_sales_share": 1.0,
                 "stockout_sku_share": None}])


def test_only_unrestrictable_metrics_are_refused(seg_engine: MetricsEngine) -> None:
    with pytest.raises(ShoplensError, match="roi, ad_spend cannot be computed for a segment") as info:
        rows(seg_engine, ["roi", "ad_spend"], segment="gold")
    assert "roi mixes the members' orders with store-wide ad spend" in str(info.value)
    assert "ad_spend comes only from store-wide ad spend" in str(info.value)
    assert info.value.render("zh").startswith("roi、ad_spend 无法按人群计算：roi 把人群成员的订单与全店的推广花费"
                                              "混在一起")
    with pytest.raises(ShoplensError, match="inventory_turnover_days cannot be computed for a segment"):
        rows(seg_engine, "inventory_turnover_days", by=["product"], segment="gold")
    with pytest.raises(ShoplensError, match="cac cannot be computed for a segment"):
        seg_engine.explain("cac", start=W10[0], end=W10[1], store="s1", segment="gold")
    assert seg_engine.explain("cac", start=W10[0], end=W10[1], store="s1")["formula"] == "spend / new_buyer_count"
    assert rows(seg_engine, "sku_count") == [{"sku_count": 5}]  # without a segment: p1 p2 p3 p5 p6 on sale


def test_cli_prints_the_notes(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    shutil.copy(fixture_db(tmp_path_factory), db)  # a file of its own: engines of other tests hold theirs open
    base = ["--db", str(db), "metrics", "--store", "s1", "--from", "2026-03-02", "--to", "2026-03-08",
            "--segment", "member_tier=gold"]
    commands = [[*base, "gmv,roi", "--format", "json"], ["--lang", "en", *base, "gmv,roi"],
                ["--lang", "zh", *base, "gmv,roi"], [*base, "gmv,roi", "--format", "csv"],
                ["--lang", "en", *base, "roi,ad_spend"]]
    env = {**os.environ, "COLUMNS": "300", "SHOPLENS_LOCK_WAIT": "5"}
    procs = [subprocess.Popen([sys.executable, "-m", "shoplens.cli", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for args in commands]
    done = [(p, *p.communicate(timeout=120)) for p in procs]
    js, en, zh, csv, refused = [(p.returncode, out, err) for p, out, err in done]
    assert js[0] == 0, js[2]
    body = json.loads(js[1])
    assert body["rows"] == [{"gmv": 450.0, "roi": None}] and list(body["notes"]) == ["roi"]
    assert en[0] == 0 and "* null for a segment: roi mixes the members' orders with store-wide ad spend" in en[1]
    assert zh[0] == 0 and "* 人群下为空：roi 把人群成员的订单与全店的推广花费混在一起" in zh[1]
    assert csv[0] == 0 and csv[1].splitlines() == ["gmv,roi", "450.0,"] and "null for a segment: roi" in csv[2]
    assert refused[0] == 2 and "Traceback" not in refused[2]
    assert refused[2].strip().splitlines() == [
        "error: roi, ad_spend cannot be computed for a segment: roi mixes the members' orders with store-wide ad "
        "spend; ad_spend comes only from store-wide ad spend (hint: ad spend, inventory and the product catalog "
        "have no users: query without --segment for the whole store, or ask for metrics about users (gmv, "
        "orders, uv, ...))"]
