"""Streaming readers: every supported format becomes batches of text cells with line numbers.

Nothing reads a whole file into Python memory: CSV/TSV/JSON Lines are read line by line (no line
longer than ``lines.MAX_LINE_CHARS``), Parquet by row group, Excel with openpyxl's read-only mode;
batches are cut at ``CHUNK_ROWS`` rows or ``lines.CHUNK_CHARS`` characters, whichever comes first.
Cells stay text (empty -> None) so that validation, in the warehouse, sees exactly what the file said.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from shoplens.errors import ShoplensError
from shoplens.ingest.file_kind import (  # noqa: F401  (first_line: presets sniff headers through readers)
    CORRUPT_GZIP,
    SAMPLE_BYTES,
    base_suffix,
    corrupt_error,
    detect_encoding,
    detect_format,
    first_line,
    is_gzip,
    open_binary,
    sniff_delimiter,
)
from shoplens.ingest.lines import CHUNK_CHARS, BoundedLines, line_too_long

CHUNK_ROWS = 50_000
Progress = Callable[[int], None]


# A formula cell without a cached value (Excel): this prefix, then the formula. Private-use
# characters, so no real cell text starts with it; the pipeline quarantines such cells where
# they are used (``formula_without_value``), never reading them as empty.
FORMULA_MARK = "\ue000formula\ue000"
# a whole number of 16+ digits held as a float (an Excel number cell, a float column): its last digits are already
# gone (Excel keeps 15 significant digits), so two 19-digit order ids may have become one; the pipeline quarantines
# such a cell (``number_lost_digits``) instead of loading a wrong id
DIGITS_MARK = "\ue000digits\ue000"


@dataclass
class ReadProblem:
    """A line that could not even be split into cells (kept in quarantine with its text)."""

    line: int
    reason: str
    message: str
    raw: str


@dataclass
class ReadOptions:
    header: bool = True
    names: list[str] | None = None  # column names when the file has no header
    delimiter: str | None = None  # None: by extension or sniffed; "whitespace": split on runs of blanks
    encoding: str | None = None  # None: UTF-8 (BOM or not), else GB18030, detected
    sheet: str | None = None
    # platform reports (生意参谋) carry title rows above the header: the header is the first line holding
    # all of these names; the lines above it are skipped and counted (``Source.skipped["title_rows"]``)
    find_header: tuple[str, ...] = ()
    skip_totals: bool = False  # a 合计/总计/汇总/Total row (first cell) is skipped and counted, never loaded


TOTALS_WORDS = frozenset({"合计", "总计", "汇总", "总和", "total", "totals", "grand total", "sum"})


def is_totals_row(cells: list[str]) -> bool:
    """A report's summary line: its first non-blank cell is a totals word (合计, 总计, Total …)."""
    first = next((c.strip() for c in cells if c and c.strip()), "")
    return first.rstrip(":：").lower() in TOTALS_WORDS


@dataclass
class Source:
    """An opened input file: its detected format and header."""

    path: Path
    fmt: str  # csv, jsonl, parquet, xlsx
    columns: list[str]
    options: ReadOptions
    encoding: str | None = None
    delimiter: str | None = None
    compressed: bool = False
    size: int = 0
    problems: list[ReadProblem] = field(default_factory=list)
    header_line: int = 1  # the line the header starts on (after title rows)
    skipped: dict[str, int] = field(default_factory=dict)  # title_rows / totals_rows: read but not data


def check_file(path: Path) -> None:
    """A readable file, else the one-line error (before a preset or a reader looks inside)."""
    if not path.exists():
        raise ShoplensError("file not found", where=str(path), hint="check the path",
                            zh="文件不存在", zh_hint="请检查文件路径")
    if path.is_dir():
        raise ShoplensError("is a directory, not a file", where=str(path), zh="这是文件夹，不是文件")


