"""Header handling shared by presets of shop-platform exports (Shopify, WooCommerce).

These exports name columns in words ("Lineitem price") and write order-level values on only
some lines of an order, so the presets need: the fields a header has (optional ones become NULL
so the SQL stays the same), a wrong-kind error that says which preset the file looks like, and a
"fill per group" expression.
"""

from __future__ import annotations

from pathlib import Path

from shoplens.errors import SchemaError
from shoplens.model import Column, Kind
from shoplens.presets.base import SourceField

# internal name -> (accepted headers, type, header required, cell required on every line)
FieldSpec = dict[str, tuple[tuple[str, ...], Kind, bool, bool]]


def pick_fields(header: list[str], spec: FieldSpec, path: Path, preset: str, kind_en: str,
                kind_zh: str) -> tuple[list[SourceField], dict[str, str]]:
    """Source fields the header has, and NULL stand-ins for absent optional ones.

    Raises a SchemaError naming the missing required columns (the import adds which preset the file looks
    like).
    """
    by_norm = {h.strip().lower(): h for h in header}
    fields, absent, missing = [], {}, []
    for name, (accepted, kind, required, cell) in spec.items():
        found = next((by_norm[a.lower()] for a in accepted if a.lower() in by_norm), None)
        if found is None:
            if required:
                missing.append(" or ".join(accepted))
            absent[name] = f"CAST(NULL AS {Column(name, kind, '').sql_type})"
            continue
        fields.append(SourceField(found, name, Column(name, kind, "", required=cell)))
    if missing:
        hint = "expected columns: " + ", ".join(a[0] for a, _k, req, _c in spec.values() if req)
        zh_hint = "应包含列：" + ", ".join(a[0] for a, _k, req, _c in spec.values() if req)
        raise SchemaError(f"not a {kind_en}: missing {', '.join(missing)}", where=str(path), hint=hint,
                          zh=f"不是{kind_zh}：缺少列 {', '.join(missing)}", zh_hint=zh_hint)
    return fields, absent


def has_all(header: list[str], names: tuple[str, ...]) -> bool:
    """Whether every one of ``names`` is a column of ``header`` (case and spaces ignored)."""
    norm = {h.strip().lower() for h in header}
    return all(n.lower() in norm for n in names)


def fill(column: str, group: str) -> str:
    """The group's first non-empty value of ``column`` on every line of the group (file order)."""
    return (f"first_value({column} IGNORE NULLS) OVER (PARTITION BY {group} ORDER BY _line "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)")


def order_complete(header: list[str], fields: list[SourceField], numbers: tuple[str, ...],
                   group: str, extra: str = "") -> dict[str, str]:
    """Computed columns ``line_ok`` (the line's own ``numbers`` are present, readable and not negative)
    and ``order_ok`` (every line of its ``group`` is), so a rule can refuse an order whole: a partly
    loaded order would show a wrong GMV."""
    position = {h: header.index(h) + 1 for h in header}  # first column of a repeated header, as the pipeline reads
    by_name = {f.name: f.header for f in fields}
    checks = [f"(coalesce(trim(c{position[by_name[n]]}), '') <> '' AND {n} IS NOT NULL AND {n} >= 0)"
              for n in numbers]
    ok = " AND ".join(checks + ([f"({extra})"] if extra else []))
    return {"line_ok": f"coalesce({ok}, false)",
            "order_ok": f"bool_and(coalesce({ok}, false)) OVER (PARTITION BY {group})"}


def ignored(header: list[str], fields: list[SourceField]) -> list[str]:
    used = {f.header for f in fields}
    return [h for h in header if h not in used]
