"""`shoplens lake export --to PATH`: the warehouse as Parquet that Spark, DuckDB and other tools read."""

from __future__ import annotations

from typing import Annotated

import typer

from shoplens.cli.output import Shape, console, print_json, rich_table
from shoplens.i18n import t

lake_app = typer.Typer(help="The lake: the warehouse as Parquet files / 数据湖：把仓库导出为 Parquet 文件",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(lake_app, name="lake")


@lake_app.command("export")
def export_command(
    to: Annotated[str, typer.Option("--to", help="Lake folder (created if missing) / 数据湖文件夹",
                                    show_default=False)],
    fmt: Annotated[Shape, typer.Option("--format", "-f", help="table|json")] = Shape.table,
) -> None:
    """Write what changed since the last export, partitioned by store and month. 增量导出到数据湖（按店铺与月份分区）。

    Read it back with `shoplens --lake PATH …` (every read-only command), or with Spark / DuckDB directly.
    """
    from shoplens.cli.app import open_warehouse, refuse_lake
    from shoplens.warehouse.lake_export import export_lake

    refuse_lake("export reads the warehouse (--db), not a lake", "导出读取的是仓库（--db），不是数据湖")
    with open_warehouse(read_only=True) as wh:
        summary = export_lake(wh, to)
    if fmt is Shape.json:
        print_json(summary.to_dict())
        return
    rows = [[name, e.written, e.kept, e.removed, e.rows_written, e.rows]
            for name, e in summary.tables.items() if e.rows or e.removed]
    console.print(rich_table(t("lake_title").format(n=summary.export),
                             [t("table"), t("lake_written"), t("lake_kept"), t("lake_removed"),
                              t("lake_rows_written"), t("rows")], rows, numeric=(1, 2, 3, 4, 5)))
    console.print(t("lake_done").format(path=summary.lake, files=summary.files_written,
                                        removed=summary.files_removed, seconds=f"{summary.seconds:.1f}"),
                  highlight=False, soft_wrap=True)
