"""Schema version and forward migrations.

Each migration is a function applied once, in order, inside a transaction; the version reached
is stored in ``_shoplens_meta``. Migrations must be written so that a fresh database can run all
of them in order: v1 creates tables from the model with IF NOT EXISTS, later ones use
``ALTER TABLE … ADD COLUMN IF NOT EXISTS`` (a column added to the model needs a migration).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from shoplens.errors import SchemaError
from shoplens.model.product_types import online_retail_type_sql
from shoplens.warehouse import (
    accounts_table,
    actions_table,
    alerts_table,
    collect_keys_table,
    ddl,
    deliveries_table,
    history,
    profiles_table,
    report_deliveries_table,
    rollups,
    schedule_table,
    segments_table,
)

Migration = tuple[int, str, Callable[[duckdb.DuckDBPyConnection], None]]


def _add_new_tables(con: duckdb.DuckDBPyConnection) -> None:
    """A canonical table added to the model later: the table and its history copy (both IF NOT EXISTS)."""
    ddl.create_all(con)
    history.create_history(con)


def _add_product_types(con: duckdb.DuckDBPyConnection) -> None:
    """Product type and supplier on products (and their history copy). Existing SKUs are merchandise, except
    those of stores imported with the online-retail preset, whose stock codes say what they are."""
    for table in ("products", history.history_table("products")):
        con.execute(f"ALTER TABLE {ddl.quote(table)} ADD COLUMN IF NOT EXISTS product_type VARCHAR")
        con.execute(f"ALTER TABLE {ddl.quote(table)} ADD COLUMN IF NOT EXISTS supplier VARCHAR")
    con.execute("UPDATE products SET product_type = 'merchandise' WHERE product_type IS NULL")
    con.execute(f"UPDATE products SET product_type = {online_retail_type_sql('product_id')} WHERE store_id IN "
                "(SELECT store_id FROM import_manifest WHERE preset = 'online-retail')")


MIGRATIONS: list[Migration] = [
    (1, "canonical tables, import manifest, quarantine", ddl.create_all),
    (2, "visitor-day rollup for the metrics engine", rollups.migrate_user_day),
    (3, "saved behavioural segments", segments_table.create_segments),
    (4, "dashboard and API logins", accounts_table.create_accounts),
    (5, "which logins see a saved segment", segments_table.add_segment_stores),
    (6, "previous versions of replaced rows (import undo)", history.create_history),
    (7, "alerts the alert rules found, and their history", alerts_table.create_alerts),
    (8, "each visitor's first day in the visitor-day rollup", rollups.add_first_days),
    (9, "the delivery log of alert notifications", deliveries_table.create_deliveries),
    (10, "the runs of scheduled jobs", schedule_table.create_schedule_runs),
    (11, "logins and segments without a key index (their store lists change)", ddl.drop_key_indexes),
    (12, "the action log (what the team did, for its measured effect)", actions_table.create_actions),
    (13, "the delivery log of reports sent to channels", report_deliveries_table.create_report_deliveries),
    (14, "aggregated daily traffic from platform reports (traffic_daily)", _add_new_tables),
    (15, "saved import profiles (options of an import, reused by name)", profiles_table.create_import_profiles),
    (16, "write keys of the event collector", collect_keys_table.create_collect_keys),
    (17, "product type (merchandise or not goods) and supplier of each SKU", _add_product_types),
    (18, "visitor-day rollup by channel, device and country (event measures by those dimensions)",
     rollups.migrate_user_day_dims),
]

LATEST = MIGRATIONS[-1][0]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """0 for an empty database."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = '_shoplens_meta'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT value FROM _shoplens_meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate_to_latest(con: duckdb.DuckDBPyConnection, migrations: list[Migration] | None = None) -> int:
    """Apply every migration newer than the stored version; returns the version reached."""
    migrations = MIGRATIONS if migrations is None else migrations
    version = current_version(con)
    latest = migrations[-1][0]
    if version > latest:
        raise SchemaError(f"this warehouse has schema v{version}, newer than this shoplens (v{latest})",
                          hint="upgrade shoplens",
                          zh=f"该仓库的结构版本为 v{version}，比当前 shoplens 支持的版本（v{latest}）更新",
                          zh_hint="请升级 shoplens")
    skipped = _skipped(con)
    for number, _description, apply in migrations:
        if number <= version and number not in skipped:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            apply(con)
            con.execute("CREATE TABLE IF NOT EXISTS _shoplens_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            reached = max(number, version)
            # numbers this run jumps over are remembered: a later shoplens that fills the gap applies them then
            skipped = (skipped - {number}) | set(range(version + 1, number))
            con.execute("INSERT OR REPLACE INTO _shoplens_meta VALUES ('schema_version', ?)", [str(reached)])
            con.execute("INSERT OR REPLACE INTO _shoplens_meta VALUES ('skipped_migrations', ?)",
                        [",".join(map(str, sorted(skipped)))])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        version = reached
    return version


def _skipped(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Migration numbers missing from the list when the stored version passed them (a gap such as 15 while two
    branches numbered theirs apart): applied when a later list has them."""
    if current_version(con) == 0:
        return set()
    row = con.execute("SELECT value FROM _shoplens_meta WHERE key = 'skipped_migrations'").fetchone()
    return {int(n) for n in row[0].split(",") if n} if row and row[0] else set()


def check_version(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """For read-only use: the schema must be exactly the one this code knows."""
    version = current_version(con)
    if version == 0:
        raise SchemaError("this file is not a shoplens warehouse (no schema version)", where=where,
                          hint="run `shoplens import` or `shoplens demo` to create one",
                          zh="该文件不是 shoplens 仓库（没有结构版本）",
                          zh_hint="运行 `shoplens import` 或 `shoplens demo` 新建仓库")
    if version < LATEST:
        raise SchemaError(f"warehouse schema v{version} is older than this shoplens (v{LATEST})",
                          where=where, hint="run `shoplens migrate` once",
                          zh=f"仓库结构版本 v{version} 比当前 shoplens 的版本（v{LATEST}）旧",
                          zh_hint="先运行一次 `shoplens migrate`")
    if version > LATEST:
        raise SchemaError(f"warehouse schema v{version} is newer than this shoplens (v{LATEST})",
                          where=where, hint="upgrade shoplens",
                          zh=f"仓库结构版本 v{version} 比当前 shoplens 的版本（v{LATEST}）新",
                          zh_hint="请升级 shoplens")
