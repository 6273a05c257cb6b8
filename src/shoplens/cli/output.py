"""Rendering results as a Rich table, JSON (the stable contract) or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


class Format(StrEnum):
    """table|json|csv (commands that list rows)."""

    table = "table"
    json = "json"
    csv = "csv"


class Shape(StrEnum):
    """table|json (commands that report a summary)."""

    table = "table"
    json = "json"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """CSV on stdout; a missing value (None, NaN, NaT) is an empty cell, never the text ``nan``."""
    writer = csv.writer(sys.stdout)
    writer.writerow(header)
    writer.writerows([["" if _missing(v) else v for v in row] for row in rows])


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or type(value).__name__ == "NaTType"


def rich_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]],
               numeric: Sequence[int] = ()) -> Table:
    table = Table(title=title, title_justify="left")
    for i, name in enumerate(header):
        table.add_column(name, justify="right" if i in numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*[fmt_cell(v) for v in row])
    return table


def fmt_cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_notes(notes: dict[str, dict[str, Any]], out: Console | None = None) -> None:
    """A result's notes (why numbers are 0 or missing), one line each in the output language; CSV output puts
    them on stderr so stdout stays plain CSV."""
    from shoplens.i18n import lang

    for note in notes.values():
        (out or console).print(f"* {note[lang()]}", highlight=False, markup=False)
