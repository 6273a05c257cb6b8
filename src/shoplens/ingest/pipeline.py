"""One import: files -> stage -> parse -> rules -> canonical rows -> checks -> fx -> merge.

Everything after reading runs in the warehouse. All files of one import are written in ONE
transaction together with their manifest rows, so an import is visible entirely or not at all
(a killed process leaves the previous state). Bad lines go to ``quarantine`` with file, line,
column and reason; the next import of the same file replaces its quarantine rows.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from shoplens.errors import SchemaError, ShoplensError
from shoplens.ingest import readers
from shoplens.ingest.auto_preset import AUTO, choose_preset, looks_like
from shoplens.ingest.manifest import next_import_id, write_manifest_row
from shoplens.ingest.merge import merge_batch, provided_columns
from shoplens.ingest.parse import lit, parse_reason, typed_expr
from shoplens.ingest.profiles import ImportOptions, with_profile
from shoplens.ingest.quarantine import Problems, allowed_values, examples
from shoplens.ingest.readers import DIGITS_MARK, FORMULA_MARK
from shoplens.ingest.rows import add_fx, assert_valid, load_canonical, materialize, output_sql, require_rates
from shoplens.ingest.store_context import StoreContext, create_store, missing_settings, resolve_store
from shoplens.ingest.summary import FileResult, ImportRefusedError, ImportSummary, bad_row_limit, refusal
from shoplens.interrupts import Transaction, pause_point
from shoplens.model import TABLES_BY_NAME, get_table
from shoplens.presets import get_preset
from shoplens.presets.base import FilePlan, Output, Reject, SourceField
from shoplens.presets.generic import canonical_plan, guess_table, parse_value_maps
from shoplens.warehouse.connection import Warehouse
from shoplens.warehouse.ddl import quote
from shoplens.warehouse.memory import within_memory_limit
from shoplens.warehouse.profiles_table import check_name
from shoplens.warehouse.profiles_table import save_profile as save_profile_row
from shoplens.warehouse.rollups import refresh_days_of_import

ProgressFactory = Callable[[str, int], Callable[[int], None]]


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


def import_files(wh: Warehouse, files: Sequence[str | Path], *, table: str | None = None,
                 preset: str | None = None, store: str | None = None, maps: Sequence[str] = (),
                 timezone: str | None = None, currency: str | None = None, encoding: str | None = None,
                 sheet: str | None = None, delimiter: str | None = None, strict: bool = False,
                 max_bad_rows: str | int | None = None, progress: ProgressFactory | None = None,
                 value_maps: Sequence[str] = (), profile: str | None = None,
                 save_profile: str | None = None, dry_run: bool = False,
                 source_label: str | None = None) -> ImportSummary:
    """Import ``files`` into the warehouse (see `shoplens import --help` for the rules).

    ``store`` None: the warehouse's only (non-demo) store, else an error; a new store needs its
    currency and time zone (``currency``/``timezone``, the preset, or a stores file in ``files``).
    ``strict`` / ``max_bad_rows`` (``N`` lines or ``"P%"`` of the lines read): over the limit the
    import raises :class:`ImportRefusedError` and writes nothing. The summary's ``outcome`` says
    whether some file loaded no rows. ``value_maps``: ``COLUMN:SRC=DST`` rewrites of cells before parsing
    (canonical imports). ``profile``: saved options under these (explicit ones win); ``save_profile``: keep
    this import's options under that name (with the import, so a refused import saves nothing).
    ``preset="auto"``: the preset that recognises the files' header (docs/presets.md). ``dry_run``:
    everything runs, the summary's ``preview`` gets the first rows written per table, then the transaction is
    rolled back (nothing is written). ``source_label``: the manifest's preset AND file for every file instead of the
    preset's name and the path (the event collector's flushes: one source ``collector``, not a temp file per flush).
    """
    given = ImportOptions(table=table, preset=preset, maps=list(maps), value_maps=list(value_maps),
                          timezone=timezone, currency=currency, encoding=encoding, delimiter=delimiter, sheet=sheet)
    if save_profile:
        check_name(save_profile)
    opts = with_profile(wh.con, profile, given)
    table, preset, maps, value_maps = opts.table, opts.preset, opts.maps, opts.value_maps
    timezone, currency, encoding, delimiter, sheet = (opts.timezone, opts.currency, opts.encoding, opts.delimiter,
                                                      opts.sheet)
    if not files:
        raise ShoplensError("no files to import", hint="shoplens import [TABLE] FILE...",
                            zh="没有要导入的文件", zh_hint="shoplens import [TABLE] FILE...")
    if table is not None and table not in TABLES_BY_NAME:
        tables = ", ".join(TABLES_BY_NAME)
        raise ShoplensError(f"unknown table {table!r}", hint="tables: " + tables,
                            zh=f"未知的表 {table!r}", zh_hint="可用的表：" + tables)
    if preset and (maps or value_maps) and not (given.maps or given.value_maps):  # they came from the profile
        raise ShoplensError(f"profile {profile!r} holds --map/--map-value of a canonical import; --preset cannot "
                            "use them", hint=f"run it without --preset (shoplens import FILE --profile {profile}), "
                            "or drop --profile", zh=f"配置 {profile!r} 含有标准列导入的 --map/--map-value，不能与 "
                            "--preset 同时使用", zh_hint=f"去掉 --preset（shoplens import FILE --profile {profile}），"
                            "或去掉 --profile")
    if preset and (maps or value_maps):
        raise ShoplensError("--map and --map-value work with a canonical import, not with --preset",
                            hint="a preset maps its platform's columns and values itself: drop --map/--map-value, or "
                            "import as a table (shoplens import orders FILE --map ... --map-value ...)",
                            zh="--map 和 --map-value 只能用于标准列导入，不能与 --preset 同时使用",
                            zh_hint="预设自带该平台的列和取值映射：去掉 --map/--map-value，或按表导入"
                            "（shoplens import orders FILE --map ... --map-value ...）")
    parse_value_maps(list(value_maps))  # syntax first: a typo is reported before any file is read
    limit = bad_row_limit(strict, max_bad_rows)
    # absolute, not resolved: the path the user gave, so a symlinked data folder reads as they typed it
    paths = list(dict.fromkeys(Path(f).absolute() for f in files))  # a file listed twice is read once
    for path in paths:  # before a preset sniffs it: every path has the same one-line error
        readers.check_file(path)
    auto = preset == AUTO
    if auto:
        preset = choose_preset(paths, encoding=encoding, sheet=sheet, delimiter=delimiter)
    chosen = get_preset(preset) if preset else None
    con = wh.con
    ctx = resolve_store(con, store, timezone=timezone, currency=currency,
                        preset_timezone=chosen.timezone if chosen else None,
                        preset_currency=chosen.currency if chosen else None,
                        platform=chosen.platform if chosen else "other",
                        stores_file=chosen is None and table in (None, "stores"))

    def plan(path: Path, ctx: StoreContext) -> _File:
        return _plan_file(con, path, table, chosen, list(maps), ctx, encoding=encoding, sheet=sheet,
                          delimiter=delimiter, value_maps=list(value_maps))

    planned = sorted((plan(p, ctx) for p in paths), key=lambda item: item.plan.priority)
    if ctx.pending and not any(o.table == "stores" for item in planned for o in item.plan.outputs):
        raise missing_settings(ctx.store_id, ctx.pending)
    created = not ctx.exists
    tx = Transaction(con, "import")  # BEGIN; tells Ctrl-C that a rollback is what it gets
    try:
        import_id = next_import_id(con)
        if created and not ctx.pending:
            create_store(con, ctx, import_id)
        lookups: dict[str, str] = {}
        results, sources = [], []
        for index in range(len(planned)):
            item = planned[index]
            started = datetime.now(UTC).replace(tzinfo=None)
            bar = progress(item.source.path.name, item.source.size) if progress else None
            result, kept_by = _import_one(wh, item, index, import_id, ctx, lookups, bar)
            _record(con, item, result, import_id, ctx, started, source_label)
            results.append(result)
            sources.append((kept_by, str(item.source.path)))
            if any(o.table == "stores" for o in item.plan.outputs) and ctx.refreshed(con) != ctx:
                # the store's zone/currency were just set: plan the other files with them
                ctx = ctx.refreshed(con)
                planned[index + 1:] = [plan(i.source.path, ctx) for i in planned[index + 1:]]
            if ctx.pending and not any(o.table == "stores" for i in planned[index + 1:] for o in i.plan.outputs):
                raise ShoplensError(f"the stores file did not set up store {ctx.store_id!r}",
                                    where=str(item.source.path),
                                    hint=f"give it a valid row with store_id {ctx.store_id}, reporting_currency and "
                                    "timezone, or pass " + " and ".join(ctx.pending) + "; nothing was written",
                                    zh=f"店铺文件没有建立店铺 {ctx.store_id!r}",
                                    zh_hint=f"请在其中写一行有效的 store_id {ctx.store_id}、reporting_currency 和 "
                                    "timezone，或加上 " + " 和 ".join(ctx.pending) + "；本次没有写入任何数据")
        summary = ImportSummary(import_id, ctx.store_id, results, store_created=created,
                                examples=examples(con, sources), store_implied=ctx.implied,
                                preset_chosen=preset if auto else None, profile=profile or None)
        if limit is not None and limit.exceeded(summary.quarantined, summary.read):
            raise refusal(summary, limit)
        if dry_run:  # seen, then undone: the rows as the import would write them
            from shoplens.ingest.preview import sample_rows

            summary.preview = sample_rows(con, import_id, list(summary.tables))
            con.execute("ROLLBACK")
            return summary
        if any(o.table == "events" for item in planned for o in item.plan.outputs):
            refresh_days_of_import(con, import_id)
        if save_profile:
            targets = {item.plan.label for item in planned}
            opts.preset, opts.table = preset, None if preset else table or (targets.pop() if len(targets) == 1
                                                                          else None)
            save_profile_row(con, save_profile, opts.to_dict())
            summary.profile_saved = save_profile
        tx.commit()
    except BaseException:
        with contextlib.suppress(Exception):  # a broken connection must not hide the error that broke it
            con.execute("ROLLBACK")
        raise
    finally:
        tx.close()
        _drop_temp(con)
    return summary


def _plan_file(con: Any, path: Path, table: str | None, preset: object, maps: list[str], ctx: StoreContext,
               value_maps: list[str] | None = None, **overrides: str | None) -> _File:
    options = preset.read_options(path) if preset else readers.ReadOptions()  # type: ignore[attr-defined]
    for name, value in overrides.items():  # --encoding, --sheet, --delimiter win over detection
        if value:
            setattr(options, name, "\t" if value in ("\\t", "tab") else value)
    source = readers.open_source(path, options)
    if preset is not None:
        name = preset.name  # type: ignore[attr-defined]
        try:
            plan = preset.plan(source.columns, path, ctx.defaults)  # type: ignore[attr-defined]
        except SchemaError as exc:
            raise looks_like(exc, path, name, overrides) from None
    else:
        target = table or guess_table(source.columns, path).name
        plan = canonical_plan(target, source.columns, path, maps, ctx.defaults, value_maps)
        if "store_id" in {f.name for f in plan.fields}:
            plan.rejects.append(Reject(f"store_id <> {lit(ctx.store_id)}", "not_allowed", "store_id",
                                       "store_id"))
        if target == "stores" and ctx.exists and _store_has_data(con, ctx.store_id):
            # amounts were converted and days cut with these: changing them would silently mislabel data
            changed = (f"reporting_currency IS DISTINCT FROM {lit(ctx.reporting_currency)} "
                       f"OR timezone IS DISTINCT FROM {lit(ctx.timezone)}")
            plan.rejects.append(Reject(changed, "store_settings_locked", "reporting_currency",
                                       "reporting_currency || ' ' || timezone"))
        name = "canonical"
    return _File(source, plan, name, file_sha256(path))


def _store_has_data(con: Any, store_id: str) -> bool:
    """Whether any canonical table besides ``stores`` holds rows of the store."""
    checks = " OR ".join(f"EXISTS (SELECT 1 FROM {quote(t)} WHERE store_id = ?)"
                         for t in TABLES_BY_NAME if t != "stores")
    return bool(con.execute(f"SELECT {checks}", [store_id] * (len(TABLES_BY_NAME) - 1)).fetchone()[0])


def _stage(wh: Warehouse, item: _File, raw: str, bar: Callable[[int], None] | None, problems: Problems) -> int:
    """Read the file into temp table ``raw``, batch by batch; lines that cannot be split go to ``problems``
    as they come (not kept in Python), and their number is returned."""
    con = wh.con
    unsplit = 0
    cols = ", ".join(f"c{i + 1} VARCHAR" for i in range(len(item.source.columns)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} (_line BIGINT{', ' + cols if cols else ''})")
    for batch in readers.iter_batches(item.source, bar):
        # a one-pass reader: inside the import's transaction DuckDB keeps what is registered until COMMIT,
        # so registering the batch itself would hold the whole file in Python memory
        con.register("_chunk", pa.RecordBatchReader.from_batches(batch.schema, iter([batch])))
        del batch
        con.execute(f"INSERT INTO {raw} SELECT * FROM _chunk")
        con.unregister("_chunk")
        pause_point("staging")
        unsplit += len(item.source.problems)
        problems.add_read(item.source.problems)
        item.source.problems.clear()
    unsplit += len(item.source.problems)  # found after the last batch
    problems.add_read(item.source.problems)
    item.source.problems.clear()
    return unsplit


@within_memory_limit(lambda wh, item, *_: str(item.source.path))
def _import_one(wh: Warehouse, item: _File, index: int, import_id: int, ctx: StoreContext,
                lookups: dict[str, str], bar: Callable[[int], None] | None) -> tuple[FileResult, int]:
    """Load one file; returns its result and the import whose quarantine rows stand for it."""
    con = wh.con
    raw, src = f"_raw_{index}", f"_src_{index}"
    problems = Problems(con, f"_q_{index}", item.plan.label)
    unsplit = _stage(wh, item, raw, bar, problems)
    header = item.source.columns
    position: dict[str, int] = {}
    for i, h in enumerate(header):
        position.setdefault(h, i + 1)  # a repeated header: plans use its first column, so read that one
    # 1. parse source cells into typed columns (raw text kept beside them for error reports)
    typed = [f"{typed_expr(f.column, _blanked(f, _cell(item.plan, f.header, position)), ctx.parse_timezone)} "
             f"AS {quote(f.name)}" for f in item.plan.fields]
    raws = [f"c{i + 1}" for i in range(len(header))]
    inner = f"SELECT {', '.join(['_line', *raws, *typed])} FROM {raw}"
    extra = "".join(f", {sql} AS {quote(name)}" for name, sql in item.plan.computed.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {src} AS SELECT *{extra} FROM ({inner})")
    typed_cells = item.source.fmt != "csv"  # spreadsheets, Parquet, JSON: cells the reader may have marked
    marked: set[int] = set()
    for f in item.plan.fields:
        k = position[f.header]
        unread = (f"(starts_with(c{k}, {lit(FORMULA_MARK)}) OR starts_with(c{k}, {lit(DIGITS_MARK)}))"
                  if typed_cells else "false")
        if typed_cells and k not in marked:  # once per cell, however many fields read it
            marked.add(k)
            for mark, reason in ((FORMULA_MARK, "formula_without_value"), (DIGITS_MARK, "number_lost_digits")):
                problems.add(src, f"starts_with(c{k}, {lit(mark)})", f.header, k, f"substr(c{k}, {len(mark) + 1})",
                             reason)
        # a blank cell is an empty value (checked as "required" below), not an unreadable one
        empty = f"coalesce(trim(c{k}), '') IN ({', '.join(lit(b) for b in ('', *f.blank))})"
        problems.add(src, f"NOT {empty} AND {quote(f.name)} IS NULL AND NOT {unread}", f.header, k, f"c{k}",
                     parse_reason(f.column), extra=allowed_values(f.column))
        if f.column.required and f.check_required:
            problems.add(src, f"{quote(f.name)} IS NULL AND {empty}", f.header, k, f"c{k}", "missing_required")
    # 2. business rules of the preset
    for rule in item.plan.rejects:
        problems.add(src, f"({rule.where})", rule.column, position.get(rule.column), rule.value_sql, rule.reason)
    ok = f"(SELECT s.* FROM {src} s ANTI JOIN {problems.lines} USING (_line))"
    if item.plan.lookup:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _lookup_{index} AS SELECT * FROM {ok}")
        lookups[item.plan.lookup] = f"_lookup_{index}"
    # 3. primary canonical rows: model rules and currency conversion, refused line by line
    staged: list[tuple[Output, str]] = []
    for j, out in enumerate(o for o in item.plan.outputs if o.primary):
        table, name = get_table(out.table), f"_out_{index}_{j}"
        materialize(con, name, output_sql(out, ok, lookups), table, ctx.store_id)
        problems.add_constraint_failures(name, src, out, position)
        problems.add_currency_mismatches(name, src, out, position)
        converted = add_fx(con, name, table, ctx)
        if converted != name:
            problems.add_missing_rates(converted, out, ctx.reporting_currency, position)
        staged.append((out, converted))
    # 4. merge the lines that survived everything
    pause_point("merge")
    result = FileResult(str(item.source.path), item.sha256, item.preset, item.plan.label or _targets(item.plan))
    result.ignored_columns = item.plan.ignored_columns
    result.skipped = dict(item.source.skipped)
    for out, name in staged:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _good AS SELECT * FROM {name} ANTI JOIN {problems.lines} "
                    "USING (_line)")
        merged = merge_batch(con, get_table(out.table), "_good", import_id)
        result.loaded += merged.written
        result.duplicates += merged.duplicates
        result.tables[out.table] = result.tables.get(out.table, 0) + merged.written
    # 5. derived rows (orders from lines, products, customers) from the good lines only
    good_src = f"(SELECT s.* FROM {src} s ANTI JOIN {problems.lines} USING (_line))"
    for j, out in enumerate(o for o in item.plan.outputs if not o.primary):
        table, name = get_table(out.table), f"_der_{index}_{j}"
        present = materialize(con, name, output_sql(out, good_src, lookups), table, ctx.store_id)
        assert_valid(con, name, table, where=str(item.source.path),
                     hint=f"check the {item.preset} preset's mapping",
                     zh_hint=f"请检查预设 {item.preset} 的列映射")
        name = add_fx(con, name, table, ctx)
        require_rates(con, name, table, ctx)
        # derived rows speak only for the columns they set (an order line knows no product brand)
        written = merge_batch(con, table, name, import_id, provided_columns(table, present)).written
        result.tables[out.table] = result.tables.get(out.table, 0) + written
    # 6. conservation: every line read is loaded, a duplicate or quarantined
    result.read = int(con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]) + unsplit
    result.quarantined = problems.count_lines()
    if item.plan.lookup:
        result.loaded = result.read - result.quarantined  # lookup rows are used, not stored
    result.reasons = problems.reasons()
    kept_by = problems.persist(raw, header, store_id=ctx.store_id, file=item.source.path, sha256=item.sha256,
                               import_id=import_id)
    if not result.balanced:
        raise ShoplensError(
            f"internal error: {result.read} lines read but {result.loaded} loaded + {result.duplicates} "
            f"duplicates + {result.quarantined} quarantined", where=str(item.source.path),
            hint="please report this with the preset name; nothing was written",
            zh=f"内部错误：读取 {result.read} 行，但载入 {result.loaded} + 重复 {result.duplicates} "
            f"+ 隔离 {result.quarantined} 对不上",
            zh_hint="请附上预设名称报告此问题；本次没有写入任何数据")
    return result, kept_by


def _cell(plan: FilePlan, header: str, position: dict[str, int]) -> str:
    """The raw cell of ``header``, through its --map-value pairs when it has some (unmapped text stays)."""
    cell = f"c{position[header]}"
    pairs = plan.value_maps.get(header)
    if not pairs:
        return cell
    body = ", ".join(f"{lit(k)}: {lit(v)}" for k, v in pairs.items())
    return f"coalesce(map_extract_value(MAP {{{body}}}, trim({cell})), {cell})"


def _blanked(f: SourceField, cell: str) -> str:
    """The cell, NULL when it holds one of the field's "no value" texts (a report's dash)."""
    if not f.blank:
        return cell
    return f"(CASE WHEN trim({cell}) IN ({', '.join(lit(b) for b in f.blank)}) THEN NULL ELSE {cell} END)"


def _targets(plan: FilePlan) -> str:
    return ",".join(dict.fromkeys(o.table for o in plan.outputs)) or (plan.lookup or "")


def _record(con: Any, item: _File, result: FileResult, import_id: int, ctx: StoreContext,
            started: datetime, label: str | None = None) -> None:
    """The manifest row: what was read, loaded, skipped as duplicate and quarantined."""
    write_manifest_row(con, import_id=import_id, store_id=ctx.store_id, file=label or result.file,
                       sha256=result.sha256, file_bytes=item.source.size, preset=label or result.preset,
                       target=result.target, read=result.read,
                       loaded=result.loaded, duplicates=result.duplicates, quarantined=result.quarantined,
                       tables=result.tables, started=started)


def _drop_temp(con: Any) -> None:
    """Temp tables die with the connection anyway; dropping them frees memory for the next import."""
    try:
        for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '\\_%' ESCAPE '\\'"
        ).fetchall():
            con.execute(f"DROP TABLE IF EXISTS temp.{quote(name)}")
    except Exception:  # cleanup after a failure must not hide the failure
        pass


# re-exported for generators (the demo) that load rows valid by construction
__all__ = ["ImportRefusedError", "import_files", "load_canonical"]
