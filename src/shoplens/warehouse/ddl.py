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


def drop_key_index(con: duckdb.DuckDBPyConnection, table: str, key: str) -> None:
    """Rebuild ``table`` with the same columns and NOT NULLs but without its PRIMARY KEY index.

    Why: DuckDB rewrites a row whose LIST column changes as delete + insert, and on a keyed table a second such
    rewrite of the same key fails at COMMIT ("write-write conflict on key") while any older reader is still open,
    which a server always has. Tables whose list columns change (logins' and segments' stores) therefore carry no
    index; the single writer (the CLI, or the server's write lock) checks ``key`` is unique before it inserts.
    """
    columns = con.execute("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                          "WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()
    spec = ", ".join(f"{quote(name)} {kind}{' NOT NULL' if nullable == 'NO' or name == key else ''}"
                     for name, kind, nullable in columns)
    scratch = f"{table}__rebuilt"
    con.execute(f"CREATE TABLE {quote(scratch)} ({spec})")
    con.execute(f"INSERT INTO {quote(scratch)} SELECT * FROM {quote(table)}")
    con.execute(f"DROP TABLE {quote(table)}")
    con.execute(f"ALTER TABLE {quote(scratch)} RENAME TO {quote(table)}")


def drop_key_indexes(con: duckdb.DuckDBPyConnection) -> None:
    """Migration 11: see :func:`drop_key_index`."""
    drop_key_index(con, "app_users", "username")
    drop_key_index(con, "segments", "name")
