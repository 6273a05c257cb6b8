"""What the report commands (``brief``, ``review``) share: their options (``--lang``, ``--format``, ``-o``,
``--send``, ``--force``) and one flow from the options to the printed, written or sent report.

``--send``: one line per channel on stdout, one error line per failed channel on stderr, exit 1 when any failed
(the others are still delivered).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from shoplens.errors import ShoplensError
from shoplens.i18n import register_labels, t

LangOpt = Annotated[str | None, typer.Option("--lang", metavar="zh|en",
                                             help="Language of the report (default: the CLI's) / 语言")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", metavar="markdown|html|pdf|json",
                                        help="Output format / 输出格式")]
OutputOpt = Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                                               help="Write to FILE (needed for pdf) / 输出文件")]

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


def output_file(path: str) -> Path:
    """The -o file; its folder must exist (we never create folders behind a typo)."""
    out = Path(path)
    if not out.parent.is_dir():
        raise ShoplensError(f"cannot write {path}: folder {out.parent} does not exist", where="-o",
                            hint="create the folder or pick another path",
                            zh=f"无法写入 {path}：目录 {out.parent} 不存在", zh_hint="请先创建目录或换一个路径")
    if out.is_dir():
        raise ShoplensError(f"cannot write {path}: it is a folder", where="-o", hint="give a file name",
                            zh=f"无法写入 {path}：这是一个目录", zh_hint="请给出文件名")
    return out


def check_options(kind: str, lang: str | None, fmt: str, output: str | None) -> Path | None:
    """Checks ``--lang`` (it also sets the language of errors), ``--format`` and ``-o``; returns the -o file."""
    from shoplens import i18n
    from shoplens.analyses.reports.render import FORMATS, LANGS

    if lang is not None:
        if lang not in LANGS:
            raise ShoplensError(f"--lang {lang!r} is not one of zh, en", hint="--lang zh or en",
                                zh=f"--lang {lang!r} 无效", zh_hint="可选 zh 或 en")
        i18n.set_lang(lang)  # errors in the report's language too
    if fmt not in FORMATS:
        raise ShoplensError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}",
                            hint=f"one of {', '.join(FORMATS)}", zh=f"--format {fmt!r} 无效",
                            zh_hint=f"可选：{'、'.join(FORMATS)}")
    if fmt == "pdf" and output is None:
        raise ShoplensError("--format pdf writes a file: give -o FILE", hint=f"e.g. -o {kind}.pdf",
                            zh="--format pdf 需要输出文件：请加 -o FILE", zh_hint=f"例如 -o {kind}.pdf")
    return output_file(output) if output else None


def one_store(stores: list[str] | None, what: tuple[str, str]) -> str | None:
    """The single ``--store`` of a report (None: the warehouse's only store); ``what`` names the report (en, zh)."""
    stores = stores or []
    if len(stores) > 1:
        raise ShoplensError(f"the {what[0]} reads one store at a time", where="--store", hint="give one --store",
                            zh=f"{what[1]}一次只针对一个店铺", zh_hint="只给一个 --store")
    return stores[0] if stores else None


def run_report(build: Callable[[Any], Any], *, lang: str | None, fmt: str, out: Path | None, send: str | None,
               force: bool, config: str | None) -> None:
    """``build(wh)`` the report, then print it, write it to ``out`` and/or send it (``--send`` opens the
    warehouse writable: the send is logged)."""
    from shoplens import i18n
    from shoplens.analyses.reports.render import render
    from shoplens.cli.app import open_warehouse

    if send is not None:
        notify, channels = notify_for(send, config)  # a wrong channel fails before any work
        with open_warehouse() as wh:
            report = build(wh)
            if out is not None:
                _write(out, render(report, fmt, i18n.lang()))
            send_and_report(wh, report, notify, channels, lang=lang, force=force)
        return
    with open_warehouse(read_only=True) as wh:
        report = build(wh)
    body = render(report, fmt, i18n.lang())
    if out is None:
        typer.echo(body, nl=False)
        return
    _write(out, body)


def _write(out: Path, body: str | bytes) -> None:
    if isinstance(body, bytes):
        out.write_bytes(body)
    else:
        out.write_text(body, encoding="utf-8")
    typer.echo(f"{out} ({out.stat().st_size:,} bytes)", err=True)
