"""Excel formula cells without a cached value (issue #11, Seen 16): quarantined as `formula_without_value`.

A workbook written by a script (openpyxl, as here) or holding a `=WEBSERVICE(…)` call that was
never calculated has the formula but no value. Read as "no value", such a cell became NULL in an
optional column (a user id turned the order into a guest order) and "missing" in a required one.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl

import shoplens
from shoplens.ingest.parse import REASONS


def _with_cached_value(path: Path, formula: str, value: str, as_text: bool = False) -> None:
    """Give one formula of the saved workbook a cached value, as Excel writes it after calculating
    (``as_text``: a text result, ``t="str"``)."""
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    text = parts[sheet].decode()
    pattern = f'(<c r="[A-Z]+[0-9]+")(>)<f>{re.escape(formula)}</f>(<v></v>|<v />|<v/>)?'
    assert re.search(pattern, text), text
    kind = ' t="str"' if as_text else ""
    parts[sheet] = re.sub(pattern, lambda m: f"{m.group(1)}{kind}><f>{formula}</f><v>{value}</v>", text).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_formulas_without_a_value_are_quarantined_not_null(tmp_path: Path, db_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["order_id", "user_id", "created_ts", "gross_amount", "note"])
    sheet.append(["o1", '=WEBSERVICE("http://crm.example/id?o=1")', "2024-03-01 10:00:00", 10, "x"])  # optional
    sheet.append(["o2", "u2", "2024-03-01 11:00:00", "=B9*2", "x"])  # required column
    sheet.append(["o3", "u3", "2024-03-01 12:00:00", 30, "=A1&A2"])  # a column that is not imported: no harm
    sheet.append(["o4", "u4", "2024-03-01 13:00:00", "=20+20", "x"])  # calculated: its cached value is read
    sheet.append(["o5", "u5", "2024-03-01 14:00:00", 50, None])
    sheet.append(["o6", '=IF(1,"","x")', "2024-03-01 15:00:00", 60, None])  # calculated to empty text: a guest
    path = tmp_path / "orders.xlsx"
    book.save(path)
    _with_cached_value(path, "20+20", "40")
    _with_cached_value(path, 'IF(1,"","x")', "", as_text=True)

    with shoplens.connect(str(db_path)) as wh:
        summary = shoplens.import_files(wh, [path], table="orders", store="s", currency="USD", timezone="UTC")
        orders = wh.con.execute("SELECT order_id, user_id, gross_amount FROM orders ORDER BY 1").fetchall()
        quarantined = wh.con.execute('SELECT line, "column", field, value, reason, message, CAST(raw AS VARCHAR) '
                                     "FROM quarantine ORDER BY line").fetchall()
    assert orders == [("o3", "u3", Decimal("30")), ("o4", "u4", Decimal("40")), ("o5", "u5", Decimal("50")),
                      ("o6", None, Decimal("60"))]  # the only guest order is the one whose formula says so
    assert [q[:5] for q in quarantined] == [
        (2, "user_id", 2, '=WEBSERVICE("http://crm.example/id?o=1")', "formula_without_value"),
        (3, "gross_amount", 4, "=B9*2", "formula_without_value")]
    en, zh, _hint = REASONS["formula_without_value"]
    assert en in quarantined[0][5] and zh in quarantined[0][5]  # bilingual, like every reason
    assert '"user_id":"=WEBSERVICE(\\"http://crm.example/id?o=1\\")"' in quarantined[0][6]  # the raw row shows it
    assert summary.files[0].reasons == {"formula_without_value": 2}
    assert (summary.read, summary.loaded, summary.quarantined) == (6, 4, 2)
