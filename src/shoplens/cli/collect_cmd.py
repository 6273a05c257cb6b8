"""`shoplens collect`: the event collector on its own, and `shoplens collect keys create|list|revoke`."""

from __future__ import annotations

from typing import Annotated

import typer

from shoplens.cli.output import Format, console, print_csv, print_json, rich_table
from shoplens.i18n import register_labels, t

register_labels({
    "collect_at": ("事件采集服务地址", "collecting events at"),
    "collect_key_created": ("已创建写入密钥（只显示这一次，请妥善保存）",
                            "write key created (shown this once: keep it)"),
    "collect_key_revoked": ("已吊销写入密钥", "write key revoked"),
    "collect_keys_title": ("事件采集写入密钥", "Collector write keys"),
    "collect_key_id": ("密钥 ID", "key id"),
    "collect_store": ("店铺", "store"),
    "collect_origins": ("来源", "origins"),
    "collect_created": ("创建时间", "created"),
    "collect_revoked": ("吊销时间", "revoked"),
})

HELP = """Collect events from a shop's pages (POST /collect, snippet at /collect.js) without the dashboard.
独立运行事件采集服务（不含看板）。

Examples / 示例:\n
  shoplens --db shop.duckdb collect keys create --store myshop --origin https://shop.example\n
  shoplens --db shop.duckdb collect --host 0.0.0.0 --port 8001

`shoplens serve` collects too: run ONE of them on a warehouse. A DuckDB file has one writer process, so
this server owns the warehouse while it runs (stop it to import, or use `serve`, which does both).
同一个仓库文件只能有一个写入进程：serve 和 collect 只运行其一。
"""

collect_app = typer.Typer(help=HELP, invoke_without_command=True)
keys_app = typer.Typer(help="Write keys of the collector: create, list, revoke. 采集写入密钥。", no_args_is_help=True)
collect_app.add_typer(keys_app, name="keys")


@collect_app.callback()
def collect_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on / 监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port / 端口")] = 8001,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from shoplens.cli.app import db_path, refuse_lake
    from shoplens.cli.serve_cmd import run
    from shoplens.server import settings as server_settings
    from shoplens.server.collect.app import create_collector_app
    from shoplens.warehouse.connection import Warehouse, default_db_path

    refuse_lake()
    settings = server_settings.load()
    path = db_path() or default_db_path()
    Warehouse(path).close()  # a warehouse another process writes: one clear line here, not a traceback from uvicorn
    application = create_collector_app(path, settings)
    console.print(f"{t('collect_at')} http://{host}:{port}/collect  ·  http://{host}:{port}/collect.js")
    from shoplens.cli import signals

    signals.serving()
    run(application, host, port, settings.trusted_proxies)


@keys_app.command("create")
def create_command(
    store: Annotated[str, typer.Option("--store", help="Store whose events the key writes / 店铺")],
    origin: Annotated[list[str], typer.Option("--origin", help="Address of the shop's pages, e.g. "
                                              "https://shop.example (repeatable) / 网店页面地址，可重复")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table|json|csv / 输出格式")] = Format.table,
) -> None:
    """Create a write key; it is printed once. 创建写入密钥（只显示一次）。"""
    from shoplens.cli.app import open_warehouse
    from shoplens.server.collect.keys import create_key

    with open_warehouse() as wh:
        key, record = create_key(wh.con, store, origin, "cli")
    if fmt is Format.json:
        print_json({"key": key, **record.to_dict()})
        return
    console.print(f"{t('collect_key_created')}: {record.key_id} ({record.store_id}; {', '.join(record.origins)})",
                  highlight=False, markup=False)
    console.print(key, highlight=False, markup=False, soft_wrap=True)


@keys_app.command("list")
def list_command(fmt: Annotated[Format, typer.Option("--format", "-f", help="table|json|csv / 输出格式")]
                 = Format.table) -> None:
    """List write keys (never the keys themselves). 列出写入密钥。"""
    from shoplens.cli.app import open_warehouse, refuse_lake
    from shoplens.server.collect.keys import list_keys

    refuse_lake("write keys stay in the warehouse, they are not exported", "写入密钥只在仓库中，不会导出")
    with open_warehouse(read_only=True) as wh:
        rows = [k.to_dict() for k in list_keys(wh.con)]
    if fmt is Format.json:
        print_json({"keys": rows})
        return
    table = [[r["key_id"], r["store"], " ".join(r["origins"]), r["created_at"], r["revoked_at"] or ""] for r in rows]
    if fmt is Format.csv:
        print_csv(["key_id", "store", "origins", "created_at", "revoked_at"], table)
        return
    console.print(rich_table(t("collect_keys_title"), [t("collect_key_id"), t("collect_store"), t("collect_origins"),
                                                       t("collect_created"), t("collect_revoked")], table))


@keys_app.command("revoke")
def revoke_command(key_id: Annotated[str, typer.Argument(help="KEY_ID from `keys list` / 密钥 ID")]) -> None:
    """Revoke a write key: its events are refused from now on. 吊销写入密钥。"""
    from shoplens.cli.app import open_warehouse
    from shoplens.server.collect.keys import revoke_key

    with open_warehouse() as wh:
        record = revoke_key(wh.con, key_id)
    console.print(f"{t('collect_key_revoked')}: {record.key_id} ({record.store_id})", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(collect_app, name="collect")
