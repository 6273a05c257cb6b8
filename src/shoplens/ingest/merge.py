"""Merging a validated batch into a canonical table on its natural key, in the caller's transaction.

Outcomes per batch row: *new* (key not stored), *changed* (key stored with other content: the
batch version replaces it, e.g. an order whose status moved on) or *same* (nothing to do). Inside
one batch the last version of a key (by source line) wins; earlier ones count as duplicates.
Columns with ``merge="min"``/``"max"`` combine with the stored value so import order is irrelevant.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from shoplens.model import Table
from shoplens.warehouse.ddl import quote


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


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    return {row[0] for row in con.execute(f"DESCRIBE {relation}").fetchall()}


def merge_batch(con: duckdb.DuckDBPyConnection, table: Table, staged: str, import_id: int) -> MergeResult:
    """Merge temp table ``staged`` (canonical columns + ``_line``) into ``table``."""
    present = _columns(con, staged)
    cols = [c for c in table.all_columns if c.name != "_import_id"]
    select = ", ".join(
        quote(c.name) if c.name in present else f"CAST(NULL AS {c.sql_type}) AS {quote(c.name)}" for c in cols
    )
    key = ", ".join(quote(k) for k in table.key)
    order = "_line DESC" if "_line" in present else "1"
    tname = quote(table.name)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _m_batch AS
        SELECT {select} FROM {staged}
        QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY {order}) = 1""")
    rows = con.execute(f"SELECT count(*) FROM {staged}").fetchone()[0]  # type: ignore[index]
    on = " AND ".join(f"t.{quote(k)} = b.{quote(k)}" for k in table.key)
    combined = []
    for c in cols:
        name = quote(c.name)
        if c.merge in ("min", "max"):
            fn = "least" if c.merge == "min" else "greatest"
            combined.append(f"CASE WHEN t._hit THEN {fn}(b.{name}, t.{name}) ELSE b.{name} END AS {name}")
        else:
            combined.append(f"b.{name}")
    same = " AND ".join(
        f"b.{quote(c.name)} IS NOT DISTINCT FROM t.{quote(c.name)}" for c in cols if c.merge == "replace"
    )
    same_merged = " AND ".join(
        f"({'least' if c.merge == 'min' else 'greatest'}(b.{quote(c.name)}, t.{quote(c.name)}) "
        f"IS NOT DISTINCT FROM t.{quote(c.name)})" for c in cols if c.merge != "replace"
    )
    same_all = " AND ".join(x for x in (same, same_merged) if x) or "true"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _m_class AS
        SELECT {', '.join(combined)},
               CASE WHEN t._hit IS NULL THEN 'new' WHEN {same_all} THEN 'same' ELSE 'changed' END AS _outcome
        FROM _m_batch b LEFT JOIN (SELECT *, true AS _hit FROM {tname}) t ON {on}""")
    inserted, updated = con.execute(
        "SELECT count(*) FILTER (WHERE _outcome = 'new'), count(*) FILTER (WHERE _outcome = 'changed') "
        "FROM _m_class").fetchone()  # type: ignore[misc]
    if updated:
        match = " AND ".join(f"{tname}.{quote(k)} = c.{quote(k)}" for k in table.key)
        con.execute(f"DELETE FROM {tname} USING _m_class c WHERE c._outcome = 'changed' AND {match}")
    names = ", ".join(quote(c.name) for c in cols)
    if inserted or updated:
        con.execute(f"INSERT INTO {tname} ({names}, _import_id) "
                    f"SELECT {names}, {int(import_id)} FROM _m_class WHERE _outcome <> 'same'")
    con.execute("DROP TABLE IF EXISTS _m_batch; DROP TABLE IF EXISTS _m_class")
    return MergeResult(rows=rows, inserted=inserted, updated=updated)
