"""Rendering results as a Rich table, JSON (the stable contract) or CSV."""

from __future__ import annotations

import codecs
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console, ConsoleDimensions, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from shoplens.csv_out import write_csv
from shoplens.json_text import json_bytes

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


def _escaped(text: str) -> str:
    """JSON text with every non-ASCII character as a ``\\uXXXX`` escape (a surrogate pair above U+FFFF): outside
    strings JSON is ASCII, so the document stays the same, and any encoding can carry it."""
    def escape(m: re.Match[str]) -> str:
        code = ord(m.group())
        if code <= 0xFFFF:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return re.sub(r"[^\x00-\x7f]", escape, text)


def write_json(out: bytes) -> None:
    """UTF-8 JSON (plus a newline) on stdout: as bytes where stdout is a UTF-8 stream (50 k SKUs are ~36 MB;
    decoding them only to encode them again costs 0.05 s); as text where stdout has no byte buffer (a test's or a
    tool's stand-in); escaped to ASCII where stdout is in another encoding (redirected output on a GBK Windows,
    ``PYTHONIOENCODING=gbk``), which any encoding carries and any JSON reader decodes."""
    buffer = getattr(sys.stdout, "buffer", None)
    try:
        utf8 = codecs.lookup(getattr(sys.stdout, "encoding", None) or "utf-8").name == "utf-8"
    except LookupError:
        utf8 = False
    if buffer is None or not utf8:
        sys.stdout.write((out.decode() if utf8 or buffer is None else _escaped(out.decode())) + "\n")
        return
    sys.stdout.flush()
    buffer.write(out + b"\n")
    buffer.flush()


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (:func:`write_json`)."""
    write_json(json_bytes(data, indent=True))


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV on stdout through the one safe writer (:mod:`shoplens.csv_out`: no cell runs as a formula;
    a missing value is an empty cell)."""
    write_csv(sys.stdout, header, rows)


def print_result(result: Any, fmt: Format, table: Callable[[Any], None]) -> None:
    """One result in the asked format: json → ``result.to_dict()`` (the stable contract); csv →
    ``result.csv_table()`` on stdout and ``result.notes`` on stderr (stdout stays plain CSV); table →
    ``table(result)``, the command's own rendering."""
    if fmt is Format.json:
        print_json(result.to_dict())
    elif fmt is Format.csv:
        print_csv(*result.csv_table())
        print_notes(result.notes, err_console)
    else:
        table(result)


class TitledTable(Table):
    """A table whose title is printed on its own line, as wide as the console allows: Rich cuts a title at the
    table's width (``Values of member_tier`` / ``· demo · all dates``), so a narrow table piped to another
    program would split its title. A terminal still wraps the title at its edge; a pipe never does."""

    heading: str = ""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.heading:
            yield Text(self.heading, style="table.title")
        yield from super().__rich_console__(console, options)


def rich_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]],
               numeric: Sequence[int] = (), markup: bool = False) -> TitledTable:
    """Title, header and cells are plain text (``purchase[channel=kol]`` is data, not a Rich style);
    ``markup=True`` reads the cells as Rich markup, for callers that escape their data and colour some cells
    (the metrics' changes)."""
    table = TitledTable()
    table.heading = title
    for i, name in enumerate(header):
        table.add_column(Text(name), justify="right" if i in numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*[fmt_cell(v) if markup else Text(fmt_cell(v)) for v in row])
    return table


def fmt_cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_notes(notes: dict[str, dict[str, Any]] | list[dict[str, Any]], out: Console | None = None) -> None:
    """A result's notes (why numbers are 0 or missing), one line each in the output language; CSV output puts
    them on stderr so stdout stays plain CSV."""
    from shoplens.i18n import lang

    for note in notes.values() if isinstance(notes, dict) else notes:
        (out or console).print(f"* {note[lang()]}", highlight=False, markup=False)


def dimension_name(dim: str) -> str:
    """A dimension in a table's title or header ("按设备拆分", "分组（渠道）"): with ``--lang zh`` the metrics
    catalog's name of it (or value_labels' ``dimension`` table for those the catalog does not list), in English
    the id itself, as value_labels does for values (it is what the next ``--by`` takes)."""
    from shoplens.i18n import lang
    from shoplens.metrics import load_catalog
    from shoplens.value_labels import cell

    if lang() != "zh":
        return dim
    known = load_catalog().dimensions.get(dim)
    return known.zh if known is not None else str(cell("dimension", dim))
