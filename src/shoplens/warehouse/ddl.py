"""DDL generated from the canonical model, plus the system tables (manifest, quarantine)."""

from __future__ import annotations

import duckdb

from shoplens.model import TABLES, Table

SYSTEM_TABLES = {
    "import_manifest": """
        CREATE TABLE IF NOT EXISTS import_manifest (
            import_id BIGINT, store_id VARCHAR, file VARCHAR, file_sha256 VARCHAR, file_bytes BIGINT,
            preset VARCHAR, target VARCHAR, "read" BIGINT, loaded BIGINT, duplicates BIGINT,
            quarantined BIGINT, tables JSON, started TIMESTAMP, finished TIMESTAMP,
            shoplens_version VARCHAR)""",
    "quarantine": """
        CREATE TABLE IF NOT EXISTS quarantine (
            import_id BIGINT, store_id VARCHAR, file VARCHAR, file_sha256 VARCHAR, line BIGINT,
            "column" VARCHAR, field BIGINT, value VARCHAR, reason VARCHAR, message VARCHAR,
            target_table VARCHAR, raw JSON)""",
}


def quote(name: str) -> str:
    """Quote an identifier for DuckDB (names come from the model or validated headers)."""
    return '"' + name.replace('"', '""') + '"'


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    """Column names of a table, view or ``(SELECT …)``."""
    return {row[0] for row in con.execute(f"DESCRIBE {relation}").fetchall()}


def create_table_sql(table: Table) -> str:
    cols = ", ".join(f"{quote(c.name)} {c.sql_type}" for c in table.all_columns)
    return f"CREATE TABLE IF NOT EXISTS {quote(table.name)} ({cols})"


def create_all(con: duckdb.DuckDBPyConnection) -> None:
    """Migration 1: every canonical table and the system tables."""
    for table in TABLES:
        con.execute(create_table_sql(table))
    for sql in SYSTEM_TABLES.values():
        con.execute(sql)
