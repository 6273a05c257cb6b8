"""`shoplens demo`: build the deterministic demo store and show its headline KPIs (from the metrics engine)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.output import Shape, console, print_json, rich_table
from shoplens.i18n import lang, register_labels, t

register_labels({
    "demo_login_changed": ("演示账号 {name} 已被管理员修改，保持不变（不再使用公开密码）",
                           "the demo login {name} was changed by an operator: left as it is (no published password)"),
    "demo_login_deleted": ("演示账号 {name} 已被管理员删除，不会重新创建",
                           "the demo login {name} was deleted by an operator: not created again"),
    "demo_login_removed": ("该仓库存有非演示店铺：之前创建的演示账号 {name} 已删除",
                           "this warehouse holds stores that are not demo stores: the demo login {name} was removed"),
    "demo_login_not_demo": ("该仓库存有非演示店铺：不创建演示账号（用 shoplens account add 添加账号）",
                            "this warehouse holds stores that are not demo stores: no demo login "
                            "(add logins with shoplens account add)"),
})

HEADLINE = ("gmv", "orders", "paying_buyers", "uv", "conversion_rate", "customer_unit_price", "refund_rate", "roi")


def headline(wh: Any, store: str) -> Any:
    """The last 30 days of the store against the 30 days before."""
    from shoplens.metrics import MetricsEngine

    return MetricsEngine(wh).query(list(HEADLINE), store=store, compare="previous", targets=False)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_command(
        events: Annotated[int, typer.Option("--events", help="Behaviour events per store / 每店事件数")] = 2_000_000,
        days: Annotated[int, typer.Option("--days", help="Days of history / 天数")] = 180,
        seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data) / 随机种子")] = 7,
        stores: Annotated[int, typer.Option(
            "--stores", help="Number of stores: 1 is `demo`, more are demo-1..K / 店铺数")] = 1,
        force: Annotated[bool, typer.Option(
            "--force", help="Build beside stores that are not demo stores (then no demo login) / "
            "在非演示仓库中也生成（不创建演示账号）")] = False,
        fmt: Annotated[Shape, typer.Option("--format", "-f", help="table|json")] = Shape.table,
    ) -> None:
        """Build a realistic demo store (rebuilt from scratch, deterministic). 生成演示店铺数据。

        Only into a warehouse of demo stores (refused where other stores live, unless --force); there
        it creates the admin login demo / shoplens-demo, which only `serve --demo` accepts. A login an
        operator changed or deleted is never restored.
        """
        from shoplens.cli.app import db_path, open_warehouse
        from shoplens.demo.build import build_demo
        from shoplens.metrics import load_catalog
        from shoplens.metrics.format import format_change, format_value
        from shoplens.server.accounts import DEMO_LOGIN, ensure_demo_login

        with open_warehouse() as wh:
            summary = build_demo(wh, events=events, days=days, seed=seed, stores=stores, force=force)
            demo_login = _demo_login(wh, ensure_demo_login)
            kpis = {store: headline(wh, store) for store in summary.store_ids}
        login = dict(zip(("username", "password"), DEMO_LOGIN, strict=True)) if demo_login.usable else None
        if fmt is Shape.json:
            print_json(summary.to_dict() | {"headline": {s: r.to_dict() for s, r in kpis.items()},
                                            "login": login, "login_status": demo_login.status})
            return
        data = summary.to_dict()
        console.print(f"[bold]{t('demo_title')}[/]: {', '.join(summary.store_ids)} "
                      f"({data['start']} .. {data['end']}, seed {data['seed']}, {data['seconds']:.1f} s)")
        tables = data["rows"]
        console.print(rich_table(t("info_title"), [t("table"), t("rows")], sorted(tables.items()),
                                 numeric=(1,)))
        catalog = load_catalog()
        for store, result in kpis.items():
            row = result.rows[0]
            lines = [[catalog.metrics[m].name(lang()), format_value(row[m], catalog.metrics[m].unit, lang(),
                                                                    result.currency),
                      format_change(row[f"{m}__previous_change"])] for m in HEADLINE]
            console.print(rich_table(f"{t('headline_title')} — {store} ({result.start} .. {result.end})",
                                     [t("metric"), t("value"), t("vs_previous")], lines, numeric=(1, 2)))
        incident = data.get("incident")
        if incident:
            console.print(f"{t('incident')}: {incident['channel']} {incident['start']} .. {incident['end']} — "
                          f"{incident['what_zh'] if lang() == 'zh' else incident['what']}")
        if login:
            console.print(f"{t('demo_login')}: [bold]{login['username']}[/] / [bold]{login['password']}[/] — "
                          f"shoplens --db {db_path() or 'shoplens.duckdb'} serve --demo", soft_wrap=True)
        else:
            console.print(t(f"demo_login_{demo_login.status}").format(name=demo_login.username), soft_wrap=True)


def _demo_login(wh: Any, ensure: Any) -> Any:
    """The demo login, in a transaction of its own (after the build's): created, kept or left alone."""
    import contextlib

    from shoplens.interrupts import Transaction

    tx = Transaction(wh.con, "demo")
    try:
        result = ensure(wh)
        tx.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            wh.con.execute("ROLLBACK")
        raise
    finally:
        tx.close()
    return result
