"""Several stores in one query, and purchase events standing in for orders.

Store A (events + orders) and store B (events only) both have a visitor called u1: they are two
people, so visitors across A+B = A's 2 + B's 2 = 4. B's purchases: two events carry order X1 (one
order), one event has no order id (its own order): B has 2 orders, u1 bought once (X1) -> no repeat.
"""

from __future__ import annotations

from datetime import date

import pytest

import shoplens
from shoplens.ingest.pipeline import import_files
from shoplens.metrics import MetricsEngine

DAY = date(2026, 3, 2)  # Asia/Shanghai; all rows at 02:00-05:00 UTC on that day


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("stores")

    def load(store: str, table: str, text: str) -> None:
        path = folder / f"{store}_{table}.csv"
        path.write_text(text, encoding="utf-8")
        summary = import_files(wh, [path], table=table, store=store, currency="CNY", timezone="Asia/Shanghai")
        assert summary.files[0].quarantined == 0

    wh = shoplens.connect(str(folder / "w.duckdb"))
    load("A", "events", "event_id,ts,user_id,event\na1,2026-03-02T02:00:00Z,u1,page_view\n"
                        "a2,2026-03-02T02:00:00Z,u2,page_view\n")
    load("A", "orders", "order_id,user_id,created_ts,gross_amount\no1,u1,2026-03-02T03:00:00Z,100\n"
                        "o2,u1,2026-03-02T04:00:00Z,50\n")
    load("B", "events", "event_id,ts,user_id,event,properties\nb1,2026-03-02T02:00:00Z,u1,page_view,\n"
                        "b2,2026-03-02T03:00:00Z,u1,purchase,\"{\"\"order_id\"\": \"\"X1\"\"}\"\n"
                        "b3,2026-03-02T03:01:00Z,u1,purchase,\"{\"\"order_id\"\": \"\"X1\"\"}\"\n"
                        "b4,2026-03-02T05:00:00Z,u3,purchase,\n")
    yield MetricsEngine(wh)
    wh.close()


def q(engine: MetricsEngine, metrics: list[str], store, **kw):
    return engine.query(metrics, start=DAY, end=DAY, store=store, targets=False, **kw).rows


def test_visitors_and_buyers_of_different_stores_are_different_people(engine) -> None:
    assert q(engine, ["uv", "paying_buyers"], ["A", "B"]) == [{"uv": 4, "paying_buyers": 3}]  # A u1; B u1, u3
    assert q(engine, ["uv", "paying_buyers"], ["A", "B"], grain="day")[0]["uv"] == 4  # the rollup path
    by_store = q(engine, ["uv", "orders", "repeat_purchase_rate"], ["A", "B"], by=["store"])
    assert by_store == [{"store": "A", "uv": 2, "orders": 2, "repeat_purchase_rate": 1.0},
                        {"store": "B", "uv": 2, "orders": 2, "repeat_purchase_rate": 0.0}]


def test_purchase_events_of_one_order_are_one_order(engine) -> None:
    assert q(engine, ["orders", "paying_buyers", "gmv"], "B") == [{"orders": 2, "paying_buyers": 2, "gmv": None}]


def test_repeat_buyers_are_counted_within_their_store(engine) -> None:
    # A's u1 has 2 orders (repeat); B's u1 has 1: across A+B, 1 repeat buyer of 3
    assert q(engine, ["repeat_purchase_rate"], ["A", "B"]) == [{"repeat_purchase_rate": pytest.approx(1 / 3)}]


def test_where_store_must_be_a_queried_store(engine) -> None:
    from shoplens.errors import ShoplensError

    with pytest.raises(ShoplensError, match="not a store of this query"):
        q(engine, ["uv"], ["A"], where={"store": ["B"]})
