"""`shoplens funnel`: step counts, conversions and step times; breakdown, daily trend, drop-off lists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, FromOpt, SegmentOpt, StoreOpt, ToOpt, WhereOpt, analysis_context
from shoplens.cli.output import (
    Format,
    console,
    dimension_name,
    err_console,
    print_csv,
    print_json,
    print_notes,
    rich_table,
)
from shoplens.csv_out import write_csv
from shoplens.i18n import register_labels, t
from shoplens.value_labels import cell, event_cell

register_labels({
    "funnel_title": ("漏斗", "Funnel"),
    "funnel_step": ("步骤", "Step"),
    "funnel_users": ("用户数", "Users"),
    "funnel_conv": ("总转化率", "Conversion"),
    "funnel_step_conv": ("步骤转化率", "Step conversion"),
    "funnel_median": ("中位耗时", "Median time"),
    "funnel_avg": ("平均耗时", "Average time"),
    "funnel_dropped": ("流失", "Dropped"),
    "funnel_value": ("取值", "Value"),
    "funnel_breakdown": ("按{by}拆分（取第一步事件的值）", "By {by} (value of the first step's event)"),
    "funnel_trend": ("每日趋势（按进入漏斗的日期）", "Daily trend (by the day users entered)"),
    "funnel_day": ("日期", "Day"),
    "funnel_entered": ("进入", "Entered"),
    "funnel_converted": ("完成", "Converted"),
    "funnel_excluded": ("因排除事件剔除的用户", "users left out by --exclude"),
    "funnel_window": ("窗口", "window"),
    "funnel_mode": ("模式", "mode"),
    "funnel_written": ("已写出流失用户", "Dropped users written"),
})

HELP = """Funnel: users reaching each step, conversion, time between steps. 漏斗分析。

Examples / 示例:\n
  shoplens funnel --steps product_view,add_to_cart,purchase --window 7d\n
  shoplens funnel --steps product_view,add_to_cart,purchase[channel=live_stream] --by device\n
  shoplens funnel --steps page_view,product_view,purchase --mode strict --format json\n
  shoplens funnel --steps product_view,add_to_cart,purchase --dropped-at 3 --out lost.csv

Counts are users reaching at least step k. ordered: later steps after the previous one (other
events in between allowed); strict: the very next event must be the next step; unordered: steps in
any order. The window (s, m, h, d, w; default 14d) runs from the first step's event. A first step
must be in --from/--to (local dates, default all data). 计数为至少到达第 k 步的用户数；窗口从第一步事件起算。
"""


def duration(seconds: float | None) -> str:
    """45s, 3m 20s, 2h 05m, 3d 4h, 7d (a remainder under the shown unit is dropped)."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h" if s % 3600 == 0 else f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d" if s % 86400 < 3600 else f"{s // 86400}d {s % 86400 // 3600}h"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _show(result: Any) -> None:
    head = [t("funnel_step"), t("funnel_users"), t("funnel_conv"), t("funnel_step_conv"), t("funnel_median"),
            t("funnel_avg"), t("funnel_dropped")]
    rows = [[f"{i}. {event_cell(s.event)}", s.count, pct(s.conversion), pct(s.step_conversion) if i > 1 else "—",
             duration(s.median_seconds), duration(s.avg_seconds), s.dropped if i > 1 else "—"]
            for i, s in enumerate(result.steps, 1)]
    title = (f"{t('funnel_title')} ({t('funnel_mode')} {cell('funnel_mode', result.mode)}, {t('funnel_window')} "
             f"{duration(result.window_seconds)}, {result.start} .. {result.end})")
    console.print(rich_table(title, head, rows, numeric=(1, 2, 3, 4, 5, 6)))
    if result.excluded:
        console.print(f"{result.excluded:,} {t('funnel_excluded')} ({', '.join(result.exclude)})")
    if result.breakdown:
        labels = [event_cell(s.event) for s in result.steps]
        bhead = [t("funnel_value"), *[f"{i}. {e}" for i, e in enumerate(labels, 1)], t("funnel_conv")]
        by = result.breakdown["by"]
        brows = [[cell(by, g.value) if g.value is not None else "—", *[s.count for s in g.steps],
                  pct(g.steps[-1].conversion)] for g in result.breakdown["groups"]]
        console.print(rich_table(t("funnel_breakdown").format(by=dimension_name(by)), bhead, brows,
                                 numeric=tuple(range(1, len(bhead)))))
    if result.trend:
        trows = [[d.day, d.entered, d.converted, pct(d.conversion)] for d in result.trend[-14:]]
        console.print(rich_table(t("funnel_trend"), [t("funnel_day"), t("funnel_entered"), t("funnel_converted"),
                                                     t("funnel_conv")], trows, numeric=(1, 2, 3)))


def _write_users(users: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        header = list(users[0]) if users else ["user_id"]
        write_csv(fh, header, ([u.get(c) for c in header] for u in users))


def register(app: typer.Typer) -> None:
    @app.command("funnel", help=HELP)
    def funnel_command(
        steps: Annotated[str, typer.Option("--steps", metavar="E1,E2[k=v],...",
                                           help="2-10 steps, comma-separated / 步骤")],
        window: Annotated[str, typer.Option("--window", metavar="7d", help="Conversion window / 转化窗口")] = "14d",
        mode: Annotated[str, typer.Option("--mode", metavar="ordered|strict|unordered",
                                          help="Step order rule / 顺序规则")] = "ordered",
        exclude: Annotated[str | None, typer.Option(
            "--exclude", metavar="E[,E]", help="Leave out users doing E during the attempt / 排除事件")] = None,
        by: Annotated[str | None, typer.Option("--by", metavar="DIM", help="Break down by / 拆分维度")] = None,
        dropped_at: Annotated[int | None, typer.Option(
            "--dropped-at", metavar="K", help="List users who reached step K-1 but not K / 流失用户")] = None,
        out: Annotated[Path | None, typer.Option("--out", metavar="FILE.csv",
                                                 help="Write the --dropped-at list to a CSV file / 导出")] = None,
        start: FromOpt = None, end: ToOpt = None, where: WhereOpt = None, segment: SegmentOpt = None,
        store: StoreOpt = None, fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.funnel import funnel, funnel_dropped

        with analysis_context(store, start, end, where, segment) as ctx:
            opts: dict[str, Any] = {"window": window, "mode": mode, "exclude": exclude, "by": by,
                                    "store": [s.store_id for s in ctx.scope.stores], "start": ctx.start,
                                    "end": ctx.end, "where": [c.text for c in ctx.where], "segment": segment}
            if dropped_at is not None:
                dropped = funnel_dropped(ctx.wh, steps, dropped_at, **opts)
                if out is not None:
                    _write_users(dropped.users, out)
                    console.print(f"{t('funnel_written')}: {len(dropped.users):,} → {out}")
                elif fmt == Format.json:
                    print_json(dropped.to_dict())
                else:
                    header = list(dropped.users[0]) if dropped.users else ["user_id"]
                    print_csv(header, [list(u.values()) for u in dropped.users])
                return
            result = funnel(ctx.wh, steps, **opts)
        if fmt == Format.json:
            print_json(result.to_dict())
        elif fmt == Format.csv:
            frame = result.to_pandas()
            print_csv(list(frame.columns), frame.values.tolist())
            print_notes(result.notes, err_console)
        else:
            _show(result)
            print_notes(result.notes)
