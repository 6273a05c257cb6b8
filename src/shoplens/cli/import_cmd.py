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
from shoplens.i18n import register_labels, t
from shoplens.ingest.summary import ImportRefusedError
from shoplens.model import TABLES_BY_NAME
from shoplens.presets import preset_names

HELP = f"""Import CSV/TSV (any delimiter; UTF-8, UTF-8 BOM, GBK/GB18030), gzip, Parquet, JSON Lines or
Excel .xlsx files. 导入数据文件。

Without --preset, headers must be canonical column names (docs/data-model.md) of TABLE; TABLE is
guessed from the headers when omitted. Bad rows go to quarantine with file:line:column and a
reason; re-importing is idempotent; an import is all or nothing.

The store: --store ID, else the warehouse's only store (said in the summary); several stores, or
none yet, is an error. A NEW store needs its reporting currency and time zone: --currency and
--timezone, the preset's, or a stores file in the same import. Store ids: 1-64 ASCII letters,
digits, '-', '_', '.'.

Exit codes: 0 loaded (an unchanged re-import too); 2 usage or input error (an empty file too),
nothing written; 3 warehouse locked by another process; 4 a file has no rows in the warehouse
(header only, or every line quarantined; the import is committed, its quarantine kept to inspect);
5 refused by --strict / --max-bad-rows, nothing written; 130/143 interrupted.

Real exports: --map-value COLUMN:SRC=DST rewrites a cell value before it is checked (订单状态:交易成功=delivered);
--save-profile NAME keeps this import's options, --profile NAME reuses them (explicit options win);
`shoplens import profiles` lists them (--delete NAME removes one). --preset auto picks the preset that
recognises the file's header (`shoplens presets` lists them).

`shoplens import undo ID` takes import ID back out (restoring the rows it replaced), or says which
later import depends on it.

Tables: {', '.join(TABLES_BY_NAME)}.  Presets: {', '.join(preset_names())}.

Examples:\n
  shoplens import orders orders.csv --store tmall --currency CNY --timezone Asia/Shanghai\n
  shoplens import --preset online-retail online_retail.csv.gz --store uk\n
  shoplens import orders more.csv --strict\n
  shoplens import orders tmall.csv --map 订单状态=status --map-value 订单状态:交易成功=delivered --save-profile t\n
  shoplens import orders next_month.csv --profile t\n
  shoplens import --preset auto online_retail.csv.gz --store uk\n
  shoplens import undo 3
"""

register_labels({  # report lines that are not data (#15)
    "skipped_lines": ("跳过的非数据行(不计入读取)", "skipped, not data (not counted as read)"),
    "skipped_title_rows": ("表头上方的标题行", "title rows above the header"),
    "skipped_totals_rows": ("合计行", "totals rows"),
})
register_labels({
    "store_implied": ("仓库中唯一的店铺；用 --store 可指定", "the warehouse's only store; --store names one"),
    "import_refused": ("导入被拒绝，未写入任何数据", "Import refused, nothing written"),
    "tables_refused": ("本会写入的行数", "Rows it would have written"),
    "no_rows_file": ("仓库中没有该文件的任何行", "no row of this file is in the warehouse"),
    "undo_title": ("已撤销导入", "Undone import"),
    "undo_removed": ("删除", "removed"),
    "undo_restored": ("恢复", "restored"),
    "undo_quarantine": ("隔离区记录", "quarantine rows"),
    "undo_store_removed": ("该导入新建的店铺已一并删除", "the store it created was removed too"),
    "preset_chosen": ("按表头自动选择的预设", "preset chosen by the header"),
    "profile_used": ("使用导入配置", "profile used"),
    "profile_saved": ("导入配置已保存", "profile saved"),
    "profiles_title": ("已保存的导入配置", "Saved import profiles"),
    "profiles_name": ("名称", "Name"),
    "profiles_options": ("选项", "Options"),
    "profiles_updated": ("更新时间 (UTC)", "Updated (UTC)"),
    "profiles_none": ("还没有保存的导入配置（shoplens import ... --save-profile NAME）",
                      "no saved profiles yet (shoplens import ... --save-profile NAME)"),
    "profile_deleted": ("已删除导入配置", "deleted profile"),
})


