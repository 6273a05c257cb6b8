"""`shoplens import [TABLE] FILE...`: load files into the warehouse."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli.output import Shape, console, err_console, print_json
from shoplens.errors import ShoplensError
from shoplens.i18n import t
from shoplens.model import TABLES_BY_NAME
from shoplens.presets import preset_names

HELP = f"""Import CSV/TSV (any delimiter; UTF-8, UTF-8 BOM, GBK/GB18030), gzip, Parquet, JSON Lines or
Excel .xlsx files. 导入数据文件。

Without --preset, headers must be canonical column names (docs/data-model.md) of TABLE; TABLE is
guessed from the headers when omitted. Bad rows go to quarantine with file:line:column and a
reason; re-importing is idempotent; an import is all or nothing.

Tables: {', '.join(TABLES_BY_NAME)}.  Presets: {', '.join(preset_names())}.

Examples:\n
  shoplens import orders orders.csv --store tmall --currency CNY --timezone Asia/Shanghai\n
  shoplens import --preset online-retail online_retail.csv.gz --store uk
"""


def _progress_factory() -> Callable[[str, int], Callable[[int], None]] | None:
    """A Rich progress bar on a terminal; nothing when output is piped (CI, --format json)."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    progress = Progress("[bold]{task.description}", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                        console=err_console, transient=True)
    progress.start()

    def factory(name: str, size: int) -> Callable[[int], None]:
        task = progress.add_task(name, total=size)
        return lambda done: progress.update(task, completed=done)

    factory.stop = progress.stop  # type: ignore[attr-defined]
    return factory


def register(app: typer.Typer) -> None:
    @app.command("import", help=HELP)
    def import_command(
        args: Annotated[list[str], typer.Argument(help="An optional table name, then the files", metavar="[TABLE] FILE",
                                                  show_default=False)],
        preset: Annotated[str | None, typer.Option(
            "--preset", "-p", metavar="NAME", help="Export preset / 预设")] = None,
        store: Annotated[str, typer.Option("--store", "-s", metavar="ID", help="Store id / 店铺")] = "default",
        maps: Annotated[list[str] | None, typer.Option(
            "--map", metavar="SRC=DST", help="Rename a column: SRC=DST (repeatable) / 列映射")] = None,
        timezone: Annotated[str | None, typer.Option(
            "--timezone", metavar="TZ", help="Zone of naive timestamps; new store's zone / 时区")] = None,
        currency: Annotated[str | None, typer.Option(
            "--currency", metavar="CODE", help="Currency of money without a currency column; new store's reporting "
            "currency / 币种")] = None,
        encoding: Annotated[str | None, typer.Option(
            "--encoding", metavar="NAME", help="Text encoding (default: detect UTF-8 / GB18030) / 编码")] = None,
        sheet: Annotated[str | None, typer.Option(
            "--sheet", metavar="NAME",
            help="Excel sheet to read (required when a workbook has several) / 工作表")] = None,
        delimiter: Annotated[str | None, typer.Option(
            "--delimiter", metavar="CHAR", help="CSV delimiter, e.g. ';' or tab (default: sniffed) / 分隔符")] = None,
        fmt: Annotated[Shape, typer.Option("--format", "-f", help="table|json")] = Shape.table,
    ) -> None:
        from shoplens.cli.app import db_path
        from shoplens.ingest.pipeline import import_files
        from shoplens.warehouse.connection import Warehouse, default_db_path

        table = None
        files = list(args)
        if files and files[0] in TABLES_BY_NAME and not Path(files[0]).exists():
            table, files = files[0], files[1:]
        elif len(files) > 1 and not Path(files[0]).exists() and not Path(files[0]).suffix:
            close = difflib.get_close_matches(files[0], list(TABLES_BY_NAME), n=1)
            tables = ", ".join(TABLES_BY_NAME)
            raise ShoplensError(f"{files[0]!r} is neither a file nor a table",
                                hint=(f"did you mean {close[0]}? " if close else "") + "tables: " + tables,
                                zh=f"{files[0]!r} 既不是文件，也不是表名",
                                zh_hint=(f"是不是想写 {close[0]}？" if close else "") + "可用的表：" + tables)
        progress = _progress_factory() if fmt is Shape.table else None
        path = Path(db_path() or default_db_path())
        created = not path.exists()
        remove = False
        try:
            with Warehouse(path) as wh:
                try:
                    summary = import_files(wh, files, table=table, preset=preset, store=store, maps=maps or [],
                                           timezone=timezone, currency=currency, encoding=encoding,
                                       sheet=sheet, delimiter=delimiter,
                                           progress=progress)
                except BaseException:
                    # a failed first import leaves no empty warehouse behind (that would hide the
                    # "no warehouse here yet" hint); checked under the write lock
                    remove = created and _is_empty(wh)
                    raise
        except BaseException:
            if remove:
                for leftover in (path, path.with_name(path.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            raise
        finally:
            if progress is not None:
                progress.stop()  # type: ignore[attr-defined]
        if fmt is Shape.json:
            print_json(summary.to_dict())
            return
        _print_summary(summary)


def _is_empty(wh) -> bool:
    return wh.con.execute("SELECT (SELECT count(*) FROM import_manifest) + (SELECT count(*) FROM stores)"
                          ).fetchone()[0] == 0


def _print_summary(summary) -> None:
    """Plain lines (readable in an 80-column terminal or a CI log), conservation spelled out."""
    created = f" ({t('store_created')})" if summary.store_created else ""
    console.print(f"[bold]{t('import_title')} #{summary.import_id}[/] → {t('store')} "
                  f"[bold]{summary.store_id}[/]{created}")
    for f in summary.files:
        console.print(f"[cyan]{Path(f.file).name}[/]  {t('preset')} {f.preset} → {f.target}")
        console.print(f"  {t('read')} {f.read:,} = {t('loaded')} {f.loaded:,} + {t('duplicates')} "
                      f"{f.duplicates:,} + {t('quarantined')} {f.quarantined:,}")
        if f.reasons:
            console.print("  " + ", ".join(f"{reason} {n:,}" for reason, n in f.reasons.items()))
        if f.ignored_columns:
            console.print(f"  {t('ignored')}: {', '.join(f.ignored_columns)}")
    if len(summary.files) > 1:
        console.print(f"{t('total')}: {t('read')} {summary.read:,} = {t('loaded')} {summary.loaded:,} + "
                      f"{t('duplicates')} {summary.duplicates:,} + {t('quarantined')} {summary.quarantined:,}")
    written = " · ".join(f"{name} {n:,}" for name, n in sorted(summary.tables.items()))
    console.print(f"{t('tables_title')}: {written or '0'}")
    if summary.examples:
        console.print(f"{t('quarantine_title')}:")
        for e in summary.examples:
            where = f"{Path(e['file']).name}:{e['line']}" + (f":{e['field']}" if e.get("field") else "")
            value = f"  {e['column']}: {e['value']}" if e["column"] else ""
            console.print(f"  {where}  [yellow]{e['reason']}[/]{value}", highlight=False)
        console.print(t("quarantine_hint"))
