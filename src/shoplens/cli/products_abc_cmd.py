"""`shoplens products abc`: ABC classes of a store's SKUs (商品 ABC 分类)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, StoreOpt, parse_date
from shoplens.cli.output import Format, console, print_notes, print_result, rich_table
from shoplens.i18n import register_labels, t
from shoplens.params import split_values

HELP = """ABC classes of the SKUs: which ones carry the store. 商品 ABC 分类。

Examples / 示例:\n
  shoplens products abc\n
  shoplens products abc --by margin --from 2026-10-01 --to 2026-10-31 --thresholds 70,90\n
  shoplens products abc --within category --format json

SKUs (merchandise only) ranked by value (ties by product id); a SKU is A when the cumulative share of the SKUs
ranked above it is below the first threshold (the SKU that crosses 60 % is A), B when below the second, else C.
On-sale SKUs without a sale are C with value 0. Default range: the last 30 days with data; previous_class is the
class over the 30 (same length) days before. --by margin: SKUs without unit cost are not classified; a loss is C.
按价值（gmv 成交额 / units 件数 / margin 毛利）降序排列商品，排在前面的商品累计占比低于第一个阈值则为 A 类（跨过 60% 的
那个商品也是 A），低于第二个阈值为 B，否则为 C；在售但无销售的商品为 C（价值 0）。
默认最近 30 天，并与上一个同长周期对比。
"""

register_labels({
    "abc_title": ("商品 ABC 分类", "Product ABC"),
    "abc_rank": ("排名", "Rank"),
    "abc_product": ("商品", "Product"),
    "abc_name": ("名称", "Name"),
    "abc_category": ("类目", "Category"),
    "abc_value": ("价值", "Value"),
    "abc_share": ("占比", "Share"),
    "abc_cum": ("累计占比", "Cumulative"),
    "abc_class": ("分类", "Class"),
    "abc_prev": ("上期", "Previous"),
    "abc_classes": ("分类汇总", "Classes"),
    "abc_skus": ("SKU 数", "SKUs"),
    "abc_moves": ("分类变化（上期 → 本期）", "Movement (previous → now)"),
    "abc_from": ("上期", "From"),
    "abc_new": ("新进", "new"),
    "abc_more": ("… 另有 {n} 个 SKU（--limit 或 --format csv 查看全部）",
                 "… {n} more SKUs (--limit, or --format csv for all)"),
    "abc_by_gmv": ("成交额", "GMV"),
    "abc_by_units": ("件数", "units"),
    "abc_by_margin": ("毛利", "margin"),
})


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:.1%}"


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:,.2f}" if x != int(x) else f"{x:,.0f}"


def table(result: Any, limit: int) -> None:
    d = result.to_dict()
    title = (f"{t('abc_title')} · {d['store']} · {t('abc_by_' + d['by'])} · {d['period']['from']} … "
             f"{d['period']['to']} · {d['thresholds'][0]:.0%}/{d['thresholds'][1]:.0%}")
    header = [t("abc_rank"), t("abc_product"), t("abc_name"), t("abc_category"), t("abc_value"), t("abc_share"),
              t("abc_cum"), t("abc_class"), t("abc_prev")]
    rows = [[p["rank"] or "", p["product_id"], p["name"] or "", p["category"] or "", _num(p["value"]),
             _pct(p["share"]), _pct(p["cumulative_share"]), p["class"] or "", p["previous_class"] or ""]
            for p in d["products"][:limit]]
    console.print(rich_table(title, header, rows, numeric=(0, 4, 5, 6)))
    if len(d["products"]) > limit:
        console.print(t("abc_more").format(n=len(d["products"]) - limit))
    classes = [[k, v["skus"], _num(v["value"]), _pct(v["share"])] for k, v in d["classes"].items()]
    console.print(rich_table(t("abc_classes"), [t("abc_class"), t("abc_skus"), t("abc_value"), t("abc_share")],
                             classes, numeric=(1, 2, 3)))
    moves = [[t("abc_new") if k == "new" else k, *v.values()] for k, v in d["movement"].items()]
    console.print(rich_table(f"{t('abc_moves')} · {d['previous_period']['from']} … {d['previous_period']['to']}",
                             [t("abc_from"), "A", "B", "C"], moves, numeric=(1, 2, 3)))
    print_notes(result.notes)


def register(products_app: typer.Typer) -> None:
    @products_app.command("abc", help=HELP)
    def abc_command(
        by: Annotated[str, typer.Option("--by", metavar="gmv|units|margin",
                                        help="Value to rank by / 排序价值")] = "gmv",
        start: Annotated[str | None, typer.Option(
            "--from", metavar="DATE", help="First local date (default: last 30 days) / 开始日期")] = None,
        end: Annotated[str | None, typer.Option("--to", metavar="DATE", help="Last local date / 结束日期")] = None,
        thresholds: Annotated[str, typer.Option("--thresholds", metavar="A,B",
                                                help="Cumulative % cut-offs / 累计占比阈值")] = "60,85",
        within: Annotated[str | None, typer.Option("--within", metavar="category",
                                                   help="Classes within each category / 类目内分类")] = None,
        store: StoreOpt = None,
        limit: Annotated[int, typer.Option("--limit", min=1, help="Rows of the table / 表格行数")] = 20,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.products.abc import products_abc
        from shoplens.cli.app import open_warehouse

        with open_warehouse(read_only=True) as wh:
            result = products_abc(wh, by, start=parse_date(start, "--from"), end=parse_date(end, "--to"),
                                  thresholds=thresholds, within=within, store=split_values(store) or None)
        if fmt is Format.json:
            print_rows_json(result.to_dict())
        else:
            print_result(result, fmt, lambda r: table(r, limit))


def print_rows_json(data: dict[str, Any]) -> None:
    """The JSON with one SKU per line: the same document as ``print_json``'s, but json's C encoder per line (an
    indented dump runs the pure-Python one: seconds for 50 k SKUs); written through ``write_json`` (UTF-8, or escaped
    ASCII for a stdout in another encoding)."""
    import json

    from shoplens.cli.output import write_json

    products = data.pop("products")
    head = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    rows = ",\n".join("    " + json.dumps(p, ensure_ascii=False, default=str) for p in products)
    write_json((head[:-2] + ',\n  "products": [\n' + rows + ("\n  ]\n}" if rows else "]\n}")).encode())
