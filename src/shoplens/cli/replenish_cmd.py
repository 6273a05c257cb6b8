"""`shoplens replenish`: what to reorder, per SKU on sale, from the latest stock and the recent demand."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, StoreOpt, parse_date
from shoplens.cli.output import Format, console, print_notes, print_result, rich_table
from shoplens.i18n import register_labels, t
from shoplens.params import split_values

HELP = """Replenishment: safety stock, reorder point and order quantity per SKU on sale. 补货建议。

Examples / 示例:\n
  shoplens replenish\n
  shoplens replenish --service-level 0.98 --lead-time 21 --format csv > reorder.csv\n
  shoplens replenish --as-of 2026-11-01 --product SKU100004 --format json

d, σ = mean and sample sd of daily paid units over the last 28 days (history); safety stock = z × σ × √L;
reorder point = d × L + safety stock; order qty = d × (L + R) + safety stock − on hand − in transit (≥ 0, rounded
up). Lead times, service levels, review periods per SKU, supplier or category: config replenish: (README).
安全库存 = z × σ × √L；再订货点 = d × L + 安全库存；建议订货量 = d × (L + R) + 安全库存 − 在库 − 在途（向上取整）。
"""

register_labels({
    "rp_title": ("补货建议", "Replenishment"),
    "rp_store": ("店铺", "Store"),
    "rp_product": ("商品", "Product"),
    "rp_on_hand": ("在库", "On hand"),
    "rp_in_transit": ("在途", "In transit"),
    "rp_demand": ("日均需求", "Daily demand"),
    "rp_sd": ("需求标准差", "Demand sd"),
    "rp_lead": ("补货周期(天)", "Lead time (d)"),
    "rp_safety": ("安全库存", "Safety stock"),
    "rp_rop": ("再订货点", "Reorder point"),
    "rp_qty": ("建议订货量", "Order qty"),
    "rp_cover": ("可售天数", "Days of cover"),
    "rp_stockout": ("预计断货日", "Stock-out date"),
    "rp_now": ("立即补货", "Reorder now"),
    "rp_yes": ("是", "yes"),
    "rp_no": ("否", "no"),
    "rp_none": ("没有在售且有库存快照的 SKU", "no SKU on sale with inventory snapshots"),
    "rp_summary": ("{n} 个 SKU，{now} 个需要立即补货（方法：{method}）",
                   "{n} SKUs, {now} to reorder now (method: {method})"),
})


def _num(x: float | None, places: int = 1) -> str:
    return "∞" if x is None else f"{x:,.{places}f}"


def _table(result: Any) -> None:
    items = result.to_dict()["items"]
    title = t("rp_title") + (f" · {items[0]['as_of']}" if items else "")
    header = [t("rp_store"), t("rp_product"), t("rp_on_hand"), t("rp_in_transit"), t("rp_demand"), t("rp_sd"),
              t("rp_lead"), t("rp_safety"), t("rp_rop"), t("rp_qty"), t("rp_cover"), t("rp_stockout"), t("rp_now")]
    cells = [[i["store"], i["product_id"], f"{i['on_hand']:,}", f"{i['in_transit']:,}", _num(i["daily_demand"], 2),
              _num(i["demand_sd"], 2), f"{i['lead_time_days']:g}", _num(i["safety_stock"]),
              _num(i["reorder_point"]), f"{i['order_qty']:,}", _num(i["days_of_cover"]), i["stockout_date"] or "",
              t("rp_yes" if i["reorder_now"] else "rp_no")] for i in items]
    if cells:
        console.print(rich_table(title, header, cells, numeric=tuple(range(2, 11))))
    else:
        console.print(f"{title}: {t('rp_none')}")
    console.print(t("rp_summary").format(n=len(items), now=sum(i["reorder_now"] for i in items),
                                         method=result.method))
    print_notes(result.notes)


def register(app: typer.Typer) -> None:
    @app.command("replenish", help=HELP)
    def replenish_command(
        service_level: Annotated[float | None, typer.Option("--service-level", metavar="P", show_default=False,
                                                            help="e.g. 0.95 (default: config, else 0.95) / 服务水平")
                                 ] = None,
        lead_time: Annotated[float | None, typer.Option("--lead-time", metavar="DAYS", show_default=False,
                                                        help="default: config, else 14 / 补货周期（天）")] = None,
        review_period: Annotated[float | None, typer.Option("--review-period", metavar="DAYS", show_default=False,
                                                            help="default: config, else 7 / 盘点周期（天）")] = None,
        method: Annotated[str, typer.Option("--method", metavar="forecast|history",
                                            help="where d and σ come from / 需求来源")] = "history",
        as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", show_default=False,
                                                  help="default: the last day with data / 截至日期")] = None,
        product: Annotated[list[str] | None, typer.Option("--product", metavar="ID,...", show_default=False,
                                                          help="only these SKUs / 仅这些商品")] = None,
        store: StoreOpt = None,
        config: Annotated[str | None, typer.Option("--config", metavar="FILE",
                                                   help="Config file (replenish:) / 配置文件")] = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.replenish import replenish
        from shoplens.cli.app import open_warehouse

        with open_warehouse(read_only=True) as wh:
            result = replenish(wh, service_level=service_level, lead_time=lead_time, review_period=review_period,
                               method=method, as_of=parse_date(as_of, "--as-of"),
                               store=split_values(store) or None, product=split_values(product) or None,
                               config=config)
        print_result(result, fmt, _table)
