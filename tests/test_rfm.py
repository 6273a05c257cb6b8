"""RFM on a hand-made warehouse: every R, F, M, score, tier and share below is worked out by hand.

Store ``a`` (Asia/Shanghai, UTC+8, CNY), as of 2026-03-31, ten customers, so with 5 bins a
customer's score is ``1 + floor(below / 2)`` (``below`` = customers with a strictly worse value):

    cust  last day    R   F   M     R/F/M score  levels  tier
    c01   2026-03-31    0  4  1000  5 5 5        H H H   core
    c02   2026-03-31    0  1   800  5 1 4        H L H   potential (low F, high M)
    c03   2026-03-26    5  1    50  4 1 1        H L L   new
    c04   2026-03-11   20  3   300  4 4 3        H H M   rising (was champions: R high, F M not low, not core)
    c05   2026-02-14   45  2   300  3 3 3        M M M   others
    c06   2025-12-26   95  1   120  2 1 2        L L L   dormant
    c07   2025-12-26   95  5   100  2 5 2        L H L   potential (high F, low M; before at_risk)
    c08   2025-12-01  120  2   900  2 3 5        L M H   at_risk
    c09   2025-09-12  200  1    60  1 1 1        L L L   dormant
    c10   2025-02-24  400  1   700  1 1 4        L L H   dormant (before potential)

Ties: c01/c02 share R 5, c06/c07 share R 2, c04/c05 share M 3, five one-order buyers share F 1.
Edge rows: c01's last order is paid 2026-03-30 16:30 UTC = 03-31 00:30 local; c06's at 2025-12-25
16:10 UTC = 12-26 local (R 95, not 96); c01 has a 50 discount on a 500 order (M counts the 500, as
GMV does); c03 has an unpaid order and a never-paid cancelled one (ignored); c04 has a paid order
cancelled later (counted) and a shipped one without paid_ts (paid at created_ts); c05 has an order
paid 2026-04-01 local (after as-of, but 03-31 in UTC) — it makes 04-01 the last data day; a guest
order (no user) of 10000 is nobody's. Store ``b`` (America/New_York, USD) covers the other tiers
with five customers (score = 1 + below); store ``t`` has only purchase events (no money).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import types
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from csv_files import write_csv
from shoplens.analyses import rfm as rfm_mod
from shoplens.analyses.context import open_context
from shoplens.errors import ShoplensError
from shoplens.ingest.pipeline import import_files

AS_OF = date(2026, 3, 31)
ORDER_HEADER = "order_id,user_id,created_ts,paid_ts,status,gross_amount,discount,channel"


def _o(oid: str, user: str, ts: str, amount: str, status: str = "paid", paid: str | None = None,
       discount: str = "", channel: str = "direct") -> tuple[str, ...]:
    return (oid, user, ts, ts if paid is None else paid, status, amount, discount, channel)


A_ORDERS = [
    _o("a01", "c01", "2025-11-10T02:00:00Z", "100"),
    _o("a02", "c01", "2026-01-10T02:00:00Z", "200"),
    _o("a03", "c01", "2026-03-01T02:00:00Z", "200"),
    _o("a04", "c01", "2026-03-30T16:30:00Z", "500", discount="50", channel="live_stream"),  # 03-31 00:30 local
    _o("a05", "c02", "2026-03-31T02:00:00Z", "800", channel="live_stream"),
    _o("a06", "c03", "2026-03-26T02:00:00Z", "50"),
    _o("a07", "c03", "2026-03-28T02:00:00Z", "999", status="created", paid=""),  # never paid
    _o("a08", "c03", "2026-03-29T02:00:00Z", "999", status="cancelled", paid=""),  # cancelled unpaid
    _o("a09", "c04", "2026-01-05T02:00:00Z", "100"),
    _o("a10", "c04", "2026-02-05T02:00:00Z", "100", status="cancelled"),  # paid, cancelled later: counts
    _o("a11", "c04", "2026-03-11T02:00:00Z", "100", status="shipped", paid=""),  # paid at created_ts
    _o("a12", "c05", "2026-01-20T02:00:00Z", "100"),
    _o("a13", "c05", "2026-02-14T02:00:00Z", "200"),
    _o("a14", "c05", "2026-03-31T16:30:00Z", "5000"),  # 2026-04-01 00:30 local: after as-of
    _o("a15", "c06", "2025-12-25T16:10:00Z", "120"),  # 2025-12-26 00:10 local
    *[_o(f"a2{i}", "c07", ts, "20") for i, ts in enumerate(
        ("2025-06-01T02:00:00Z", "2025-08-01T02:00:00Z", "2025-10-01T02:00:00Z", "2025-11-01T02:00:00Z",
         "2025-12-26T03:00:00Z"))],
    _o("a30", "c08", "2025-10-01T02:00:00Z", "400"),
    _o("a31", "c08", "2025-12-01T02:00:00Z", "500"),
    _o("a32", "c09", "2025-09-12T02:00:00Z", "60"),
    _o("a33", "c10", "2025-02-24T02:00:00Z", "700"),
    _o("a40", "", "2026-03-20T02:00:00Z", "10000"),  # guest
]
B_ORDERS = [
    *[_o(f"b0{i}", "d1", f"{day}T16:00:00Z", amount) for i, (day, amount) in enumerate(
        (("2025-10-01", "5"), ("2025-11-01", "5"), ("2025-12-01", "5"), ("2026-01-01", "5"), ("2026-02-01", "10"),
         ("2026-03-01", "10")))],
    _o("b10", "d2", "2025-04-01T16:00:00Z", "10"),
    _o("b11", "d2", "2025-05-01T16:00:00Z", "20"),
    _o("b12", "d2", "2025-06-04T16:00:00Z", "20"),
    _o("b20", "d3", "2026-03-01T16:00:00Z", "10"),
    _o("b30", "d4", "2025-09-01T16:00:00Z", "15"),
    _o("b31", "d4", "2025-11-01T16:00:00Z", "15"),
    _o("b40", "d5", "2026-03-30T02:00:00Z", "20"),  # 2026-03-29 22:00 in New York: R 2, not 1
]
T_EVENTS = ("event_id,ts,user_id,event,properties", [
    ("t1", "2026-03-01T02:00:00Z", "u1", "purchase", '{"order_id": "k1"}'),
    ("t2", "2026-03-01T02:01:00Z", "u1", "purchase", '{"order_id": "k1"}'),  # the same order twice
    ("t3", "2026-03-30T02:00:00Z", "u1", "purchase", '{"order_id": "k2"}'),
    ("t4", "2026-03-20T02:00:00Z", "u2", "purchase", ""),
    ("t5", "2026-03-31T02:00:00Z", "u3", "page_view", ""),  # a visitor, not a customer
])

# user -> (last day, recency, frequency, monetary, r, f, m, tier) in store a as of 2026-03-31
A_EXPECTED = {
    "c01": ("2026-03-31", 0, 4, 1000, 5, 5, 5, "core"),
    "c02": ("2026-03-31", 0, 1, 800, 5, 1, 4, "potential"),
    "c03": ("2026-03-26", 5, 1, 50, 4, 1, 1, "new"),
    "c04": ("2026-03-11", 20, 3, 300, 4, 4, 3, "rising"),
    "c05": ("2026-02-14", 45, 2, 300, 3, 3, 3, "others"),
    "c06": ("2025-12-26", 95, 1, 120, 2, 1, 2, "dormant"),
    "c07": ("2025-12-26", 95, 5, 100, 2, 5, 2, "potential"),
    "c08": ("2025-12-01", 120, 2, 900, 2, 3, 5, "at_risk"),
    "c09": ("2025-09-12", 200, 1, 60, 1, 1, 1, "dormant"),
    "c10": ("2025-02-24", 400, 1, 700, 1, 1, 4, "dormant"),
}
B_EXPECTED = {
    "d1": ("2026-03-01", 30, 6, 40, 3, 5, 4, "loyal"),
    "d2": ("2025-06-04", 300, 3, 50, 1, 4, 5, "lost"),
    "d3": ("2026-03-01", 30, 1, 10, 3, 1, 1, "hibernating"),
    "d4": ("2025-11-01", 150, 2, 30, 2, 3, 3, "at_risk"),
    "d5": ("2026-03-29", 2, 1, 20, 5, 1, 2, "new"),
}
T_EXPECTED = {  # two customers: score = 1 + floor(5 * below / 2); no money, so no M score
    "u1": ("2026-03-30", 1, 2, None, 3, 3, None, "others"),
    "u2": ("2026-03-20", 11, 1, None, 1, 1, None, "dormant"),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rfm")
    path = folder / "rfm.duckdb"
    loads = [("a", "orders", ORDER_HEADER, A_ORDERS, "CNY", "Asia/Shanghai"),
             ("b", "orders", ORDER_HEADER, B_ORDERS, "USD", "America/New_York"),
             ("t", "events", *T_EVENTS, "CNY", "Asia/Shanghai")]
    with shoplens.connect(str(path)) as wh:
        for store, table, header, rows, currency, zone in loads:
            file = write_csv(folder / f"{store}_{table}.csv", header, rows)
            summary = import_files(wh, [file], table=table, store=store, currency=currency, timezone=zone)
            assert summary.files[0].loaded == len(rows) and summary.files[0].quarantined == 0, summary.examples
    return path


@pytest.fixture(scope="module")
def wh(db: Path):
    with shoplens.connect(str(db), read_only=True) as warehouse:
        yield warehouse


def _scores(wh: Any, store: Any, as_of: date | None = AS_OF, **kw: Any) -> dict[tuple[str, str], tuple]:
    ctx = open_context(wh, store=store, **kw)
    df = ctx.run(rfm_mod.customer_scores_sql(ctx, as_of))
    assert len(df) == len(df.drop_duplicates(["store_id", "user_id"]))  # one row per customer
    return {(r.store_id, r.user_id): (r.last_day.date().isoformat(), r.recency_days, r.frequency,
                                      None if pd.isna(r.monetary) else float(r.monetary), r.r_score, r.f_score,
                                      None if pd.isna(r.m_score) else int(r.m_score), r.tier)
            for r in df.itertuples()}


def _keyed(store: str, expected: dict[str, tuple]) -> dict[tuple[str, str], tuple]:
    return {(store, u): v for u, v in expected.items()}


# ---- customer_scores_sql: the interface segments and the user timeline use ---------------------------
def test_scores_of_every_customer(wh: Any) -> None:
    assert _scores(wh, "a") == _keyed("a", A_EXPECTED)
    assert _scores(wh, "b") == _keyed("b", B_EXPECTED)
    assert _scores(wh, "t") == _keyed("t", T_EXPECTED)


def test_quantiles_are_per_store(wh: Any) -> None:
    together = _scores(wh, ["a", "b", "t"])
    assert together == _keyed("a", A_EXPECTED) | _keyed("b", B_EXPECTED) | _keyed("t", T_EXPECTED)


def test_score_columns_and_types(wh: Any) -> None:
    ctx = open_context(wh, store="a")
    rel = wh.con.sql(rfm_mod.customer_scores_sql(ctx, AS_OF))
    types_ = dict(zip(rel.columns, (str(t) for t in rel.types), strict=True))
    assert list(types_) == ["store_id", "user_id", "last_day", "recency_days", "frequency", "monetary", "r_score",
                            "f_score", "m_score", "tier"]
    assert types_["last_day"] == "DATE" and types_["recency_days"] == "INTEGER" and types_["frequency"] == "BIGINT"
    assert types_["r_score"] == types_["f_score"] == types_["m_score"] == "INTEGER"
    assert types_["monetary"].startswith("DECIMAL") and types_["tier"] == "VARCHAR"


def test_default_as_of_is_the_last_data_day(wh: Any) -> None:
    # c05's order paid 2026-04-01 00:30 local is the last data day: it joins c05 (F 3, M 5300, R 0)
    scores = _scores(wh, "a", as_of=None)
    assert scores[("a", "c05")][:4] == ("2026-04-01", 0, 3, 5300.0)
    assert scores[("a", "c01")][:2] == ("2026-03-31", 1)
    assert rfm_mod.rfm(wh, store="a").as_of == date(2026, 4, 1)


def test_earlier_as_of_drops_later_orders_and_customers(wh: Any) -> None:
    # as of 2026-03-25: c02 and c03 have not bought yet; c01's last order is 2026-03-01
    scores = _scores(wh, "a", as_of=date(2026, 3, 25))
    assert ("a", "c02") not in scores and ("a", "c03") not in scores and len(scores) == 8
    assert scores[("a", "c01")][:4] == ("2026-03-01", 24, 3, 500.0)


def test_other_bins(wh: Any) -> None:
    # 3 bins, ten customers: score = 1 + floor(3 * below / 10); low = 1, high = 3
    scores = _scores(wh, "a")
    ctx = open_context(wh, store="a")
    df = ctx.run(rfm_mod.customer_scores_sql(ctx, AS_OF, bins=3))
    got = {r.user_id: (r.r_score, r.f_score, r.m_score, r.tier) for r in df.itertuples()}
    assert got["c01"] == (3, 3, 3, "core")  # below 8, 9, 9
    assert got["c05"] == (2, 2, 2, "others")  # below 5, 5, 4
    assert got["c10"] == (1, 1, 2, "dormant")  # below 0, 0, 6
    assert got["c08"] == (1, 2, 3, "lost")  # below 2, 5, 8: with 3 bins low R is R 1, so at_risk is empty
    assert len(scores) == len(got)
    with pytest.raises(ShoplensError, match="--bins 1"):
        rfm_mod.customer_scores_sql(ctx, AS_OF, bins=1)


def test_where_filters_orders_before_scoring(wh: Any) -> None:
    # only the live-stream orders: c01 (500 on 03-31) and c02 (800 on 03-31); ties: both R 1, F 1
    scores = _scores(wh, "a", where=["channel=live_stream"])
    assert scores == {("a", "c01"): ("2026-03-31", 0, 1, 500.0, 1, 1, 1, "dormant"),
                      ("a", "c02"): ("2026-03-31", 0, 1, 800.0, 1, 1, 3, "dormant")}
    with pytest.raises(ShoplensError, match="source=x"):  # a key orders lack: refused before its value is looked up
        rfm_mod.rfm(wh, store="a", where=["source=x"])


def test_segment_keeps_members_with_store_wide_scores(wh: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def members_sql(ctx: Any, name: str) -> str:
        calls.append(name)
        return "SELECT * FROM (VALUES ('a', 'c08'), ('a', 'c09'), ('a', 'zz')) m(store_id, user_id)"

    try:
        import shoplens.analyses.segments as segments
    except ImportError:
        segments = types.ModuleType("shoplens.analyses.segments")
        monkeypatch.setitem(sys.modules, "shoplens.analyses.segments", segments)
    monkeypatch.setattr(segments, "members_sql", members_sql, raising=False)
    assert _scores(wh, "a", segment="vip") == {k: v for k, v in _keyed("a", A_EXPECTED).items()
                                               if k[1] in ("c08", "c09")}
    result = rfm_mod.rfm(wh, store="a", as_of=AS_OF, segment="vip")
    assert result.customers == 2 and calls[-1] == "vip"


# ---- the tier table ----------------------------------------------------------------------------------
def test_tier_table(wh: Any) -> None:
    result = rfm_mod.rfm(wh, store="a", as_of=AS_OF)
    assert result.customers == 10 and result.gmv == 4330  # the guest's 10000 and c05's later 5000 are out
    tiers = {t.tier: t for t in result.tiers}
    assert list(tiers) == list(rfm_mod.TIERS)  # every tier, in rule order, even when empty
    # tier: (customers, GMV, avg R, avg F, avg M)
    empty = (0, 0, None, None, None)
    expected = {"core": (1, 1000, 0, 4, 1000), "dormant": (3, 880, 695 / 3, 1, 880 / 3),
                "potential": (2, 900, 47.5, 3, 450), "rising": (1, 300, 20, 3, 300), "loyal": empty,
                "new": (1, 50, 5, 1, 50), "lost": empty, "at_risk": (1, 900, 120, 2, 900), "hibernating": empty,
                "others": (1, 300, 45, 2, 300)}
    for tier, (n, gmv, r, f, m) in expected.items():
        row = tiers[tier]
        assert (row.customers, row.gmv, row.avg_recency_days, row.avg_frequency) == (n, gmv, pytest.approx(r),
                                                                                      pytest.approx(f)), tier
        assert row.avg_monetary == pytest.approx(m) and row.share == pytest.approx(n / 10), tier
        assert row.gmv_share == pytest.approx(gmv / 4330), tier
    assert (tiers["core"].name_zh, tiers["core"].name_en) == ("核心用户", "Core")
    assert (tiers["potential"].name_zh, tiers["dormant"].name_zh) == ("潜力用户", "沉睡用户")
    assert result.win_back == {"90": 5, "180": 2}  # c06 c07 c08 c09 c10 / c09 c10
    assert result.levels == {"low_max": 2, "high_min": 4} and result.currency == "CNY"


def test_tier_gmv_is_the_metrics_gmv_of_customers(wh: Any) -> None:
    from shoplens.metrics import MetricsEngine

    rows = MetricsEngine(wh).query(["gmv"], start=date(2025, 1, 1), end=AS_OF, store="a", targets=False).rows
    assert rows[0]["gmv"] == pytest.approx(4330 + 10000)  # GMV also counts the guest order


def test_json_shape(wh: Any) -> None:
    data = rfm_mod.rfm(wh, store="a", as_of=AS_OF).to_dict()
    json.dumps(data)
    assert {"as_of", "bins", "customers", "tiers", "win_back"} <= set(data)
    assert data["as_of"] == "2026-03-31" and data["bins"] == 5 and data["win_back"] == {"90": 5, "180": 2}
    assert set(data["tiers"][0]) == {"tier", "name_zh", "name_en", "customers", "share", "gmv", "gmv_share",
                                     "avg_recency_days", "avg_frequency", "avg_monetary"}
    frame = rfm_mod.rfm(wh, store="a", as_of=AS_OF).to_pandas()
    assert list(frame.tier) == list(rfm_mod.TIERS) and frame.customers.sum() == 10


def test_store_without_money(wh: Any) -> None:
    result = rfm_mod.rfm(wh, store="t", as_of=AS_OF)
    assert result.customers == 2 and result.gmv is None
    tiers = {t.tier: t for t in result.tiers}
    assert tiers["dormant"].customers == tiers["others"].customers == 1
    assert all(t.gmv is None and t.gmv_share is None and t.avg_monetary is None for t in result.tiers)


def test_currencies_are_never_added(wh: Any) -> None:
    mixed = rfm_mod.rfm(wh, as_of=AS_OF)  # a (CNY) and b (USD): no GMV across them, each store's on its own
    assert mixed.gmv is None and mixed.currency is None and all(t.gmv is None for t in mixed.tiers)
    assert {p.currency for p in mixed.by_store} == {"CNY", "USD"}
    assert mixed.customers == sum(p.customers for p in mixed.by_store)
    assert rfm_mod.rfm(wh, store=["a", "t"], as_of=AS_OF).customers == 12  # both report in CNY


# ---- lists -------------------------------------------------------------------------------------------
def test_customer_list_of_a_tier(wh: Any) -> None:
    result = rfm_mod.customers(wh, "dormant", store="a", as_of=AS_OF)
    assert [r.user_id for r in result.rows] == ["c10", "c06", "c09"]  # by GMV, largest first
    assert result.total == 3 and result.tier == "dormant"
    row = result.rows[0]
    assert (row.last_day, row.recency_days, row.frequency, row.monetary, row.currency) == (
        date(2025, 2, 24), 400, 1, 700.0, "CNY")
    assert rfm_mod.customers(wh, "沉睡用户", store="a", as_of=AS_OF).total == 3  # the Chinese name works too
    assert rfm_mod.customers(wh, "At risk", store="a", as_of=AS_OF).rows[0].user_id == "c08"
    everyone = rfm_mod.customers(wh, store="a", as_of=AS_OF, limit=4)
    assert everyone.total == 10 and [r.user_id for r in everyone.rows] == ["c01", "c08", "c02", "c10"]
    assert len(everyone.to_pandas()) == 4


def test_win_back_lists(wh: Any) -> None:
    ninety = rfm_mod.win_back(wh, 90, store="a", as_of=AS_OF)
    assert [(r.user_id, r.recency_days) for r in ninety.rows] == [
        ("c08", 120), ("c10", 400), ("c06", 95), ("c07", 95), ("c09", 200)]  # GMV 900, 700, 120, 100, 60
    assert [r.user_id for r in rfm_mod.win_back(wh, 180, store="a", as_of=AS_OF).rows] == ["c10", "c09"]
    # inclusive: 95 days since the last order is "no purchase for 95 days"
    assert rfm_mod.win_back(wh, 95, store="a", as_of=AS_OF).total == 5
    assert rfm_mod.win_back(wh, 96, store="a", as_of=AS_OF).total == 3
    assert [r.user_id for r in rfm_mod.win_back(wh, 90, tier="dormant", store="a", as_of=AS_OF).rows] == [
        "c10", "c06", "c09"]
    # lists may span stores of different currencies: each row says its own
    both = rfm_mod.win_back(wh, 90, store=["a", "b"], as_of=AS_OF)
    assert {(r.user_id, r.currency) for r in both.rows if r.store_id == "b"} == {("d2", "USD"), ("d4", "USD")}


def test_before_the_first_order(wh: Any) -> None:
    result = rfm_mod.rfm(wh, store="a", as_of=date(2020, 1, 1))
    assert result.customers == 0 and result.win_back == {"90": 0, "180": 0}
    assert all(t.customers == 0 and t.share is None for t in result.tiers)
    assert rfm_mod.customers(wh, store="a", as_of=date(2020, 1, 1)).rows == ()


def test_unknown_tier(wh: Any) -> None:
    with pytest.raises(ShoplensError, match="unknown RFM tier 'vip'"):
        rfm_mod.customers(wh, "vip", store="a")


def test_tables_list_tiers_in_value_order(wh: Any) -> None:
    """#14: the table shows the most valuable tier first. Store a by hand (test_tier_table): average M core 1000,
    at_risk 900, potential 450, rising 300 (3 orders), dormant 880/3, new 50; others (300) after the named tiers;
    the empty tiers last, in rule order."""
    from shoplens.analyses.rfm_tiers import value_order

    order = [t.tier for t in value_order(list(rfm_mod.rfm(wh, store="a", as_of=AS_OF).tiers))]
    assert order == ["core", "at_risk", "potential", "rising", "dormant", "new", "others", "loyal", "lost",
                     "hibernating"]
    # an empty catch-all is left out; a store without amounts is ordered by average orders
    rows = [{"tier": "others", "customers": 0, "avg_monetary": None, "avg_frequency": None},
            {"tier": "new", "customers": 4, "avg_monetary": None, "avg_frequency": 1.0},
            {"tier": "core", "customers": 1, "avg_monetary": None, "avg_frequency": 6.5}]
    assert [r["tier"] for r in value_order(rows)] == ["core", "new"]


def test_renamed_tier_keeps_its_old_id() -> None:
    """``champions`` named a second tier (recent repeat buyers who are not core): it is ``rising`` now; the old
    id and names still find it, in lists and in segment rules saved before."""
    from shoplens.analyses.rfm_tiers import TIERS, find_tier
    from shoplens.analyses.segments.rules import normalise

    assert "champions" not in TIERS and TIERS["rising"] == ("成长用户", "Rising")
    assert {find_tier(x) for x in ("champions", "Champions", "冠军用户", "rising", "成长用户")} == {"rising"}
    assert normalise({"rfm": ["Champions", "core"]}) == {"rfm": ["rising", "core"]}


# ---- the command -------------------------------------------------------------------------------------
def _cli(db: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run the commands at once (start-up time overlaps) and wait for all of them."""
    env = {**os.environ, "COLUMNS": "200", "SHOPLENS_LANG": "en"}
    procs = [subprocess.Popen([sys.executable, "-m", "shoplens.cli", "--db", str(db), *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for args in commands]
    done = []
    for args, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return done


def test_cli(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "potential.csv"
    day = ["-s", "a", "--as-of", "2026-03-31"]
    summary, win_back, export, listed, zh, currencies, bad_day = _cli(
        db, ["rfm", *day, "--format", "json"], ["rfm", *day, "--win-back", "180", "--format", "csv"],
        ["rfm", *day, "--list", "potential", "--export", str(target)], ["rfm", *day, "--list", "core", "-f", "json"],
        ["--lang", "zh", "rfm", *day], ["rfm", "--as-of", "2026-03-31"], ["rfm", "-s", "a", "--as-of", "31.03.2026"])

    assert summary.returncode == 0, summary.stderr
    data = json.loads(summary.stdout)
    assert data["customers"] == 10 and data["win_back"] == {"90": 5, "180": 2}
    assert {t["tier"]: t["customers"] for t in data["tiers"]}["dormant"] == 3

    lines = list(csv.DictReader(win_back.stdout.splitlines()))
    assert [(r["user_id"], r["tier"], r["name_zh"], r["recency_days"]) for r in lines] == [
        ("c10", "dormant", "沉睡用户", "400"), ("c09", "dormant", "沉睡用户", "200")]

    assert export.returncode == 0, export.stderr
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["user_id"], r["monetary"], r["last_day"]) for r in rows] == [
        ("c02", "800.0", "2026-03-31"), ("c07", "100.0", "2025-12-26")]

    data = json.loads(listed.stdout)
    assert data["total"] == 1 and data["tier"] == "core" and data["rows"][0]["user_id"] == "c01"
    assert data["rows"][0]["last_day"] == "2026-03-31" and data["rows"][0]["monetary"] == 1000

    assert zh.returncode == 0 and "核心用户" in zh.stdout and "待召回" in zh.stdout
    # a (CNY) and b (USD) together: per-store tables, each in its own currency
    assert currencies.returncode == 0 and "different currencies" in currencies.stdout
    assert "Traceback" not in currencies.stderr
    assert bad_day.returncode == 2 and "--as-of" in bad_day.stderr


def test_docs_table_is_the_rule_table() -> None:
    from shoplens.analyses.rfm_tiers import RULES

    docs = (Path(__file__).resolve().parents[1] / "docs" / "behaviour.md").read_text(encoding="utf-8")
    section = docs.split("## RFM tiers", 1)[1].split("\n## ", 1)[0]
    for i, r in enumerate(RULES, 1):
        rule = " \\| ".join(f"`{alt.strip()}`" for alt in r.rule.split("|")) if r.rule else "everyone left"
        assert f"| {i} | `{r.tier}` | {r.zh} | {r.en} | {rule} |" in section, r.tier
