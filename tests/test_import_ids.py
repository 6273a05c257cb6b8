"""Long numeric ids stay text, exactly (issue #15, part 2): a 19-digit 订单编号 from CSV, TSV, JSON Lines (a JSON
number), Parquet (int64) and xlsx (a number cell, a text cell, and the ="…" / leading-apostrophe / tab forms exports
use to protect ids from Excel). Excel itself keeps 15 significant digits of a number: what the cell holds is kept.
"""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shoplens.ingest.pipeline import import_files

IDS = [3021234567890123456, 9223372036854775807, 1000000000000000001]  # 2^63 - 1 too: no float is that exact
TS = "2026-11-11 10:00:00"


def _load(wh, path: Path, quarantined: int = 0) -> dict[str, Decimal]:
    summary = import_files(wh, [path], table="orders", store="s", currency="CNY", timezone="Asia/Shanghai")
    assert summary.quarantined == quarantined, summary.examples
    return dict(wh.con.execute("SELECT order_id, gross_amount FROM orders").fetchall())


def _want() -> dict[str, Decimal]:
    return {str(i): Decimal(n + 1) for n, i in enumerate(IDS)}


def test_csv(wh, tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("order_id,created_ts,gross_amount\n" + "".join(f"{i},{TS},{n + 1}\n" for n, i in enumerate(IDS)))
    assert _load(wh, path) == _want()


def test_tsv(wh, tmp_path: Path) -> None:
    path = tmp_path / "o.tsv"
    lines = "".join(f"{i}\t{TS}\t{n + 1}\n" for n, i in enumerate(IDS))
    path.write_text("order_id\tcreated_ts\tgross_amount\n" + lines)
    assert _load(wh, path) == _want()


def test_json_lines_with_the_id_as_a_json_number(wh, tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    path.write_text("".join(json.dumps({"order_id": i, "created_ts": TS, "gross_amount": n + 1}) + "\n"
                            for n, i in enumerate(IDS)))
    assert '"order_id": 3021234567890123456' in path.read_text()  # a number, not a string
    assert _load(wh, path) == _want()


def test_parquet_int64(wh, tmp_path: Path) -> None:
    path = tmp_path / "o.parquet"
    pq.write_table(pa.table({"order_id": pa.array(IDS, pa.int64()), "created_ts": [TS] * 3,
                             "gross_amount": pa.array([1.0, 2.0, 3.0])}), path)
    assert _load(wh, path) == _want()


def test_csv_protected_forms(wh, tmp_path: Path) -> None:
    """="…" (Excel's text formula), a leading apostrophe, a tab before the digits (quoted, as exports do)."""
    path = tmp_path / "o.csv"
    path.write_text("order_id,created_ts,gross_amount\n"
                    f'"=""{IDS[0]}""",{TS},1\n\'{IDS[1]},{TS},2\n"\t{IDS[2]}",{TS},3\n', encoding="utf-8")
    assert _load(wh, path) == _want()


def test_xlsx_number_text_and_protected_cells(wh, tmp_path: Path) -> None:
    path = tmp_path / "o.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["order_id", "created_ts", "gross_amount"])
    sheet.append([777, TS, 1])  # a number cell, given all 19 digits below (openpyxl would write a float)
    sheet.append([str(IDS[1]), TS, 2])  # a text cell
    sheet.append([f"'{IDS[2]}", TS, 3])  # the apostrophe typed into the cell text
    sheet.append(["\t4021234567890123456", TS, 4])
    sheet.append([3.02123456789012e18, TS, 5])  # what Excel keeps of a typed 19-digit number: 15 digits
    sheet.append([3.02123456789012e18, TS, 6])  # another id whose lost digits differed: the same number now
    book.save(path)
    _number_cell_with_all_digits(path, IDS[0])
    got = _load(wh, path, quarantined=2)
    # the two 15-digit stumps would be one order (the second replacing the first): both are quarantined instead,
    # showing the digits the cell kept
    assert got == {**_want(), "4021234567890123456": Decimal(4)}
    rows = wh.con.execute("SELECT line, reason, value FROM quarantine ORDER BY line").fetchall()
    assert rows == [(6, "number_lost_digits", "3021234567890120000"), (7, "number_lost_digits", "3021234567890120000")]


def _number_cell_with_all_digits(path: Path, value: int) -> None:
    """Rewrite the sheet so the number cell holds all 19 digits (<v>3021234567890123456</v>), as exporters that
    are not Excel write it."""
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert parts[sheet].count(b"<v>777</v>") == 1
    parts[sheet] = parts[sheet].replace(b"<v>777</v>", f"<v>{value}</v>".encode())
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


@pytest.mark.parametrize("cell", ['="00123"', "'00123", "\t00123"])
def test_leading_zeros_survive_the_protected_forms(wh, tmp_path: Path, cell: str) -> None:
    path = tmp_path / "o.csv"
    quoted = '"' + cell.replace('"', '""') + '"'
    path.write_text(f"order_id,created_ts,gross_amount\n{quoted},{TS},1\n", encoding="utf-8")
    assert list(_load(wh, path)) == ["00123"]
