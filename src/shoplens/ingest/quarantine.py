"""Collecting refused lines during an import and keeping them in the ``quarantine`` table.

During an import each file has a temp table of problems (line, column, field, value, reason,
message); at the end they replace that file's earlier quarantine rows, each with its whole source
row as JSON, so nothing the file said is lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from shoplens.ingest.fx import MISSING_RATE
from shoplens.ingest.parse import REASONS, currency_matches, currency_symbol, lit, value_checks
from shoplens.ingest.readers import DIGITS_MARK, FORMULA_MARK, ReadProblem
from shoplens.model import Column, Kind, get_table
from shoplens.presets.base import Output
from shoplens.warehouse.ddl import quote
from shoplens.warehouse.history import keep_replaced_quarantine

Con = Any
PROBLEM_COLUMNS = ('_line BIGINT, "column" VARCHAR, field BIGINT, value VARCHAR, reason VARCHAR, '
                   'message VARCHAR, target_table VARCHAR, raw JSON')


def message(reason: str, extra: str = "") -> str:
    """English / 中文 text of a reason, details, and the hint."""
    en, zh, hint = REASONS.get(reason, (reason, reason, ""))
    text = f"{en} / {zh}"
    if extra:
        text += f": {extra}"
    return f"{text} (hint: {hint})" if hint else text


def allowed_values(col: Column) -> str:
    """What an enumeration accepts, for the message of a refused value."""
    if col.kind is Kind.EVENT:
        return "a standard event (" + ", ".join(col.choices) + ") or a snake_case custom name"
    if col.choices:
        return "allowed: " + ", ".join(col.choices)
    return ""


class Problems:
    """The problems temp table of one file."""

    def __init__(self, con: Con, name: str, target: str) -> None:
        self.con, self.name, self.target = con, name, target
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({PROBLEM_COLUMNS})")

    @property
    def lines(self) -> str:
        """A relation of the distinct refused lines."""
        return f"(SELECT DISTINCT _line FROM {self.name})"

    def add(self, rel: str, where: str, column: str, field: int | None, value_sql: str, reason: str,
            *, extra: str = "", target: str | None = None) -> None:
        """Every row of ``rel`` matching ``where`` is refused for ``reason`` at ``column``/``field``."""
        field_sql = "NULL" if field is None else str(int(field))
        self.con.execute(
            f"INSERT INTO {self.name} SELECT _line, {lit(column)}, {field_sql}, CAST({value_sql} AS VARCHAR), "
            f"{lit(reason)}, {lit(message(reason, extra))}, {lit(target or self.target)}, NULL "
            f"FROM {rel} WHERE {where}")

    def add_read(self, problems: list[ReadProblem]) -> None:
        """Lines the reader could not split into cells (ragged, undecodable, bad JSON)."""
        if not problems:
            return
        rows = pa.table({
            "_line": [p.line for p in problems],
            "reason": [p.reason for p in problems],
            "message": [message(p.reason, p.message) for p in problems],
            "raw": [p.raw for p in problems],
        })
        self.con.register("_read_problems", pa.RecordBatchReader.from_batches(rows.schema, iter(rows.to_batches())))
        self.con.execute(f"INSERT INTO {self.name} SELECT _line, NULL, NULL, NULL, reason, message, "
                         f"{lit(self.target)}, raw::JSON FROM _read_problems")
        self.con.unregister("_read_problems")

    def add_constraint_failures(self, name: str, src: str, out: Output, position: dict[str, int]) -> None:
        """Model rules (required, ≥ 0, ranges) on an output's rows, reported at the source cell."""
        table = get_table(out.table)
        for col in table.columns:
            header = out.sources.get(col.name, col.name)
            k = position.get(header)
            for condition, reason in value_checks(col, f"o.{quote(col.name)}"):
                if k:  # the source cell of the refused lines: a semi-join built from those lines (usually none),
                    # never a join of the whole file with itself (its hash table outgrew the memory limit)
                    self.add(f"{src} s", f"s._line IN (SELECT o._line FROM {name} o WHERE {condition})", header, k,
                             f"s.c{k}", reason, target=out.table)
                else:
                    self.add(f"{name} o", condition, header, k, f"o.{quote(col.name)}", reason, target=out.table)

    def add_currency_mismatches(self, name: str, src: str, out: Output, position: dict[str, int]) -> None:
        """Amounts whose currency symbol cannot be the row's currency (¥ on a USD row), at the amount's cell."""
        table = get_table(out.table)
        if "currency" not in {c.name for c in table.columns}:
            return
        for col in table.columns:
            if col.kind is not Kind.MONEY:
                continue
            header = out.sources.get(col.name, col.name)
            k = position.get(header)
            if not k:
                continue
            symbol = currency_symbol(f"s.c{k}")
            marked = f"(SELECT _line, {symbol} AS sym FROM {src} s WHERE {symbol} IS NOT NULL)"
            bad = (f"s._line IN (SELECT m._line FROM {marked} m JOIN {name} o USING (_line) "
                   f"WHERE NOT {currency_matches('m.sym', 'o.currency')})")
            self.add(f"{src} s", bad, header, k, f"s.c{k}", "currency_mismatch", target=out.table)

    def add_missing_rates(self, converted: str, out: Output, reporting_currency: str,
                          position: dict[str, int]) -> None:
        """Rows whose currency has no rate on their local date (named in the message)."""
        header = out.sources.get("currency", "currency")
        field = position.get(header)  # None when the currency came from --currency
        self.con.execute(
            f"INSERT INTO {self.name} SELECT _line, {lit(header)}, {'NULL' if field is None else int(field)}, "
            f"currency || ' (' || coalesce(CAST(_fx_date AS VARCHAR), 'no date') || ')', 'missing_fx_rate', "
            f"{lit(message('missing_fx_rate'))} || ': ' || currency || '->' || "
            f"{lit(reporting_currency)} || ' on ' || coalesce(CAST(_fx_date AS VARCHAR), 'no date'), "
            f"{lit(out.table)}, NULL FROM {converted} WHERE {MISSING_RATE} AND _line NOT IN {self.lines}")

    def count_lines(self) -> int:
        return int(self.con.execute(f"SELECT count(DISTINCT _line) FROM {self.name}").fetchone()[0])

    def reasons(self) -> dict[str, int]:
        return dict(self.con.execute(f"SELECT reason, count(*) FROM {self.name} GROUP BY 1 ORDER BY 2 DESC, 1")
                    .fetchall())

    def persist(self, raw: str, header: list[str], *, store_id: str, file: Path, sha256: str,
                import_id: int) -> int:
        """Replace the quarantine rows of an earlier import of this file (same content or same path).

        Returns the import whose rows now stand for the file: an unchanged re-import finds exactly
        the rows an earlier import stored and leaves them as they are (nothing written, nothing to
        undo); otherwise the earlier rows go to the history (for ``import undo``) and these replace them.
        """
        pairs = ", ".join(f"{lit(h)}, replace(replace(r.c{i + 1}, {lit(FORMULA_MARK)}, ''), {lit(DIGITS_MARK)}, '')"
                          for i, h in enumerate(header))
        row_json = f"json_object({pairs})" if pairs else "NULL"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _q_new AS SELECT {int(import_id)} AS import_id, {lit(store_id)} AS store_id,"
            f" {lit(str(file))} AS file, {lit(sha256)} AS file_sha256, p._line AS line, p.\"column\", p.field, p.value,"
            f" p.reason, p.message, p.target_table, coalesce(p.raw, {row_json}) AS raw"
            f" FROM {self.name} p LEFT JOIN (SELECT * FROM {raw} WHERE _line IN (SELECT _line FROM {self.name})) r"
            " USING (_line) ORDER BY p._line")  # only the refused lines: never a hash table of the whole file
        earlier = "store_id = ? AND (file_sha256 = ? OR file = ?) AND import_id <> ?"
        params = [store_id, sha256, str(file), import_id]
        cols = ('file, file_sha256, line, "column", field, value, reason, message, target_table, '
                "CAST(raw AS VARCHAR)")
        differ, old_ids = self.con.execute(
            f"SELECT (SELECT count(*) FROM (SELECT {cols} FROM _q_new EXCEPT ALL SELECT {cols} FROM quarantine "
            f"WHERE {earlier})) + (SELECT count(*) FROM (SELECT {cols} FROM quarantine WHERE {earlier} EXCEPT ALL "
            f"SELECT {cols} FROM _q_new)), (SELECT list(DISTINCT import_id) FROM quarantine WHERE {earlier})",
            params * 3).fetchone()
        if not differ and len(old_ids or []) == 1:
            self.con.execute("DROP TABLE _q_new")
            return int(old_ids[0])
        if old_ids:
            keep_replaced_quarantine(self.con, earlier, params, import_id)
            self.con.execute(f"DELETE FROM quarantine WHERE {earlier}", params)
        self.con.execute("INSERT INTO quarantine SELECT * FROM _q_new")
        self.con.execute("DROP TABLE _q_new")
        return import_id


def examples(con: Con, sources: list[tuple[int, str]], limit: int = 10) -> list[dict[str, object]]:
    """The first quarantined cells of an import's files (``(import_id, file)``: the rows that stand for each)."""
    if not sources:
        return []
    where = " OR ".join("(import_id = ? AND file = ?)" for _ in sources)
    rows = con.execute(
        f'SELECT file, line, field, "column", value, reason, message FROM quarantine WHERE {where} '
        f"ORDER BY file, line LIMIT {int(limit)}", [v for pair in sources for v in pair]).fetchall()
    keys = ("file", "line", "field", "column", "value", "reason", "message")
    return [dict(zip(keys, r, strict=True)) for r in rows]