def open_source(path: str | Path, options: ReadOptions | None = None) -> Source:
    """Open ``path``, detect compression, format, encoding and delimiter, and read the header."""
    path = Path(path)
    options = options or ReadOptions()
    check_file(path)
    fmt = detect_format(path)
    src = Source(path=path, fmt=fmt, columns=[], options=options, size=path.stat().st_size)
    if fmt in ("parquet", "xlsx"):
        from shoplens.ingest import spreadsheet_readers as typed

        if fmt == "xlsx" and options.find_header:
            typed.find_xlsx_header(src)
        else:
            src.columns = typed.parquet_columns(path) if fmt == "parquet" else typed.xlsx_columns(path, options)
        if fmt == "xlsx" and not any(src.columns):
            raise ShoplensError("the sheet is empty (no header in its first row)", where=str(path),
                                zh="工作表为空（第一行没有表头）")
        return src
    src.compressed = is_gzip(path)
    try:
        with open_binary(path, src.compressed) as fh:
            sample = fh.read(SAMPLE_BYTES)
    except CORRUPT_GZIP as exc:
        raise corrupt_error(path, exc) from exc
    if len(sample) == SAMPLE_BYTES and not any(end in sample for end in (b"\n", b"\r")):
        raise line_too_long(path, 1)  # the whole sample is one line: do not build a header from it
    try:
        src.encoding = options.encoding or detect_encoding(sample)
        codecs.lookup(src.encoding)
    except ShoplensError as exc:
        exc.where = str(path)
        raise
    except LookupError:
        raise ShoplensError(f"unknown text encoding {src.encoding!r}", where=str(path),
                            hint="e.g. --encoding utf-8, gbk, gb18030 or latin-1",
                            zh=f"未知的文件编码 {src.encoding!r}",
                            zh_hint="例如 --encoding utf-8、gbk、gb18030 或 latin-1") from None
    text = sample.decode(src.encoding, errors="replace")
    if fmt == "jsonl":
        src.columns = _jsonl_columns(src)
        if not src.columns:
            raise ShoplensError("the file is empty (no line holds a JSON object)", where=str(path),
                                zh="文件为空（没有一行是 JSON 对象）")
        return src
    src.delimiter = options.delimiter or sniff_delimiter(text, path)
    if options.header and options.find_header:
        _find_header(src, text)
    elif options.header:
        first = next(_split_lines(io.StringIO(text), src.delimiter), None)
        src.columns = [c.strip().lstrip("\ufeff") for c in first[1]] if first else []
        if not src.columns:
            raise ShoplensError("the file is empty (no header line)", where=str(path),
                                zh="文件为空（没有表头行）")
    else:
        src.columns = list(options.names or [])
    return src


def _find_header(src: Source, text: str) -> None:
    """The first record holding every name of ``find_header`` is the header; records above it are
    title rows (counted in ``src.skipped``). Searched in the first MiB, like the delimiter."""
    wanted = set(src.options.find_header)
    for titles, (line, cells) in enumerate(_split_lines(io.StringIO(text), src.delimiter or ",")):
        names = [c.strip().lstrip("\ufeff") for c in cells]
        if wanted <= set(names):
            src.columns, src.header_line = names, line
            if titles:
                src.skipped["title_rows"] = titles
            return
    # no such line: the first one is the header, so the preset can say what kind of file this is instead
    first = next(_split_lines(io.StringIO(text), src.delimiter or ","), None)
    src.columns = [c.strip().lstrip("\ufeff") for c in first[1]] if first else []
    src.header_line = first[0] if first else 1
    if not src.columns:
        raise ShoplensError("the file is empty (no header line)", where=str(src.path), zh="文件为空（没有表头行）")


def _split_lines(fh: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) per record; quoted newlines keep the record's first line."""
    if delimiter == "whitespace":
        for number, line in enumerate(fh, start=1):
            if line.strip():
                yield number, line.split()
        return
    reader = csv.reader(fh, delimiter=delimiter)
    previous_end = 0
    for cells in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if cells:
            yield start, cells


def _jsonl_columns(src: Source) -> list[str]:
    """Every key of every object, in order of first appearance: one streaming pass over the file, so
    a key that first shows up on line 1,200 is not silently dropped."""
    columns: dict[str, None] = {}
    with open_binary(src.path, src.compressed) as raw:
        text = io.TextIOWrapper(raw, encoding=src.encoding or "utf-8-sig", errors="replace")
        for line in BoundedLines(text, src.path):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                columns.update(dict.fromkeys(obj))
    return list(columns)


def cell(value: Any) -> str | None:
    """Typed cells (Parquet, Excel, JSON) back to the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) >= 1e15:
            # a long id stored as a number: marked, with the digits the cell still holds (3.02123456789012e+18 ->
            # 3021234567890120000, never the binary float's invented tail) for the quarantine to show
            return DIGITS_MARK + str(int(Decimal(repr(value))))
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def blank_to_null(arr: pa.Array) -> pa.Array:
    """An empty cell is no value, whatever the format."""
    import pyarrow.compute as pc

    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


class Batcher:
    """Collects rows and emits Arrow batches of ``_line`` + c1..cn (all text, empty -> null)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[int] = []
        self.rows: list[list[str | None]] = []

    def add(self, line: int, cells: list[str | None]) -> pa.RecordBatch | None:
        self.lines.append(line)
        self.rows.append(cells)
        return self.flush() if len(self.lines) >= CHUNK_ROWS else None

    def flush(self) -> pa.RecordBatch | None:
        if not self.lines:
            return None

        columns = list(zip(*self.rows, strict=True)) if self.rows else []
        arrays = [pa.array(self.lines, pa.int64())]
        for col in columns:
            arrays.append(blank_to_null(pa.array(col, pa.string())))
        names = ["_line"] + [f"c{i + 1}" for i in range(self.width)]
        self.lines, self.rows = [], []
        return pa.RecordBatch.from_arrays(arrays, names=names)


