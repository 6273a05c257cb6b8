"""The previous version of every row an import replaced, so that ``shoplens import undo`` can restore it.

One history table per canonical table (``_history_<table>``) plus ``_history_quarantine``: the
table's own columns (``_import_id``, or ``import_id`` for quarantine, says which import wrote that
version) and ``_replaced_by``, the import that replaced it. They are written by the merge and by
the quarantine inside the import's transaction, only for rows that really change: an unchanged
re-import writes nothing here. Migration 6 creates them; a column added to a canonical table needs
the same column here (tests/test_store_undo.py checks they match).
"""

from __future__ import annotations

from typing import Any

from shoplens.model import TABLES, Table
from shoplens.warehouse.ddl import quote

PREFIX = "_history_"
QUARANTINE_COLUMNS = ("import_id", "store_id", "file", "file_sha256", "line", "column", "field", "value", "reason",
                      "message", "target_table", "raw")


def history_table(name: str) -> str:
    return PREFIX + name


def create_history(con: Any) -> None:
    """Migration 6: an empty copy of each canonical table and of quarantine, plus ``_replaced_by``."""
    for name in [t.name for t in TABLES] + ["quarantine"]:
        con.execute(f"CREATE TABLE IF NOT EXISTS {quote(history_table(name))} AS SELECT *, "
                    f"CAST(NULL AS BIGINT) AS _replaced_by FROM {quote(name)} LIMIT 0")


def keep_replaced(con: Any, table: Table, rows_sql: str, import_id: int) -> None:
    """Copy the stored rows ``rows_sql`` selects (aliased ``t``, columns of ``table``) before ``import_id``
    replaces them."""
    names = ", ".join(quote(c.name) for c in table.all_columns)
    picked = ", ".join(f"t.{quote(c.name)}" for c in table.all_columns)
    con.execute(f"INSERT INTO {quote(history_table(table.name))} ({names}, _replaced_by) "
                f"SELECT {picked}, {int(import_id)} FROM {rows_sql}")


def keep_replaced_quarantine(con: Any, where: str, params: list[Any], import_id: int) -> None:
    """Copy the quarantine rows ``where`` selects before ``import_id`` replaces them."""
    names = ", ".join(quote(c) for c in QUARANTINE_COLUMNS)
    con.execute(f"INSERT INTO {quote(history_table('quarantine'))} ({names}, _replaced_by) "
                f"SELECT {names}, {int(import_id)} FROM quarantine WHERE {where}", params)
