"""``stock_cost`` (库存成本): units on hand x the catalog's unit cost, in the reporting currency, on a hand-made
store (CNY, UTC) of two days; and on the demo store against plain SQL.

    products  p1 cost 10 CNY · p2 cost 2 USD (category a) · p3 no cost · p4 cost 3 EUR (no EUR rate) · p5 cost 4,
              no currency (category b)
    fx_rates  USD 7.0 on day 1, 7.2 on day 2
    stock     day 1: p1 5 (w1) + 3 (w2), p2 10, p3 7, p4 1, p5 2 · day 2: p1 4 (w1), p2 0, p3 7, p4 1, p5 2

    day 1: p1 8 x 10 = 80, p2 10 x 2 x 7.0 = 140, p5 2 x 4 = 8 (no currency: import gives it the store's) -> 228
    day 2: p1 40, p2 0, p5 8 -> 48;  both days: the daily average (228 + 48) / 2 = 138
    p3 (no cost) and p4 (no EUR rate) are left out: their cost is unknown, never 0. By category on day 1: a = 220,
    b = 8. In USD (--currency USD; rate_to is CNY per USD): day 1 228 / 7.0, day 2 48 / 7.2. (One order a day: a store
    without events or orders has no numbers at all.)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

import shoplens
from csv_files import import_clean, write_csv
from shoplens.metrics.engine import MetricsEngine

DAY1, DAY2 = date(2026, 5, 4), date(2026, 5, 5)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> MetricsEngine:
    folder = tmp_path_factory.mktemp("stock_cost")
    files = {
        "orders": write_csv(folder / "orders.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount", [
            ("o1", "u1", f"{DAY1}T10:00:00Z", f"{DAY1}T10:00:00Z", "paid", "10"),
            ("o2", "u2", f"{DAY2}T10:00:00Z", f"{DAY2}T10:00:00Z", "paid", "10")]),
        "products": write_csv(folder / "products.csv", "product_id,unit_cost,currency,category", [
            ("p1", "10", "CNY", "a"), ("p2", "2", "USD", "a"), ("p3", "", "CNY", "b"), ("p4", "3", "EUR", "b"),
            ("p5", "4", "", "b")]),
        "fx_rates": write_csv(folder / "fx.csv", "date,currency,rate_to", [(DAY1, "USD", "7.0"),
                                                                           (DAY2, "USD", "7.2")]),
        "inventory_snapshots": write_csv(folder / "stock.csv", "date,product_id,warehouse,on_hand", [
            (DAY1, "p1", "w1", 5), (DAY1, "p1", "w2", 3), (DAY1, "p2", "w1", 10), (DAY1, "p3", "w1", 7),
            (DAY1, "p4", "w1", 1), (DAY1, "p5", "w1", 2), (DAY2, "p1", "w1", 4), (DAY2, "p2", "w1", 0),
            (DAY2, "p3", "w1", 7), (DAY2, "p4", "w1", 1), (DAY2, "p5", "w1", 2)]),
    }
    path = folder / "w.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, files, store="s1", currency="CNY")
    return MetricsEngine(shoplens.connect(str(path), read_only=True))


def test_each_day_and_the_daily_average(engine: MetricsEngine) -> None:
    def total(start: date, end: date) -> float:
        return engine.query(["stock_cost"], start=start, end=end, targets=False).rows[0]["stock_cost"]

    assert total(DAY1, DAY1) == pytest.approx(228.0)
    assert total(DAY2, DAY2) == pytest.approx(48.0)
    assert total(DAY1, DAY2) == pytest.approx(138.0)


def test_by_product_unknown_costs_are_null_not_zero(engine: MetricsEngine) -> None:
    rows = engine.query(["stock_units", "stock_cost"], by=["product"], start=DAY1, end=DAY1, targets=False).rows
    got = {r["product"]: (r["stock_units"], r["stock_cost"]) for r in rows}
    assert got["p1"] == (8, pytest.approx(80.0)) and got["p2"] == (10, pytest.approx(140.0))
    assert got["p5"] == (2, pytest.approx(8.0))
    assert got["p3"][1] is None and got["p4"][1] is None  # no cost / no rate: unknown


def test_by_category_and_in_another_currency(engine: MetricsEngine) -> None:
    rows = engine.query(["stock_cost"], by=["category"], start=DAY1, end=DAY1, targets=False).rows
    assert {r["category"]: r["stock_cost"] for r in rows} == {"a": pytest.approx(220.0), "b": pytest.approx(8.0)}
    usd = engine.query(["stock_cost"], start=DAY1, end=DAY2, currency="USD", targets=False)
    assert usd.converted and usd.rows[0]["stock_cost"] == pytest.approx((228 / 7.0 + 48 / 7.2) / 2)


def test_the_demo_equals_plain_sql(demo_db: Path) -> None:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        (want,) = con.execute("SELECT sum(n.on_hand * p.unit_cost) / 15 FROM inventory_snapshots n JOIN products p "
                              "USING (store_id, product_id) WHERE n.date BETWEEN DATE '2026-11-01' AND "
                              "DATE '2026-11-15'").fetchone()
        currencies = con.execute("SELECT DISTINCT p.currency = s.reporting_currency FROM products p "
                                 "JOIN stores s USING (store_id)").fetchall()
    assert currencies == [(True,)]  # the demo's costs are in its reporting currency: no rate involved
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        got = MetricsEngine(wh).query(["stock_cost"], start=date(2026, 11, 1), end=date(2026, 11, 15),
                                      targets=False).rows[0]["stock_cost"]
    assert got == pytest.approx(float(want), rel=1e-12)
