"""The plain import: a file whose headers are canonical column names (docs/data-model.md)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from shoplens.errors import SchemaError
from shoplens.ingest.parse import lit
from shoplens.model import TABLES, Kind, Table, get_table
from shoplens.presets.base import FilePlan, Output, SourceField
from shoplens.warehouse.ddl import quote

# Dependency order inside one import: what others are converted or checked against comes first.
PRIORITY = {"stores": 0, "fx_rates": 1, "products": 10, "customers": 11}


def normalise_header(name: str) -> str:
    return name.strip().lstrip("\ufeff").lower()


def parse_maps(maps: list[str], table: Table) -> dict[str, str]:
    """``--map SRC=DST`` pairs, checked against the table's columns."""
    result: dict[str, str] = {}
    valid = {c.name for c in table.columns}
    for item in maps:
        src, sep, dst = item.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise SchemaError(f"bad column map {item!r}", hint="write --map SOURCE_COLUMN=canonical_column",
                              zh=f"列映射写法不对 {item!r}", zh_hint="写成 --map SOURCE_COLUMN=canonical_column")
        if dst.strip() not in valid:
            columns = ", ".join(sorted(valid))
            raise SchemaError(f"--map {item}: {table.name} has no column {dst.strip()!r}",
                              hint="columns: " + columns,
                              zh=f"--map {item}：{table.name} 表没有列 {dst.strip()!r}",
                              zh_hint="可用的列：" + columns)
        result[normalise_header(src)] = dst.strip()
    return result


def parse_value_maps(items: list[str]) -> list[tuple[str, str, str]]:
    """``--map-value COLUMN:SRC=DST`` items as (column, source text, canonical value), syntax checked."""
    result = []
    for item in items:
        column, sep, rest = item.partition(":")
        src, eq, dst = rest.rpartition("=")
        if not sep or not eq or not column.strip() or not src.strip() or not dst.strip():
            raise SchemaError(f"bad value map {item!r}", hint="write --map-value COLUMN:SOURCE_VALUE=canonical_value, "
                              "e.g. --map-value 订单状态:交易成功=delivered",
                              zh=f"取值映射写法不对 {item!r}",
                              zh_hint="写成 --map-value 列名:原值=标准值，如 --map-value 订单状态:交易成功=delivered")
        result.append((column.strip(), src.strip(), dst.strip()))
    return result


def resolve_value_maps(items: list[str], fields: list[SourceField], path: Path) -> dict[str, dict[str, str]]:
    """Value maps keyed by the source header they apply to; COLUMN is a header of the file or the canonical
    column a header maps to. A column the import does not read is an error (the map would do nothing)."""
    by_name: dict[str, str] = {}
    for f in fields:
        by_name.setdefault(normalise_header(f.header), f.header)
        by_name.setdefault(f.name, f.header)
    result: dict[str, dict[str, str]] = {}
    for column, src, dst in parse_value_maps(items):
        header = by_name.get(normalise_header(column))
        if header is None:
            read = ", ".join(dict.fromkeys(f.header for f in fields))
            raise SchemaError(f"--map-value names column {column!r}, which this import does not read",
                              where=str(path), hint="columns it reads: " + read + " (a file header or the canonical "
                              "column it maps to)",
                              zh=f"--map-value 指定的列 {column!r} 不在本次导入读取的列中",
                              zh_hint="本次读取的列：" + read + "（写文件表头或其对应的标准列名）")
        column_spec = next(f.column for f in fields if f.header == header)
        allowed = {c.lower() for c in column_spec.choices} | {a.lower() for a, _ in column_spec.aliases}
        if column_spec.choices and column_spec.kind is not Kind.EVENT and dst.lower() not in allowed:
            listed = ", ".join(column_spec.choices)
            raise SchemaError(f"--map-value {column}:{src}={dst}: {dst!r} is not a value of {column_spec.name}",
                              where=str(path), hint=f"{column_spec.name} takes: {listed}",
                              zh=f"--map-value {column}:{src}={dst}：{dst!r} 不是 {column_spec.name} 的取值",
                              zh_hint=f"{column_spec.name} 可取：{listed}")
        result.setdefault(header, {})[src] = dst
    return result


def guess_table(header: list[str], path: Path) -> Table:
    """The table whose natural key is in the header and that matches the most columns."""
    names = {normalise_header(h) for h in header}
    best: tuple[int, Table] | None = None
    for table in TABLES:
        key = [k for k in table.key if k != "store_id"] or list(table.key)  # stores: store_id itself
        if not all(k in names for k in key):
            continue
        score = sum(c.name in names for c in table.columns) * 10 - len(table.columns)
        if best is None or score > best[0]:
            best = (score, table)
    if best is None:
        tables = ", ".join(t.name for t in TABLES)
        raise SchemaError("cannot tell which table this file is for", where=str(path),
                          hint="name it: shoplens import orders FILE (tables: " + tables + "), or use --preset",
                          zh="无法判断该文件要导入哪张表",
                          zh_hint="请指明表名：shoplens import orders FILE（可用的表：" + tables
                          + "），或使用 --preset")
    return best[1]


def canonical_plan(table_name: str, header: list[str], path: Path, maps: list[str],
                   defaults: dict[str, str], value_maps: list[str] | None = None) -> FilePlan:
    """Plan for a canonical-column file. ``defaults`` resolves ``$store`` and ``$store_currency``."""
    table = get_table(table_name)
    mapping = parse_maps(maps, table)
    wanted = {c.name: c for c in table.columns}
    fields: list[SourceField] = []
    ignored: list[str] = []
    seen: set[str] = set()
    for raw in header:
        norm = normalise_header(raw)
        name = mapping.get(norm, norm)
        if name in wanted and name not in seen:
            fields.append(SourceField(raw, name, wanted[name]))
            seen.add(name)
        else:
            ignored.append(raw)
    for src in mapping:
        if src not in {normalise_header(h) for h in header}:
            raise SchemaError(f"--map names column {src!r}, which the file does not have", where=str(path),
                              hint="columns in the file: " + ", ".join(header),
                              zh=f"--map 指定的列 {src!r} 在文件中不存在",
                              zh_hint="文件中的列：" + ", ".join(header))
    missing = [c.name for c in table.required_columns if c.name not in seen]
    if missing:
        raise SchemaError(
            f"missing required column(s) for {table.name}: {', '.join(missing)}", where=str(path),
            hint=f"found: {', '.join(header)}; rename with --map SRC=DST or use a --preset",
            zh=f"缺少 {table.name} 表的必填列：{', '.join(missing)}",
            zh_hint=f"文件中的列：{', '.join(header)}；用 --map SRC=DST 改名，或使用 --preset")
    selects = []
    for col in table.columns:
        default = col.default
        if default is not None and default.startswith("$"):
            default = defaults[default]
        if col.name in seen:
            value = quote(col.name)
            if default is not None:
                value = f"coalesce({value}, {lit(default)})"
        else:
            value = f"{lit(default)}" if default is not None else "NULL"
        selects.append(f"CAST({value} AS {col.sql_type}) AS {quote(col.name)}")
    sql = f"SELECT _line, {', '.join(selects)} FROM {{src}}"
    sources = {f.name: f.header for f in fields}
    # parsing only reads types here; "required" and the other model rules are checked on the
    # canonical rows, after defaults, so each bad cell is reported once
    fields = [replace(f, check_required=False) for f in fields]
    return FilePlan(fields=fields, outputs=[Output(table.name, sql, sources)],
                    priority=PRIORITY.get(table.name, 50), ignored_columns=ignored, label=table.name,
                    value_maps=resolve_value_maps(value_maps or [], fields, path))
