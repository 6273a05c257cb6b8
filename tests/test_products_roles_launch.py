"""Product roles when only some SKUs have a launch date (docs/products.md: a slow mover is "launched at least
slow_days before the range end (or no launch date)"). The rules run over whole columns, where a missing launch
day is NaN; it must act as "no launch date", never as a failed comparison, and the days of a new SKU stay whole."""

from __future__ import annotations

from datetime import timedelta

import pytest

import shoplens
from product_stores import END, START, Sku, build

SKUS = [
    Sku("n1", visitors=100, adders=10, buyers=5),
    Sku("n2", visitors=100, adders=10, buyers=5, launched=None),
    Sku("slow", on_hand=30, sold_days_before_end=40, launched=None),  # no launch date: may be a slow mover
    Sku("slowdated", on_hand=30, sold_days_before_end=40),
    Sku("never", on_hand=5, launched=None),  # never sold, no launch date, stock on hand: slow mover
    Sku("new", visitors=100, adders=10, buyers=5, launched=END - timedelta(days=5)),
]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = build(tmp_path_factory.mktemp("roles_launch"), SKUS)
    with shoplens.connect(str(path), read_only=True) as wh:
        return shoplens.products_roles(wh, start=START, end=END).to_dict()


def test_a_sku_without_launch_date_can_be_a_slow_mover(out: dict) -> None:
    got = {p["product_id"]: p for p in out["products"]}
    assert got["slow"]["launched"] is None and got["slow"]["role"] == "slow_mover"
    assert got["never"]["role"] == "slow_mover" and got["never"]["days_since_last_sale"] is None
    assert got["slowdated"]["role"] == "slow_mover"
    assert got["n2"]["launched"] is None and "new" not in got["n2"]["roles"]


def test_new_sku_days_are_whole_beside_skus_without_launch_date(out: dict) -> None:
    new = next(p for p in out["products"] if p["product_id"] == "new")
    assert new["role"] == "new" and new["launched"] == str(END - timedelta(days=5))
    assert new["reason"]["en"] == f"launched {END - timedelta(days=5)}, 5 days before the range end (cut-off 30)"
    assert isinstance(new["days_since_last_sale"], int)
