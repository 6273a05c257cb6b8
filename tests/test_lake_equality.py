"""The same answers from a lake as from the warehouse it was exported from.

The warehouse file, read by DuckDB, is the reference; here DuckDB reads the lake. tests/test_spark_equality.py runs
these same tests with Spark (local mode) reading it.

Three kinds of evidence:
- the hand-computed values of the metrics fixture (tests/test_metrics_fixture_*.py) hold over its lake;
- on the demo store, every metric of the catalog (by each of several dimensions, with each comparison), funnels in
  every mode, retention, paths, RFM, a segment and one user's timeline answer the same over the lake and the
  warehouse file;
- on two real datasets (Online Retail orders, Taobao behaviour events) the main analyses agree too.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import shoplens
from metrics_fixture import _BUILT, FILE_GROUPS, check, fixture_db, rows
from shoplens.metrics.engine import MetricsEngine
from shoplens.metrics.spec import load_catalog
from shoplens.metrics.targets import load_targets
from shoplens.warehouse.connection import Warehouse
from shoplens.warehouse.lake_export import export_lake

HAND = {k: v for module in FILE_GROUPS for k, v in importlib.import_module(module[:-3]).EXPECTED.items()}


@pytest.fixture(scope="module")
def engine() -> str:
    """What reads the lake (tests/test_spark_equality.py: spark)."""
    return "duckdb"


def _pair(db: Path, folder: Path, engine: str) -> Iterator[tuple[Any, Any]]:
    """(warehouse, lake) over the same data: ``db`` exported into ``folder``, read by ``engine``."""
    if not (folder / "_shoplens_lake.json").exists():
        with shoplens.connect(str(db), read_only=True) as wh:
            export_lake(wh, folder)
    with shoplens.connect(str(db), read_only=True) as wh, \
            Warehouse(lake=folder, read_only=True, engine=engine) as lake:
        yield wh, lake
        if engine == "spark":  # the data was read by Spark, not by the DuckDB side of the connection
            assert lake.con.statements["spark"] > 0


@pytest.fixture(scope="module")
def lake_engine(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[MetricsEngine]:
    db = fixture_db(tmp_path_factory)
    for _wh, lake in _pair(db, tmp_path_factory.getbasetemp() / "session-fixture_lake", engine):
        yield MetricsEngine(lake, targets=load_targets(_BUILT["config"]))


@pytest.mark.parametrize("metric", sorted(HAND))
def test_hand_computed_values_hold_over_the_lake(lake_engine: MetricsEngine, metric: str) -> None:
    check(rows(lake_engine, metric), [{metric: HAND[metric]}])


def test_every_hand_computed_value_in_one_query(lake_engine: MetricsEngine) -> None:
    check(rows(lake_engine, sorted(HAND)), [HAND])


@pytest.fixture(scope="module")
def demo(demo_db: Path, tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[tuple[Any, Any]]:
    yield from _pair(demo_db, tmp_path_factory.getbasetemp() / "session-demo_lake", engine)


DIMS = (None, "channel", "device", "country", "category", "new_vs_returning", "member_tier", "store")
COMPARE = (None, "previous", "yoy", "wow")


def _same(run: Any, pair: tuple[Any, Any]) -> Any:
    wh, lake = pair
    expected = run(wh)
    assert run(lake) == expected
    return expected


@pytest.mark.parametrize("dim", DIMS)
def test_every_metric_by_dimension(demo: tuple[Any, Any], dim: str | None) -> None:
    catalog = load_catalog()
    ids = sorted(m for m in catalog.metrics if dim is None or dim in catalog.metric_dims(m))
    by = [dim] if dim else []
    answer = _same(lambda w: MetricsEngine(w).query(ids, by=by).to_dict(), demo)
    assert answer["rows"] and all(m in answer["rows"][0] for m in ids)


@pytest.mark.parametrize("compare", COMPARE)
def test_every_metric_compared(demo: tuple[Any, Any], compare: str | None) -> None:
    ids = sorted(load_catalog().metrics)
    _same(lambda w: MetricsEngine(w).query(ids, compare=compare).to_dict(), demo)


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_metrics_by_period(demo: tuple[Any, Any], grain: str) -> None:
    ids = ["gmv", "uv", "conversion_rate", "aov", "refund_rate", "new_visitors", "stock_units", "roi"]
    answer = _same(lambda w: MetricsEngine(w).query(ids, grain=grain, compare="previous", start="2026-09-01",
                                                    end="2026-10-31").to_dict(), demo)
    assert len(answer["rows"]) > 1


@pytest.mark.parametrize("mode", ["ordered", "strict", "unordered"])
def test_funnel_modes(demo: tuple[Any, Any], mode: str) -> None:
    answer = _same(lambda w: shoplens.funnel(w, "product_view,add_to_cart,begin_checkout,purchase", window="7d",
                                             mode=mode, by="device").to_dict(), demo)
    assert answer["steps"][0]["count"] > 0


def test_behaviour_analyses(demo: tuple[Any, Any]) -> None:
    _same(lambda w: shoplens.retention(w, period="week").to_dict(), demo)
    _same(lambda w: shoplens.retention(w, cohort_event="page_view", return_event="purchase", by="channel").to_dict(),
          demo)
    _same(lambda w: shoplens.paths(w, start_event="product_view", depth=4).to_dict(), demo)
    _same(lambda w: shoplens.paths(w, end_event="purchase", depth=3, collapse_repeats=True).to_dict(), demo)
    _same(lambda w: shoplens.rfm(w).to_dict(), demo)
    members = _same(lambda w: shoplens.segment_members(w, "orders>=2 and not did(purchase, last_days=30)")
                    .to_dict("records"), demo)
    assert members
    user = members[0]["user_id"]
    _same(lambda w: shoplens.user_timeline(w, user).to_dict(), demo)


def test_monitoring_and_products(demo: tuple[Any, Any]) -> None:
    """Root cause and anomalies (parallel tasks on cursors), ABC and roles (Ibis expressions), info and stores (the
    lake's tables joined with shoplens's own)."""
    _same(lambda w: shoplens.why(w, "gmv").to_dict(), demo)
    _same(lambda w: shoplens.anomalies(w).to_dict(), demo)
    _same(lambda w: shoplens.products_abc(w).to_dict(), demo)
    _same(lambda w: shoplens.products_roles(w).to_dict(), demo)
    _same(lambda w: {k: v for k, v in shoplens.info(w).to_dict().items() if k != "path"}, demo)
    _same(lambda w: [s.to_dict() if hasattr(s, "to_dict") else s for s in shoplens.stores(w)], demo)


def test_retail_orders(retail_db: Path, tmp_path: Path, engine: str) -> None:
    for pair in _pair(retail_db, tmp_path / "lake", engine):
        _same(lambda w: MetricsEngine(w).query(["gmv", "orders", "aov", "paying_buyers", "repeat_purchase_rate"],
                                              by=["country"], compare="previous").to_dict(), pair)
        _same(lambda w: shoplens.rfm(w).to_dict(), pair)
        _same(lambda w: shoplens.retention(w).to_dict(), pair)


BEHAVIOUR = ["uv", "pv", "add_to_cart_rate", "favorites", "conversion_rate"]


def test_taobao_events(taobao_db: Path, tmp_path: Path, engine: str) -> None:
    for pair in _pair(taobao_db, tmp_path / "lake", engine):
        _same(lambda w: MetricsEngine(w).query(BEHAVIOUR, grain="day").to_dict(), pair)
        _same(lambda w: shoplens.funnel(w, "product_view,add_to_cart,purchase", window="1d").to_dict(), pair)
        _same(lambda w: shoplens.paths(w, start_event="product_view").to_dict(), pair)
