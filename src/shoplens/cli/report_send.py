"""``--send CHANNEL[,CHANNEL]`` / ``--force`` for report commands (``brief``, ``review``): one line per channel on
stdout, one error line per failed channel on stderr, exit 1 when any failed (the others are still delivered)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.i18n import register_labels, t

SendOpt = Annotated[str | None, typer.Option("--send", metavar="CHANNEL[,CHANNEL]", help="Send to these channels of "
                                             "notify: (markdown to robots, HTML + PDF by e-mail) / 推送到这些渠道")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Send again what was already sent / 已发送过也重新发送")]

register_labels({
    "rs_sent": ("渠道 {channel}（{where}）：已发送，平台应答：{answer}",
                "channel {channel} ({where}): sent, the platform answered: {answer}"),
    "rs_already_sent": ("渠道 {channel}（{where}）：此前已发送，未重复发送（重新发送请加 --force）",
                        "channel {channel} ({where}): already sent, not sent again (--force sends again)"),
    "rs_failed": ("渠道 {channel}（{where}）发送失败：{answer}", "channel {channel} ({where}) failed: {answer}"),
    "rs_note": ("注意", "note"),
})


def notify_for(send: str, config: str | None) -> tuple[Any, list[str]]:
    """The notify config and the checked channel names of ``--send`` (before any work is done)."""
    from shoplens.analyses.notify import load_notify
    from shoplens.analyses.notify.reports import pick_channels
    from shoplens.params import split_values

    notify = load_notify(config)
    return notify, pick_channels(notify, split_values(send) or [])


def send_and_report(wh: Any, report: Any, notify: Any, channels: list[str], *, lang: str | None,
                    force: bool) -> None:
    """Send, print one line per channel, raise ``typer.Exit(1)`` when a channel failed."""
    from shoplens.analyses.notify.reports import send_report

    result = send_report(wh, report, channels, notify, lang=lang, force=force)
    for d in result.deliveries:
        where = result.channels[d["channel"]]
        if d["status"] == "failed":
            line = t("rs_failed").format(channel=d["channel"], where=where, answer=d["answer"])
            typer.echo(f"{t('error')}: {line}", err=True)
            continue
        typer.echo(t(f"rs_{d['status']}").format(channel=d["channel"], where=where, answer=d["answer"]))
        if d["note"]:
            typer.echo(f"{t('rs_note')}: {d['note']}")
    if result.failed:
        raise typer.Exit(1)