def _has_surrogates(cells: list[str]) -> bool:
    """Undecodable bytes survive as lone surrogates (errors="surrogateescape"), which UTF-8 refuses."""
    try:
        "".join(cells).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def iter_batches(src: Source, progress: Progress | None = None) -> Iterator[pa.RecordBatch]:
    """Yield Arrow batches; unsplittable lines are appended to ``src.problems``."""
    if src.fmt == "parquet":
        from shoplens.ingest.spreadsheet_readers import parquet_batches

        yield from parquet_batches(src, progress)
    elif src.fmt == "xlsx":
        from shoplens.ingest.spreadsheet_readers import xlsx_batches

        yield from xlsx_batches(src, progress)
    else:
        try:
            yield from _text_batches(src, progress)
        except CORRUPT_GZIP as exc:
            raise corrupt_error(src.path, exc) from exc


def batched(rows: Iterator[tuple[int, list[str | None]]], src: Source, progress: Progress | None,
            position: Callable[[], int], size: Callable[[], int] | None = None) -> Iterator[pa.RecordBatch]:
    """(line, cells) rows -> Arrow batches of ≤ CHUNK_ROWS rows and ≤ ~CHUNK_CHARS of text (``size()``: characters
    read so far), reporting ``position()`` (bytes read) to the progress bar."""
    batcher = Batcher(len(src.columns))
    cut = CHUNK_CHARS
    for count, (line, cells) in enumerate(rows, start=1):
        batch = batcher.add(line, cells)
        if batch is None and size is not None and count % 64 == 0 and size() >= cut:
            batch = batcher.flush()
        if batch is not None:
            cut = size() + CHUNK_CHARS if size is not None else cut
            yield batch
        if progress and count % 20_000 == 0:
            progress(position())
    batch = batcher.flush()
    if batch is not None:
        yield batch
    if progress:
        progress(src.size)


def _text_batches(src: Source, progress: Progress | None) -> Iterator[pa.RecordBatch]:
    raw = open(src.path, "rb")  # noqa: SIM115 - closed below; tell() drives the progress bar
    try:
        stream = gzip.GzipFile(fileobj=raw) if src.compressed else raw
        text = io.TextIOWrapper(stream, encoding=src.encoding or "utf-8-sig", errors="surrogateescape",
                                newline="")
        lines = BoundedLines(text, src.path)
        rows = _jsonl_rows(lines, src) if src.fmt == "jsonl" else _csv_rows(lines, src, len(src.columns))
        yield from batched(rows, src, progress, raw.tell, lambda: lines.chars)
    except csv.Error as exc:  # e.g. an unclosed quote swallowing the rest of the file
        raise ShoplensError(f"cannot split the file into cells ({exc})", where=f"{src.path}:{lines.line}",
                            hint="check the quoting: an unclosed \" runs on to the end of the file",
                            zh=f"无法把文件拆分成单元格（{exc}）",
                            zh_hint="请检查引号：未闭合的 \" 会一直延续到文件末尾") from exc
    finally:
        raw.close()


def _csv_rows(text: Iterator[str], src: Source, width: int) -> Iterator[tuple[int, list[str | None]]]:
    records = _split_lines(text, src.delimiter or ",")
    if src.options.header:
        for line, _cells in records:  # the header (after any title rows)
            if line >= src.header_line:
                break
    for line, cells in records:
        if src.options.skip_totals and is_totals_row(cells):
            src.skipped["totals_rows"] = src.skipped.get("totals_rows", 0) + 1
            continue
        if len(cells) != width:
            src.problems.append(ReadProblem(
                line, "ragged_row", f"{len(cells)} cells where the header has {width}",
                json.dumps(cells, ensure_ascii=False, default=str)))
            continue
        if _has_surrogates(cells):
            src.problems.append(ReadProblem(
                line, "bad_encoding", f"bytes that are not valid {src.encoding}",
                json.dumps([c.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for c in cells],
                           ensure_ascii=False)))
            continue
        yield line, list(cells)


def _jsonl_rows(text: Iterator[str], src: Source) -> Iterator[tuple[int, list[str | None]]]:
    for line_no, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            src.problems.append(ReadProblem(line_no, "bad_json_line", f"not a JSON object ({exc})",
                                            json.dumps(line.rstrip("\n"), ensure_ascii=False)))
            continue
        cells = [cell(obj.get(name)) for name in src.columns]
        if _has_surrogates([c for c in cells if c is not None]):  # "\ud800" is valid JSON but no UTF-8 text
            src.problems.append(ReadProblem(line_no, "bad_encoding", "text that is not valid UTF-8 (a lone surrogate)",
                                            json.dumps(line.rstrip("\n"))))
            continue
        yield line_no, cells
