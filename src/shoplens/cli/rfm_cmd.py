"""`shoplens rfm`: RFM tiers (sizes, GMV shares), customer lists, win-back lists and CSV export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, SegmentOpt, StoreOpt, WhereOpt, analysis_context, parse_date
from shoplens.cli.output import Format, console, err_console, print_csv, print_json, print_notes, rich_table
from shoplens.csv_out import write_csv
from shoplens.i18n import lang, register_labels, t

HELP = """RFM tiers: recency, frequency and monetary value of every customer. RFM 用户分层。

Examples / 示例:\n
  shoplens rfm\n
  shoplens rfm --as-of 2011-12-09 --bins 5 --format json\n
  shoplens rfm --list core\n
  shoplens rfm --win-back 90 --export win_back_90.csv\n
  shoplens rfm --list at_risk --win-back 180 --format csv

Customers = users with a paid order up to --as-of (default: the last data day). R = days since the
last paid order (store's local days), F = paid orders, M = their GMV. Scores 1..bins per store by
quantile, ties share a score. Tiers: core 核心用户, dormant 沉睡用户, potential 潜力用户,
rising 成长用户 (was champions),
loyal, new, lost, at_risk, hibernating, others (rules: docs/behaviour.md#rfm-tiers).
--export writes the selected list (default: every customer) to CSV.
客户 = 截至 --as-of 有支付订单的用户；R = 距最近一次支付的天数，F = 支付订单数，M = 成交额；
每个店铺内按分位数打 1..bins 分（并列同分）。--export 导出所选名单（默认全部客户）。
"""

TABLE_ROWS = 50  # list rows shown as a table; json/csv/--export give them all

register_labels({
    "rfm_title": ("RFM 用户分层", "RFM tiers"),
    "rfm_as_of": ("截至", "as of"),
    "rfm_customers": ("客户数", "Customers"),
    "rfm_tier": ("分层", "Tier"),
    "rfm_share": ("客户占比", "Share"),
    "rfm_gmv": ("成交额", "GMV"),
    "rfm_gmv_share": ("成交额占比", "GMV share"),
    "rfm_avg_r": ("平均R(天)", "Avg R (days)"),
    "rfm_avg_f": ("平均F(单)", "Avg F (orders)"),
    "rfm_avg_m": ("平均M", "Avg M"),
    "rfm_user": ("用户", "User"),
    "rfm_last_day": ("最近支付日", "Last order"),
    "rfm_recency": ("R(天)", "R (days)"),
    "rfm_orders": ("订单数", "Orders"),
    "rfm_scores": ("R/F/M 分", "R/F/M score"),
    "rfm_levels": ("分值 1–{bins}（每店按分位数，并列同分）；低 ≤{low}，高 ≥{high}",
                   "scores 1–{bins} (quantiles per store, ties share a score); low ≤{low}, high ≥{high}"),
    "rfm_win_back": ("待召回：{n90:,} 位客户 90 天以上未购买，{n180:,} 位 180 天以上（--win-back 90|180 查看名单）",
                     "win-back: {n90:,} customers without a paid order for 90+ days, {n180:,} for 180+ "
                     "(--win-back 90|180 lists them)"),
    "rfm_win_back_list": ("待召回名单（≥{days} 天未购买）", "Win-back list (no paid order for {days}+ days)"),
    "rfm_all": ("全部客户", "All customers"),
    "rfm_no_customers": ("没有符合条件的客户", "no matching customers"),
    "rfm_all_stores": ("全部店铺（各店币种不同，成交额见下方分店表）",
                       "all stores (their currencies differ: GMV in each store's table below)"),
    "rfm_per_store_money": ("各店报告币种不同：成交额不跨币种相加，按店铺分别列出",
                            "the stores report in different currencies: GMV is not added across them, "
                            "each store's is in its own table"),
    "rfm_no_money": ("无订单金额的店铺（仅事件）不计 M 分",
                     "stores without order amounts (events only) get no M score"),
})


def _tier_name(tier: str) -> str:
    from shoplens.analyses.rfm import TIERS

    zh, en = TIERS[tier]
    return zh if lang() == "zh" else en


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value:.1%}"


def _money(value: float | None) -> str | None:
    return None if value is None else f"{value:,.2f}"


def _dec(value: float | None, places: int = 1) -> str | None:
    return None if value is None else f"{value:,.{places}f}"


def _show_summary(result: Any, fmt: Format) -> None:
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    if fmt is Format.csv:
        if result.by_store:  # one table per store, each in its own currency
            rows = [{"store": part.stores[0], "currency": part.currency, **row} for part in result.by_store
                    for row in part.table_rows()]
        else:
            rows = result.table_rows()
        print_csv(list(rows[0]), [list(r.values()) for r in rows])
        return
    _summary_table(result, t("rfm_all_stores") if result.by_store else None)
    for part in result.by_store:
        _summary_table(part, f"{t('store')} {part.stores[0]}")
    console.print(t("rfm_levels").format(bins=result.bins, low=result.levels["low_max"],
                                         high=result.levels["high_min"]))
    if result.by_store:
        console.print(t("rfm_per_store_money"))
    elif result.gmv is None and result.customers:
        console.print(t("rfm_no_money"))
    console.print(t("rfm_win_back").format(n90=result.win_back["90"], n180=result.win_back["180"]))
    print_notes(result.notes)


def _summary_table(result: Any, which: str | None) -> None:
    from shoplens.analyses.rfm_tiers import value_order

    title = (f"{t('rfm_title')} · {t('rfm_as_of')} {result.as_of} · {t('rfm_customers')} {result.customers:,}"
             + (f" · {which}" if which else "") + (f" · {result.currency}" if result.currency else ""))
    header = [t("rfm_tier"), "id", t("rfm_customers"), t("rfm_share"), t("rfm_gmv"), t("rfm_gmv_share"),
              t("rfm_avg_r"), t("rfm_avg_f"), t("rfm_avg_m")]
    cells = [[_tier_name(r.tier), r.tier, r.customers, _pct(r.share), _money(r.gmv), _pct(r.gmv_share),
              _dec(r.avg_recency_days), _dec(r.avg_frequency, 2), _money(r.avg_monetary)]
             for r in value_order(list(result.tiers))]  # most valuable first, no empty "others" row
    console.print(rich_table(title, header, cells, numeric=tuple(range(2, len(header)))))


LIST_COLUMNS = ("store_id", "user_id", "tier", "name_zh", "name_en", "last_day", "recency_days", "frequency",
                "monetary", "currency", "r_score", "f_score", "m_score")


def _csv_rows(result: Any) -> list[list[Any]]:
    from shoplens.analyses.rfm import TIERS

    out = []
    for r in result.rows:
        row = vars(r) | {"name_zh": TIERS[r.tier][0], "name_en": TIERS[r.tier][1]}
        out.append([row[c] for c in LIST_COLUMNS])
    return out


def _show_list(result: Any, fmt: Format, multi_store: bool) -> None:
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    if fmt is Format.csv:
        print_csv(LIST_COLUMNS, _csv_rows(result))
        return
    if result.min_recency_days is not None:
        title = t("rfm_win_back_list").format(days=result.min_recency_days)
        if result.tier:
            title += f" · {_tier_name(result.tier)}"
    else:
        title = _tier_name(result.tier) if result.tier else t("rfm_all")
    title += f" · {t('rfm_as_of')} {result.as_of} · {t('rfm_customers')} {result.total:,}"
    if not result.rows:
        console.print(f"{title}: {t('rfm_no_customers')}")
        return
    header = ([t("store")] if multi_store else []) + [t("rfm_user"), t("rfm_tier"), t("rfm_last_day"),
                                                      t("rfm_recency"), t("rfm_orders"), t("rfm_gmv"), t("rfm_scores")]
    cells = [([r.store_id] if multi_store else []) + [
        r.user_id, _tier_name(r.tier), r.last_day, r.recency_days, r.frequency,
        None if r.monetary is None else f"{_money(r.monetary)} {r.currency}",
        f"{r.r_score}/{r.f_score}/{'—' if r.m_score is None else r.m_score}"] for r in result.rows]
    first = 1 if multi_store else 0
    console.print(rich_table(title, header, cells, numeric=tuple(range(first + 3, first + 6))))
    if result.total > len(result.rows):
        console.print(f"{len(result.rows):,} / {result.total:,} {t('shown_of')} (--format csv, --export FILE)")


def _export(result: Any, out: Path) -> None:
    # utf-8 with a BOM: spreadsheet apps then read the Chinese tier names correctly
    with open(out, "w", newline="", encoding="utf-8-sig") as fh:
        write_csv(fh, LIST_COLUMNS, _csv_rows(result))
    err_console.print(f"{t('exported')} {len(result.rows):,} → {out}")


def register(app: typer.Typer) -> None:
    @app.command("rfm", help=HELP)
    def rfm_command(
        as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE",
                                                  help="Score as of this local date (default: last data day) / "
                                                       "截至日期")] = None,
        bins: Annotated[int, typer.Option("--bins", metavar="N", help="Scores 1..N (2-10) / 分档数")] = 5,
        store: StoreOpt = None,
        where: WhereOpt = None,
        segment: SegmentOpt = None,
        list_tier: Annotated[str | None, typer.Option(
            "--list", metavar="TIER|all", help="List the customers of a tier (or all) / 列出某层客户")] = None,
        win_back_days: Annotated[int | None, typer.Option(
            "--win-back", metavar="DAYS", help="List customers with no paid order for DAYS days (90, 180) / "
                                               "待召回名单")] = None,
        export: Annotated[Path | None, typer.Option("--export", metavar="FILE.csv",
                                                    help="Write the list to CSV / 导出 CSV")] = None,
        limit: Annotated[int | None, typer.Option(
            "--limit", metavar="N", help=f"List rows to show (table default {TABLE_ROWS}) / 显示行数")] = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.rfm import customer_list, tier_table
        from shoplens.analyses.rfm_tiers import check_bins, find_tier

        check_bins(bins)
        day = parse_date(as_of, "--as-of")
        tier = None if list_tier in (None, "all") else find_tier(list_tier)
        listing = list_tier is not None or win_back_days is not None or export is not None
        with analysis_context(store, None, None, where, segment) as ctx:
            if not listing:
                _show_summary(tier_table(ctx, day, bins), fmt)
                return
            rows = limit if limit is not None else (TABLE_ROWS if fmt is Format.table and not export else None)
            result = customer_list(ctx, day, bins, tier=tier, min_recency_days=win_back_days, limit=rows or None)
            if export is not None:
                _export(result, export)
                return
            _show_list(result, fmt, ctx.multi_store)
