"""One import: files -> stage -> parse -> rules -> canonical rows -> checks -> fx -> merge.

Everything after reading runs in the warehouse. All files of one import are written in ONE
transaction together with their manifest rows, so an import is visible entirely or not at all
(a killed process leaves the previous state). Bad lines go to ``quarantine`` with file, line,
column and reason; the next import of the same file replaces its quarantine rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from shoplens import __version__
from shoplens.errors import FxRateMissingError, ShoplensError
from shoplens.ingest import readers
from shoplens.ingest.fx import convert_sql
from shoplens.ingest.merge import merge_batch
from shoplens.ingest.parse import REASONS, lit, parse_reason, typed_expr, value_checks
from shoplens.ingest.store_context import StoreContext, create_store, resolve_store
from shoplens.ingest.summary import FileResult, ImportSummary
from shoplens.model import Column, Kind, get_table
from shoplens.presets import get_preset
from shoplens.presets.base import FilePlan, Output, Reject
from shoplens.presets.generic import canonical_plan, guess_table
from shoplens.warehouse.connection import Warehouse
from shoplens.warehouse.ddl import quote

ProgressFactory = Callable[[str, int], Callable[[int], None]]

Q_COLUMNS = ('_line BIGINT, "column" VARCHAR, field BIGINT, value VARCHAR, reason VARCHAR, '
             'message VARCHAR, target_table VARCHAR, raw JSON')


@dataclass
class _File:
    source: readers.Source
    plan: FilePlan
    preset: str
    sha256: str


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _message(reason: str, extra: str = "") -> str:
    en, zh, hint = REASONS.get(reason, (reason, reason, ""))
    text = f"{en} / {zh}"
    if extra:
        text += f": {extra}"
    return f"{text} (hint: {hint})" if hint else text


def import_files(wh: Warehouse, files: Sequence[str | Path], *, table: str | None = None,
                 preset: str | None = None, store: str = "default", maps: Sequence[str] = (),
                 timezone: str | None = None, currency: str | None = None, encoding: str | None = None,
                 progress: ProgressFactory | None = None) -> ImportSummary:
    """Import ``files`` into the warehouse (see `shoplens import --help` for the rules)."""
    if not files:
        raise ShoplensError("no files to import", hint="shoplens import [TABLE] FILE...")
    if table is not None:
        get_table(table) if table in _table_names() else _unknown_table(table)
    chosen = get_preset(preset) if preset else None
    if chosen and maps:
        raise ShoplensError("--map works with a canonical import, not with --preset",
                            hint="drop --map or --preset")
    con = wh.con
    ctx = resolve_store(con, store, timezone=timezone, currency=currency,
                        preset_timezone=chosen.timezone if chosen else None,
                        preset_currency=chosen.currency if chosen else None,
                        platform=chosen.platform if chosen else "other")
    planned = [_plan_file(Path(f), table, chosen, list(maps), encoding, ctx) for f in files]
    planned.sort(key=lambda item: item.plan.priority)
    con.execute("BEGIN TRANSACTION")
    try:
        import_id = int(con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_manifest")
                        .fetchone()[0])  # type: ignore[index]
        if not ctx.exists:
            create_store(con, ctx, import_id)
        lookups: dict[str, str] = {}
        results = []
        for index, item in enumerate(planned):
            started = datetime.now(UTC).replace(tzinfo=None)
            bar = progress(item.source.path.name, item.source.size) if progress else None
            result = _import_one(wh, item, index, import_id, ctx, lookups, bar)
            _record(con, item, result, import_id, ctx, started)
            results.append(result)
        examples = _examples(con, import_id)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        _drop_temp(con)
    return ImportSummary(import_id, ctx.store_id, results, store_created=not ctx.exists, examples=examples)


def _table_names() -> set[str]:
    from shoplens.model import TABLES_BY_NAME

    return set(TABLES_BY_NAME)


def _unknown_table(name: str) -> None:
    raise ShoplensError(f"unknown table {name!r}", hint="tables: " + ", ".join(sorted(_table_names())))


def _plan_file(path: Path, table: str | None, preset: object, maps: list[str], encoding: str | None,
               ctx: StoreContext) -> _File:
    options = preset.read_options(path) if preset else readers.ReadOptions()  # type: ignore[attr-defined]
    if encoding:
        options.encoding = encoding
    source = readers.open_source(path, options)
    if preset is not None:
        plan = preset.plan(source.columns, path, ctx.defaults)  # type: ignore[attr-defined]
        name = preset.name  # type: ignore[attr-defined]
    else:
        target = table or guess_table(source.columns, path).name
        plan = canonical_plan(target, source.columns, path, maps, ctx.defaults)
        if "store_id" in {f.name for f in plan.fields}:
            plan.rejects.append(Reject(f"store_id <> {lit(ctx.store_id)}", "not_allowed", "store_id",
                                       "store_id"))
        name = "canonical"
    return _File(source, plan, name, file_sha256(path))


def _stage(wh: Warehouse, item: _File, raw: str, bar: Callable[[int], None] | None) -> None:
    con = wh.con
    cols = ", ".join(f"c{i + 1} VARCHAR" for i in range(len(item.source.columns)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} (_line BIGINT{', ' + cols if cols else ''})")
    for batch in readers.iter_batches(item.source, bar):
        con.register("_chunk", pa.Table.from_batches([batch]))
        con.execute(f"INSERT INTO {raw} SELECT * FROM _chunk")
        con.unregister("_chunk")


def _import_one(wh: Warehouse, item: _File, index: int, import_id: int, ctx: StoreContext,
                lookups: dict[str, str], bar: Callable[[int], None] | None) -> FileResult:
    con = wh.con
    raw, src, q = f"_raw_{index}", f"_src_{index}", f"_q_{index}"
    _stage(wh, item, raw, bar)
    header = item.source.columns
    position: dict[str, int] = {}
    for i, h in enumerate(header):
        position.setdefault(h, i + 1)  # a repeated header: plans use its first column, so read that one
    con.execute(f"CREATE OR REPLACE TEMP TABLE {q} ({Q_COLUMNS})")
    _add_read_problems(wh, item, q)
    target_label = item.plan.label
    # 1. parse source cells into typed columns (raw text kept beside them for error reports)
    typed = [f"{typed_expr(f.column, 'c' + str(position[f.header]), ctx.parse_timezone)} AS {quote(f.name)}"
             for f in item.plan.fields]
    raws = [f"c{i + 1}" for i in range(len(header))]
    inner = f"SELECT {', '.join(['_line', *raws, *typed])} FROM {raw}"
    extra = "".join(f", {sql} AS {quote(name)}" for name, sql in item.plan.computed.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {src} AS SELECT *{extra} FROM ({inner})")
    for f in item.plan.fields:
        cell, k = quote(f.name), position[f.header]
        reason = parse_reason(f.column)
        _problems(con, q, src, f"c{k} IS NOT NULL AND {cell} IS NULL", f.header, k, f"c{k}", reason,
                  target_label, _allowed(f.column))
        if f.column.required:
            _problems(con, q, src, f"c{k} IS NULL", f.header, k, "NULL", "missing_required", target_label)
    # 2. business rules of the preset
    for rule in item.plan.rejects:
        k = position.get(rule.column)
        _problems(con, q, src, f"({rule.where})", rule.column, k, rule.value_sql, rule.reason, target_label)
    ok = f"(SELECT s.* FROM {src} s ANTI JOIN (SELECT DISTINCT _line FROM {q}) USING (_line))"
    if item.plan.lookup:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _lookup_{index} AS SELECT * FROM {ok}")
        lookups[item.plan.lookup] = f"_lookup_{index}"
    # 3. primary canonical rows, their constraints and currency conversion
    primaries = [o for o in item.plan.outputs if o.primary]
    staged: list[tuple[Output, str]] = []
    for j, out in enumerate(primaries):
        name = f"_out_{index}_{j}"
        _materialize(con, name, _sql(out, ok, lookups), out, ctx)
        _check_output(con, q, src, name, out, position)
        staged.append((out, _convert(con, q, name, out, ctx, fail=False, position=position)))
    # 4. merge the lines that survived everything
    result = FileResult(str(item.source.path), item.sha256, item.preset, target_label or _targets(item.plan))
    result.ignored_columns = item.plan.ignored_columns
    bad = f"(SELECT DISTINCT _line FROM {q})"
    for out, name in staged:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _good AS SELECT * FROM {name} ANTI JOIN {bad} USING (_line)")
        merged = merge_batch(con, get_table(out.table), "_good", import_id)
        result.loaded += merged.written
        result.duplicates += merged.duplicates
        result.tables[out.table] = result.tables.get(out.table, 0) + merged.written
    # 5. derived rows (orders from lines, products, customers) from the good lines only
    good_src = f"(SELECT s.* FROM {src} s ANTI JOIN {bad} USING (_line))"
    for j, out in enumerate(o for o in item.plan.outputs if not o.primary):
        name = f"_der_{index}_{j}"
        _materialize(con, name, _sql(out, good_src, lookups), out, ctx)
        _check_derived(con, name, out, item)
        name = _convert(con, q, name, out, ctx, fail=True)
        merged = merge_batch(con, get_table(out.table), name, import_id)
        result.tables[out.table] = result.tables.get(out.table, 0) + merged.written
    # 6. conservation: every line read is loaded, a duplicate or quarantined
    result.read = int(con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]) + len(  # type: ignore[index]
        item.source.problems)
    result.quarantined = int(con.execute(f"SELECT count(DISTINCT _line) FROM {q}").fetchone()[0])  # type: ignore[index]
    if item.plan.lookup:
        result.loaded = result.read - result.quarantined  # lookup rows are used, not stored
    result.reasons = dict(con.execute(f"SELECT reason, count(*) FROM {q} GROUP BY 1 ORDER BY 2 DESC").fetchall())
    _persist_quarantine(con, q, raw, item, import_id, ctx)
    if not result.balanced:
        raise ShoplensError(
            f"internal error: {result.read} lines read but {result.loaded} loaded + {result.duplicates} "
            f"duplicates + {result.quarantined} quarantined", where=str(item.source.path),
            hint="please report this with the preset name; nothing was written")
    return result


def _targets(plan: FilePlan) -> str:
    return ",".join(dict.fromkeys(o.table for o in plan.outputs)) or (plan.lookup or "")


def _materialize(con, name: str, sql: str, out: Output, ctx: StoreContext) -> None:
    """Run an output's SQL into ``name`` with every canonical column, cast to its type."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _tmp_out AS {sql}")
    present = {r[0] for r in con.execute("DESCRIBE _tmp_out").fetchall()}
    cols = []
    for col in get_table(out.table).columns:
        if col.name in present:
            cols.append(f"CAST({quote(col.name)} AS {col.sql_type}) AS {quote(col.name)}")
        elif col.name == "store_id":
            cols.append(f"{lit(ctx.store_id)} AS store_id")
        else:
            cols.append(f"CAST(NULL AS {col.sql_type}) AS {quote(col.name)}")
    if "_line" in present:
        cols.append("_line")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {', '.join(cols)} FROM _tmp_out")
    con.execute("DROP TABLE _tmp_out")


