"""The metrics engine restricted to a segment, on the hand-made metrics fixture (tests/metrics_fixture.py).

Segment ``gold`` = ``member_tier=gold`` = users u1 and u2 of store s1. Their week W10 (2026-03-02 ..
03-08, local) worked out by hand from the fixture rows:
    orders o21 200 (paid 03-02 01:30 local), o22 100 (u1), o26 150 (u2): GMV 450, 3 orders, 2 buyers
    visitors: u1 (sessions S1, S2) and u2 (S4): 2
    refunds r4 10 (03-03) and r2 20 (03-06), both u1: 30 (r1, r3 are u3's)
    reviews v1 (u1: description 5, service 4) and v4 (u2: no description, service 3)
    tickets t1 (u1, complaint, answered in 600 s) and t3 (u2, complaint, unanswered); t4 is in W09
    shipments of u1's orders: sh1 (2.0 days, cost 10) and sh2 (1.5 days, cost 8)
    ad spend has no users: 100 + 50 + 150 = 300 with or without a segment
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

import shoplens
from metrics_fixture import SETTINGS, W10, check, fixture_db, rows
from shoplens.analyses.segments import save_segment
from shoplens.errors import ShoplensError
from shoplens.metrics import MetricsEngine
from shoplens.metrics.targets import load_targets

GOLD_W10 = {"gmv": 450, "orders": 3, "paying_buyers": 2, "uv": 2, "refund_amount": 30, "ad_spend": 300,
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
