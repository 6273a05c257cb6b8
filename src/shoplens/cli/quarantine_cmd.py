"""`shoplens quarantine list|export`: the rows an import refused, with where and why."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli.output import Format, console, print_csv, print_json, rich_table
from shoplens.csv_out import write_csv
from shoplens.i18n import t
from shoplens.warehouse.quarantine_list import LIST_COLUMNS as COLUMNS

quarantine_app = typer.Typer(help="Rows refused by imports, with file:line:column and reason. 隔离区。",
                             no_args_is_help=True)


def _query(store: str | None, file: str | None, reason: str | None, limit: int | None) -> tuple[list[tuple], int]:
    """Matching quarantine rows (at most ``limit``) and how many match in all."""
    from shoplens.cli.app import open_warehouse
    from shoplens.warehouse.quarantine_list import find

    with open_warehouse(read_only=True) as wh:
        return find(wh.con, stores=[store] if store else None, file=file, reason=reason, limit=limit)


def register(app: typer.Typer) -> None:
    app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def list_command(
    store: Annotated[str | None, typer.Option("--store", "-s", help="Only this store")] = None,
    file: Annotated[str | None, typer.Option("--file", help="Only this source file")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Only this reason")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows (0 = all)")] = 50,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table|json|csv")] = Format.table,
) -> None:
    """Show quarantined cells: file:line:column, value, reason. 查看隔离行。"""
    rows, total = _query(store, file, reason, limit or None)
    if fmt is Format.json:
        print_json([dict(zip(COLUMNS, r, strict=True)) for r in rows])
    elif fmt is Format.csv:
        print_csv(COLUMNS, rows)
    elif not rows:
        console.print(t("no_quarantine"))
    else:
        console.print(rich_table(
            t("quarantine_list"),
            [t("line"), t("column"), t("value"), t("reason")],
            [[f"{Path(r[2]).name}:{r[3]}" + (f":{r[5]}" if r[5] else ""), r[4], r[6], _short(r[7], r[8])]
             for r in rows]))
        if total > len(rows):
            console.print(f"{len(rows):,} / {total:,} {t('shown_of')} (--limit 0: all; --format csv)")


def _short(reason: str, message: str) -> str:
    """Reason code plus its text in the current language (the full message stays in JSON/CSV)."""
    from shoplens.i18n import lang
    from shoplens.ingest.parse import REASONS

    en, zh, _hint = REASONS.get(reason, (message, message, ""))
    return f"{reason}: {zh if lang() == 'zh' else en}"


@quarantine_app.command("export")
def export_command(
    out: Annotated[Path, typer.Argument(help="CSV file to write")],
    store: Annotated[str | None, typer.Option("--store", "-s", help="Only this store")] = None,
    file: Annotated[str | None, typer.Option("--file", help="Only this source file")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Only this reason")] = None,
) -> None:
    """Write every quarantined cell, with its whole source row (raw), to a CSV. 导出隔离行。"""
    rows, _total = _query(store, file, reason, None)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        write_csv(fh, COLUMNS, rows)
    console.print(f"{t('exported')} {len(rows):,} → {out}")