def _sql(out: Output, src: str, lookups: dict[str, str]) -> str:
    text = out.sql(lookups) if callable(out.sql) else out.sql
    return text.replace("{src}", src)


def _problems(con, q: str, rel: str, where: str, column: str, field: int | None, value_sql: str,
              reason: str, target: str, extra: str = "") -> None:
    field_sql = "NULL" if field is None else str(int(field))
    con.execute(
        f"INSERT INTO {q} SELECT _line, {lit(column)}, {field_sql}, CAST({value_sql} AS VARCHAR), "
        f"{lit(reason)}, {lit(_message(reason, extra))}, {lit(target)}, NULL FROM {rel} WHERE {where}")


def _allowed(col: Column) -> str:
    if col.kind is Kind.EVENT:
        return "a standard event (" + ", ".join(col.choices) + ") or a snake_case custom name"
    if col.choices:
        return "allowed: " + ", ".join(col.choices)
    return ""


def _add_read_problems(wh: Warehouse, item: _File, q: str) -> None:
    if not item.source.problems:
        return
    rows = pa.table({
        "_line": [p.line for p in item.source.problems],
        "reason": [p.reason for p in item.source.problems],
        "message": [_message(p.reason, p.message) for p in item.source.problems],
        "raw": [p.raw for p in item.source.problems],
    })
    wh.con.register("_read_problems", rows)
    wh.con.execute(f"INSERT INTO {q} SELECT _line, NULL, NULL, NULL, reason, message, "
                   f"{lit(item.plan.label)}, raw::JSON FROM _read_problems")
    wh.con.unregister("_read_problems")


