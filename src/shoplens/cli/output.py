"""Rendering results as a Rich table, JSON (the stable contract) or CSV."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console, ConsoleDimensions
from rich.table import Table

from shoplens.csv_out import write_csv

UNWRAPPED = 100_000  # "no width": lines and table cells stay whole


class _Console(Console):
    """A Rich console that wraps at the terminal's width, and not at all when its output is not a terminal
    (piped to another program or a file: ``grep``/``awk`` need whole lines, never ``product_v`` / ``iew``).
    ``$COLUMNS``, when set, is the width either way."""

    @property
    def size(self) -> ConsoleDimensions:
        dims = super().size
        isatty = getattr(self.file, "isatty", None)
        if self._width is None and "COLUMNS" not in self._environ and not (isatty and isatty()):
            return ConsoleDimensions(UNWRAPPED, dims.height)
        return dims

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


console = _Console()
err_console = _Console(stderr=True)


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


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV on stdout through the one safe writer (:mod:`shoplens.csv_out`: no cell runs as a formula;
    a missing value is an empty cell)."""
    write_csv(sys.stdout, header, rows)


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
