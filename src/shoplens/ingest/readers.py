"""Streaming readers: every supported format becomes batches of text cells with line numbers.

Nothing reads a whole file into Python memory: CSV/TSV/JSON Lines are read line by line,
Parquet by row group, Excel with openpyxl's read-only mode. Cells stay text (empty -> None) so
that validation, in the warehouse, sees exactly what the file said.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import math
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from shoplens.errors import ShoplensError

CHUNK_ROWS = 50_000
SAMPLE_BYTES = 1 << 20
Progress = Callable[[int], None]


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


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _binary(path: Path, compressed: bool) -> IO[bytes]:
    return gzip.open(path, "rb") if compressed else open(path, "rb")


# A damaged .gz raises these while streaming; click would turn a bare EOFError into "Aborted".
_CORRUPT_GZIP = (EOFError, gzip.BadGzipFile, zlib.error)


def _corrupt(path: Path, exc: Exception) -> ShoplensError:
    detail = f"{type(exc).__name__}: {exc}"
    return ShoplensError(f"compressed file is truncated or corrupt ({detail})",
                         where=str(path), hint="copy or download it again (`gzip -t FILE` checks it)",
                         zh=f"压缩文件不完整或已损坏（{detail}）",
                         zh_hint="请重新复制或下载该文件（可用 `gzip -t FILE` 检查）")


def _base_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def first_line(path: Path) -> str:
    """The first non-blank line (gzip or not, BOM stripped): lets a preset sniff a header."""
    with _binary(path, _is_gzip(path)) as fh:
        for raw in fh:
            line = raw.decode("utf-8", "replace").lstrip("\ufeff").strip()
            if line:
                return line
    return ""


def detect_format(path: Path) -> str:
    suffix = _base_suffix(path)
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "csv"


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the sample decodes, else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return "utf-8-sig" if encoding == "utf-8" else encoding
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 4 and len(sample) >= SAMPLE_BYTES:
                return "utf-8-sig" if encoding == "utf-8" else encoding  # cut inside a character
    raise ShoplensError("cannot tell the text encoding (neither UTF-8 nor GBK/GB18030)",
                        hint="pass --encoding, e.g. --encoding latin-1",
                        zh="无法识别文件编码（既不是 UTF-8，也不是 GBK/GB18030）",
                        zh_hint="请用 --encoding 指定编码，例如 --encoding latin-1")


def _sniff_delimiter(text: str, path: Path) -> str:
    if _base_suffix(path) in (".tsv", ".tab"):
        return "\t"
    first = text.splitlines()[:20]
    try:
        return csv.Sniffer().sniff("\n".join(first), delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def open_source(path: str | Path, options: ReadOptions | None = None) -> Source:
    """Open ``path``, detect compression, format, encoding and delimiter, and read the header."""
    path = Path(path)
    options = options or ReadOptions()
    if not path.exists():
        raise ShoplensError("file not found", where=str(path), hint="check the path",
                            zh="文件不存在", zh_hint="请检查文件路径")
    if path.is_dir():
        raise ShoplensError("is a directory, not a file", where=str(path), zh="这是文件夹，不是文件")
    fmt = detect_format(path)
    src = Source(path=path, fmt=fmt, columns=[], options=options, size=path.stat().st_size)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        src.columns = list(pq.ParquetFile(path).schema_arrow.names)
        return src
    if fmt == "xlsx":
        src.columns = _xlsx_header(path, options)
        return src
    src.compressed = _is_gzip(path)
    try:
        with _binary(path, src.compressed) as fh:
            sample = fh.read(SAMPLE_BYTES)
    except _CORRUPT_GZIP as exc:
        raise _corrupt(path, exc) from exc
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
        src.columns = _jsonl_columns(text)
        return src
    src.delimiter = options.delimiter or _sniff_delimiter(text, path)
    if options.header:
        first = next(_split_lines(io.StringIO(text), src.delimiter), None)
        src.columns = [c.strip().lstrip("\ufeff") for c in first[1]] if first else []
        if not src.columns:
            raise ShoplensError("the file is empty (no header line)", where=str(path),
                                zh="文件为空（没有表头行）")
    else:
        src.columns = list(options.names or [])
    return src


def _split_lines(fh: IO[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
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


def _jsonl_columns(text: str) -> list[str]:
    columns: dict[str, None] = {}
    for line in text.splitlines()[:1000]:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            columns.update(dict.fromkeys(obj))
    return list(columns)


def _cell(value: Any) -> str | None:
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
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _Batcher:
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
        import pyarrow.compute as pc

        columns = list(zip(*self.rows, strict=True)) if self.rows else []
        arrays = [pa.array(self.lines, pa.int64())]
        for col in columns:
            arr = pa.array(col, pa.string())
            arrays.append(pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr))
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
        yield from _parquet_batches(src, progress)
    elif src.fmt == "xlsx":
        yield from _xlsx_batches(src, progress)
    else:
        try:
            yield from _text_batches(src, progress)
        except _CORRUPT_GZIP as exc:
            raise _corrupt(src.path, exc) from exc
        except csv.Error as exc:  # e.g. an unclosed quote swallowing the rest of the file
            raise ShoplensError(f"cannot split the file into cells ({exc})", where=str(src.path),
                                hint="check the quoting: an unclosed \" runs on to the end of the file",
                                zh=f"无法把文件拆分成单元格（{exc}）",
                                zh_hint="请检查引号：未闭合的 \" 会一直延续到文件末尾") from exc


def _text_batches(src: Source, progress: Progress | None) -> Iterator[pa.RecordBatch]:
    width = len(src.columns)
    batcher = _Batcher(width)
    raw = open(src.path, "rb")  # noqa: SIM115 - closed below; tell() drives the progress bar
    try:
        stream = gzip.GzipFile(fileobj=raw) if src.compressed else raw
        text = io.TextIOWrapper(stream, encoding=src.encoding or "utf-8-sig", errors="surrogateescape",
                                newline="")
        if src.fmt == "jsonl":
            rows = _jsonl_rows(text, src)
        else:
            rows = _csv_rows(text, src, width)
        for count, (line, cells) in enumerate(rows, start=1):
            batch = batcher.add(line, cells)
            if batch is not None:
                yield batch
            if progress and count % 20_000 == 0:
                progress(raw.tell())
        batch = batcher.flush()
        if batch is not None:
            yield batch
        if progress:
            progress(src.size)
    finally:
        raw.close()


def _csv_rows(text: IO[str], src: Source, width: int) -> Iterator[tuple[int, list[str | None]]]:
    records = _split_lines(text, src.delimiter or ",")
    if src.options.header:
        next(records, None)
    for line, cells in records:
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


def _jsonl_rows(text: IO[str], src: Source) -> Iterator[tuple[int, list[str | None]]]:
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
        yield line_no, [_cell(obj.get(name)) for name in src.columns]


def _parquet_batches(src: Source, progress: Progress | None) -> Iterator[pa.RecordBatch]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(src.path)
    done = 0
    for batch in pf.iter_batches(batch_size=CHUNK_ROWS):
        arrays = [pa.array(range(done + 1, done + batch.num_rows + 1), pa.int64())]
        for column in batch.columns:
            if pa.types.is_floating(column.type) or pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
                arrays.append(pa.array([_cell(v) for v in column.to_pylist()], pa.string()))
            else:
                arrays.append(pc.cast(column, pa.string()))
        done += batch.num_rows
        names = ["_line"] + [f"c{i + 1}" for i in range(len(src.columns))]
        yield pa.RecordBatch.from_arrays(arrays, names=names)
        if progress:
            progress(int(src.size * done / max(pf.metadata.num_rows, 1)))


def _xlsx_sheet(path: Path, options: ReadOptions) -> Any:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    if options.sheet:
        if options.sheet not in book.sheetnames:
            raise ShoplensError(f"no sheet {options.sheet!r}", where=str(path),
                                hint=f"sheets: {', '.join(book.sheetnames)}",
                                zh=f"没有工作表 {options.sheet!r}",
                                zh_hint=f"已有工作表：{', '.join(book.sheetnames)}")
        return book, book[options.sheet]
    return book, book.worksheets[0]


def _xlsx_header(path: Path, options: ReadOptions) -> list[str]:
    book, sheet = _xlsx_sheet(path, options)
    try:
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        return [str(v).strip() if v is not None else "" for v in first]
    finally:
        book.close()


def _xlsx_batches(src: Source, progress: Progress | None) -> Iterator[pa.RecordBatch]:
    book, sheet = _xlsx_sheet(src.path, src.options)
    width = len(src.columns)
    batcher = _Batcher(width)
    try:
        for row_no, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            cells = [_cell(v) for v in row]
            if all(c is None for c in cells):
                continue
            if len(cells) > width and any(c is not None for c in cells[width:]):
                src.problems.append(ReadProblem(row_no, "ragged_row", "cells beyond the header",
                                                json.dumps(cells, ensure_ascii=False)))
                continue
            cells = (cells + [None] * width)[:width]
            batch = batcher.add(row_no, cells)
            if batch is not None:
                yield batch
        batch = batcher.flush()
        if batch is not None:
            yield batch
        if progress:
            progress(src.size)
    finally:
        book.close()