def _check_output(con, q: str, src: str, name: str, out: Output, position: dict[str, int]) -> None:
    table = get_table(out.table)
    present = {r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()}
    for col in table.columns:
        if col.name not in present:
            continue
        header = out.sources.get(col.name, col.name)
        k = position.get(header)
        value_sql = f"s.c{k}" if k else f"o.{quote(col.name)}"
        for condition, reason in value_checks(col, f"o.{quote(col.name)}"):
            rel = f"{name} o JOIN {src} s USING (_line)"
            _problems(con, q, rel, condition, header, k, value_sql, reason, out.table)


def _check_derived(con, name: str, out: Output, item: _File) -> None:
    table = get_table(out.table)
    present = {r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()}
    for col in table.columns:
        if col.name not in present:
            continue
        for condition, reason in value_checks(col, quote(col.name)):
            bad = con.execute(f"SELECT count(*) FROM {name} WHERE {condition}").fetchone()[0]  # type: ignore[index]
            if bad:
                raise ShoplensError(
                    f"{bad} derived {out.table} row(s) break the rule {reason} on {col.name}",
                    where=str(item.source.path), hint=f"check the {item.preset} preset's mapping")


def _convert(con, q: str, name: str, out: Output, ctx: StoreContext, *, fail: bool,
             position: dict[str, int] | None = None) -> str:
    """Add fx columns; lines without a rate are quarantined (or, for derived rows, abort)."""
    table = get_table(out.table)
    if not table.converts_money:
        return name
    converted = name + "_fx"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {converted} AS "
                f"{convert_sql(table, name, ctx.timezone, ctx.reporting_currency)}")
    missing = "fx_rate IS NULL AND currency IS NOT NULL"
    if fail:
        row = con.execute(f"SELECT currency, _fx_date FROM {converted} WHERE {missing} LIMIT 1").fetchone()
        if row:
            raise FxRateMissingError(
                f"no exchange rate {row[0]}->{ctx.reporting_currency} for {row[1] or 'a row without a date'}",
                hint="import fx_rates for that currency and date first (shoplens import fx_rates FILE)")
        return converted
    header = out.sources.get("currency", "currency")
    field = (position or {}).get(header)  # None when the currency came from --currency
    con.execute(
        f"INSERT INTO {q} SELECT _line, {lit(header)}, {'NULL' if field is None else int(field)}, currency, "
        f"'missing_fx_rate', "
        f"{lit(_message('missing_fx_rate'))} || ': ' || currency || '->' || {lit(ctx.reporting_currency)} "
        f"|| ' on ' || coalesce(CAST(_fx_date AS VARCHAR), 'no date'), {lit(out.table)}, NULL "
        f"FROM {converted} WHERE {missing} AND _line NOT IN (SELECT _line FROM {q})")
    return converted


