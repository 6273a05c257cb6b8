"""`shoplens alerts check|list|ack|resolve|rules`: alert rules evaluated for a day and stored in the warehouse."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, FromOpt, StoreOpt, ToOpt, parse_date
from shoplens.cli.output import Format, console, print_csv, print_json, print_notes, rich_table
from shoplens.i18n import lang, register_labels, t
from shoplens.params import split_values

HELP = """Alerts: shipped and configured rules checked for a day, stored with a status. 告警。

Examples / 示例:\n
  shoplens alerts check\n
  shoplens alerts check --date 2026-10-26 --format json\n
  shoplens alerts list --status open\n
  shoplens alerts ack 3 --note "on it"\n
  shoplens alerts rules

Rules: config alerts: in shoplens.yaml over the shipped ones (README "Alerts / 告警"). One alert per rule, store,
dimension values and day: checking a day again creates nothing new and refreshes changed numbers.
规则：shoplens.yaml 的 alerts: 覆盖内置规则；同一规则、店铺、维度取值与日期只有一条告警，重复检查不会新增。
"""

alerts_app = typer.Typer(help=HELP, no_args_is_help=True)
ConfigOpt = Annotated[str | None, typer.Option("--config", metavar="FILE", help="Config file (alerts:, targets, "
                                               "calendar:) / 配置文件")]
NoteOpt = Annotated[str | None, typer.Option("--note", metavar="TEXT", help="Why / 备注")]
CSV_COLUMNS = ("id", "rule", "kind", "metric", "store", "dims", "period", "value", "reference", "change", "severity",
               "status", "message")

register_labels({
    "al_why": ("#{id} 归因：{text}", "#{id} why: {text}"),
    "al_title": ("告警", "Alerts"),
    "al_id": ("编号", "ID"),
    "al_day": ("日期", "Day"),
    "al_severity": ("严重度", "Severity"),
    "al_status": ("状态", "Status"),
    "al_rule": ("规则", "Rule"),
    "al_message": ("说明", "Message"),
    "al_none": ("没有告警", "no alerts"),
    "al_open": ("待处理", "open"),
    "al_acknowledged": ("已确认", "acknowledged"),
    "al_resolved": ("已解决", "resolved"),
    "al_checked": ("检查了 {rules} 条规则（{days}）：触发 {fired} 条，其中新增 {new}，更新 {updated}",
                   "checked {rules} rules ({days}): {fired} fired, {new} new, {updated} updated"),
    "al_done": ("告警 {id} 现为{status}", "alert {id} is now {status}"),
    "al_rules": ("告警规则", "Alert rules"),
    "al_kind": ("类型", "Kind"),
    "al_metric": ("指标", "Metric"),
    "al_on": ("启用", "On"),
    "al_name": ("名称", "Name"),
    "al_yes": ("是", "yes"),
    "al_no": ("否", "no"),
})


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")


def _show(result: Any, fmt: Format, checked: bool = False) -> None:
    data = result.to_dict()
    if fmt is Format.json:
        print_json(data)
        return
    if fmt is Format.csv:
        import json

        print_csv(CSV_COLUMNS, [[a["id"], a["rule"], a["kind"], a["metric"], a["store"],
                                 json.dumps(a["dims"], ensure_ascii=False), a["period"], a["value"], a["reference"],
                                 a["change"], a["severity"], a["status"], a["message"][lang()]]
                                for a in data["alerts"]])
        return
    rows = [[str(a["id"]), a["period"], t("an_" + a["severity"]), t("al_" + a["status"]), a["rule"],
             a["message"][lang()]] for a in data["alerts"]]
    if rows:
        console.print(rich_table(t("al_title"), [t("al_id"), t("al_day"), t("al_severity"), t("al_status"),
                                                 t("al_rule"), t("al_message")], rows, numeric=(0,)))
    else:
        console.print(f"{t('al_title')}: {t('al_none')}")
    _print_root_causes(data["alerts"])
    if checked:
        c = data["checked"]
        days = ", ".join(f"{s} {d}" for s, d in c["days"].items())
        console.print(t("al_checked").format(days=days, **{k: c[k] for k in ("rules", "fired", "new", "updated")}))
    print_notes(data.get("notes", {}))


def _print_root_causes(alerts: list[dict[str, Any]]) -> None:
    """Each alert's root cause in one sentence (the same answer shared by alerts of one metric and day once)."""
    said: set[str] = set()
    for a in alerts:
        cause = a.get("root_cause") or {}
        text = (cause.get("summary") or {}).get(lang()) or (cause.get("error") or {}).get(lang())
        if text and text not in said:
            said.add(text)
            console.print(t("al_why").format(id=a["id"], text=text), highlight=False, markup=False)


