"""`shoplens action add|list|effect|remove`: the action log (执行) and each action's measured effect (复盘)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, FromOpt, StoreOpt, ToOpt, parse_date
from shoplens.cli.output import Format, console, print_csv, print_json, rich_table
from shoplens.i18n import lang, register_labels, t
from shoplens.params import split_values

HELP = """Action log: what the team did, and its measured effect. 行动记录与效果。

Examples / 示例:\n
  shoplens action add --title "fix payment" --metric conversion_rate --scope channel=paid_search --date 2026-10-24\n
  shoplens action list\n
  shoplens action effect 1 --days 14\n
  shoplens action remove 1

The effect: the metric on the action's scope, daily, in the N days before and after the action day (the day itself
left out), against the other values of the same dimension together (or, store-wide, the same weekdays of earlier
weeks), as a difference-in-differences with a 95 % interval (README "Action log / 行动记录").
效果：行动范围内的指标在行动日前后各 N 天（不含行动日）的日值，与同维度其他取值合计（整店则为前几周的相同星期）对比，
以双重差分给出估计与 95% 区间。
"""

action_app = typer.Typer(help=HELP, no_args_is_help=True)
CSV_COLUMNS = ("id", "store", "date", "title", "metric", "scope", "recommendation", "note", "created_by", "created_at",
               "status")
DAILY_COLUMNS = ("date", "window", "treated", "control", "control_date", "difference", "counted")

register_labels({
    "ac_title": ("行动记录", "Actions"),
    "ac_id": ("编号", "ID"),
    "ac_day": ("日期", "Day"),
    "ac_what": ("行动", "Action"),
    "ac_metric": ("指标", "Metric"),
    "ac_scope": ("范围", "Scope"),
    "ac_store": ("店铺", "Store"),
    "ac_rec": ("来自建议", "Recommendation"),
    "ac_none": ("还没有记录行动", "no actions logged"),
    "ac_added": ("已记录行动 {id}：{title}（{metric}，{scope}，{date}）",
                 "logged action {id}: {title} ({metric}, {scope}, {date})"),
    "ac_removed": ("行动 {id} 已移除", "action {id} removed"),
    "ac_effect": ("行动 {id} 的效果：{metric}，{scope}", "Effect of action {id}: {metric}, {scope}"),
    "ac_group": ("组", "Group"),
    "ac_before": ("之前", "Before"),
    "ac_after": ("之后", "After"),
    "ac_change": ("变化", "Change"),
    "ac_treated": ("行动范围", "Treated"),
    "ac_control": ("对照组", "Comparison"),
    "ac_did": ("双重差分", "Difference-in-differences"),
    "ac_interval": ("{level}% 区间", "{level} % interval"),
    "ac_store_wide": ("全店", "store"),
})


def register(app: typer.Typer) -> None:
    app.add_typer(action_app, name="action")


def _open(read_only: bool) -> Any:
    from shoplens.cli.app import open_warehouse

    return open_warehouse(read_only=read_only)


def _scope(a: dict[str, Any]) -> str:
    return a["scope_text"] if a["scope"] else t("ac_store_wide")


@action_app.command("add")
def add_command(title: Annotated[str, typer.Option("--title", metavar="TEXT", help="What was done / 做了什么")],
                metric: Annotated[str, typer.Option("--metric", metavar="METRIC", help="The metric it should move "
                                                    "/ 预期影响的指标")],
                scope: Annotated[str | None, typer.Option("--scope", metavar="DIM=VALUE", help="e.g. channel="
                                                          "paid_search (default: the whole store) / 范围")] = None,
                date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="Local day it took effect "
                                                         "(default: today in the store's zone) / 行动日期")] = None,
                store: StoreOpt = None,
                recommendation: Annotated[str | None, typer.Option(
                    "--recommendation", metavar="ID", help="The recommendation it follows / 对应建议")] = None,
                note: Annotated[str | None, typer.Option("--note", metavar="TEXT", help="Note / 备注")] = None,
                fmt: FormatOpt = Format.table) -> None:
    """Log an action. 记录一条行动。"""
    from shoplens.analyses.actions import action_add

    day = parse_date(date, "--date")
    with _open(False) as wh:
        out = action_add(wh, title=title, metric=metric, scope=scope, day=day, store=split_values(store) or None,
                         recommendation=recommendation, note=note)
    if fmt is Format.json:
        print_json(out)
        return
    console.print(t("ac_added").format(id=out["id"], title=out["title"], metric=out["metric"], scope=_scope(out),
                                       date=out["date"]), highlight=False, markup=False)


@action_app.command("list")
def list_command(store: StoreOpt = None, start: FromOpt = None, end: ToOpt = None,
                 removed: Annotated[bool, typer.Option("--removed", help="Include removed actions / 含已移除")] = False,
                 fmt: FormatOpt = Format.table) -> None:
    """Logged actions, newest day first. 查看行动记录。"""
    from shoplens.analyses.actions import action_list

    with _open(True) as wh:
        data = action_list(wh, store=split_values(store) or None, start=parse_date(start, "--from"),
                           end=parse_date(end, "--to"), include_removed=removed).to_dict()
    if fmt is Format.json:
        print_json(data)
        return
    if fmt is Format.csv:
        print_csv(CSV_COLUMNS, [[a["id"], a["store"], a["date"], a["title"], a["metric"], a["scope_text"],
                                 a["recommendation"], a["note"], a["created_by"], a["created_at"], a["status"]]
                                for a in data["actions"]])
        return
    rows = [[str(a["id"]), a["date"], a["store"], a["title"], a["metric"], _scope(a), a["recommendation"] or ""]
            for a in data["actions"]]
    if not rows:
        console.print(f"{t('ac_title')}: {t('ac_none')}")
        return
    console.print(rich_table(t("ac_title"), [t("ac_id"), t("ac_day"), t("ac_store"), t("ac_what"), t("ac_metric"),
                                             t("ac_scope"), t("ac_rec")], rows, numeric=(0,)))


def _num(x: float | None, unit: str) -> str:
    if x is None:
        return ""
    return f"{x * 100:.2f}%" if unit == "percent" else f"{x:,.2f}"


def _diff(x: float, unit: str) -> str:
    return f"{x * 100:+.2f} pp" if unit == "percent" else f"{x:+,.2f}"


def _bound(x: float, unit: str) -> str:
    """An interval's end, in the estimate's unit without repeating it."""
    return f"{x * 100:+.2f}" if unit == "percent" else f"{x:+,.2f}"


@action_app.command("effect")
def effect_command(action_id: Annotated[int, typer.Argument(metavar="ID", help="The action's id / 行动编号")],
                   days: Annotated[int, typer.Option("--days", metavar="N",
                                                     help="Days before and after / 前后天数")] = 14,
                   fmt: FormatOpt = Format.table) -> None:
    """The action's measured effect (difference-in-differences, 95 % interval). 行动效果。"""
    from shoplens.analyses.actions import action_effect

    with _open(True) as wh:
        data = action_effect(wh, action_id, days=days).to_dict()
    if fmt is Format.json:
        print_json(data)
        return
    if fmt is Format.csv:
        print_csv(DAILY_COLUMNS, [[d[c] for c in DAILY_COLUMNS] for d in data["daily"]])
        return
    e, unit, a = data["effect"], data["metric"]["unit"], data["action"]
    rows = [[t("ac_treated"), _num(e["treated_before"], unit), _num(e["treated_after"], unit),
             _diff(e["treated_change"], unit)],
            [f"{t('ac_control')}: {data['comparison']['label'][lang()]}", _num(e["control_before"], unit),
             _num(e["control_after"], unit), _diff(e["control_change"], unit)],
            [t("ac_did"), "", "",
             f"{_diff(e['estimate'], unit)} [{_bound(e['low'], unit)}, {_bound(e['high'], unit)}]"]]
    title = t("ac_effect").format(id=a["id"], metric=data["metric"][lang()], scope=_scope(a))
    console.print(rich_table(title, [t("ac_group"), f"{t('ac_before')} {data['windows']['before']['from']}.."
                                     f"{data['windows']['before']['to']}", f"{t('ac_after')} "
                                     f"{data['windows']['after']['from']}..{data['windows']['after']['to']}",
                                     t("ac_change")], rows, numeric=(1, 2, 3)))
    console.print(data["sentence"][lang()], highlight=False, markup=False)


@action_app.command("remove")
def remove_command(action_id: Annotated[int, typer.Argument(metavar="ID", help="The action's id / 行动编号")],
                   fmt: FormatOpt = Format.table) -> None:
    """Remove an action from the log (kept for the record, hidden from list and review). 移除行动。"""
    from shoplens.analyses.actions import action_remove

    with _open(False) as wh:
        out = action_remove(wh, action_id)
    if fmt is Format.json:
        print_json(out)
    else:
        console.print(t("ac_removed").format(id=action_id))
