"""The lake-equality suite (tests/test_lake_equality.py: hand-computed metrics, every metric of the catalog by
dimension and comparison, funnels in every mode, retention, paths, RFM, segments, a user timeline, Online Retail and
Taobao) with Spark in local mode reading the lake; the warehouse file read by DuckDB stays the reference.

A separate file so that the suite's workers run it beside the DuckDB half. `make test-spark` runs only these.
"""

from __future__ import annotations

import pytest

from test_lake_equality import *  # noqa: F403  (the tests and their fixtures)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def engine() -> str:
    return "spark"
