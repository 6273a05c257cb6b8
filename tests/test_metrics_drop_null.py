"""The engine's ``drop_null`` (rows without a value of a dimension are not computed: the product analyses key
their rows by SKU) and ``range_of`` (the range a query covers, without running it), on the demo store.

The reference is the same query without ``drop_null``: every row with a product is the same, value for value,
and only the product-less row (visitors of pages without a product, 0 GMV) is gone.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

import shoplens
from shoplens.errors import ShoplensError
from shoplens.metrics.engine import MetricsEngine

METRICS = ["uv", "add_to_cart_rate", "conversion_rate", "gmv", "paid_units"]


@pytest.fixture(scope="module")
def engine(demo_db: Path) -> MetricsEngine:
    return MetricsEngine(shoplens.connect(str(demo_db), read_only=True))


@pytest.mark.parametrize("by, compare", [(["product"], None), (["store", "product"], "previous"),
                                         (["product", "channel"], None)])
def test_rows_with_a_product_are_unchanged_and_the_rest_are_gone(engine: MetricsEngine, by: list[str],
                                                                  compare: str | None) -> None:
    plain = engine.query(METRICS, by=by, compare=compare, targets=False)
    dropped = engine.query(METRICS, by=by, compare=compare, targets=False, drop_null=("product",))
    without = [r for r in plain.rows if r["product"] is not None]
    assert len(without) < len(plain.rows)  # the demo has visitors of pages without a product
    assert dropped.rows == without
    assert (dropped.start, dropped.end) == (plain.start, plain.end)


def test_the_sql_skips_events_without_a_product(engine: MetricsEngine) -> None:
    dropped = " ".join(engine.query(["uv"], by=["product"], targets=False, drop_null=("product",)).sql)
    plain = " ".join(engine.query(["uv"], by=["product"], targets=False).sql)
    where = '"product" IS NOT NULL'  # filtered before the distinct count, not after
    assert where in dropped and where not in plain


def test_drop_null_must_be_a_dimension_of_the_query(engine: MetricsEngine) -> None:
    with pytest.raises(ValueError, match="drop_null"):
        engine.query(["uv"], by=["channel"], drop_null=("product",))


def test_range_of_is_the_range_a_query_covers(engine: MetricsEngine) -> None:
    last = engine.query(["gmv"], targets=False)
    assert engine.range_of(None) == (last.start, last.end)
    assert last.end - last.start == timedelta(days=29)  # the last 30 days with data
    start = last.end - timedelta(days=6)
    asked = engine.query(["gmv"], start=start, targets=False)
    assert engine.range_of(None, start) == (asked.start, asked.end) == (start, last.end)
    assert engine.range_of(None, date(2026, 1, 1), date(2026, 1, 31)) == (date(2026, 1, 1), date(2026, 1, 31))
    with pytest.raises(ShoplensError, match="after"):
        engine.range_of(None, date(2026, 2, 1), date(2026, 1, 1))
