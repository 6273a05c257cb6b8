"""Buffered loading of generated Arrow batches through the canonical loader.

Generators hand over Arrow tables whose ids are numbers (``user_no``…) and whose timestamps are
local wall-clock times; the SELECT built here formats ids (``U1-42``), converts local time to UTC
in DuckDB and lets :func:`load_canonical` check constraints and convert money. Batches are
concatenated until ``flush_rows`` so each load is one big vectorised insert, whatever the size of
the demo, and Python never holds more than one buffer per table.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa

from shoplens.ingest.parse import lit
from shoplens.ingest.rows import load_canonical
from shoplens.ingest.store_context import StoreContext
from shoplens.warehouse.connection import Warehouse

ID_COLUMNS = {"event_no": ("event_id", "E"), "user_no": ("user_id", "U"), "session_no": ("session_id", "S"),
              "order_no": ("order_id", "O"), "refund_no": ("refund_id", "R"), "review_no": ("review_id", "V"),
              "ticket_no": ("ticket_id", "T"), "shipment_no": ("shipment_id", "SH")}
LOCAL_TS = {"ts", "first_seen", "signup_ts", "launched_at", "created_ts", "paid_ts", "opened_ts",
            "first_response_ts", "resolved_ts", "shipped_ts", "delivered_ts"}
FLUSH_ROWS = 100_000  # rows per table per INSERT: bounds the Python buffers (~100 B a row), not the data


def cat(codes: np.ndarray, names: pa.Array | list[str] | tuple[str, ...]) -> pa.DictionaryArray:
    """Codes (negative = NULL) as an Arrow dictionary column (read by DuckDB as VARCHAR)."""
    dictionary = names if isinstance(names, pa.Array) else pa.array(list(names))
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), dictionary)


def stamp(seconds: np.ndarray) -> pa.Array:
    """Local wall-clock epoch seconds (negative = NULL) as a timestamp column."""
    seconds = np.asarray(seconds, dtype=np.int64)
    return pa.array(seconds, pa.timestamp("s"), mask=seconds < 0)


class DemoWriter:
    """Loads one store's rows; counts what was written per table."""

    def __init__(self, wh: Warehouse, ctx: StoreContext, import_id: int, store_no: int,
                 fixed_offset: int | None, flush_rows: int = FLUSH_ROWS) -> None:
        self.wh, self.ctx, self.import_id = wh, ctx, import_id
        self.prefix = str(store_no)
        self.fixed_offset = fixed_offset
        self.flush_rows = flush_rows
        self.buffers: dict[str, list[pa.Table]] = {}
        self.pending: Counter[str] = Counter()
        self.written: Counter[str] = Counter()

    def add(self, table: str, rows: pa.Table) -> None:
        """Buffer ``rows``; load the table's buffer once it holds ``flush_rows`` rows."""
        if rows.num_rows == 0:
            self.written[table] += 0
            return
        self.buffers.setdefault(table, []).append(rows)
        self.pending[table] += rows.num_rows
        if self.pending[table] >= self.flush_rows:
            self.flush(table)

    def flush_all(self) -> None:
        for table in list(self.buffers):
            self.flush(table)

    def flush(self, table: str) -> None:
        """Load everything buffered for ``table`` in one ``load_canonical`` call."""
        parts = self.buffers.pop(table, [])
        self.pending[table] = 0
        if not parts:
            return
        chunk = pa.concat_tables(parts, promote_options="permissive")
        name, names = f"_demo_{table}", chunk.schema.names
        con = self.wh.con
        # a one-pass reader, not the table: inside the build's transaction DuckDB keeps whatever is
        # registered until COMMIT, so a registered table would hold every generated row in Python memory
        con.register(name, pa.RecordBatchReader.from_batches(chunk.schema, iter(chunk.to_batches())))
        del parts, chunk
        try:
            self.written[table] += load_canonical(self.wh, table, self.relation(table, name, names),
                                                  self.ctx, self.import_id, merge=False)
        finally:
            con.unregister(name)

    def _utc(self, col: str) -> str:
        ref = f"CAST({col} AS TIMESTAMP)"
        if self.fixed_offset is not None:
            return f"({ref} - INTERVAL {int(self.fixed_offset)} SECOND)"
        return f"timezone('UTC', timezone({lit(self.ctx.timezone)}, {ref}))"

    def _id(self, col: str, letter: str) -> str:
        return f"({lit(letter + self.prefix + '-')} || CAST({col} AS VARCHAR))"

    def relation(self, table: str, name: str, columns: list[str]) -> str:
        """SELECT turning a generated batch into canonical columns (ids formatted, times in UTC)."""
        select = []
        for col in columns:
            if col in ID_COLUMNS:
                target, letter = ID_COLUMNS[col]
                select.append(f"{self._id(col, letter)} AS {target}")
            elif col in LOCAL_TS:
                select.append(f"{self._utc(col)} AS {col}")
            elif col != "query":
                select.append(f'"{col}"')
        if table == "events":
            select.append(f"CASE WHEN order_no IS NOT NULL THEN json_object('order_id', {self._id('order_no', 'O')}) "
                          "WHEN query IS NOT NULL THEN json_object('query', CAST(query AS VARCHAR)) END AS properties")
        return f"(SELECT {', '.join(select)} FROM {name})"
