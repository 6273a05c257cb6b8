"""The lake-equality suite (tests/test_lake_equality.py: hand-computed metrics, every metric of the catalog by
dimension and comparison, funnels in every mode, retention, paths, RFM, segments, a user timeline, Online Retail and
Taobao) with Spark in local mode reading the lake; the warehouse file read by DuckDB stays the reference.

A separate file so that the suite's workers run it beside the DuckDB half. `make test-spark` runs only these.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import shoplens
from shoplens.warehouse.connection import Warehouse
from test_lake_equality import *  # noqa: F403  (the tests and their fixtures)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def engine() -> str:
    return "spark"


def test_two_lakes_in_one_process_keep_their_data(demo: tuple[Any, Any], tmp_path: Path) -> None:
    """Each lake has a Spark session of its own: opening a second lake must not change the first one's answers."""
    wh, lake = demo
    events = lake.con.execute("SELECT count(*) FROM events").fetchone()
    other = tmp_path / "other"
    (other / "stores").mkdir(parents=True)
    (other / "events").mkdir()
    pq.write_table(pa.table({"store_id": ["s9"], "name": ["S"], "platform": ["other"], "reporting_currency": ["USD"],
                             "timezone": ["UTC"]}), other / "stores" / "s.parquet")
    pq.write_table(pa.table({"store_id": ["s9"], "event_id": ["e1"], "ts": pa.array([datetime(2026, 1, 1)]),
                             "user_id": ["u1"], "event": ["page_view"]}), other / "events" / "e.parquet")
    with Warehouse(lake=other, read_only=True, engine="spark") as second:
        assert second.con.execute("SELECT count(*) FROM events").fetchone() == (1,)
        assert lake.con.execute("SELECT count(*) FROM events").fetchone() == events
    assert events == wh.con.execute("SELECT count(*) FROM events").fetchone()


def test_temporary_views_are_dropped(demo: tuple[Any, Any]) -> None:
    """A funnel's temporary table is a cached Spark view while it lives, and gone (uncached) after."""
    _wh, lake = demo
    shoplens.funnel(lake, "product_view,purchase")
    assert not [t.name for t in lake.con.spark.catalog.listTables() if t.name.startswith("_funnel_")]
    assert not lake.con.temp_views
