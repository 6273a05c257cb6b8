"""`shoplens products roles`: each on-sale SKU's role (爆款, 引流款, 潜力款, 利润款, 滞销款, 新品, 正常)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, FromOpt, StoreOpt, ToOpt, parse_date
from shoplens.cli.output import Format, console, print_notes, print_result, rich_table
from shoplens.i18n import lang, register_labels, t
from shoplens.params import split_values

HELP = """Product roles: every on-sale SKU against its category's medians. 商品角色：每个在售商品与其类目中位数对比。

Rules (x = product-page visitors / category median, y = conversion / category median; cut-offs under
products: roles: in shoplens.yaml; the first role that holds is the SKU's role, `roles` lists all):\n
  slow_mover 滞销款   stock > 0 and no sale for slow_days (30), launched ≥ slow_days ago\n
  hero 爆款           among the SKUs making the first hero_gmv_share (60 %) of the category GMV, x ≥ 1, y ≥ 1\n
  traffic_driver 引流款 x ≥ traffic_ratio (2), y < low_conversion_ratio (1), ≥ min_visitors (30)\n
  potential 潜力款     x < 1, ≥ min_visitors (30), y or add-to-cart ≥ potential_ratio (1.5) × median\n
  profit 利润款        margin ≥ margin_min (50 %), GMV ≥ profit_sales_ratio (1) × median GMV of SKUs that sold\n
  new 新品             launched within new_days (30) of the range end\n
  normal 正常          none of the above\n
Orders-only stores (no product views) get no traffic roles; hero is then by sales alone. Full table:
docs/products.md. 仅有订单的店铺不判定引流款、潜力款，爆款只看销售。

Examples / 示例:\n
  shoplens products roles\n
  shoplens products roles --from 2026-10-01 --to 2026-10-31 --format json
"""

ROLE_LABELS = {"slow_mover": ("滞销款", "slow mover"), "hero": ("爆款", "hero"),
               "traffic_driver": ("引流款", "traffic driver"), "potential": ("潜力款", "potential hit"),
               "profit": ("利润款", "profit item"), "new": ("新品", "new"), "normal": ("正常", "normal")}
register_labels({f"role_{k}": v for k, v in ROLE_LABELS.items()} | {
    "ro_title": ("商品角色", "Product roles"),
    "ro_summary": ("角色汇总", "Roles summary"),
    "ro_product": ("商品", "Product"),
    "ro_name": ("名称", "Name"),
    "ro_category": ("类目", "Category"),
    "ro_role": ("角色", "Role"),
    "ro_uv": ("访客", "UV"),
    "ro_conversion": ("转化率", "Conversion"),
    "ro_atc": ("加购率", "Add-to-cart"),
    "ro_margin": ("毛利率", "Margin"),
    "ro_units": ("件数", "Units"),
    "ro_gmv": ("成交额", "GMV"),
    "ro_trend": ("趋势", "Trend"),
    "ro_days": ("无销量天数", "Days since sale"),
    "ro_on_hand": ("在库", "On hand"),
    "ro_reason": ("原因", "Reason"),
    "ro_skus": ("商品数", "SKUs"),
    "ro_none": ("没有在售商品", "no SKUs on sale"),
})


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:.1%}"


def _n(x: Any) -> str:
    return "" if x is None else f"{x:,}"


def _table(result: Any) -> None:
    title = f"{t('ro_title')} · {result.start} … {result.end}"
    if not result.products:
        console.print(f"{title}: {t('ro_none')}")
        print_notes(result.notes)
        return
    header = [t("ro_product"), t("ro_name"), t("ro_category"), t("ro_role"), t("ro_uv"), t("ro_conversion"),
              t("ro_atc"), t("ro_margin"), t("ro_units"), t("ro_gmv"), t("ro_trend"), t("ro_days"),
              t("ro_on_hand"), t("ro_reason")]
    rows = [[p["product_id"], p["name"], p["category"], t("role_" + p["role"]), _n(p["uv"]), _pct(p["conversion"]),
             _pct(p["add_to_cart_rate"]), _pct(p["margin"]), _n(p["units"]), f"{p['gmv']:,.2f}",
             "" if p["trend"] is None else f"{p['trend']:+.0%}", _n(p["days_since_last_sale"]), _n(p["on_hand"]),
             p["reason"][lang()]] for p in result.products]
    console.print(rich_table(title, header, rows, numeric=(4, 5, 6, 7, 8, 9, 10, 11, 12)))
    summary = [[t("role_" + k), v["skus"], f"{v['gmv']:,.2f}" if v["gmv"] is not None else
                " + ".join(f"{c} {x:,.2f}" for c, x in v["gmv_by_currency"].items())]
               for k, v in result.summary().items()]
    console.print(rich_table(t("ro_summary"), [t("ro_role"), t("ro_skus"), t("ro_gmv")], summary, numeric=(1, 2)))
    print_notes(result.notes)


def register(products_app: typer.Typer) -> None:
    @products_app.command("roles", help=HELP)
    def roles_command(
        start: FromOpt = None,
        end: ToOpt = None,
        store: StoreOpt = None,
        config: Annotated[str | None, typer.Option("--config", metavar="FILE",
                                                   help="Config file (products: roles:) / 配置文件")] = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.products.roles import product_roles
        from shoplens.cli.app import open_warehouse

        with open_warehouse(read_only=True) as wh:
            result = product_roles(wh, start=parse_date(start, "--from"), end=parse_date(end, "--to"),
                                   store=split_values(store) or None, config=config)
        print_result(result, fmt, _table)
