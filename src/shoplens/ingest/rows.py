"""Canonical rows in temp tables: shape them, check them, convert their money, load them.

Shared by the import pipeline (primary and derived outputs of a plan) and by generators such
as the demo (``load_canonical``), so every row reaching a canonical table passed the same rules.
"""

from __future__ import annotations

from typing import Any

from shoplens.errors import FxRateMissingError, ShoplensError
from shoplens.ingest.fx import MISSING_RATE, convert_sql
from shoplens.ingest.merge import merge_batch
from shoplens.ingest.parse import REASONS, lit, value_checks
from shoplens.ingest.store_context import StoreContext
from shoplens.model import Table, get_table
from shoplens.presets.base import Output
from shoplens.warehouse.ddl import columns_of, quote

Con = Any  # a duckdb.DuckDBPyConnection


def output_sql(out: Output, src: str, lookups: dict[str, str]) -> str:
    """The output's SELECT with ``{src}`` bound (a callable gets the lookups of this import)."""
    text = out.sql(lookups) if callable(out.sql) else out.sql
    return text.replace("{src}", src)


def materialize(con: Con, name: str, sql: str, table: Table, store_id: str) -> set[str]:
    """Run ``sql`` into temp table ``name`` with every canonical column of ``table``, cast to its type
    (absent ones NULL), keeping ``_line`` when the SQL has it; returns the columns the SQL set.

    ``store_id`` is always the import's store: the one place rows are guarded to their store.
    """
    present = columns_of(con, f"({sql})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {canonical_select(table, present, store_id)}"
                f" FROM ({sql})")
    return present


def canonical_select(table: Table, present: set[str], store_id: str) -> str:
    """Every canonical column of ``table`` cast to its type (absent ones NULL), ``_line`` when present."""
    cols = []
    for col in table.columns:
        if col.name == "store_id":
            cols.append(f"{lit(store_id)} AS store_id")
        elif col.name in present:
            cols.append(f"CAST({quote(col.name)} AS {col.sql_type}) AS {quote(col.name)}")
        else:
            cols.append(f"CAST(NULL AS {col.sql_type}) AS {quote(col.name)}")
    if "_line" in present:
        cols.append("_line")
    return ", ".join(cols)


def assert_valid(con: Con, name: str, table: Table, *, where: str | None = None, hint: str | None = None,
                 zh_hint: str | None = None) -> None:
    """Rows built by code (derived rows, demo data) must already satisfy the model: raise if not."""
    checks = [(col.name, reason, cond) for col in table.columns for cond, reason in value_checks(col, quote(col.name))]
    if not checks:
        return
    counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {cond})" for _, _, cond in checks)
                         + f" FROM {name}").fetchone()
    for (column, reason, _), bad in zip(checks, counts, strict=True):
        if bad:
            raise ShoplensError(f"{bad} {table.name} row(s) break the rule {reason} on {column}",
                                where=where, hint=hint,
                                zh=f"{bad} 行 {table.name} 数据在列 {column} 上违反规则 {reason}"
                                f"（{REASONS[reason][1] if reason in REASONS else reason}）",
                                zh_hint=zh_hint)


def add_fx(con: Con, name: str, table: Table, ctx: StoreContext) -> str:
    """``name`` plus fx_rate, ``*_rc`` and ``_fx_date`` (a new temp table), or ``name`` itself when the
    table has no money to convert. Rows without a rate keep fx_rate NULL for the caller to handle."""
    if not table.converts_money:
        return name
    converted = name + "_fx"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {converted} AS "
                f"{convert_sql(table, name, ctx.timezone, ctx.reporting_currency)}")
    return converted


def require_rates(con: Con, converted: str, table: Table, ctx: StoreContext) -> None:
    """For rows that cannot be quarantined one by one: a missing rate aborts, naming currency and date."""
    if not table.converts_money:
        return
    row = con.execute(f"SELECT currency, _fx_date FROM {converted} WHERE {MISSING_RATE} LIMIT 1").fetchone()
    if row:
        raise FxRateMissingError(
            f"no exchange rate {row[0]}->{ctx.reporting_currency} for {row[1] or 'a row without a date'}",
            hint="import fx_rates for that currency and date first (shoplens import fx_rates FILE)",
            zh=f"缺少 {row[0]}->{ctx.reporting_currency} 的汇率（{row[1] or '该行没有日期'}）",
            zh_hint="先导入该币种在该日期的汇率（shoplens import fx_rates FILE）")


