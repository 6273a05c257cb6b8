"""`shoplens review`: the weekly review (周复盘) of one store as markdown, HTML, PDF or JSON (options as `brief`)."""

from __future__ import annotations

from typing import Annotated

import typer

from shoplens.cli.alerts_cmd import ConfigOpt
from shoplens.cli.analysis_opts import StoreOpt
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
        lang: LangOpt = None,
        fmt: FormatOpt = "markdown",
        output: OutputOpt = None,
        send: SendOpt = None,
        force: ForceOpt = False,
        config: ConfigOpt = None,
    ) -> None:
        from shoplens.analyses.review import review
        from shoplens.analyses.review.weeks import parse_week

        out = check_options("review", lang, fmt, output)
        monday = parse_week(week)  # bad text fails before the warehouse opens
        the_store = one_store(store, ("review", "周复盘"))
        run_report(lambda wh: review(wh, week=monday, store=the_store, config=config), lang=lang, fmt=fmt, out=out,
                   send=send, force=force, config=config)
