"""`shoplens alerts send` and `shoplens notify test CHANNEL`: alert delivery to the channels of ``notify:``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.alerts_cmd import ConfigOpt, alerts_app
from shoplens.cli.analysis_opts import StoreOpt, parse_date
from shoplens.cli.output import Shape, console, print_json, rich_table
from shoplens.i18n import register_labels, t
from shoplens.params import split_values

HELP = """Alert delivery channels (notify: in shoplens.yaml). 告警推送渠道。

Examples / 示例:\n
  shoplens notify test ops\n
  shoplens alerts send --date 2026-10-27
"""

notify_app = typer.Typer(help=HELP, no_args_is_help=True)
ShapeOpt = Annotated[Shape, typer.Option("--format", help="table|json / 输出格式")]

register_labels({
    "nt_title": ("告警推送", "Alert delivery"),
    "nt_channel": ("渠道", "Channel"),
    "nt_alert": ("告警", "Alert"),
    "nt_status": ("结果", "Status"),
    "nt_attempts": ("尝试次数", "Attempts"),
    "nt_answer": ("平台应答", "Answer"),
    "nt_sent": ("已发送", "sent"),
    "nt_failed": ("失败", "failed"),
    "nt_skipped_cooldown": ("冷却期内跳过", "skipped (cooldown)"),
    "nt_digest": ("（汇总）", " (digest)"),
    "nt_nothing": ("没有待发送的告警", "nothing to send"),
    "nt_counts": ("已发送 {sent}，冷却期内跳过 {skipped_cooldown}，失败 {failed}",
                  "sent {sent}, skipped (cooldown) {skipped_cooldown}, failed {failed}"),
    "nt_channel_failed": ("渠道 {channel}（{where}）发送失败：{answer}",
                          "channel {channel} ({where}) failed: {answer}"),
    "nt_test_ok": ("渠道 {channel}（{where}）测试消息已发送，平台应答：{answer}",
                   "channel {channel} ({where}): test message sent, the platform answered: {answer}"),
    "nt_no_channels": ("没有配置推送渠道", "no delivery channels are configured"),
})


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")


def _no_channels(config: str | None) -> None:
    from shoplens.errors import ShoplensError

    raise ShoplensError(t("nt_no_channels"), where=f"{config or 'shoplens.yaml'}: notify.channels",
                        hint="add channels under notify: (README, Alert delivery)", zh="没有配置推送渠道",
                        zh_hint="在 notify: 下添加渠道（参见 README 的“告警推送”一节）")


def _fail_lines(failed: dict[str, str], where: dict[str, str]) -> None:
    for channel, answer in failed.items():
        line = t("nt_channel_failed").format(channel=channel, where=where[channel], answer=answer)
        typer.echo(f"{t('error')}: {line}", err=True)


@alerts_app.command("send")
def send_command(date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="Only alerts of this day "
                                                           "/ 只发送该日的告警")] = None,
                 store: StoreOpt = None, config: ConfigOpt = None, fmt: ShapeOpt = Shape.table) -> None:
    """Send open alerts not yet delivered to their channels (notify: routes). 推送尚未发送的告警。"""
    from shoplens.analyses.notify import alerts_send, load_notify
    from shoplens.cli.alerts_cmd import _open

    notify = load_notify(config)
    if not notify.channels:
        _no_channels(config)
    with _open(False) as wh:
        result = alerts_send(wh, day=parse_date(date, "--date"), store=split_values(store) or None, config=config,
                             notify=notify)
    data = result.to_dict()
    if fmt is Shape.json:
        print_json(data)
    else:
        _table(data)
    if result.failed:
        _fail_lines(result.failed, result.channels)
        raise typer.Exit(1)


def _table(data: dict[str, Any]) -> None:
    rows = [[d["channel"], f"#{d['alert_id']}", t("nt_" + d["status"]) + (t("nt_digest") if d["digest"] else ""),
             str(d["attempts"]), d["answer"] or ""] for d in data["deliveries"]]
    if rows:
        console.print(rich_table(t("nt_title"), [t("nt_channel"), t("nt_alert"), t("nt_status"), t("nt_attempts"),
                                                 t("nt_answer")], rows, numeric=(3,)))
        console.print(t("nt_counts").format(**data["counts"]))
    else:
        console.print(f"{t('nt_title')}: {t('nt_nothing')}")


@notify_app.command("test")
def test_command(channel: Annotated[str, typer.Argument(metavar="CHANNEL", help="A channel of notify.channels / "
                                                        "渠道名")],
                 config: ConfigOpt = None, fmt: ShapeOpt = Shape.table) -> None:
    """Send a test message to a channel and print the platform's answer. 发送测试消息。"""
    from shoplens.analyses.notify import load_notify, notify_test

    notify = load_notify(config)
    if not notify.channels:
        _no_channels(config)
    where, out = notify_test(channel, notify=notify)
    if fmt is Shape.json:
        print_json({"channel": channel, "ok": out.ok, "attempts": out.attempts, "answer": out.answer})
    elif out.ok:
        console.print(t("nt_test_ok").format(channel=channel, where=where, answer=out.answer), highlight=False,
                      markup=False)
    if not out.ok:
        _fail_lines({channel: out.answer}, {channel: where})
        raise typer.Exit(1)
