"""Physical lines of a text file, each at most ``MAX_LINE_CHARS`` long, so no line can take the memory.

Python's own line iteration builds a whole line before anyone can look at it: a 14 MB gzip that
expands to one 3 GB line took 6 GB of RAM before the CSV reader said anything. Reading with a
length limit stops at the first line that runs past it, naming it, after at most that many characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO

from shoplens.errors import ShoplensError

MAX_LINE_CHARS = 1 << 20  # one line of a CSV / JSON Lines file (csv's own limit per cell is 131,072)
CHUNK_CHARS = 16 << 20  # text per batch handed to DuckDB, whatever the number of lines


def line_too_long(path: Path | str, line: int, limit: int = MAX_LINE_CHARS) -> ShoplensError:
    return ShoplensError(
        f"line {line:,} is longer than {limit:,} characters", where=f"{path}:{line}",
        hint="a file without line breaks, or not a CSV / JSON Lines file? export it again with one record per "
        f"line; no line may be longer than {limit:,} characters",
        zh=f"第 {line:,} 行超过 {limit:,} 个字符",
        zh_hint=f"文件没有换行，或不是 CSV / JSON Lines 文件？请重新导出为每行一条记录；单行不能超过 {limit:,} 个字符")


class BoundedLines:
    """Iterates the lines of ``text`` (line endings kept), refusing one longer than ``limit`` characters.

    ``line`` is the number of the last line read and ``chars`` the characters read so far (batches
    are cut by size as well as by rows).
    """

    def __init__(self, text: IO[str], path: Path | str, limit: int = MAX_LINE_CHARS, first_line: int = 0) -> None:
        self.text, self.path, self.limit = text, path, limit
        self.line = first_line
        self.chars = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        # two characters more than the limit: a line of exactly ``limit`` plus "\r\n" is still whole
        line = self.text.readline(self.limit + 2)
        if not line:
            raise StopIteration
        self.line += 1
        self.chars += len(line)
        if len(line) > self.limit and len(line.rstrip("\r\n")) > self.limit:
            raise line_too_long(self.path, self.line, self.limit)
        return line


def binary_lines(fh: IO[bytes], path: Path | str, limit: int = MAX_LINE_CHARS) -> Iterator[bytes]:
    """The lines of a binary stream, with the same length limit (in bytes)."""
    number = 0
    while True:
        raw = fh.readline(limit + 2)
        if not raw:
            return
        number += 1
        if len(raw) > limit and len(raw.rstrip(b"\r\n")) > limit:
            raise line_too_long(path, number, limit)
        yield raw
