"""Readers for typed formats (Parquet, Excel): cells come back as the text a CSV would hold.

Parquet streams by record batch, Excel through openpyxl's read-only mode, so neither loads the
whole file into Python memory. Line numbers: a Parquet "line" is the 1-based row number, an Excel
line the sheet row (row 1 is the header).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from shoplens.errors import ShoplensError
from shoplens.ingest.readers import (
    CHUNK_ROWS,
    FORMULA_MARK,
    Progress,
    ReadOptions,
    ReadProblem,
    Source,
    batched,
    blank_to_null,
    cell,
    is_totals_row,
)

HEADER_SEARCH_ROWS = 50  # a report's title rows (``ReadOptions.find_header``) sit within its first rows


def _unreadable(path: Path, kind: str, exc: Exception) -> ShoplensError:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ShoplensError(f"not a readable {kind} file ({detail})", where=str(path),
                         hint=f"check that the file is a complete {kind} file (export it again)",
                         zh=f"无法读取的 {kind} 文件（{detail}）",
                         zh_hint=f"请确认文件是完整的 {kind} 文件（重新导出）")


def _parquet_file(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(path, "Parquet", exc) from None


def parquet_columns(path: Path) -> list[str]:
    return list(_parquet_file(path).schema_arrow.names)


def parquet_batches(src: Source, progress: Progress | None) -> Iterator[pa.RecordBatch]:
    pf = _parquet_file(src.path)
    done = 0
    names = ["_line"] + [f"c{i + 1}" for i in range(len(src.columns))]
    for batch in pf.iter_batches(batch_size=CHUNK_ROWS):
        arrays = [pa.array(range(done + 1, done + batch.num_rows + 1), pa.int64())]
        for column in batch.columns:
            kind = column.type
            if pa.types.is_floating(kind) or pa.types.is_timestamp(kind) or pa.types.is_date(kind):
                arrays.append(pa.array([cell(v) for v in column.to_pylist()], pa.string()))
            elif pa.types.is_nested(kind):  # structs and lists (a GA4 export) as the JSON text JSON Lines give
                arrays.append(pa.array([_nested_cell(v) for v in column.to_pylist()], pa.string()))
            else:  # an empty string is an empty cell, as in a CSV
                arrays.append(blank_to_null(pc.cast(column, pa.string())))
        done += batch.num_rows
        yield pa.RecordBatch.from_arrays(arrays, names=names)
        if progress:
            progress(int(src.size * done / max(pf.metadata.num_rows, 1)))


def _nested_cell(value: Any) -> str | None:
    """A struct or list cell as JSON text (nested timestamps or bytes as their text)."""
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _xlsx_sheet(path: Path, options: ReadOptions) -> Any:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _unreadable(path, "Excel", exc) from None
    sheets = ", ".join(book.sheetnames)
    if options.sheet:
        if options.sheet not in book.sheetnames:
            book.close()
            raise ShoplensError(f"no sheet {options.sheet!r}", where=str(path), hint=f"sheets: {sheets}",
                                zh=f"没有工作表 {options.sheet!r}", zh_hint=f"已有工作表：{sheets}")
        return book, book[options.sheet]
    if len(book.sheetnames) > 1:  # importing only the first of several would silently lose the others
        book.close()
        raise ShoplensError("the workbook has several sheets", where=str(path),
                            hint=f"choose one with --sheet (sheets: {sheets})",
                            zh="工作簿中有多个工作表", zh_hint=f"请用 --sheet 指定（已有工作表：{sheets}）")
    return book, book.worksheets[0]


def xlsx_columns(path: Path, options: ReadOptions) -> list[str]:
    book, sheet = _xlsx_sheet(path, options)
    try:
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        return [str(v).strip() if v is not None else "" for v in first]
    finally:
        book.close()


def find_xlsx_header(src: Source) -> None:
    """``find_header`` on a sheet: the first row holding those names is the header, non-empty rows above it
    are title rows (``src.skipped``); none within the first rows: the first row, as usual."""
    book, sheet = _xlsx_sheet(src.path, src.options)
    try:
        rows = sheet.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True)
        titles = 0
        for row_no, row in enumerate(rows, start=1):
            names = [str(v).strip() if v is not None else "" for v in row]
            if set(src.options.find_header) <= set(names):
                src.columns, src.header_line = names, row_no
                if titles:
                    src.skipped["title_rows"] = titles
                return
            titles += any(names)
    finally:
        book.close()
    src.columns = xlsx_columns(src.path, src.options)


def _sheet_rows(book: Any, sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """(sheet row, cell values) of every row, cached values of formulas; a formula cell that has no
    cached value (never calculated: written by a script, or a WEBSERVICE call) comes back as
    ``FORMULA_MARK + formula`` instead of the None that means an empty cell.

    openpyxl's ``data_only`` reading returns None for both, so its parser is extended to tell them
    apart: the sheet XML has ``<f>`` and no ``<v>``, or an empty ``<v/>`` in a cell that is not a
    text result (an empty text result, ``t="str"``, is an empty cell). The test builds such a workbook.
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            parsed = super().parse_cell(element)
            if parsed["value"] is None and element.find(FORMULA_TAG) is not None:
                cached = element.find(VALUE_TAG)
                if cached is None or (not cached.text and element.get("t", "n") not in ("str", "s", "inlineStr")):
                    parsed["value"] = FORMULA_MARK + str(self.parse_formula(element))
            return parsed

    with sheet._get_source() as src:
        parser = Parser(src, sheet._shared_strings, data_only=True, epoch=book.epoch,
                        date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for row_no, cells in parser.parse():
            values: list[Any] = [None] * max((c["column"] for c in cells), default=0)
            for c in cells:
                values[c["column"] - 1] = c["value"]
            yield row_no, values


def _xlsx_rows(book: Any, sheet: Any, src: Source) -> Iterator[tuple[int, list[str | None]]]:
    width = len(src.columns)
    for row_no, row in _sheet_rows(book, sheet):
        if row_no <= src.header_line:  # the header (and any title rows above it)
            continue
        cells = [cell(v) for v in row]
        if all(c is None for c in cells):
            continue
        if src.options.skip_totals and is_totals_row([c or "" for c in cells]):
            src.skipped["totals_rows"] = src.skipped.get("totals_rows", 0) + 1
            continue
        if len(cells) > width and any(c is not None for c in cells[width:]):
            src.problems.append(ReadProblem(row_no, "ragged_row", "cells beyond the header",
                                            json.dumps(cells, ensure_ascii=False)))
            continue
        yield row_no, (cells + [None] * width)[:width]


def xlsx_batches(src: Source, progress: Progress | None) -> Iterator[pa.RecordBatch]:
    book, sheet = _xlsx_sheet(src.path, src.options)
    try:
        yield from batched(_xlsx_rows(book, sheet, src), src, progress, lambda: 0)
    finally:
        book.close()