class NoRowsError(ShoplensError):
    """Some file of a committed import has no rows in the warehouse (exit 4)."""

    exit_code = 4


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
        store: Annotated[str | None, typer.Option(
            "--store", "-s", metavar="ID", help="Store id (default: the only store) / 店铺")] = None,
        maps: Annotated[list[str] | None, typer.Option(
            "--map", metavar="SRC=DST", help="Rename a column: SRC=DST (repeatable) / 列映射")] = None,
        value_maps: Annotated[list[str] | None, typer.Option(
            "--map-value", metavar="COLUMN:SRC=DST", help="Rewrite a cell value before it is checked, e.g. "
            "订单状态:交易成功=delivered (repeatable) / 取值映射")] = None,
        profile: Annotated[str | None, typer.Option(
            "--profile", metavar="NAME",
            help="Use a saved import profile (explicit options win) / 使用导入配置")] = None,
        save_profile: Annotated[str | None, typer.Option(
            "--save-profile", metavar="NAME", help="Save this import's options under NAME / 保存导入配置")] = None,
        delete: Annotated[str | None, typer.Option(
            "--delete", metavar="NAME", help="With `import profiles`: delete a saved profile / 删除导入配置")] = None,
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
        strict: Annotated[bool, typer.Option(
            "--strict", help="Any quarantined line refuses the whole import (exit 5) / 严格模式")] = False,
        max_bad_rows: Annotated[str | None, typer.Option(
            "--max-bad-rows", metavar="N|P%", help="More quarantined lines than N (or P% of the lines read) refuse "
            "the whole import (exit 5) / 隔离行上限")] = None,
        fmt: Annotated[Shape, typer.Option("--format", "-f", help="table|json")] = Shape.table,
    ) -> None:
        from shoplens.cli.app import db_path, refuse_lake
        from shoplens.ingest.pipeline import import_files
        from shoplens.warehouse.connection import Warehouse, default_db_path

        table = None
        files = list(args)
        others = (preset or store or maps or timezone or currency or encoding or sheet or delimiter or strict
                  or max_bad_rows or value_maps or profile or save_profile)
        if files and files[0] == "profiles" and not Path("profiles").exists():
            if others or len(files) > 1:
                raise ShoplensError("import profiles takes --delete NAME and --format only",
                                    hint="shoplens import profiles [--delete NAME] [--format json]",
                                    zh="import profiles 只接受 --delete NAME 和 --format",
                                    zh_hint="shoplens import profiles [--delete NAME] [--format json]")
            _profiles(delete, fmt)
            return
        if delete:
            raise ShoplensError("--delete works with `shoplens import profiles` only",
                                hint="shoplens import profiles --delete NAME",
                                zh="--delete 只能用于 shoplens import profiles",
                                zh_hint="shoplens import profiles --delete NAME")
        if files and files[0] == "undo" and not Path("undo").exists():
            if others:
                raise ShoplensError("import undo takes an import id and --format only",
                                    hint="shoplens import undo ID", zh="import undo 只接受导入编号和 --format",
                                    zh_hint="shoplens import undo ID")
            _undo(files[1:], fmt)
            return
        if files and files[0] in TABLES_BY_NAME and not Path(files[0]).exists():
            table, files = files[0], files[1:]
        elif len(files) > 1 and not Path(files[0]).exists() and not Path(files[0]).suffix:
            close = difflib.get_close_matches(files[0], list(TABLES_BY_NAME), n=1)
            tables = ", ".join(TABLES_BY_NAME)
            raise ShoplensError(f"{files[0]!r} is neither a file nor a table",
                                hint=(f"did you mean {close[0]}? " if close else "") + "tables: " + tables,
                                zh=f"{files[0]!r} 既不是文件，也不是表名",
                                zh_hint=(f"是不是想写 {close[0]}？" if close else "") + "可用的表：" + tables)
        refuse_lake()
        progress = _progress_factory() if fmt is Shape.table else None
        path = Path(db_path() or default_db_path())
        created = not path.exists()
        remove = False
        try:
            with Warehouse(path) as wh:
                try:
                    summary = import_files(wh, files, table=table, preset=preset, store=store, maps=maps or [],
                                           timezone=timezone, currency=currency, encoding=encoding,
                                           sheet=sheet, delimiter=delimiter, strict=strict,
                                           max_bad_rows=max_bad_rows, progress=progress,
                                           value_maps=value_maps or [], profile=profile, save_profile=save_profile)
                except ImportRefusedError as exc:  # nothing written: show why, then the one-line error
                    remove = created and _is_empty(wh)
                    if progress is not None:
                        progress.stop()  # type: ignore[attr-defined]
                        progress = None
                    _show(exc.summary, fmt)
                    raise
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
        _show(summary, fmt)
        empty = [Path(f.file).name for f in summary.files if f.no_rows]
        if empty:
            names = ", ".join(empty)
            raise NoRowsError(f"{names}: no rows loaded (header only, or every line quarantined); the import "
                              "was committed with its quarantine rows", hint="see why: shoplens quarantine list",
                              zh=f"{names}：没有载入任何行（只有表头或全部行被隔离）；导入已连同隔离行一起提交",
                              zh_hint="查看原因：shoplens quarantine list")


def _show(summary, fmt: Shape) -> None:
    if fmt is Shape.json:
        print_json(summary.to_dict())
    else:
        _print_summary(summary)