def _record(con, item: _File, result: FileResult, import_id: int, ctx: StoreContext,
            started: datetime) -> None:
    """The manifest row: what was read, loaded, skipped as duplicate and quarantined."""
    finished = datetime.now(UTC).replace(tzinfo=None)
    con.execute(
        "INSERT INTO import_manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [import_id, ctx.store_id, result.file, result.sha256, item.source.size, result.preset, result.target,
         result.read, result.loaded, result.duplicates, result.quarantined, json.dumps(result.tables),
         started, finished, __version__])


def _persist_quarantine(con, q: str, raw: str, item: _File, import_id: int, ctx: StoreContext) -> None:
    """Replace this file's earlier quarantine rows with this import's, each with its whole source row."""
    pairs = ", ".join(f"{lit(h)}, r.c{i + 1}" for i, h in enumerate(item.source.columns))
    row_json = f"json_object({pairs})" if pairs else "NULL"
    con.execute("DELETE FROM quarantine WHERE store_id = ? AND file_sha256 = ?", [ctx.store_id, item.sha256])
    con.execute(
        f"INSERT INTO quarantine SELECT {int(import_id)}, {lit(ctx.store_id)}, {lit(str(item.source.path))}, "
        f"{lit(item.sha256)}, p._line, p.\"column\", p.field, p.value, p.reason, p.message, p.target_table, "
        f"coalesce(p.raw, {row_json}) FROM {q} p LEFT JOIN {raw} r USING (_line) ORDER BY p._line")


