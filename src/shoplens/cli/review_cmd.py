"""`shoplens review`: the weekly review (周复盘) of one store as markdown, HTML, PDF or JSON (options as `brief`)."""

from __future__ import annotations

from typing import Annotated

import typer

from shoplens.cli.alerts_cmd import ConfigOpt
from shoplens.cli.analysis_opts import StoreOpt
from shoplens.cli.brief_cmd import _output, _write
from shoplens.cli.report_send import ForceOpt, SendOpt, notify_for, send_and_report
from shoplens.errors import ShoplensError

HELP = """The weekly review: the ISO week's KPIs vs the previous week, the same week last year and the target; what
grew and what fell by channel, category, product and country with the reason; funnel and retention changes; the
week's actions with their measured effect; recommendations for next week.
周复盘：本周核心指标对比上周、去年同周与目标；按渠道、品类、商品、国家列出增长与下滑及原因；漏斗与留存变化；
本周行动及其效果；下周建议。

Examples / 示例:\n
  shoplens review\n
  shoplens review --week 2026-W45 --lang en --format html -o review.html\n
  shoplens review --format pdf -o review.pdf\n
  shoplens review --send ops,mail

--week (YEAR-Wnn, Monday to Sunday in the store's time zone) defaults to the store's last complete week.
--week（年-W周，按店铺时区的周一至周日）默认为店铺最后一个完整周。

--send sends the review to channels of notify: (as `brief --send`: markdown to robots, HTML + PDF by e-mail), once
per channel and week unless --force. --send 推送到 notify: 的渠道（同 `brief --send`），同一周同一渠道只发一次。
"""


def register(app: typer.Typer) -> None:
    @app.command("review", help=HELP)
    def review_command(
        week: Annotated[str | None, typer.Option("--week", metavar="YEAR-Wnn",
                                                 help="The ISO week (default: last complete week) / 周")] = None,
        store: StoreOpt = None,
        lang: Annotated[str | None, typer.Option("--lang", metavar="zh|en",
                                                 help="Language of the review (default: the CLI's) / 语言")] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", metavar="markdown|html|pdf|json",
                                         help="Output format / 输出格式")] = "markdown",
        output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                                                   help="Write to FILE (needed for pdf) / 输出文件")] = None,
        send: SendOpt = None,
        force: ForceOpt = False,
        config: ConfigOpt = None,
    ) -> None:
        from shoplens import i18n
        from shoplens.analyses.reports.render import FORMATS, LANGS, render
        from shoplens.analyses.review import review
        from shoplens.analyses.review.weeks import parse_week
        from shoplens.cli.app import db_path
        from shoplens.warehouse.connection import Warehouse

        if lang is not None:
            if lang not in LANGS:
                raise ShoplensError(f"--lang {lang!r} is not one of zh, en", hint="--lang zh or en",
                                    zh=f"--lang {lang!r} 无效", zh_hint="可选 zh 或 en")
            i18n.set_lang(lang)
        if fmt not in FORMATS:
            raise ShoplensError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}",
                                hint=f"one of {', '.join(FORMATS)}", zh=f"--format {fmt!r} 无效",
                                zh_hint=f"可选：{'、'.join(FORMATS)}")
        if fmt == "pdf" and output is None:
            raise ShoplensError("--format pdf writes a file: give -o FILE", hint="e.g. -o review.pdf",
                                zh="--format pdf 需要输出文件：请加 -o FILE", zh_hint="例如 -o review.pdf")
        out = _output(output) if output else None
        monday = parse_week(week)  # bad text fails before the warehouse opens
        stores = store or []
        if len(stores) > 1:
            raise ShoplensError("the review reads one store at a time", where="--store", hint="give one --store",
                                zh="周复盘一次只针对一个店铺", zh_hint="只给一个 --store")
        if send is not None:
            notify, channels = notify_for(send, config)
            with Warehouse(db_path()) as wh:
                report = review(wh, week=monday, store=stores[0] if stores else None)
                if out is not None:
                    _write(out, render(report, fmt, i18n.lang()))
                send_and_report(wh, report, notify, channels, lang=lang, force=force)
            return
        with Warehouse(db_path(), read_only=True) as wh:
            report = review(wh, week=monday, store=stores[0] if stores else None)
        body = render(report, fmt, i18n.lang())
        if out is None:
            typer.echo(body, nl=False)
            return
        _write(out, body)
