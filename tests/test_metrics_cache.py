"""The engine's result cache: a repeated query is served from memory, and a new import invalidates it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from shoplens.demo import build_demo
from shoplens.ingest.pipeline import import_files
from shoplens.metrics.engine import MetricsEngine

END = date(2026, 11, 15)
START = END - timedelta(days=29)
KPIS = ["gmv", "orders", "paying_buyers", "roi", "aov", "uv", "ad_spend"]


@pytest.fixture
def demo_wh(wh: Any) -> Any:
    build_demo(wh, events=20_000, days=60, seed=3, end_date=END)
    return wh


def overview(engine: MetricsEngine) -> dict[str, dict[str, Any]]:
    result = engine.query(KPIS, grain="day", start=START, end=END, compare="previous", targets=False)
    return {row["period"]: row for row in result.rows}


def count_sql(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement the engine sends to DuckDB through its per-statement cache layer."""
    calls: list[str] = []
    original = MetricsEngine._run

    def spy(self: MetricsEngine, sql: str, version: Any) -> Any:
        calls.append(sql)
        return original(self, sql, version)

    monkeypatch.setattr(MetricsEngine, "_run", spy)
    return calls


def test_repeat_is_cached_and_an_import_invalidates_it(demo_wh: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_sql(monkeypatch)
    engine = MetricsEngine(demo_wh)
    before = overview(engine)
    assert calls, "the first query runs SQL"
    calls.clear()
    assert overview(MetricsEngine(demo_wh)) == before  # a new engine on the same warehouse shares the cache
    assert calls == [], "a repeated query is answered from the cache"

    # one more paid order on the last day (local time; CNY is the store's reporting currency, so no conversion)
    csv = tmp_path / "more_orders.csv"
    csv.write_text("order_id,user_id,created_ts,paid_ts,status,currency,gross_amount,channel\n"
                   "bench-extra-1,bench-new-buyer,2026-11-15 10:00:00,2026-11-15 10:05:00,paid,CNY,1234.5,"
                   "paid_search\n")
    summary = import_files(demo_wh, [csv], table="orders", store="demo")
    assert summary.loaded == 1

    after = overview(engine)
    assert calls, "the import changed the data version, so the query ran again"
    last, old = after[END.isoformat()], before[END.isoformat()]
    assert last["gmv"] == pytest.approx(old["gmv"] + 1234.5)
    assert last["orders"] == old["orders"] + 1
    assert last["paying_buyers"] == old["paying_buyers"] + 1
    # paid_search is a paid channel: 1234.5 more paid-channel GMV over the same spend
    assert last["ad_spend"] == old["ad_spend"] > 0
    assert last["roi"] == pytest.approx(((old["roi"] or 0.0) * old["ad_spend"] + 1234.5) / old["ad_spend"])
    assert last["aov"] == pytest.approx((old["gmv"] + 1234.5) / (old["orders"] + 1))
    assert last["uv"] == old["uv"]  # no events were imported
    for day, row in after.items():  # every other day is unchanged
        if day != END.isoformat():
            assert row == before[day]

    calls.clear()
    assert overview(engine) == after  # and the new result is cached in turn
    assert calls == []