def _examples(con, import_id: int) -> list[dict[str, object]]:
    rows = con.execute(
        'SELECT file, line, field, "column", value, reason, message FROM quarantine WHERE import_id = ? '
        "ORDER BY file, line LIMIT 10", [import_id]).fetchall()
    keys = ("file", "line", "field", "column", "value", "reason", "message")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _drop_temp(con) -> None:
    try:
        for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '\\_%' ESCAPE '\\'"
        ).fetchall():
            con.execute(f"DROP TABLE IF EXISTS temp.{quote(name)}")
    except Exception:
        pass


def load_canonical(wh: Warehouse, table: str, relation: str, ctx: StoreContext, import_id: int,
                   *, merge: bool = True) -> int:
    """Load rows that are valid by construction (demo data, derived rows) into ``table``.

    ``relation`` is a table/view name or ``(SELECT …)`` with canonical columns (missing ones are
    NULL). Constraints are checked (a violation raises), money converted (a missing rate raises
    FxRateMissingError), then rows are merged on the natural key, or appended when ``merge`` is
    False (the caller guarantees the keys are new, e.g. a freshly rebuilt demo store). Runs in the
    caller's transaction; returns rows written.
    """
    con = wh.con
    out = Output(table, "SELECT * FROM {src}", primary=False)
    _materialize(con, "_lc_rows", _sql(out, relation, {}), out, ctx)
    for col in get_table(table).columns:
        for condition, reason in value_checks(col, quote(col.name)):
            bad = con.execute(f"SELECT count(*) FROM _lc_rows WHERE {condition}").fetchone()[0]  # type: ignore[index]
            if bad:
                raise ShoplensError(f"{bad} {table} row(s) break the rule {reason} on {col.name}")
    name = _convert(con, "", "_lc_rows", out, ctx, fail=True)
    if merge:
        written = merge_batch(con, get_table(table), name, import_id).written
    else:
        spec = get_table(table)
        cols = [c.name for c in spec.all_columns if c.name != "_import_id"]
        present = {r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()}
        select = ", ".join(quote(c) if c in present else "NULL" for c in cols)
        names = ", ".join(quote(c) for c in cols)
        con.execute(f"INSERT INTO {quote(table)} ({names}, _import_id) SELECT {select}, {int(import_id)} FROM {name}")
        written = int(con.execute(f"SELECT count(*) FROM {name}").fetchone()[0])  # type: ignore[index]
    con.execute("DROP TABLE IF EXISTS _lc_rows; DROP TABLE IF EXISTS _lc_rows_fx")
    return written
