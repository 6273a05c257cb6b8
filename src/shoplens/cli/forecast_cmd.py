"""`shoplens forecast`: units per SKU with 80/95 % intervals, the method chosen per SKU by backtest."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, StoreOpt, parse_date
from shoplens.cli.output import Format, console, print_notes, print_result, rich_table
from shoplens.i18n import register_labels, t
from shoplens.params import split_values

HELP = """Demand forecast: units per SKU with 80 % / 95 % intervals. 需求预测。

Examples / 示例:\n
  shoplens forecast --top 10\n
  shoplens forecast --product SKU100252 --grain week --horizon 8 --backtest\n
  shoplens forecast --class A --as-of 2026-10-31 --format json

Merchandise units per SKU per local day (0 on days without a sale), from the SKU's first sale up to --as-of
(default: the store's last day with data; nothing later is read). Week grain: ISO weeks (Monday–Sunday); the week
holding --as-of counts only when complete. Intermittent SKUs (ADI ≥ 1.32) get CrostonSBA/TSB/ADIDA/IMAPA, the
others AutoETS/AutoTheta (seasonal when the history allows); per SKU the one with the least backtest error wins.
Promotion days (config calendar:) are replaced by the baseline before training. Default selection: --top 20.
按商品预测销量（仅商品行），含 80%/95% 区间；间歇性商品用 Croston 类方法，其余用 ETS/Theta，按回测误差为每个商品选方法；
大促日销量在训练前替换为基线。
"""

register_labels({
    "fc_title": ("需求预测", "Demand forecast"),
    "fc_as_of": ("截至 {d}", "as of {d}"),
    "fc_grain_day": ("按日", "daily"),
    "fc_grain_week": ("按周", "weekly"),
    "fc_product": ("商品", "Product"),
    "fc_method": ("方法", "Method"),
    "fc_period": ("期间", "Period"),
    "fc_value": ("预测销量", "Forecast"),
    "fc_80": ("80% 区间", "80 % interval"),
    "fc_95": ("95% 区间", "95 % interval"),
    "fc_wape": ("WAPE", "WAPE"),
    "fc_naive": ("朴素 WAPE", "naive WAPE"),
    "fc_snaive": ("季节朴素 WAPE", "seasonal naive WAPE"),
    "fc_total": ("回测合计：WAPE {wape}（朴素 {naive}，季节朴素 {snaive}），MASE {mase}，{n} 个商品",
                 "backtest total: WAPE {wape} (naive {naive}, seasonal naive {snaive}), MASE {mase}, {n} SKUs"),
    "fc_none": ("没有可预测的商品", "nothing to forecast"),
})


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _table(result: Any) -> None:
    d = result.to_dict()
    title = f"{t('fc_title')} · {d['store']} · {t('fc_grain_' + d['grain'])} · {t('fc_as_of').format(d=d['as_of'])}"
    header = [t("fc_product"), t("fc_method"), t("fc_period"), t("fc_value"), t("fc_80"), t("fc_95")]
    backtest = any(p["backtest"] for p in d["products"])
    if backtest:
        header += [t("fc_wape"), t("fc_naive"), t("fc_snaive")]
    cells = []
    for p in d["products"]:
        bt = p["backtest"] or {}
        for i, f in enumerate(p["forecast"]):
            row = [p["product_id"] if i == 0 else "", p["method"] if i == 0 else "", f["period"], f"{f['value']:,.1f}",
                   f"{f['lo80']:,.1f} … {f['hi80']:,.1f}", f"{f['lo95']:,.1f} … {f['hi95']:,.1f}"]
            if backtest:
                row += [_pct(bt.get("wape")), _pct(bt.get("naive_wape")), _pct(bt.get("seasonal_naive_wape"))] \
                    if i == 0 else ["", "", ""]
            cells.append(row)
    if not cells:
        console.print(f"{title}: {t('fc_none')}")
    else:
        console.print(rich_table(title, header, cells, numeric=(3,)))
    s = d["summary"] or {}
    if backtest:
        console.print(t("fc_total").format(wape=_pct(s.get("wape")), naive=_pct(s.get("naive_wape")),
                                           snaive=_pct(s.get("seasonal_naive_wape")),
                                           mase="" if s.get("mase") is None else f"{s['mase']:.2f}",
                                           n=s.get("skus_backtested", 0)))
    print_notes(result.notes)


def register(app: typer.Typer) -> None:
    @app.command("forecast", help=HELP)
    def forecast_command(
        product: Annotated[list[str] | None, typer.Option("--product", metavar="ID,...", help="SKUs / 商品")] = None,
        klass: Annotated[str | None, typer.Option("--class", metavar="A", help="ABC class A / A 类商品")] = None,
        top: Annotated[int | None, typer.Option("--top", metavar="N", help="N best sellers / 销量前 N")] = None,
        grain: Annotated[str, typer.Option("--grain", metavar="day|week", help="Period / 粒度")] = "day",
        horizon: Annotated[int, typer.Option("--horizon", metavar="N", help="Periods ahead / 预测期数")] = 8,
        as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", help="Last day read / 截止日")] = None,
        backtest: Annotated[bool, typer.Option("--backtest", help="WAPE/MASE vs naive / 回测")] = False,
        store: StoreOpt = None,
        config: Annotated[str | None, typer.Option("--config", metavar="FILE",
                                                   help="Config file (calendar:) / 配置文件")] = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.forecast import forecast
        from shoplens.cli.app import open_warehouse

        with open_warehouse(read_only=True) as wh:
            result = forecast(wh, split_values(product) or None, klass=klass, top=top, grain=grain, horizon=horizon,
                              as_of=parse_date(as_of, "--as-of"), backtest=backtest,
                              store=split_values(store) or None, config=config)
        print_result(result, fmt, _table)
