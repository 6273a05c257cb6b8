"""Buyers and orders cut by product/category/brand in a store without orders: purchase events are the order lines.

Hand-computed fixture, store ``E`` (events only, Asia/Shanghai, all on local day 2026-03-02). Products: p1 shoes
(brand x), p2 bags (brand y).

    u1  product_view p1, purchase p1                  (own order: its event id)
    u2  product_view p2, purchase p2 + purchase p1    (both events carry order X9: one order, two lines)
    u3  product_view p2, page_view without a product

Store: UV 3 (u1-u3), paying buyers 2 (u1, u2), conversion 2/3, orders 2.
By category (a visitor counts in each category whose products they touched, a buyer in each they bought in):
shoes: visitors u1, u2 = 2, buyers u1, u2 = 2 -> conversion 1, orders 2;
bags: visitors u2, u3 = 2, buyers u2 = 1 -> conversion 1/2, orders 1;
no category (u3's page view): visitors 1, buyers 0 -> conversion 0.
Buyers by category add up to 3, not 2: u2 counts in both, as a visitor of two categories counts in both for UV.

The second half checks the same on the Taobao UserBehavior sample against pandas on the raw file, every
category on two days (an independent computation; the preset's rules as in tests/test_monitor_taobao.py).
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import shoplens
from shoplens.analyses.segments import SegmentMetricsEngine
from shoplens.ingest.pipeline import import_files
from shoplens.metrics import MetricsEngine

DAY = date(2026, 3, 2)
X9 = "\"{\"\"order_id\"\": \"\"X9\"\"}\""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("purchase_lines")

    def load(table: str, text: str) -> None:
        path = folder / f"{table}.csv"
        path.write_text(text, encoding="utf-8")
        summary = import_files(wh, [path], table=table, store="E", currency="CNY", timezone="Asia/Shanghai")
        assert summary.files[0].quarantined == 0

    wh = shoplens.connect(str(folder / "w.duckdb"))
    load("products", "product_id,category,brand\np1,shoes,x\np2,bags,y\n")
    load("events", "event_id,ts,user_id,event,product_id,properties\n"
                   "e1,2026-03-02T02:00:00Z,u1,product_view,p1,\n"
                   "e2,2026-03-02T02:05:00Z,u1,purchase,p1,\n"
                   "e3,2026-03-02T03:00:00Z,u2,product_view,p2,\n"
                   f"e4,2026-03-02T03:05:00Z,u2,purchase,p2,{X9}\n"
                   f"e5,2026-03-02T03:06:00Z,u2,purchase,p1,{X9}\n"
                   "e6,2026-03-02T04:00:00Z,u3,product_view,p2,\n"
                   "e7,2026-03-02T04:01:00Z,u3,page_view,,\n")
    yield MetricsEngine(wh)
    wh.close()


def q(engine: MetricsEngine, metrics: list[str], **kw) -> list[dict]:
    return engine.query(metrics, start=DAY, end=DAY, store="E", targets=False, **kw).rows


def test_store_totals(engine: MetricsEngine) -> None:
    assert q(engine, ["uv", "paying_buyers", "orders", "conversion_rate"]) == [
        {"uv": 3, "paying_buyers": 2, "orders": 2, "conversion_rate": pytest.approx(2 / 3)}]


def test_buyers_and_conversion_by_category(engine: MetricsEngine) -> None:
    rows = {r["category"]: r for r in q(engine, ["uv", "paying_buyers", "orders", "conversion_rate"],
                                        by=["category"])}
    assert rows["shoes"] == {"category": "shoes", "uv": 2, "paying_buyers": 2, "orders": 2, "conversion_rate": 1.0}
    assert rows["bags"] == {"category": "bags", "uv": 2, "paying_buyers": 1, "orders": 1,
                            "conversion_rate": pytest.approx(0.5)}
    assert rows[None] == {"category": None, "uv": 1, "paying_buyers": 0, "orders": 0, "conversion_rate": 0.0}
    assert sum(r["paying_buyers"] for r in rows.values()) == 3  # u2 bought in both categories: counted in each


def test_brand_product_and_where(engine: MetricsEngine) -> None:
    by_brand = {r["brand"]: r["paying_buyers"] for r in q(engine, ["paying_buyers"], by=["brand"])}
    assert by_brand == {"x": 2, "y": 1}
    by_product = {r["product"]: r["paying_buyers"] for r in q(engine, ["paying_buyers"], by=["product"])}
    assert by_product == {"p1": 2, "p2": 1}
    assert q(engine, ["paying_buyers", "conversion_rate"], where={"category": "bags"}) == [
        {"paying_buyers": 1, "conversion_rate": pytest.approx(0.5)}]


def test_quantity_and_money_stay_null(engine: MetricsEngine) -> None:
    """Purchase events carry who bought which product, not how many nor for how much."""
    rows = q(engine, ["gmv", "paid_units"], by=["category"])
    assert rows and all(r["gmv"] is None and r["paid_units"] is None for r in rows)


# ---- Taobao UserBehavior sample: every category, two days, against pandas on the raw file -----------------
TAOBAO = "taobao_userbehavior_sample/UserBehavior_head.csv.gz"
DAYS = (date(2017, 11, 25), date(2017, 12, 2))


def test_taobao_buyers_and_conversion_by_category_equal_pandas(datasets: Path, taobao_db: Path) -> None:
    df = pd.read_csv(datasets / TAOBAO, header=None, names=["user", "item", "category", "behaviour", "ts"],
                     dtype={"user": str, "item": str, "category": str, "behaviour": str, "ts": "int64"})
    df["day"] = (pd.to_datetime(df.ts, unit="s") + pd.Timedelta(hours=8)).dt.date
    df["item_category"] = df.item.map(df.groupby("item").category.last())  # the item's last line wins
    with shoplens.connect(str(taobao_db), read_only=True) as wh:
        for day in DAYS:
            got = {r["category"]: r for r in MetricsEngine(wh).query(
                ["uv", "paying_buyers", "conversion_rate"], start=day, end=day, by=["category"], targets=False).rows}
            one = df[df.day == day]
            visitors = one.groupby("item_category").user.nunique()
            bought = one[one.behaviour == "buy"].groupby("item_category").user.nunique()
            assert set(got) == set(visitors.index)
            for cat, uv in visitors.items():
                buyers = int(bought.get(cat, 0))
                assert (got[cat]["uv"], got[cat]["paying_buyers"]) == (uv, buyers), (day, cat)
                assert math.isclose(got[cat]["conversion_rate"], buyers / uv, abs_tol=1e-9), (day, cat)
            # buyers of several categories count in each: the categories add up to more than the store
            store = one[one.behaviour == "buy"].user.nunique()
            assert sum(r["paying_buyers"] for r in got.values()) == int(bought.sum()) > store


def test_segment_keeps_its_members_lines(engine: MetricsEngine) -> None:
    """Only u2 made two purchase events: under that segment both categories have one visitor and one buyer."""
    seg = SegmentMetricsEngine(engine.wh)
    got = seg.query(["uv", "paying_buyers", "conversion_rate"], start=DAY, end=DAY, store="E", targets=False,
                    by=["category"], segment="did(purchase, min=2)").rows
    assert sorted(got, key=lambda r: r["category"]) == [
        {"category": "bags", "uv": 1, "paying_buyers": 1, "conversion_rate": 1.0},
        {"category": "shoes", "uv": 1, "paying_buyers": 1, "conversion_rate": 1.0}]
