"""`shoplens anomalies`: days on which a metric left the band learned from its own history."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, StoreOpt, ToOpt, parse_date
from shoplens.cli.output import (
    Format,
    console,
    dimension_name,
    print_notes,
    print_result,
    rich_table,
)
from shoplens.i18n import lang, register_labels, t
from shoplens.params import split_values

HELP = """Anomalies: days on which a metric left its expected band. 异常检测。

Examples / 示例:\n
  shoplens anomalies\n
  shoplens anomalies conversion_rate --by channel\n
  shoplens anomalies gmv,uv --from 2026-10-01 --to 2026-10-31 --sensitivity high --format json

Default metrics: gmv, uv, conversion_rate, aov, uv_value, add_to_cart_rate, refund_rate, roi; default range:
the 30 days up to the last complete day (as alerts check: a day whose data stops early, e.g. an export
cut at noon, is not complete). Expected value = median of the same weekday over the 6 weeks before; band =
expected ± k × 1.4826 × MAD of the history's residuals (k: low 4.5, medium 3.5, high 2.5). Promotion days
(config calendar:, 618 and 双11 shipped for China stores) and the days around them, and closed days (calendar
closed:), are neither judged nor learned from; a series with too little volume (e.g. < 100 visitors a day
for a rate per visitor) is not judged.
默认范围：截至最后一个完整日的 30 天；期望值 = 前 6 周同星期几的中位数；区间 = 期望值 ± k × 1.4826 × 残差 MAD；
大促日（配置 calendar:，内置 618 和双11，适用于中国店铺）及其前后几天、歇业日（closed:）不判断也不参与学习；
量太小的序列不判断。
"""

# not the shared --from (its "all data" default is not this command's): the 30 days up to the last complete day
FromOpt = Annotated[str | None, typer.Option(
    "--from", metavar="DATE",
    help="First local date (default: the 30 days ending at --to) / 开始日期（默认：截至 --to 的 30 天）")]

register_labels({
    "an_title": ("异常检测", "Anomalies"),
    "an_day": ("日期", "Day"),
    "an_metric": ("指标", "Metric"),
    "an_store": ("店铺", "Store"),
    "an_value": ("实际值", "Value"),
    "an_expected": ("期望值", "Expected"),
    "an_band": ("正常区间", "Band"),
    "an_direction": ("方向", "Direction"),
    "an_bad": ("不利", "Bad"),
    "an_score": ("偏离分", "Score"),
    "an_severity": ("严重度", "Severity"),
    "an_up": ("上升", "up"),
    "an_down": ("下降", "down"),
    "an_yes": ("是", "yes"),
    "an_no": ("否", "no"),
    "an_high": ("高", "high"),
    "an_medium": ("中", "medium"),
    "an_low": ("低", "low"),
    "an_none": ("没有异常", "no anomalies"),
    "an_checked": ("检查了 {series} 个序列、{points} 个数据点；未判断：大促 {promotion}，歇业 {closed}，"
                   "历史不足 {history}，量太小 {volume}，无值 {no_value}",
                   "checked {series} series, {points} points; not judged: promotion {promotion}, closed {closed}, "
                   "too little history {history}, too little volume {volume}, no value {no_value}"),
})


def _metric(metric: str) -> tuple[str, str]:
    """(name in the output language, unit) of a catalog metric."""
    from shoplens.metrics import load_catalog

    m = load_catalog().metrics[metric]
    return (m.zh if lang() == "zh" else m.en), m.unit


def _num(x: float | None, unit: str) -> str:
    if x is None:
        return ""
    if unit == "percent":
        return f"{x:.2%}"
    return f"{x:,.0f}" if unit == "count" else f"{x:,.2f}"


def _table(result: Any) -> None:
    from shoplens.value_labels import cell

    by = result.by
    title = f"{t('an_title')} · {result.start} … {result.end}" + (f" · {dimension_name(by)}" if by else "")
    header = [t("an_day"), t("an_metric"), t("an_store")] + ([dimension_name(by)] if by else []) + [
        t("an_value"), t("an_expected"), t("an_band"), t("an_direction"), t("an_bad"), t("an_score"),
        t("an_severity")]
    cells = []
    for a in result.anomalies:
        dims = [cell(by, a["dims"].get(by))] if by else []
        name, unit = _metric(a["metric"])
        cells.append([a["period"], name, a["store"], *dims, _num(a["value"], unit), _num(a["expected"], unit),
                      f"{_num(a['lower'], unit)} … {_num(a['upper'], unit)}", t("an_" + a["direction"]),
                      t("an_yes" if a["bad"] else "an_no"), f"{a['score']:+.1f}", t("an_" + a["severity"])])
    first_num = 3 + (1 if by else 0)
    if cells:
        console.print(rich_table(title, header, cells, numeric=(first_num, first_num + 1, first_num + 5)))
    else:
        console.print(f"{title}: {t('an_none')}")
    checked = result.checked.to_dict()
    console.print(t("an_checked").format(series=checked["series"], points=checked["points"], **checked["skipped"]))
    print_notes(result.notes)


def register(app: typer.Typer) -> None:
    @app.command("anomalies", help=HELP)
    def anomalies_command(
        metrics: Annotated[str | None, typer.Argument(metavar="[METRIC,...]", help="Metrics / 指标",
                                                      show_default=False)] = None,
        by: Annotated[str | None, typer.Option("--by", metavar="DIM", help="One series per value / 拆分维度")] = None,
        start: FromOpt = None,
        end: ToOpt = None,
        store: StoreOpt = None,
        sensitivity: Annotated[str, typer.Option("--sensitivity", metavar="low|medium|high",
                                                 help="How many days get flagged / 灵敏度")] = "medium",
        config: Annotated[str | None, typer.Option("--config", metavar="FILE",
                                                   help="Config file (calendar:, targets) / 配置文件")] = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.anomalies import anomalies
        from shoplens.cli.app import open_warehouse

        with open_warehouse(read_only=True) as wh:
            result = anomalies(wh, metrics, by=by, start=parse_date(start, "--from"), end=parse_date(end, "--to"),
                               store=split_values(store) or None, sensitivity=sensitivity, config=config)
        print_result(result, fmt, _table)
