"""`shoplens products trial`: new-product trial (新品测款) — first N days of new SKUs, references, verdicts."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, StoreOpt, parse_date
from shoplens.cli.output import Format, console, print_notes, print_result, rich_table
from shoplens.i18n import lang, register_labels, t
from shoplens.params import split_values

HELP = """New-product trial: new SKUs' first N days against the category's recent launches. 新品测款。

Examples / 示例:\n
  shoplens products trial\n
  shoplens products trial --days 15 --as-of 2026-11-15 --format json

SKUs launched in the last 2 × N days (launch day = day 1; those in the last N days are still in trial and
flagged partial) are compared, at the same age, with the merchandise the store launched in the 6 months
before --as-of (same category; the whole store when the category has fewer than 4). Verdict: push (top quartile
of conversion, Wilson 95 % interval above the references' median), drop (bottom quartile, interval below the
median), keep testing (too few visitors to say: the visitors needed are shown), hold (middle half, not top).
最近 2×N 天上新的商品（上新当天为第 1 天；最近 N 天内的仍在测款，标记为未满）与近 6 个月同类目新品的同龄表现比较：
加推（转化率位于前 25%，Wilson 区间高于中位数）、淘汰（后 25%，区间低于中位数）、
继续测（访客不足，给出所需访客数）、维持（中间 50%）。
"""

register_labels({
    "trial_product": ("商品", "Product"),
    "trial_category": ("类目", "Category"),
    "trial_launched": ("上新日", "Launched"),
    "trial_days": ("天数", "Days"),
    "trial_uv": ("访客", "Visitors"),
    "trial_cart": ("加购率", "Add-to-cart"),
    "trial_conv": ("转化率", "Conversion"),
    "trial_gmv": ("GMV", "GMV"),
    "trial_reviews": ("评价(均分)", "Reviews (avg)"),
    "trial_ref": ("参照转化 Q1/中位/Q3 ·数", "Ref. conv. Q1/M/Q3 ·n"),
    "trial_legend": ("* 测款未满 N 天（至今的天数）；所需访客：转化率不变时，置信区间足以下结论所需的访客总数",
                     "* trial not over (days so far); visitors needed: total visitors at which, at the same "
                     "conversion, the interval would settle the verdict"),
    "trial_verdict": ("结论", "Verdict"),
    "trial_need": ("所需访客", "Visitors needed"),
    "trial_title": ("新品测款 · {store} · 截至 {as_of} · 前 {days} 天", "New-product trial · {store} · as of {as_of} · "
                    "first {days} days"),
    "trial_push": ("加推", "push"),
    "trial_keep_testing": ("继续测", "keep testing"),
    "trial_hold": ("维持", "hold"),
    "trial_drop": ("淘汰", "drop"),
    "trial_no_reference": ("无参照", "no reference"),
})


def _pct(x: Any) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _quartiles(ref: dict[str, Any]) -> str:
    qs = (ref["conversion_q1"], ref["conversion_median"], ref["conversion_q3"])
    return "—" if qs[0] is None else "/".join(f"{q * 100:.1f}" for q in qs) + f"% ·{ref['count']}"


def _table(result: Any) -> None:
    data = result.to_dict()
    for s in data["stores"]:
        items = [i for i in data["items"] if i["store"] == s["store"]]
        rows = []
        for i in items:
            ref = i["reference"]
            rating = "" if i["rating"] is None else f" ({i['rating']:.1f})"
            rows.append([i["product_id"], i["category"] or "—", i["launched_on"],
                         f"{i['days_observed']}{'*' if i['partial'] else ''}", f"{i['uv']:,}",
                         _pct(i["add_to_cart_rate"]), _pct(i["conversion_rate"]), f"{i['gmv']:,.2f}",
                         f"{i['reviews']}{rating}",
                         _quartiles(ref),  t(f"trial_{i['verdict']}"),
                         "" if i["visitors_needed"] is None else f"{i['visitors_needed']:,}"])
        title = t("trial_title").format(store=s["store"], as_of=s["as_of"], days=data["days"])
        console.print(rich_table(title, [t(k) for k in (
            "trial_product", "trial_category", "trial_launched", "trial_days", "trial_uv", "trial_cart", "trial_conv",
            "trial_gmv", "trial_reviews", "trial_ref", "trial_verdict", "trial_need")], rows,
                                 numeric=(3, 4, 5, 6, 7, 8, 11)))
        console.print(t("trial_legend"), highlight=False, markup=False)
        for i in items:
            console.print(f"{i['product_id']}: {i['reason'][lang()]}", highlight=False, markup=False)
    print_notes(data["notes"])


def register(products_app: typer.Typer) -> None:
    @products_app.command("trial", help=HELP)
    def trial_command(
        days: Annotated[int | None, typer.Option("--days", metavar="N", help="Trial length in days (default 15) / "
                                                                          "测款天数")] = None,
        as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", help="Last day (default: the last day "
                                                  "with data) / 截至日期")] = None,
        store: StoreOpt = None,
        config: Annotated[str | None, typer.Option("--config", metavar="FILE", help="Config file (products: trial:)"
                                                   " / 配置文件")] = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.products.trial import products_trial
        from shoplens.cli.app import open_warehouse

        stores = split_values(store) or None
        with open_warehouse(read_only=True) as wh:
            result = products_trial(wh, days=days, as_of=parse_date(as_of, "--as-of"), store=stores, config=config)
        print_result(result, fmt, _table)
