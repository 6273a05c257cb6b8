"""`shoplens paths`: what users do after (or before) an event within a visit (Sankey-ready nodes and links)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import (
    FormatOpt,
    FromOpt,
    SegmentOpt,
    StoreOpt,
    ToOpt,
    WhereOpt,
    analysis_context,
    split_values,
)
from shoplens.cli.output import Format, console, print_notes, print_result, rich_table
from shoplens.i18n import register_labels, t
from shoplens.value_labels import event_cell

HELP = """User paths: the most common next (or previous) steps within visits. 用户路径分析。

Examples / 示例:\n
  shoplens paths --start product_view\n
  shoplens paths --end purchase --depth 5 --collapse-repeats\n
  shoplens paths --start add_to_cart --top 5 --where channel=live_stream --format json\n
  shoplens paths --start search --events search,product_view,add_to_cart --from 2026-11-01 --to 2026-11-11

A visit is its session_id, else a 30-minute inactivity gap. --start follows each visit from its
first START event, --end goes back from its last END event; --depth counts steps including that
event. (end)/(start) = the visit ended/began there; (other) = events outside the --top N of their
step. Users = distinct users (headline), sessions = visits. --where/--events pick which events are
steps (others are skipped); --from/--to pick visits by their first day. JSON gives Sankey nodes and
links plus the top paths; CSV gives the links. Rules: docs/behaviour.md#user-paths.
访问 = session_id，没有时按 30 分钟无操作切分。--start 从每次访问中第一次出现该事件开始向后看，
--end 从最后一次出现向前看；--depth 含锚点事件本身。(end)/(start) = 访问在此结束/开始；
(other) = 该步 --top 之外的事件。用户数为去重用户（主指标），会话数为访问次数。
"""

register_labels({
    "paths_after": ("之后的路径", "Paths after"),
    "paths_before": ("之前的路径", "Paths before"),
    "paths_step": ("步", "Step"),
    "paths_event": ("事件", "Event"),
    "paths_users": ("用户数", "Users"),
    "paths_of_start": ("占起点用户", "% of start users"),
    "paths_sessions": ("会话数", "Sessions"),
    "paths_top_paths": ("最常见的完整路径", "Top complete paths"),
    "paths_path": ("路径", "Path"),
    "paths_share": ("用户占比", "Share of users"),
    "paths_none": ("所选范围内没有包含该事件的访问", "no visit in the selected range contains this event"),
    "paths_step_note": ("第 1 步为锚点事件；往前数时第 2 步是它之前的一步", "step 1 is the anchor; backwards, step 2 "
                        "is the event before it"),
    "paths_legend": ("（结束）/（开始）= 访问在此结束/开始；（其他）= 该步前 {top} 名以外的事件；"
                     "节点和连线见 --format json",
                     "(end)/(start) = the visit ended/began; (other) = events outside the top {top} of the step; "
                     "nodes and links: --format json"),
})


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value:.1%}"


def _table(result: Any) -> None:
    heading = t("paths_after" if result.direction == "forward" else "paths_before")
    title = f"{heading} {event_cell(result.anchor)} · {result.date_from} .. {result.date_to}"  # step 1 holds the totals
    print_notes(result.notes)
    if not result.users:
        console.print(f"{title}: {t('paths_none')}")
        return
    cells, step = [], 0
    for node in result.nodes:
        cells.append([node.step if node.step != step else "", event_cell(node.event), node.users,
                      _pct(node.users / result.users), node.sessions])
        step = node.step
    header = [t("paths_step"), t("paths_event"), t("paths_users"), t("paths_of_start"), t("paths_sessions")]
    console.print(rich_table(title, header, cells, numeric=(0, 2, 3, 4)))
    paths = [[i, " → ".join(event_cell(e) for e in p.path), p.users, _pct(p.share), p.sessions]
             for i, p in enumerate(result.paths, 1)]
    console.print(rich_table(t("paths_top_paths"), ["#", t("paths_path"), t("paths_users"), t("paths_share"),
                                                    t("paths_sessions")], paths, numeric=(0, 2, 3, 4)))
    if result.direction == "backward":
        console.print(t("paths_step_note"))
    console.print(t("paths_legend").format(top=result.top))


def register(app: typer.Typer) -> None:
    @app.command("paths", help=HELP)
    def paths_command(
        start_event: Annotated[str | None, typer.Option(
            "--start", metavar="EVENT", help="Follow visits forward from this event / 起点事件")] = None,
        end_event: Annotated[str | None, typer.Option(
            "--end", metavar="EVENT", help="Trace visits back from this event / 终点事件")] = None,
        depth: Annotated[int, typer.Option("--depth", metavar="N", help="Steps incl. the anchor (2-20) / 步数")] = 4,
        top: Annotated[int, typer.Option("--top", metavar="N", help="Events kept per step and paths listed / "
                                                                    "每步保留的事件数")] = 10,
        collapse_repeats: Annotated[bool, typer.Option(
            "--collapse-repeats", help="Merge consecutive identical events / 合并连续重复事件")] = False,
        events: Annotated[list[str] | None, typer.Option(
            "--events", metavar="E1,E2", help="Only these events are steps (others skipped) / 只看这些事件")] = None,
        store: StoreOpt = None,
        start: FromOpt = None,
        end: ToOpt = None,
        where: WhereOpt = None,
        segment: SegmentOpt = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.paths import check_options, paths

        check_options(start_event, end_event, depth, top)  # before opening the warehouse
        with analysis_context(store, start, end, where, segment) as ctx:
            result = paths(ctx.wh, start_event=start_event, end_event=end_event, depth=depth, top=top,
                           collapse_repeats=collapse_repeats, events=split_values(events) or None, context=ctx)
        print_result(result, fmt, _table)
