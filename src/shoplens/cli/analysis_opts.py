"""Options shared by the behaviour commands (funnel, retention, paths, segment, rfm, user)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer

from shoplens.cli.output import Format
from shoplens.params import split_values

StoreOpt = Annotated[list[str] | None, typer.Option("--store", "-s", metavar="ID", help="Store / 店铺")]
FromOpt = Annotated[str | None, typer.Option("--from", metavar="DATE",
                                             help="First local date (default: all data) / 开始日期")]
ToOpt = Annotated[str | None, typer.Option("--to", metavar="DATE", help="Last local date / 结束日期")]
WhereOpt = Annotated[list[str] | None, typer.Option(
    "--where", metavar="KEY=VALUE", help="Event filter, repeatable: channel=live_stream, device!=desktop, "
    "country=CN|HK, properties.KEY=V / 事件筛选")]
SegmentOpt = Annotated[str | None, typer.Option("--segment", metavar="NAME", help="Only users of a saved segment / "
                                                "只看某个人群")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table|json|csv / 输出格式")]


def parse_date(value: str | None, option: str) -> date | None:
    from shoplens.cli.metrics_cmd import _date

    return _date(value, option)


@contextmanager
def analysis_context(store: list[str] | None, start: str | None, end: str | None, where: list[str] | None,
                     segment: str | None = None) -> Iterator[Any]:
    """Open the warehouse read-only and yield the analysis context of these options."""
    from shoplens.analyses.context import open_context
    from shoplens.cli.app import open_warehouse

    with open_warehouse(read_only=True) as wh:
        yield open_context(wh, store=split_values(store) or None, start=parse_date(start, "--from"),
                           end=parse_date(end, "--to"), where=where, segment=segment)
