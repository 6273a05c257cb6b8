"""Filter-value spelling and top-N ordering, on the hand-made fixture (tests/metrics_fixture.py).

W10 (2026-03-02..08) paid orders by channel, worked out from the fixture's orders table:
paid_search o21 200 + o24 50 = 250; recommendation o23 300; kol o26 150; organic_search o22 100;
live_stream o27 100 (the created, never-paid o25 is not an order).
"""

from __future__ import annotations

import pytest

from metrics_fixture import W10, rows
from shoplens.errors import ShoplensError
from shoplens.metrics.options import normalise_where, top_rows


def test_filter_values_are_read_like_imported_data() -> None:
    assert normalise_where({"channel": ("直播", "Paid_Search", " SEO "), "device": ("PC",), "country": ("cn",)}) == {
        "channel": ("live_stream", "paid_search", "organic_search"), "device": ("desktop",), "country": ("cn",)}


def test_where_with_an_alias_and_capitals(engine) -> None:
    got = rows(engine, ["gmv"], by=["channel"], where={"channel": ["直播", "Paid_Search"]})
    assert got == [{"channel": "live_stream", "gmv": 100.0}, {"channel": "paid_search", "gmv": 250.0}]


def test_sort_and_limit(engine) -> None:
    week = {"by": ["channel"], "start": W10[0], "end": W10[1], "targets": False, "store": "s1"}
    top = engine.query(["gmv"], sort="gmv", limit=2, **week).rows
    assert top == [{"channel": "recommendation", "gmv": 300.0}, {"channel": "paid_search", "gmv": 250.0}]
    low = engine.query(["gmv"], sort="gmv:asc", **week).rows
    assert [r["gmv"] for r in low] == [100.0, 100.0, 150.0, 250.0, 300.0]
    with pytest.raises(ShoplensError, match="cannot sort by 'orders'"):
        engine.query(["gmv"], sort="orders")
    with pytest.raises(ShoplensError, match="--limit"):
        engine.query(["gmv"], limit=0)


def test_top_rows_per_period_and_nulls_last() -> None:
    data = [{"period": "a", "x": 1}, {"period": "a", "x": None}, {"period": "a", "x": 3},
            {"period": "b", "x": 2}, {"period": "b", "x": 5}]
    assert top_rows(data, ("x", True), 2) == [{"period": "a", "x": 3}, {"period": "a", "x": 1},
                                              {"period": "b", "x": 5}, {"period": "b", "x": 2}]
    assert top_rows(data, ("x", False), None)[:3] == [{"period": "a", "x": 1}, {"period": "a", "x": 3},
                                                      {"period": "a", "x": None}]
