"""The rows an import would write, read inside its own transaction just before a dry run rolls it back.

Rows carry ``_import_id``, so "what this import wrote" is exactly the rows with its id: new rows and the new
versions of changed ones. Rows already stored unchanged (duplicates) are not written, so they are not shown.
"""

from __future__ import annotations

from typing import Any

from shoplens.model import get_table
from shoplens.warehouse.ddl import quote

PREVIEW_ROWS = 20


def sample_rows(con: Any, import_id: int, tables: list[str], limit: int = PREVIEW_ROWS) -> dict[str, Any]:
    """Per table: its canonical columns and the first ``limit`` rows written by import ``import_id``, by time then
    key (the merge does not keep file order)."""
    out: dict[str, Any] = {}
    for name in tables:
        table = get_table(name)
        columns = [c.name for c in table.all_columns if c.name != "_import_id"]
        select = ", ".join(quote(c) for c in columns)
        order = ", ".join(quote(c) for c in ([table.time_column] if table.time_column else []) + list(table.key))
        rows = con.execute(f"SELECT {select} FROM {quote(name)} WHERE _import_id = ? ORDER BY {order} LIMIT ?",
                           [import_id, limit]).fetchall()
        out[name] = {"columns": columns, "rows": [list(r) for r in rows]}
    return out
