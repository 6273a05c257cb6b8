"""`shoplens brief`: the daily brief (日报) of one store as markdown, HTML, PDF or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli.alerts_cmd import ConfigOpt
from shoplens.cli.analysis_opts import StoreOpt, parse_date
from shoplens.cli.report_send import ForceOpt, SendOpt, notify_for, send_and_report
from shoplens.errors import ShoplensError

HELP = """The daily brief: yesterday's KPIs vs the day before, the same weekday last week and the target; the
biggest movers with their root cause; open alerts; top and falling products; channels; stock risks.
运营日报：核心指标对比前一天、上周同日与目标，变化最大的指标及原因，未处理告警，热销与下滑商品，渠道，库存风险。

Examples / 示例:\n
  shoplens brief\n
  shoplens brief --date 2026-10-26 --lang en --format html -o brief.html\n
  shoplens brief --format pdf -o brief.pdf\n
  shoplens brief --send ops,mail

--date defaults to the store's last complete day. markdown suits chat robots (DingTalk, Feishu), html is one
self-contained file for e-mail, pdf is that page printed by Chromium, json carries the numbers.
--date 默认为店铺最后一个完整日。markdown 适合钉钉/飞书机器人，html 是可直接作为邮件正文的单个文件，pdf 由
Chromium 打印同一页面，json 为机器可读的数字。

--send sends the brief to channels of notify: in shoplens.yaml (robots get the markdown, e-mail the HTML with the
PDF attached), once per channel and day unless --force; without --lang each channel's own language.
--send 推送到 shoplens.yaml 中 notify: 的渠道（机器人收 markdown，邮件收 HTML 并附 PDF），同一天同一渠道只发一次，
除非加 --force；不给 --lang 时用各渠道自己的语言。
"""


def _output(path: str) -> Path:
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


def register(app: typer.Typer) -> None:
    @app.command("brief", help=HELP)
    def brief_command(
        day: Annotated[str | None, typer.Option("--date", metavar="DATE",
                                                help="The local day (default: last complete day) / 日期")] = None,
        store: StoreOpt = None,
        lang: Annotated[str | None, typer.Option("--lang", metavar="zh|en",
                                                 help="Language of the brief (default: the CLI's) / 语言")] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", metavar="markdown|html|pdf|json",
                                         help="Output format / 输出格式")] = "markdown",
        output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                                                   help="Write to FILE (needed for pdf) / 输出文件")] = None,
        send: SendOpt = None,
        force: ForceOpt = False,
        config: ConfigOpt = None,
    ) -> None:
        from shoplens import i18n
        from shoplens.analyses.brief import brief
        from shoplens.analyses.reports.render import FORMATS, LANGS, render
        from shoplens.cli.app import db_path
        from shoplens.warehouse.connection import Warehouse

        if lang is not None:
            if lang not in LANGS:
                raise ShoplensError(f"--lang {lang!r} is not one of zh, en", hint="--lang zh or en",
                                    zh=f"--lang {lang!r} 无效", zh_hint="可选 zh 或 en")
            i18n.set_lang(lang)  # errors in the brief's language too
        if fmt not in FORMATS:
            raise ShoplensError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}",
                                hint=f"one of {', '.join(FORMATS)}", zh=f"--format {fmt!r} 无效",
                                zh_hint=f"可选：{'、'.join(FORMATS)}")
        if fmt == "pdf" and output is None:
            raise ShoplensError("--format pdf writes a file: give -o FILE", hint="e.g. -o brief.pdf",
                                zh="--format pdf 需要输出文件：请加 -o FILE", zh_hint="例如 -o brief.pdf")
        out = _output(output) if output else None
        stores = store or []
        if len(stores) > 1:
            raise ShoplensError("the brief reads one store at a time", where="--store", hint="give one --store",
                                zh="日报一次只针对一个店铺", zh_hint="只给一个 --store")
        if send is not None:
            notify, channels = notify_for(send, config)
            with Warehouse(db_path()) as wh:
                report = brief(wh, day=parse_date(day, "--date"), store=stores[0] if stores else None)
                if out is not None:
                    _write(out, render(report, fmt, i18n.lang()))
                send_and_report(wh, report, notify, channels, lang=lang, force=force)
            return
        with Warehouse(db_path(), read_only=True) as wh:
            report = brief(wh, day=parse_date(day, "--date"), store=stores[0] if stores else None)
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
