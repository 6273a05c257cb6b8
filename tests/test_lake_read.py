"""Reading a lake written by other tools (no manifest): the schema check on open, and answers from it.

The files are written with pyarrow, the way a seller's own pipeline would: a store row and events, some with
columns shoplens does not know, some without optional columns. Expected numbers are counted from the rows below.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import shoplens
from shoplens.errors import ShoplensError
from shoplens.warehouse.connection import Warehouse

STORE = {"store_id": ["s1"], "name": ["Shop"], "platform": ["shopify"], "reporting_currency": ["USD"],
         "timezone": ["UTC"]}
# January: u1 page_view + purchase, u2 page_view; February: u3 page_view; u1 page_view
EVENTS = [("e1", datetime(2026, 1, 5, 10), "u1", "page_view"), ("e2", datetime(2026, 1, 5, 11), "u1", "purchase"),
          ("e3", datetime(2026, 1, 9, 8), "u2", "page_view"), ("e4", datetime(2026, 2, 2, 9), "u3", "page_view"),
          ("e5", datetime(2026, 2, 3, 9), "u1", "page_view")]


def _events(rows: list[tuple[str, datetime, str, str]], **extra: pa.Array) -> pa.Table:
    columns = {"store_id": pa.array(["s1"] * len(rows)), "event_id": pa.array([r[0] for r in rows]),
               "ts": pa.array([r[1] for r in rows], pa.timestamp("us")), "user_id": pa.array([r[2] for r in rows]),
               "event": pa.array([r[3] for r in rows])}
    return pa.table({**columns, **extra})


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    (root / "stores").mkdir(parents=True)
    pq.write_table(pa.table(STORE), root / "stores" / "s1.parquet")
    for month, rows in (("2026-01", EVENTS[:3]), ("2026-02", EVENTS[3:])):
        folder = root / "events" / "store=s1" / f"month={month}"
        folder.mkdir(parents=True)
        pq.write_table(_events(rows), folder / "data.parquet")
    return root


def _answer(root: Path, metric: str, start: str, end: str) -> float:
    with Warehouse(lake=root, read_only=True) as wh:
        return float(shoplens.metrics(wh, metric, start=start, end=end)[metric].iloc[0])


def test_a_lake_without_manifest_answers_from_its_files(lake: Path) -> None:
    assert _answer(lake, "uv", "2026-01-01", "2026-01-31") == 2  # u1, u2
    assert _answer(lake, "uv", "2026-02-01", "2026-02-28") == 2  # u3, u1
    assert _answer(lake, "uv", "2026-01-01", "2026-02-28") == 3
    with Warehouse(lake=lake, read_only=True) as wh:  # the visitor-day rollups were built from the events
        assert wh.con.execute("SELECT count(*) FROM _rollup_user_day").fetchone() == (4,)  # u1, u2 | u3, u1
        funnel = shoplens.funnel(wh, "page_view,purchase", start="2026-01-01", end="2026-01-31").to_dict()
    assert [s["count"] for s in funnel["steps"]] == [2, 1]


def test_a_changed_file_is_new_data(lake: Path) -> None:
    with Warehouse(lake=lake, read_only=True) as wh:
        before = wh.data_version()
    pq.write_table(_events(EVENTS[3:4]), lake / "events" / "store=s1" / "month=2026-02" / "data.parquet")
    with Warehouse(lake=lake, read_only=True) as wh:
        assert wh.data_version() != before
    assert _answer(lake, "uv", "2026-02-01", "2026-02-28") == 1


def test_unknown_columns_are_ignored_and_named_once(lake: Path) -> None:
    folder = lake / "events" / "store=s1" / "month=2026-03"
    folder.mkdir()
    pq.write_table(_events([("e9", datetime(2026, 3, 1), "u9", "page_view")], batch=pa.array(["b7"])),
                   folder / "data.parquet")
    with Warehouse(lake=lake, read_only=True) as wh:
        assert wh.lake_notes == [("lake table events: columns the model does not know are ignored: batch",
                                  "数据湖表 events：模型之外的列已忽略：batch")]
    assert _answer(lake, "uv", "2026-03-01", "2026-03-31") == 1


def test_narrower_types_are_read_as_the_models(lake: Path) -> None:
    folder = lake / "events" / "store=s1" / "month=2026-03"
    folder.mkdir()
    table = _events([("e9", datetime(2026, 3, 1, 12), "u9", "page_view")])
    table = table.set_column(2, "ts", pa.array([datetime(2026, 3, 1, 12)], pa.timestamp("ms", tz="UTC")))
    pq.write_table(table, folder / "data.parquet")
    assert _answer(lake, "uv", "2026-03-01", "2026-03-01") == 1


def test_a_column_of_the_wrong_type_names_table_column_and_file(lake: Path) -> None:
    bad = lake / "events" / "store=s1" / "month=2026-02" / "data.parquet"
    table = _events(EVENTS[3:]).set_column(2, "ts", pa.array(["2026-02-02 09:00", "2026-02-03 09:00"]))
    pq.write_table(table, bad)
    with pytest.raises(ShoplensError) as err:
        Warehouse(lake=lake, read_only=True)
    assert err.value.message.startswith("lake table events: column ts is VARCHAR, expected TIMESTAMP")
    assert err.value.where == str(bad)


def test_a_missing_required_column_names_the_file(lake: Path) -> None:
    bad = lake / "events" / "store=s1" / "month=2026-02" / "data.parquet"
    pq.write_table(_events(EVENTS[3:]).drop_columns(["user_id"]), bad)
    with pytest.raises(ShoplensError) as err:
        Warehouse(lake=lake, read_only=True)
    assert err.value.message.startswith("lake table events: has no column user_id")
    assert err.value.where == str(bad)


def test_money_tables_need_their_reporting_currency_columns(lake: Path) -> None:
    folder = lake / "orders" / "store=s1"
    folder.mkdir(parents=True)
    with Warehouse(lake=lake, read_only=True) as wh:  # every column an imported order has, as the model types it
        columns = wh.con.execute("DESCRIBE orders").fetchall()
    schema = pa.schema([(name, _arrow(kind)) for name, kind, *_ in columns if name != "gross_amount_rc"])
    pq.write_table(schema.empty_table(), folder / "o.parquet")
    with pytest.raises(ShoplensError, match="lake table orders: has no column gross_amount_rc"):
        Warehouse(lake=lake, read_only=True)


def _arrow(kind: str) -> pa.DataType:
    if kind.startswith("DECIMAL"):
        precision, scale = kind[8:-1].split(",")
        return pa.decimal128(int(precision), int(scale))
    return {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "TIMESTAMP": pa.timestamp("us"), "DATE": pa.date32(),
            "BOOLEAN": pa.bool_(), "JSON": pa.string()}[kind]


def test_a_column_only_nested_in_a_struct_is_missing(lake: Path) -> None:
    """A struct field named like a required column is not that column."""
    bad = lake / "events" / "store=s1" / "month=2026-02" / "data.parquet"
    table = _events(EVENTS[3:]).drop_columns(["ts"])
    table = table.append_column("meta", pa.array([{"ts": datetime(2026, 2, 2)}, {"ts": datetime(2026, 2, 3)}]))
    pq.write_table(table, bad)
    with pytest.raises(ShoplensError) as err:
        Warehouse(lake=lake, read_only=True)
    assert err.value.message.startswith("lake table events: has no column ts")
    assert err.value.where == str(bad)