def _open(read_only: bool) -> Any:
    from shoplens.cli.app import open_warehouse

    return open_warehouse(read_only=read_only)


@alerts_app.command("check")
def check_command(date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="Local day (default: "
                                                           "each store's last complete day) / 日期")] = None,
                  store: StoreOpt = None, config: ConfigOpt = None, fmt: FormatOpt = Format.table,
                  no_why: Annotated[bool, typer.Option("--no-why", help="Skip each alert's root cause (faster) / "
                                                       "不计算归因")] = False) -> None:
    """Check every enabled rule for a day and store what fired, each with its root cause. 检查告警规则并归因。"""
    from shoplens.analyses.alerts import alerts_check

    day = parse_date(date, "--date")
    with _open(False) as wh:
        result = alerts_check(wh, day=day, store=split_values(store) or None, config=config, explain=not no_why)
    _show(result, fmt, checked=True)


@alerts_app.command("list")
def list_command(status: Annotated[str | None, typer.Option("--status", metavar="open|acknowledged|resolved",
                                                            help="Only this status / 状态")] = None,
                 start: FromOpt = None, end: ToOpt = None, store: StoreOpt = None,
                 fmt: FormatOpt = Format.table) -> None:
    """Stored alerts, newest day first. 查看告警。"""
    from shoplens.analyses.alerts import alerts_list

    with _open(True) as wh:
        result = alerts_list(wh, status=status, start=parse_date(start, "--from"), end=parse_date(end, "--to"),
                             store=split_values(store) or None)
    _show(result, fmt)


def _set(alert_id: int, note: str | None, fmt: Format, resolve: bool) -> None:
    from shoplens.analyses.alerts import alerts_ack, alerts_resolve

    with _open(False) as wh:
        out = (alerts_resolve if resolve else alerts_ack)(wh, alert_id, note)
    if fmt is Format.json:
        print_json(out)
    else:
        console.print(t("al_done").format(id=alert_id, status=t("al_" + out["status"])))


@alerts_app.command("ack")
def ack_command(alert_id: Annotated[int, typer.Argument(metavar="ID")], note: NoteOpt = None,
                fmt: FormatOpt = Format.table) -> None:
    """Acknowledge an alert (someone is on it). 确认告警。"""
    _set(alert_id, note, fmt, resolve=False)


@alerts_app.command("resolve")
def resolve_command(alert_id: Annotated[int, typer.Argument(metavar="ID")], note: NoteOpt = None,
                    fmt: FormatOpt = Format.table) -> None:
    """Mark an alert resolved. 解决告警。"""
    _set(alert_id, note, fmt, resolve=True)


@alerts_app.command("rules")
def rules_command(config: ConfigOpt = None, fmt: FormatOpt = Format.table) -> None:
    """The effective rules: shipped, changed by the config, switched off. 查看生效的规则。"""
    from shoplens.analyses.alerts import alerts_rules

    data = alerts_rules(config)
    if fmt is Format.json:
        print_json(data)
        return
    rows = [[r["id"], r["kind"], r["metric"] or "*", t("al_yes" if r["enabled"] else "al_no"),
             t("an_" + r["severity"]), (r["name"] or {}).get(lang(), "")] for r in data["rules"]]
    console.print(rich_table(t("al_rules"), [t("al_rule"), t("al_kind"), t("al_metric"), t("al_on"),
                                             t("al_severity"), t("al_name")], rows))
