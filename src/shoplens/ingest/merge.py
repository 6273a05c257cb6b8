"""Merging a validated batch into a canonical table on its natural key, in the caller's transaction.

Outcomes per batch row: *new* (key not stored), *changed* (key stored with other content: the
batch version replaces it, e.g. an order whose status moved on) or *same* (nothing to do). Inside
one batch the last version of a key (by source line) wins; earlier ones count as duplicates.
Columns with ``merge="min"``/``"max"`` combine over the batch and with the stored value, so import
order is irrelevant. Columns a batch does not provide (``provided``) keep their stored value: a
products row derived from order lines must not wipe the brand a catalog import stored.
The stored version of a *changed* row is kept in its history table (``warehouse/history.py``)
so the import can be undone; *same* rows write nothing anywhere.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import duckdb

from shoplens.model import Table
from shoplens.warehouse.ddl import columns_of, quote
from shoplens.warehouse.history import keep_replaced
from shoplens.warehouse.rollups import remember_replaced_events


@dataclass
class MergeResult:
    rows: int  # batch rows offered
    inserted: int
    updated: int

    @property
    def written(self) -> int:
        return self.inserted + self.updated

    @property
    def duplicates(self) -> int:
        return self.rows - self.written


def provided_columns(table: Table, present: Collection[str]) -> set[str]:
    """The columns a batch with ``present`` source columns speaks for, computed ones included
    (``fx_rate`` with any money column, ``x_rc`` with ``x``)."""
    provided = {c.name for c in table.columns if c.name in present} | set(table.key)
    money = [c.name for c in table.money_columns if c.name in provided]
    if money and table.converts_money:
        provided |= {"fx_rate", *(m + "_rc" for m in money)}
    return provided


def _latest(con: duckdb.DuckDBPyConnection, table: Table, staged: str, present: set[str]) -> tuple[str, int]:
    """A relation of ``staged`` with one row per natural key: the last by source line (``merge`` columns
    combined over all the key's rows).

    By GROUP BY, not a window: ``row_number() OVER (PARTITION BY key)`` sorted whole partitions and went
    far past the memory limit on big files (one key repeated 20 M times is one partition); an aggregate
    of the key and a row id spills within it. Most batches have no repeated key: then it is ``staged`` itself.
    Also returns the number of rows of ``staged``.
    """
    key = ", ".join(quote(k) for k in table.key)
    merged = [c for c in table.all_columns if c.merge in ("min", "max") and c.name in present]
    total, distinct = con.execute(f"SELECT (SELECT count(*) FROM {staged}),"
                                  f" (SELECT count(*) FROM (SELECT {key} FROM {staged} GROUP BY ALL))").fetchone()  # type: ignore[misc]
    if distinct == total:
        return staged, total
    line = "coalesce(_line, -1)" if "_line" in present else "rowid"  # ties: the later row
    combine = "".join(f", {c.merge}({quote(c.name)}) AS {quote(c.name)}" for c in merged)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _m_latest AS SELECT arg_max(rowid, {line}) AS _rid{combine}"
                f" FROM {staged} GROUP BY {key}")
    if not merged:
        return f"(SELECT * FROM {staged} WHERE rowid IN (SELECT _rid FROM _m_latest))", total
    names = {c.name for c in merged}
    cols = ", ".join(f"w.{quote(c)}" if c in names else f"s.{quote(c)}" for c in columns_of(con, staged))
    return f"(SELECT {cols} FROM {staged} s JOIN _m_latest w ON s.rowid = w._rid)", total


def merge_batch(con: duckdb.DuckDBPyConnection, table: Table, staged: str, import_id: int,
                provided: Collection[str] | None = None) -> MergeResult:
    """Merge temp table ``staged`` (canonical columns + ``_line``) into ``table``.

    ``provided``: the columns this batch speaks for (default: all); the others keep stored values.
    """
    present = columns_of(con, staged)
    cols = [c for c in table.all_columns if c.name != "_import_id"]
    speaks = {c.name for c in cols} if provided is None else set(provided) | set(table.key)
    select = ", ".join(quote(c.name) if c.name in present
                       else f"CAST(NULL AS {c.sql_type}) AS {quote(c.name)}" for c in cols)
    tname = quote(table.name)
    latest, rows = _latest(con, table, staged, present)
    batch = f"(SELECT {select} FROM {latest})"
    combined, same = [], []
    for c in cols:
        name = quote(c.name)
        if c.name not in speaks:
            combined.append(f"CASE WHEN t._hit THEN t.{name} ELSE b.{name} END AS {name}")
            continue
        if c.merge in ("min", "max"):
            fn = "least" if c.merge == "min" else "greatest"
            value = f"CASE WHEN t._hit THEN {fn}(b.{name}, t.{name}) ELSE b.{name} END"
        else:
            value = f"b.{name}"
        combined.append(f"{value} AS {name}")
        same.append(f"({value}) IS NOT DISTINCT FROM t.{name}")
    on = " AND ".join(f"t.{quote(k)} = b.{quote(k)}" for k in table.key)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _m_class AS
        SELECT {', '.join(combined)},
               CASE WHEN t._hit IS NULL THEN 'new' WHEN {' AND '.join(same) or 'true'} THEN 'same'
                    ELSE 'changed' END AS _outcome
        FROM {batch} b LEFT JOIN (SELECT *, true AS _hit FROM {tname}) t ON {on}""")
    inserted, updated = con.execute(
        "SELECT count(*) FILTER (WHERE _outcome = 'new'), count(*) FILTER (WHERE _outcome = 'changed') "
        "FROM _m_class").fetchone()  # type: ignore[misc]
    if updated:
        match = " AND ".join(f"{tname}.{quote(k)} = c.{quote(k)}" for k in table.key)
        keep_replaced(con, table, "{} t JOIN _m_class c ON c._outcome = 'changed' AND {}".format(
            tname, " AND ".join(f"t.{quote(k)} = c.{quote(k)}" for k in table.key)), import_id)  # for undo
        if table.name == "events":  # the rollup must also refresh the days these events leave
            remember_replaced_events(con, f"SELECT {tname}.store_id, {tname}.ts FROM {tname} JOIN _m_class c"
                                          f" ON c._outcome = 'changed' AND {match}")
        con.execute(f"DELETE FROM {tname} USING _m_class c WHERE c._outcome = 'changed' AND {match}")
    names = ", ".join(quote(c.name) for c in cols)
    if inserted or updated:
        con.execute(f"INSERT INTO {tname} ({names}, _import_id) "
                    f"SELECT {names}, {int(import_id)} FROM _m_class WHERE _outcome <> 'same'")
    con.execute("DROP TABLE IF EXISTS _m_latest; DROP TABLE IF EXISTS _m_class")
    return MergeResult(rows=rows, inserted=inserted, updated=updated)
