"""`shoplens retention`: cohort retention / repurchase tables (留存与复购同期群)."""

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
    parse_date,
)
from shoplens.cli.output import (
    Format,
    console,
    dimension_name,
    print_notes,
    print_result,
    rich_table,
)
from shoplens.i18n import register_labels, t
from shoplens.value_labels import cell, event_cell

register_labels({"ret_group_by": ("{group}（{by}）", "{group} ({by})")})

HELP = """Cohort retention: of the users who did the cohort event in a period, how many did the
return event 0, 1, 2, ... periods later. 同期群留存：某周期发生过同期群事件的用户，之后第 k 个周期
是否发生回访事件。

Examples / 示例:\n
  shoplens retention --cohort-event product_view --return-event purchase --period week --periods 8\n
  shoplens retention --cohort-event purchase --first-time --period month --percent   (repurchase / 复购)\n
  shoplens retention --cohort-event "purchase\\[channel=live_stream]" --by device --format json

Periods are local to each store (weeks start on Monday, ISO labels). --first-time: cohort = the
period of the user's first cohort event in all the data; otherwise everyone who did it in the
period. --from/--to pick cohorts by their period's start date; return activity is followed to the
end of the data. A value marked * covers a period still running on the last data day. Stores that
import only orders count paid orders as purchase events. Details: docs/behaviour.md.
周期按店铺时区切分；--first-time 为首次发生的用户；标 * 的值所在周期尚未结束。
"""


def _pct(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


def _cell(value: int, rate: float | None, percent: bool, partial: bool) -> str:
    text = _pct(rate) if percent else f"{value:,}"
    return text + ("*" if partial else "")


def _show_table(result: Any, percent: bool) -> None:
    mode = t("ret_first_time") if result.first_time else t("ret_recurring")
    title = (f"{t('ret_title')} · {event_cell(result.cohort_event)} → {event_cell(result.return_event)}"
             f" · {cell('grain', result.period)} · {mode}"
             f" · {', '.join(result.stores)} · {t('ret_data_end')} {result.data_end}")
    if not result.cohorts:
        console.print(title, markup=False, highlight=False)
        console.print(t("ret_no_cohorts"))
        return
    width = max(len(c.values) for c in result.cohorts)
    grouped = result.by is not None
    group = t("ret_group_by").format(group=t("ret_group"), by=dimension_name(result.by)) if grouped else ""
    header = [t("ret_cohort")] + ([group] if grouped else []) + [t("ret_size")]
    header += [t(f"ret_k_{result.period}").format(k=k) for k in range(width)]
    rows: list[list[Any]] = []
    partial_seen = False
    for c in result.cohorts:
        cells = []
        for k, (v, rate) in enumerate(zip(c.values, c.rates, strict=True)):
            partial = not c.complete and k == len(c.values) - 1
            partial_seen |= partial
            cells.append(_cell(v, rate, percent, partial))
        rows.append([c.cohort] + ([cell(result.by, c.group)] if grouped else []) + [c.size] + cells
                    + [""] * (width - len(cells)))
    for avg in result.average:
        cells = [_pct(r) for r in avg.rates]
        rows.append([t("ret_average")] + ([cell(result.by, avg.group)] if grouped else [])
                    + [avg.sizes[0] if avg.sizes else None] + cells + [""] * (width - len(cells)))
    first_number = 2 if grouped else 1
    console.print(rich_table(title, header, rows, numeric=tuple(range(first_number, len(header)))))
    if partial_seen:
        console.print(t("ret_partial_note"))


def register(app: typer.Typer) -> None:
    @app.command("retention", help=HELP)
    def retention_command(
        cohort_event: Annotated[str, typer.Option(
            "--cohort-event", "-c", metavar="EVENT", help="Event that puts a user in a cohort, may carry conditions:"
            " purchase\\[channel=kol] / 同期群事件")] = "purchase",
        return_event: Annotated[str | None, typer.Option(
            "--return-event", "-r", metavar="EVENT", help="Event that counts as coming back (default: the cohort"
            " event) / 回访事件", show_default=False)] = None,
        period: Annotated[str, typer.Option("--period", "-p", metavar="day|week|month",
                                            help="Cohort period / 周期")] = "month",
        first_time: Annotated[bool, typer.Option("--first-time", help="Cohort = period of the user's first "
                                                 "cohort event ever / 按首次发生分群")] = False,
        periods: Annotated[int | None, typer.Option(
            "--periods", "-n", metavar="N", help="Show k = 0..N (default 12 weeks/months, 30 days; max 63) / "
            "显示的周期数", show_default=False)] = None,
        by: Annotated[str | None, typer.Option("--by", metavar="DIM", help="Split cohorts by a dimension of the "
                                               "cohort event: channel, device, country, store, ... / 拆分维度")] = None,
        percent: Annotated[bool, typer.Option("--percent", help="Show rates instead of users (table) / "
                                              "显示留存率")] = False,
        store: StoreOpt = None,
        start: FromOpt = None,
        end: ToOpt = None,
        where: WhereOpt = None,
        segment: SegmentOpt = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.retention import run_retention

        with analysis_context(store, start, end, where, segment) as ctx:
            result = run_retention(ctx, cohort_event=cohort_event, return_event=return_event, period=period,
                                   first_time=first_time, periods=periods, by=by,
                                   start=parse_date(start, "--from"), end=parse_date(end, "--to"))
        def table(r: Any) -> None:
            _show_table(r, percent)
            print_notes(r.notes)

        print_result(result, fmt, table)
