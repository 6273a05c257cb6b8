"""What made bounded memory possible must not change a single row: the demo's streaming INSERT still
checks every model rule and exchange rate, and a rollup rebuilt in ranges of days equals one built at once."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

import shoplens
import shoplens.warehouse.rollups as rollups
from shoplens.demo.build import build_demo
from shoplens.errors import FxRateMissingError, ShoplensError
from shoplens.ingest.rows import load_canonical
from shoplens.ingest.store_context import StoreContext, create_store

CTX = StoreContext("s", "Europe/Berlin", "EUR", "Europe/Berlin", "EUR", "other", exists=False)


def _append(wh, table: str, rows: pa.Table) -> int:
    wh.con.register("_rows", pa.RecordBatchReader.from_batches(rows.schema, iter(rows.to_batches())))
    try:
        return load_canonical(wh, table, "_rows", CTX, 1, merge=False)
    finally:
        wh.con.unregister("_rows")


@pytest.fixture
def store(tmp_path: Path):
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        create_store(wh.con, CTX, 1)
        yield wh


def test_a_streamed_row_that_breaks_a_rule_stops_the_load(store) -> None:
    rows = pa.table({"order_id": ["o1", "o1"], "line_no": [1, 2], "product_id": ["p", "p"], "quantity": [1, -2],
                     "unit_price": [3.5, 3.5]})
    with pytest.raises(ShoplensError) as caught:
        _append(store, "order_items", rows)
    assert str(caught.value) == "order_items rows break the rule negative on quantity"
    assert caught.value.zh and "quantity" in caught.value.zh


def test_a_streamed_row_without_an_exchange_rate_names_currency_and_day(store) -> None:
    rows = pa.table({"order_id": ["o1"], "created_ts": pa.array([1_780_000_000], pa.timestamp("s")),
                     "status": ["paid"], "currency": ["USD"], "gross_amount": [10.0]})
    with pytest.raises(FxRateMissingError, match=r"no exchange rate USD->EUR for 2026-05-28"):
        _append(store, "orders", rows)


def test_streamed_rows_are_written_and_converted(store) -> None:
    rates = pa.table({"date": pa.array([20601], pa.date32()), "currency": ["USD"], "rate_to": [0.5]})
    assert _append(store, "fx_rates", rates) == 1
    rows = pa.table({"order_id": ["o1", "o2"], "created_ts": pa.array([1_780_000_000] * 2, pa.timestamp("s")),
                     "status": ["paid", "paid"], "currency": ["USD", "EUR"], "gross_amount": [10.0, 4.0]})
    assert _append(store, "orders", rows) == 2
    got = store.con.execute("SELECT order_id, store_id, gross_amount_rc, fx_rate, _import_id FROM orders"
                            " ORDER BY 1").fetchall()
    assert [(o, s, float(a), float(r), i) for o, s, a, r, i in got] == [("o1", "s", 5.0, 0.5, 1),
                                                                        ("o2", "s", 4.0, 1.0, 1)]


def test_a_rollup_rebuilt_in_ranges_of_days_equals_one_built_at_once(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Three stores in three zones (Berlin and Los Angeles switch to winter time inside the range)."""
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        build_demo(wh, events=30_000, days=60, stores=3)
        stores = [r[0] for r in wh.con.execute("SELECT store_id FROM stores ORDER BY 1").fetchall()]

        def rebuild(chunk: int) -> list[tuple]:
            monkeypatch.setattr(rollups, "CHUNK_EVENTS", chunk)
            wh.con.execute("BEGIN TRANSACTION")
            try:
                rollups.refresh_user_day(wh.con, stores)
                return wh.con.execute(f"SELECT * FROM {rollups.USER_DAY} ORDER BY ALL").fetchall()
            finally:
                wh.con.execute("ROLLBACK")

        at_once = rebuild(10**9)
        assert len(at_once) > 10_000
        assert rebuild(1_000) == at_once  # ~2 days per statement
        assert rebuild(1) == at_once  # one day per statement
