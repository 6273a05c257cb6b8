"""What the Chinese platform presets (tmall-orders, sycm-*) share: finding their columns by the
platform's Chinese header names, and a wrong-kind error that says which preset the file looks like.

Each preset lists its fields as ``name -> (accepted headers, type, required)``; the first accepted
header present in the file is read. A missing optional column reads as NULL, so the output SQL is
the same for every layout variant of a report.
"""

from __future__ import annotations

from pathlib import Path

from shoplens.errors import SchemaError
from shoplens.model import Column, Kind
from shoplens.presets.base import SourceField

Fields = dict[str, tuple[tuple[str, ...], Kind, bool]]


def clean_id(sql: str) -> str:
    """An id as Excel-safe exports write it (=\"2954…\", '2954…, a trailing tab) -> the digits' text."""
    return f"nullif(regexp_replace(trim({sql}), '^=?\"?''?|\"$', '', 'g'), '')"

def clean(header: list[str]) -> dict[str, str]:
    """Header text as the platform writes it -> the header as read (spaces and BOM removed)."""
    out: dict[str, str] = {}
    for h in header:
        out.setdefault(h.strip().lstrip("\ufeff").replace(" ", ""), h)
    return out


def has_all(header: list[str], names: tuple[str, ...]) -> bool:
    present = clean(header)
    return all(n in present for n in names)


def resolve(fields: Fields, header: list[str], blank: tuple[str, ...] = ()) -> tuple[
        list[SourceField], dict[str, str], list[str]]:
    """The source fields found, SQL for the optional ones that are absent (NULL of their type), and the
    required ones that are missing (each as "A or B"). ``blank``: cell texts that mean "no value" in
    the number columns (a report's dash)."""
    present = clean(header)
    found: list[SourceField] = []
    absent: dict[str, str] = {}
    missing: list[str] = []
    for name, (accepted, kind, required) in fields.items():
        hit = next((present[a] for a in accepted if a in present), None)
        col = Column(name, kind, "", required=required)
        if hit is None:
            if required:
                missing.append(" or ".join(accepted))
            absent[name] = f"CAST(NULL AS {col.sql_type})"
            continue
        found.append(SourceField(hit, name, col, blank=() if kind is Kind.STRING else blank))
    return found, absent, missing


def wrong_kind(preset: str, what: tuple[str, str], header: list[str], path: Path, missing: list[str],
               expected: tuple[str, str]) -> SchemaError:
    """A file of the wrong kind (``what``/``expected``: English, Chinese): what is missing, if anything (a
    traffic report has every column of the trade report, and more). The import adds which preset it looks like
    (ingest/auto_preset.py)."""
    shown = ", ".join(header[:6]) + (", …" if len(header) > 6 else "")
    lacks = f": missing {', '.join(missing)}" if missing else ""
    lacks_zh = f"：缺少列 {', '.join(missing)}" if missing else ""
    return SchemaError(f"not a {what[0]}{lacks} (columns: {shown})", where=str(path),
                       hint=f"expected {expected[0]}",
                       zh=f"不是{what[1]}{lacks_zh}（列：{shown}）",
                       zh_hint=f"应包含 {expected[1]}")
