"""`shoplens demo`: build the deterministic demo store and show it."""

from __future__ import annotations

from typing import Annotated

import typer

from shoplens.cli.output import Shape, console, print_json, rich_table
from shoplens.i18n import lang, t


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
        from shoplens.warehouse.connection import Warehouse
        from shoplens.warehouse.headline import headline_kpis

        with Warehouse(db_path()) as wh:
            summary = build_demo(wh, events=events, days=days, seed=seed, stores=stores)
            kpis = {store: headline_kpis(wh, store) for store in summary.store_ids}
        if fmt is Shape.json:
            print_json(summary.to_dict() | {"headline": kpis})
            return
        data = summary.to_dict()
        console.print(f"[bold]{t('demo_title')}[/]: {', '.join(summary.store_ids)} "
                      f"({data['start']} .. {data['end']}, seed {data['seed']}, {data['seconds']:.1f} s)")
        tables = data["rows"]
        console.print(rich_table(t("info_title"), [t("table"), t("rows")], sorted(tables.items()),
                                 numeric=(1,)))
        for store, values in kpis.items():
            console.print(rich_table(f"{t('headline_title')} — {store}", [t("metric"), t("value")],
                                     [[label, value] for label, value in values.items()]))
        incident = data.get("incident")
        if incident:
            console.print(f"{t('incident')}: {incident['channel']} {incident['start']} .. {incident['end']} — "
                          f"{incident['what_zh'] if lang() == 'zh' else incident['what']}")
