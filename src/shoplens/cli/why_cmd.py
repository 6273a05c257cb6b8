"""`shoplens why METRIC`: root cause of a metric's change (factors, dimensions, one bilingual sentence)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, FromOpt, StoreOpt, ToOpt, parse_date
from shoplens.cli.output import Format, console, print_notes, print_result, rich_table
from shoplens.i18n import lang, register_labels, t
from shoplens.params import split_values

HELP = """Why did a metric move? Root cause over factors and dimensions. 归因：指标为什么变了。

Examples / 示例:\n
  shoplens why gmv --date 2026-10-27 --compare wow --by channel,device\n
  shoplens why conversion_rate --from 2026-10-01 --to 2026-10-31 --compare previous --format json

The change against the reference (--compare wow: same weekday a week earlier, the default for --date;
previous: as many days just before, the default for --from/--to; yoy; baseline: the mean of the 4 earlier
periods on the same weekdays, e.g. the same weekday of the previous 4 weeks) is split over the metric's factors
(GMV = UV × payment conversion × orders per buyer × AOV, conversion = add-to-cart rate × cart-to-purchase ×
buyers per cart buyer; LMDI) and over each --by dimension's values (own change; rate + mix effect for ratios);
dimensions are ranked the Adtributor way.
与对比期（--compare wow 上周同日 / previous 上一周期 / yoy 去年同期 / baseline 前 4 周同日均值）相比的变化，拆到因子
（GMV = 访客 × 支付转化率 × 人均订单数 × 笔单价，支付转化率 = 加购率 × 加购支付转化率 × 每加购支付买家对应的支付买家数）
和各维度取值（比率指标分为转化效应与结构效应），按 Adtributor 方法排序维度。
"""

register_labels({
    "why_factor": ("因子", "Factor"),
    "why_now": ("本期", "Now"),
    "why_before": ("对比期", "Before"),
    "why_contribution": ("贡献", "Contribution"),
    "why_share": ("占变化", "Share of change"),
    "why_rate": ("转化效应", "Rate effect"),
    "why_mix": ("结构效应", "Mix effect"),
    "why_value": ("取值", "Value"),
    "why_factors_title": ("{metric}：因子拆分", "{metric}: factors"),
    "why_dim_title": ("按{dim}（解释度 {ep}，意外度 {s}）", "By {dim} (explanatory power {ep}, surprise {s})"),
    "why_explains": ("★ = 解释变化的取值", "★ = values that explain the change"),
})

TABLE_VALUES = 8  # values per dimension in the table; json/csv give them all


def _num(value: Any, places: int = 2) -> str:
    return "—" if value is None else f"{value:,.{places}f}"


def _units() -> dict[str, str]:
    from shoplens.metrics import load_catalog

    return {m.id: m.unit for m in load_catalog().metrics.values()}


def _in_unit(value: Any, unit: str | None, change: bool = False) -> str:
    """A value in its metric's unit; a change of a percentage in points (``-1.20 pp``)."""
    from shoplens.metrics.format import format_value

    if value is None or unit is None:
        return _num(value, 2 if change else 4)
    if change and unit == "percent":
        return f"{value * 100:+,.2f} pp"
    if unit == "count" and value != int(value):  # a baseline's mean count (2,727.75 visitors)
        return f"{value:,.2f}"
    return format_value(value, unit, lang())


def _factor_name(factor: str) -> str:
    from shoplens.analyses.why.words import FACTOR_NAMES
    from shoplens.metrics import load_catalog

    metric = load_catalog().metrics.get(factor)
    if metric is not None:
        return metric.zh if lang() == "zh" else metric.en
    en, zh = FACTOR_NAMES.get(factor, (factor, factor))
    return zh if lang() == "zh" else en


def _print_factors(title: str, factors: list[dict[str, Any]], units: dict[str, str], metric_unit: str | None) -> None:
    """One row per factor; a factor's own factors (gmv's conversion: add-to-cart × cart-to-purchase × …) below
    it, indented with ``└``."""
    rows = [[indent + _factor_name(f["factor"]), _in_unit(f["value"], units.get(f["factor"], "number")),
             _in_unit(f["reference_value"], units.get(f["factor"], "number")),
             _in_unit(f["contribution"], metric_unit, True)]
            for top in factors for indent, f in [("", top), *(("  └ ", sub) for sub in top.get("factors") or [])]]
    console.print(rich_table(title, [t("why_factor"), t("why_now"), t("why_before"), t("why_contribution")], rows,
                             numeric=(1, 2, 3)))


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value:.1%}"


def _table(result: Any) -> None:
    data = result.to_dict()
    console.print(data["summary"][lang()], highlight=False, markup=False)
    units = _units()
    unit = units.get(data["metric"])
    if data["factors"]:
        _print_factors(t("why_factors_title").format(metric=data["metric"]), data["factors"], units, unit)
    for d in data["dimensions"]:
        rows = [[("★ " if v["explains"] else "") + v["value"], _in_unit(v["value_now"], unit),
                 _in_unit(v["value_before"], unit), _in_unit(v["contribution"], unit, True), _pct(v["share"]),
                 _in_unit(v["rate_effect"], unit, True), _in_unit(v["mix_effect"], unit, True)]
                for v in d["values"][:TABLE_VALUES]]
        title = t("why_dim_title").format(dim=d["dimension"], ep=_pct(d["explanatory_power"]), s=f"{d['surprise']:.4f}")
        console.print(rich_table(title, [t("why_value"), t("why_now"), t("why_before"), t("why_contribution"),
                                         t("why_share"), t("why_rate"), t("why_mix")], rows,
                                 numeric=(1, 2, 3, 4, 5, 6)))
    for d in data["dimensions"][:1]:  # the best dimension's detailed values, each over its own factors
        for v in d["values"]:
            if v["factors"]:
                _print_factors(t("why_factors_title").format(metric=f"{d['dimension']}={v['value']}"), v["factors"],
                               units, unit)
    console.print(t("why_explains"), highlight=False, markup=False)
    print_notes(data["notes"])


def register(app: typer.Typer) -> None:
    @app.command("why", help=HELP)
    def why_command(
        metric: Annotated[str, typer.Argument(metavar="METRIC", help="Catalog metric id, e.g. gmv / 指标")],
        day: Annotated[str | None, typer.Option("--date", metavar="DATE", help="One local day / 单日")] = None,
        start: FromOpt = None,
        end: ToOpt = None,
        compare: Annotated[str | None, typer.Option(
            "--compare", metavar="previous|wow|yoy|baseline", help="Reference period / 对比期")] = None,
        by: Annotated[list[str] | None, typer.Option(
            "--by", metavar="DIM,...", help="Dimensions (default channel,device,country,category,"
                                            "new_vs_returning,member_tier) / 维度")] = None,
        where: Annotated[list[str] | None, typer.Option(
            "--where", metavar="DIM=VALUE", help="Explain one slice, e.g. channel=paid_search / 限定切片")] = None,
        store: StoreOpt = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.why import why
        from shoplens.cli.app import open_warehouse
        from shoplens.params import where_pairs

        stores = split_values(store) or None
        with open_warehouse(read_only=True) as wh:
            result = why(wh, metric, day=parse_date(day, "--date"), start=parse_date(start, "--from"),
                         end=parse_date(end, "--to"), compare=compare, by=split_values(by) or None,
                         store=stores[0] if stores and len(stores) == 1 else stores,
                         where=where_pairs(where) or None)
        print_result(result, fmt, _table)