def _undo(args: list[str], fmt: Shape) -> None:
    """`shoplens import undo ID`."""
    from shoplens.cli.app import open_warehouse
    from shoplens.ingest.undo import undo_import

    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        raise ShoplensError("import undo needs one import id (a number)", hint="shoplens import undo 3; the ids of a "
                            "store's imports: shoplens store show STORE", zh="import undo 需要一个导入编号（数字）",
                            zh_hint="如 shoplens import undo 3；店铺的导入编号见 shoplens store show STORE")
    with open_warehouse(existing=True) as wh:
        result = undo_import(wh, int(args[0].lstrip("#")))
    if fmt is Shape.json:
        print_json(result.to_dict())
        return
    console.print(f"[bold]{t('undo_title')} #{result.import_id}[/] → {t('store')} [bold]{result.store_id}[/]")
    for label, counts in (("undo_removed", result.removed), ("undo_restored", result.restored)):
        listed = " · ".join(f"{name} {n:,}" for name, n in sorted(counts.items())) or "0"
        console.print(f"  {t(label)}: {listed}")
    console.print(f"  {t('undo_quarantine')}: {t('undo_removed')} {result.quarantine_removed:,}, "
                  f"{t('undo_restored')} {result.quarantine_restored:,}")
    if result.store_removed:
        console.print(f"  {t('undo_store_removed')}")


def _profiles(delete: str | None, fmt: Shape) -> None:
    """`shoplens import profiles [--delete NAME]`."""
    from shoplens.cli.app import open_warehouse
    from shoplens.cli.output import rich_table
    from shoplens.warehouse.profiles_table import delete_profile, list_profiles
    from shoplens.warehouse.stores import transaction

    if delete:
        with open_warehouse(existing=True) as wh, transaction(wh.con):
            delete_profile(wh.con, delete)
        if fmt is Shape.json:
            print_json({"deleted": delete})
        else:
            console.print(f"{t('profile_deleted')} {delete}", highlight=False)
        return
    with open_warehouse(read_only=True) as wh:
        rows = list_profiles(wh.con)
    if fmt is Shape.json:
        print_json({"profiles": rows})
        return
    if not rows:
        console.print(t("profiles_none"), highlight=False)
        return
    console.print(rich_table(t("profiles_title"), [t("profiles_name"), t("profiles_options"), t("profiles_updated")],
                             [(r["name"], _options_text(r["options"]), str(r["updated"])[:19]) for r in rows]))


def _options_text(options: dict) -> str:
    """The options as the command line would write them."""
    flags = {"maps": "--map", "value_maps": "--map-value"}
    parts = []
    for key, value in options.items():
        if key == "table":
            parts.insert(0, value)
        else:
            for item in value if isinstance(value, list) else [value]:
                parts.append(f"{flags.get(key, '--' + key)} {item}")
    return " ".join(parts)


def _is_empty(wh) -> bool:
    return wh.con.execute("SELECT (SELECT count(*) FROM import_manifest) + (SELECT count(*) FROM stores)"
                          ).fetchone()[0] == 0


def _print_summary(summary) -> None:
    """Plain lines (readable in an 80-column terminal or a CI log), conservation spelled out."""
    created = f" ({t('store_created')})" if summary.store_created else ""
    implied = f" ({t('store_implied')})" if summary.store_implied else ""
    title = t("import_refused") if summary.refused else f"{t('import_title')} #{summary.import_id}"
    console.print(f"[bold]{title}[/] → {t('store')} [bold]{summary.store_id}[/]{created}{implied}")
    if summary.preset_chosen:
        console.print(f"{t('preset_chosen')}: [bold]{summary.preset_chosen}[/]")
    if summary.profile:
        console.print(f"{t('profile_used')}: {summary.profile}", highlight=False)
    for f in summary.files:
        console.print(f"[cyan]{Path(f.file).name}[/]  {t('preset')} {f.preset} → {f.target}")
        console.print(f"  {t('read')} {f.read:,} = {t('loaded')} {f.loaded:,} + {t('duplicates')} "
                      f"{f.duplicates:,} + {t('quarantined')} {f.quarantined:,}")
        if f.reasons:
            console.print("  " + ", ".join(f"{reason} {n:,}" for reason, n in f.reasons.items()))
        if f.skipped:
            console.print(f"  {t('skipped_lines')}: " + ", ".join(f"{t('skipped_' + k)} {n:,}"
                                                              for k, n in f.skipped.items()))
        if f.ignored_columns:
            console.print(f"  {t('ignored')}: {', '.join(f.ignored_columns)}")
        if f.no_rows and not summary.refused:
            console.print(f"  [red]{t('no_rows_file')}[/]")
    if len(summary.files) > 1:
        console.print(f"{t('total')}: {t('read')} {summary.read:,} = {t('loaded')} {summary.loaded:,} + "
                      f"{t('duplicates')} {summary.duplicates:,} + {t('quarantined')} {summary.quarantined:,}")
    written = " · ".join(f"{name} {n:,}" for name, n in sorted(summary.tables.items()))
    console.print(f"{t('tables_refused' if summary.refused else 'tables_title')}: {written or '0'}")
    if summary.profile_saved and not summary.refused:
        console.print(f"{t('profile_saved')}: {summary.profile_saved}", highlight=False)
    if summary.examples:
        console.print(f"{t('quarantine_title')}:")
        for e in summary.examples:
            where = f"{Path(e['file']).name}:{e['line']}" + (f":{e['field']}" if e.get("field") else "")
            value = f"  {e['column']}: {e['value']}" if e["column"] else ""
            console.print(f"  {where}  [yellow]{e['reason']}[/]{value}", highlight=False)
        console.print(t("quarantine_hint"))
