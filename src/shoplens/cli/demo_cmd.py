"""`shoplens demo`: build the deterministic demo store and show its headline KPIs (from the metrics engine)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.output import Shape, console, print_json, rich_table
from shoplens.i18n import lang, t

HEADLINE = ("gmv", "orders", "paying_buyers", "uv", "conversion_rate", "customer_unit_price", "refund_rate", "roi")


def headline(wh: Any, store: str) -> Any:
    """The last 30 days of the store against the 30 days before."""
    from shoplens.metrics import MetricsEngine

    return MetricsEngine(wh).query(list(HEADLINE), store=store, compare="previous", targets=False)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_command(
        events: Annotated[int, typer.Option("--events", help="Behaviour events per store / 每店事件数")] = 300_000,
        days: Annotated[int, typer.Option("--days", help="Days of history / 天数")] = 180,
        seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data) / 随机种子")] = 7,
        stores: Annotated[int, typer.Option(
            "--stores", help="Number of stores: 1 is `demo`, more are demo-1..K / 店铺数")] = 1,
        fmt: Annotated[Shape, typer.Option("--format", "-f", help="table|json")] = Shape.table,
    ) -> None:
        """Build a realistic demo store (rebuilt from scratch, deterministic). 生成演示店铺数据。"""
        from shoplens.cli.app import db_path
        from shoplens.demo.build import build_demo
        from shoplens.metrics import load_catalog
        from shoplens.metrics.format import format_change, format_value
        from shoplens.server.accounts import ensure_demo_login
        from shoplens.warehouse.connection import Warehouse

        with Warehouse(db_path()) as wh:
            summary = build_demo(wh, events=events, days=days, seed=seed, stores=stores)
            kpis = {store: headline(wh, store) for store in summary.store_ids}
            login, password = ensure_demo_login(wh)
        if fmt is Shape.json:
            print_json(summary.to_dict() | {"headline": {s: r.to_dict() for s, r in kpis.items()},
                                            "login": {"username": login, "password": password}})
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
        console.print(f"{t('demo_login')}: [bold]{login}[/] / [bold]{password}[/] — "
                      f"shoplens --db {db_path() or 'shoplens.duckdb'} serve --demo")
