"""`shoplens store list|show|rename|delete`: the stores of the warehouse as a whole."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.markup import escape

from shoplens.cli.output import Shape, console, print_json, rich_table
from shoplens.errors import ShoplensError
from shoplens.i18n import register_labels, t
from shoplens.value_labels import cell

store_app = typer.Typer(help="Stores of the warehouse: list, show, rename, delete. 店铺管理。", no_args_is_help=True)

register_labels({
    "st_orders": ("订单", "Orders"),
    "st_events": ("事件", "Events"),
    "st_row_count": ("共 {n} 行", "{n} rows"),
    "st_one_row": ("共 1 行", "1 row"),
    "st_imports": ("导入", "Imports"),
    "st_cur": ("币种", "Currency"),
    "st_zone": ("时区", "Zone"),
    "st_demo": ("演示", "demo"),
    "st_span": ("时间跨度", "span"),
    "st_quarantined_lines": ("隔离区中的行", "lines in quarantine"),
    "st_files": ("文件", "Files"),
    "st_renamed": ("已重命名店铺", "store renamed"),
    "st_deleted": ("已删除店铺", "store deleted"),
    "st_will_delete": ("将删除店铺", "this deletes store"),
    "st_logins_removed": ("将删除的账号(仅能看该店铺)", "logins removed (they saw only this store)"),
    "st_logins_changed": ("从可见店铺中移除该店铺的账号", "logins that lose this store"),
    "st_segments_removed": ("删除的分群(仅属于该店铺)", "segments removed (saved for this store only)"),
    "st_segments_changed": ("更新的分群", "segments updated"),
    "st_confirm": ("确认删除？此操作不可撤销", "Delete it? This cannot be undone"),
    "st_none": ("仓库中还没有店铺", "no store in the warehouse yet"),
})

FmtOpt = Annotated[Shape, typer.Option("--format", "-f", help="table|json / 输出格式")]
StoreArg = Annotated[str, typer.Argument(help="Store id / 店铺 ID", show_default=False)]


def _open(read_only: bool) -> Any:
    """The warehouse; a missing one is the usual "no warehouse here yet" error, never created empty."""
    from shoplens.cli.app import open_warehouse

    return open_warehouse(read_only=read_only, existing=True)


@store_app.command("list")
def list_command(fmt: FmtOpt = Shape.table) -> None:
    """Every store: platform, currency, zone, rows and imports. 列出店铺。"""
    from shoplens.warehouse.stores import list_stores

    with _open(True) as wh:
        stores = list_stores(wh.con)
    if fmt is Shape.json:
        print_json({"stores": [s.to_dict() for s in stores]})
        return
    if not stores:
        console.print(t("st_none"))
        return
    # fits 80 columns; platform, all rows and the last import: `store show` or --format json
    header = [t("store"), t("st_cur"), t("st_zone"), t("st_events"), t("st_orders"), t("st_imports")]
    rows = [[s.store_id + (f" ({t('st_demo')})" if s.demo else ""), s.reporting_currency, s.timezone, s.events,
             s.orders, s.imports] for s in stores]
    console.print(rich_table(t("stores_title"), header, rows, numeric=(3, 4, 5)))


@store_app.command("show")
def show_command(store: StoreArg, fmt: FmtOpt = Shape.table) -> None:
    """One store: its tables with rows and time range, its span and its imports. 查看店铺。"""
    from shoplens.warehouse.stores import store_detail

    with _open(True) as wh:
        detail = store_detail(wh.con, store)
    if fmt is Shape.json:
        print_json(detail.to_dict())
        return
    s = detail.store
    name = f" {escape(s.name)}" if s.name and s.name != s.store_id else ""  # a store named by its id: once
    console.print(f"[bold]{escape(s.store_id)}[/]{name} · {cell('platform', s.platform)} · {s.reporting_currency} · "
                  f"{s.timezone}" + (f" ({t('st_demo')})" if s.demo else "") + f" · {row_count(s.rows)}",
                  highlight=False)
    console.print(f"{t('st_span')}: {detail.first or '—'} .. {detail.last or '—'} · {t('st_quarantined_lines')} "
                  f"{detail.quarantined:,}", highlight=False)
    console.print(rich_table(t("info_title"), [t("table"), t("rows"), t("from"), t("to")],
                             [[name, v["rows"], v["min"], v["max"]] for name, v in detail.tables.items()],
                             numeric=(1,)))
    console.print(rich_table(t("st_imports"), ["#", t("preset"), t("st_files"), t("read"), t("loaded"),
                                                t("duplicates"), t("quarantined")],
                             [[i["import_id"], i["preset"], ", ".join(f.rsplit("/", 1)[-1] for f in i["files"]),
                               i["read"], i["loaded"], i["duplicates"], i["quarantined"]] for i in detail.imports],
                             numeric=(0, 3, 4, 5, 6)))
    console.print(t("times_note"))


@store_app.command("rename")
def rename_command(store: StoreArg, new_id: Annotated[str, typer.Argument(help="New store id / 新 ID",
                                                                          show_default=False)],
                   fmt: FmtOpt = Shape.table) -> None:
    """Give a store a new id everywhere (rows, quarantine, imports, logins, segments), in one transaction.
    重命名店铺。"""
    from shoplens.warehouse.stores import rename_store

    with _open(False) as wh:
        change = rename_store(wh.con, store, new_id)
    if fmt is Shape.json:
        print_json(change.to_dict())
        return
    console.print(f"{t('st_renamed')}: {store} → {new_id} ({row_count(change.total)})", highlight=False)


@store_app.command("delete")
def delete_command(store: StoreArg,
                   yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (needed without a terminal) "
                                                     "/ 不再确认")] = False,
                   fmt: FmtOpt = Shape.table) -> None:
    """Remove every row of a store from every table, in one transaction (asks first, or --yes). 删除店铺。"""
    from shoplens.warehouse.stores import delete_preview, delete_store

    with _open(False) as wh:
        if not yes:
            preview = delete_preview(wh.con, store)
            if not sys.stdin.isatty():
                raise ShoplensError(f"deleting store {store!r} needs a confirmation ({preview.total:,} rows)",
                                    hint="run it on a terminal to be asked, or add --yes",
                                    zh=f"删除店铺 {store!r} 需要确认（{preview.total:,} 行）",
                                    zh_hint="请在终端中运行以便确认，或加上 --yes")
            _describe(preview, "st_will_delete")
            if not typer.confirm(t("st_confirm"), default=False, err=True):
                raise NotConfirmed("not confirmed: nothing was deleted", zh="未确认：没有删除任何数据")
        change = delete_store(wh.con, store)
    if fmt is Shape.json:
        print_json(change.to_dict())
        return
    _describe(change, "st_deleted")


def row_count(n: int) -> str:
    """"1 row", "12,345 rows" / "共 12,345 行"."""
    return t("st_one_row") if n == 1 else t("st_row_count").format(n=f"{n:,}")


class NotConfirmed(ShoplensError):
    """The user answered no (exit 1, not a usage error)."""

    exit_code = 1


def _describe(change: Any, title: str) -> None:
    rows = " · ".join(f"{name} {n:,}" for name, n in change.rows.items())
    console.print(f"{t(title)} [bold]{escape(change.store_id)}[/]: {row_count(change.total)} ({escape(rows)})",
                  highlight=False)
    for key, names in (("st_logins_removed", change.logins_removed), ("st_logins_changed", change.logins_changed),
                       ("st_segments_removed", change.segments_removed),
                       ("st_segments_changed", change.segments_changed)):
        if names:
            console.print(f"  {t(key)}: {', '.join(names)}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