def load_canonical(wh: Any, table: str, relation: str, ctx: StoreContext, import_id: int,
                   *, merge: bool = True) -> int:
    """Load rows that are valid by construction (demo data, derived rows) into ``table``.

    ``relation`` is a table/view name or ``(SELECT …)`` with canonical columns (missing ones are
    NULL). Constraints are checked (a violation raises), money converted (a missing rate raises
    FxRateMissingError), then rows are merged on the natural key, or appended when ``merge`` is
    False (the caller guarantees the keys are new, e.g. a freshly rebuilt demo store). Runs in the
    caller's transaction; returns rows written.
    """
    con = wh.con
    spec = get_table(table)
    if not merge:
        return append_canonical(con, spec, relation, ctx, import_id)
    materialize(con, "_lc_rows", f"SELECT * FROM {relation}", spec, ctx.store_id)
    assert_valid(con, "_lc_rows", spec)
    name = add_fx(con, "_lc_rows", spec, ctx)
    require_rates(con, name, spec, ctx)
    written = merge_batch(con, spec, name, import_id).written
    con.execute("DROP TABLE IF EXISTS _lc_rows; DROP TABLE IF EXISTS _lc_rows_fx")
    return written


_BROKEN = "shoplens-broken-rule"  # marks the error() a row that breaks a rule raises inside the INSERT


def append_canonical(con: Con, spec: Table, relation: str, ctx: StoreContext, import_id: int) -> int:
    """Append rows valid by construction in ONE streaming INSERT: cast, checked, converted, written.

    No temp table: inside a long transaction DuckDB keeps every table created or emptied until COMMIT,
    so staging each batch would hold (or spill) a second copy of everything a demo build writes. A row
    that breaks a model rule or has no exchange rate makes the INSERT fail (nothing is written).
    """
    sql = f"SELECT * FROM {relation}"
    rows = f"(SELECT {canonical_select(spec, columns_of(con, f'({sql})'), ctx.store_id)} FROM ({sql}))"
    if spec.converts_money:
        rows = f"({convert_sql(spec, rows, ctx.timezone, ctx.reporting_currency)})"
    broken = [f"WHEN {cond} THEN error({lit(f'{_BROKEN}|{reason}|{col.name}')})"
              for col in spec.columns for cond, reason in value_checks(col, quote(col.name))]
    if spec.converts_money:
        broken.append(f"WHEN {MISSING_RATE} THEN error({lit(_BROKEN + '|missing_fx_rate|')} || currency || '|'"
                      " || coalesce(CAST(_fx_date AS VARCHAR), 'a row without a date'))")
    guard = f"CASE {' '.join(broken)} ELSE true END" if broken else "true"
    cols = [quote(c.name) for c in spec.all_columns if c.name != "_import_id"]
    try:
        row = con.execute(f"INSERT INTO {quote(spec.name)} ({', '.join(cols)}, _import_id) SELECT {', '.join(cols)},"
                          f" {int(import_id)} FROM {rows} WHERE {guard}").fetchone()
    except Exception as exc:  # duckdb.InvalidInputException from error(): which rule, which row
        if _BROKEN not in str(exc):
            raise
        _, reason, *detail = str(exc).split(_BROKEN, 1)[1].splitlines()[0].split("|")
        if reason == "missing_fx_rate":
            raise FxRateMissingError(
                f"no exchange rate {detail[0]}->{ctx.reporting_currency} for {detail[1]}",
                hint="import fx_rates for that currency and date first (shoplens import fx_rates FILE)",
                zh=f"缺少 {detail[0]}->{ctx.reporting_currency} 的汇率（{detail[1]}）",
                zh_hint="先导入该币种在该日期的汇率（shoplens import fx_rates FILE）") from None
        raise ShoplensError(f"{spec.name} rows break the rule {reason} on {detail[0]}",
                            zh=f"{spec.name} 数据在列 {detail[0]} 上违反规则 {reason}"
                            f"（{REASONS[reason][1] if reason in REASONS else reason}）") from None
    return int(row[0]) if row else 0
