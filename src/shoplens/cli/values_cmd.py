"""`shoplens values DIM`: a dimension's values with their row counts (what --where, steps and rules accept)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, FromOpt, StoreOpt, ToOpt, parse_date
from shoplens.cli.output import Format, console, dimension_name, print_csv, print_json, rich_table
from shoplens.i18n import lang, register_labels, t
from shoplens.params import split_values
from shoplens.value_labels import cell

register_labels({
    "values_title": ("{dim}的取值", "Values of {dim}"),
    "values_name": ("名称", "Name"),
    "values_all_dates": ("全部日期", "all dates"),
    "values_rows": ("行数合计", "Rows"),
    "values_shown": ("显示 {distinct} 个取值中的前 {shown} 个（--limit 可调）",
                     "the first {shown} of {distinct} values (--limit shows more)"),
    "values_closed": ("封闭词表：导入时不接受其他取值；没有数据的取值显示 0",
                      "a closed vocabulary: imports refuse other values; values without rows show 0"),
    "values_counts": ("计数为各表中带该取值的行数（订单含所有状态）",
                      "counts are rows holding the value (orders of any status)"),
    "values_undated": ("商品和客户没有日期：任何日期范围都计入全部",
                       "products and customers have no date: every date range counts them all"),
    "values_purchase": ("没有购买事件的店铺，其已支付订单计为 purchase 事件（与行为分析一致）",
                        "in a store without purchase events, paid orders count as purchase events (as the "
                        "analyses read them)"),
    "values_derived": ("按每次查询计算（首次访问/首次购买），没有可计数的存储行",
                       "worked out per query (first visit / first order): no stored rows to count"),
    "values_none": ("所选店铺在该范围内没有此维度的取值", "no values of this dimension in these stores and dates"),
    "values_kind_events": ("事件", "Events"),
    "values_kind_orders": ("订单", "Orders"),
    "values_kind_ad_spend": ("推广花费行", "Ad spend rows"),
    "values_kind_products": ("商品", "Products"),
    "values_kind_customers": ("客户", "Customers"),
    "values_kind_shipments": ("物流单", "Shipments"),
    "values_kind_order_items": ("订单行", "Order lines"),
})

HELP = """List a dimension's values with row counts, most first. 列出维度的取值及行数。

Examples / 示例:\n
  shoplens values channel\n
  shoplens values country --store demo --from 2026-10-01 --to 2026-10-31\n
  shoplens values event --format json\n
  shoplens values product --limit 20

Dimensions: store, channel, channel_type, source, medium, campaign, device, country (market),
category, brand, product, new_vs_returning, member_tier, carrier, page_type, session, event, or
properties.KEY. These are the values --where, funnel steps and segment rules accept; an unknown
value there is an error with the closest known ones. Counts are rows (events, orders, ad spend,
products, ...) in the local dates (default: all dates); products and customers have no date.
这些取值就是 --where、漏斗步骤和人群规则接受的值；写错的值会报错并提示最接近的取值。
"""


def _show(data: dict[str, Any]) -> None:
    kinds = data["count_of"]
    dates = f"{data['from'] or '…'} .. {data['to'] or '…'}" if data["from"] or data["to"] else t("values_all_dates")
    dim = data["dimension"]
    title = f"{t('values_title').format(dim=dimension_name(dim))} · {', '.join(data['stores'])} · {dates}"
    if not data["values"]:
        console.print(f"{title}: {t('values_none')}", markup=False, highlight=False)
        return
    # the value is what --where takes, so it stays; in Chinese its name comes beside it (values with names)
    named = lang() == "zh" and any(cell(dim, r["value"]) != r["value"] for r in data["values"])
    header = [t("value")] + ([t("values_name")] if named else []) + ([t("values_rows")] if len(kinds) > 1 else []) + [
        t(f"values_kind_{k}") for k in kinds]
    rows = [[r["value"]] + ([cell(dim, r["value"])] if named else []) + ([r["rows"]] if len(kinds) > 1 else [])
            + [r[k] for k in kinds] for r in data["values"]]
    console.print(rich_table(title, header, rows, numeric=tuple(range(2 if named else 1, len(header)))))
    if data["distinct"] > len(data["values"]):
        console.print(t("values_shown").format(shown=len(data["values"]), distinct=data["distinct"]))
    if data["closed"]:
        console.print(t("values_closed") if kinds else t("values_derived"))
    if kinds:
        console.print(t("values_counts"))
    if {"products", "customers"} & set(kinds):
        console.print(t("values_undated"))
    if data["dimension"] == "event":
        console.print(t("values_purchase"))


def register(app: typer.Typer) -> None:
    @app.command("values", help=HELP)
    def values_command(
        dim: Annotated[str, typer.Argument(metavar="DIM", help="Dimension / 维度")],
        store: StoreOpt = None, start: FromOpt = None, end: ToOpt = None,
        limit: Annotated[int | None, typer.Option("--limit", metavar="N",
                                                  help="At most N values (default 100) / 最多显示的取值数")] = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.cli.app import open_warehouse
        from shoplens.metrics.values import list_values

        with open_warehouse(read_only=True) as wh:
            data = list_values(wh, store=split_values(store) or None, dim=dim, start=parse_date(start, "--from"),
                               end=parse_date(end, "--to"), limit=limit).to_dict()
        if fmt is Format.json:
            print_json(data)
        elif fmt is Format.csv:
            header = ["value", "rows", *data["count_of"]]
            print_csv(header, [[r.get(c) for c in header] for r in data["values"]])
        else:
            _show(data)
