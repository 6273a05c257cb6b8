"""`shoplens brief`: the daily brief (日报) of one store as markdown, HTML, PDF or JSON."""

from __future__ import annotations

from typing import Annotated

import typer

from shoplens.cli.alerts_cmd import ConfigOpt
from shoplens.cli.analysis_opts import StoreOpt, parse_date
from shoplens.cli.report_opts import (
    ForceOpt,
    FormatOpt,
    LangOpt,
    OutputOpt,
    SendOpt,
    check_options,
    one_store,
    run_report,
)

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


def register(app: typer.Typer) -> None:
    @app.command("brief", help=HELP)
    def brief_command(
        day: Annotated[str | None, typer.Option("--date", metavar="DATE",
                                                help="The local day (default: last complete day) / 日期")] = None,
        store: StoreOpt = None,
        lang: LangOpt = None,
        fmt: FormatOpt = "markdown",
        output: OutputOpt = None,
        send: SendOpt = None,
        force: ForceOpt = False,
        config: ConfigOpt = None,
    ) -> None:
        from shoplens.analyses.brief import brief

        out = check_options("brief", lang, fmt, output)
        the_store = one_store(store, ("brief", "日报"))
        the_day = parse_date(day, "--date")
        run_report(lambda wh: brief(wh, day=the_day, store=the_store, config=config), lang=lang, fmt=fmt, out=out,
                   send=send, force=force, config=config)
