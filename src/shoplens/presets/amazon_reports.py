"""Amazon Business Reports -> traffic_daily, Sponsored Products reports -> ad_spend (docs/presets.md).

``amazon-business-report`` reads both CSVs of Seller Central > Reports > Business Reports:

- "Sales and Traffic by Date" (a ``Date`` column): one store-level row per day (product ``(all)``).
- "Detail Page Sales and Traffic by Child Item" (a ``(Child) ASIN`` column, no date): one row per
  child ASIN for the period written in the FILE NAME, because the report itself does not say which
  days it covers: ``…2026-11.csv`` = the month (period ``month``, date = the 1st), ``…2026-11-05.csv``
  = that day. A child-item report over any other range cannot become per-day or per-month rows and
  is refused.

Columns: Sessions -> visitors (Amazon counts a session per visitor and 24 hours), Page Views ->
page_views, Total Order Items -> paid_orders (order lines; for one ASIN that is the orders holding
it) and buyers (Amazon reports no buyers: an order item stands for one, so the conversion rate is the
report's Order Item Session Percentage), Ordered Product Sales -> paid_amount in the store's
currency. Units Ordered, the B2B columns and the percentages are derived or subsets, not stored.

``amazon-ads`` reads a Sponsored Products campaign report downloaded with time unit "Daily" (the
console's CSV/XLSX or the Ads API's ``date,campaignName,impressions,clicks,cost`` columns): one
ad_spend row per line, channel ``marketplace_ads``. A summary report (Start Date / End Date, no Date)
is refused: spend is kept per day.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from shoplens.errors import SchemaError
from shoplens.ingest.parse import lit
from shoplens.ingest.readers import ReadOptions
from shoplens.model import Column, Kind
from shoplens.presets.amazon_common import (
    AMAZON_CURRENCY,
    AMAZON_TIMEZONE,
    find,
    norm,
    report_date_sql,
    wrong_file,
)
from shoplens.presets.base import DASHES, FilePlan, Output, Reject, SourceField

S, I, M = Kind.STRING, Kind.INT, Kind.MONEY
Fields = dict[str, tuple[tuple[str, ...], Kind, bool]]
TRAFFIC: Fields = {
    "sessions": (("sessions - total", "sessions"), I, True),
    "page_views": (("page views - total", "page views"), I, True),
    "order_items": (("total order items",), I, False),
    "sales": (("ordered product sales",), M, True),
}
BY_DATE: Fields = {"day_text": (("date",), S, False), **TRAFFIC}
BY_CHILD: Fields = {"asin": (("(child) asin", "child asin"), S, True), "title": (("title",), S, False), **TRAFFIC}
AD_FIELDS: Fields = {
    "day_text": (("date",), S, False),
    "campaign": (("campaign name", "campaignname", "campaign"), S, True),
    "impressions": (("impressions",), I, False),
    "clicks": (("clicks",), I, False),
    "spend": (("spend", "cost"), M, True),
    "currency": (("currency", "campaignbudgetcurrencycode"), Kind.CURRENCY, False),
}


def _columns(header: list[str], spec: Fields) -> tuple[list[SourceField], dict[str, str], list[str]]:
    """Source fields found, NULL stand-ins for optional absent ones, and the required ones missing."""
    fields, absent, missing = [], {}, []
    for name, (accepted, kind, required) in spec.items():
        found = find(header, *accepted)
        if found is None:
            if required:
                missing.append(accepted[0])
            absent[name] = f"CAST(NULL AS {Column(name, kind, '').sql_type})"
        else:
            # a dash is no figure: empty (an empty required one is refused as missing, not as unreadable)
            fields.append(SourceField(found, name, Column(name, kind, "", required=required),
                                      blank=() if kind is S else DASHES))
    return fields, absent, missing


def period_of(path: Path) -> tuple[date, str]:
    """(first day, period) a child-item report covers, from its file name: exactly one YYYY-MM-DD or YYYY-MM.

    A name with two dates (``…2026-11-01_2026-11-30.csv``, ``…2026-10_2026-11.csv``) names a range, which
    cannot become per-day or per-month rows: it is refused, never read as its first date."""
    dated = [run for run in re.findall(r"\d+(?:-\d+)*", path.name) if "-" in run]  # 2026-11, 2026-11-01-2026-11-30
    token = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", dated[0]) if len(dated) == 1 else None
    try:
        if token:
            year, month, day = token.groups()
            if day:
                return date(int(year), int(month), int(day)), "day"
            return date(int(year), int(month), 1), "month"
    except ValueError:
        pass
    raise SchemaError(
        "a child-item Business Report has no date column: the file name must say the one day or month it covers",
        where=str(path), hint="rename it, e.g. BusinessReport-2026-11.csv (the month of November 2026) or "
        "BusinessReport-2026-11-05.csv (that day), after choosing exactly that range in Seller Central",
        zh="子商品业务报告没有日期列：文件名须写明所覆盖的某一天或某一个月",
        zh_hint="请改名，例如 BusinessReport-2026-11.csv（2026 年 11 月整月）或 BusinessReport-2026-11-05.csv"
        "（当天），并在卖家中心选择正好这一时间范围")


def _traffic_sql(store: str, cur: str, day: str, period: str, product: str) -> str:
    return f"""
        SELECT _line, {store} AS store_id, {day} AS date, {lit(period)} AS period, '(all)' AS channel,
               {product} AS product_id, '(all)' AS device, sessions AS visitors, page_views,
               order_items AS paid_orders, order_items AS buyers, sales AS paid_amount, {cur} AS currency
        FROM {{src}}"""


class BusinessReportPreset:
    name = "amazon-business-report"
    description = "Amazon Business Reports: Sales and Traffic by Date, or Detail Page Sales and Traffic by Child Item"
    description_zh = "亚马逊业务报告：按日期的销售与流量，或按子商品的详情页销售与流量"
    expects = ("Seller Central > Reports > Business Reports > Sales and Traffic by Date, or Detail Page Sales and "
               "Traffic by Child Item saved as NAME-YYYY-MM.csv / NAME-YYYY-MM-DD.csv (Download (.csv))")
    expects_zh = ("卖家中心 > 数据报告 > 业务报告 > 按日期的销售与流量，或按子商品的详情页销售与流量"
                  "（另存为 名称-YYYY-MM.csv / 名称-YYYY-MM-DD.csv）")
    timezone = AMAZON_TIMEZONE
    currency = AMAZON_CURRENCY
    platform = "amazon"

    def recognise(self, header: list[str]) -> bool:
        names = {norm(h) for h in header}
        has_sales = "ordered product sales" in names and bool(names & {"sessions - total", "sessions"})
        return has_sales and bool(names & {"date", "(child) asin", "child asin"})

    def read_options(self, path: Path) -> ReadOptions:
        return ReadOptions(header=True)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        if not self.recognise(header):
            raise wrong_file(path, header, self.name, "an Amazon Business Report", "亚马逊业务报告",
                             "Date or (Child) ASIN, Sessions - Total, Page Views - Total, Ordered Product Sales")
        by_date = find(header, "date") is not None
        fields, absent, missing = _columns(header, BY_DATE if by_date else BY_CHILD)
        if missing:  # recognise() saw sessions and sales: only page views can be missing here
            raise wrong_file(path, header, self.name, "a complete Amazon Business Report", "完整的亚马逊业务报告",
                             ", ".join(missing))
        store, cur = lit(defaults["$store"]), lit(defaults["$store_currency"])
        by_field = {f.name: f.header for f in fields}
        sources = {k: by_field[v] for k, v in (("visitors", "sessions"), ("page_views", "page_views"),
                                               ("paid_amount", "sales"), ("paid_orders", "order_items"),
                                               ("buyers", "order_items"))
                   if v in by_field}
        computed = dict(absent)
        rejects: list[Reject] = []  # "$" in a EUR store: the import's currency_mismatch check, at the cell
        if by_date:
            computed["day"] = report_date_sql("day_text")
            rejects.append(Reject("day IS NULL", "invalid_date", by_field["day_text"], "coalesce(day_text, '')"))
            outputs = [Output("traffic_daily", _traffic_sql(store, cur, "day", "day", "'(all)'"),
                              {**sources, "date": by_field["day_text"]})]
            label = "traffic_daily (by date)"
        else:
            first, period = period_of(path)
            outputs = [
                Output("traffic_daily", _traffic_sql(store, cur, f"DATE '{first.isoformat()}'", period, "asin"),
                       {**sources, "product_id": by_field["asin"]}),
                Output("products", f"""
                    SELECT {store} AS store_id, asin AS product_id,
                           arg_max(title, _line) FILTER (WHERE title IS NOT NULL) AS name,
                           {cur} AS currency, 'on_sale' AS status
                    FROM {{src}} GROUP BY asin""", primary=False),
            ]
            label = f"traffic_daily ({period} {first.isoformat()})"
        used = {f.header for f in fields}
        return FilePlan(fields=fields, outputs=outputs, rejects=rejects, computed=computed,
                        ignored_columns=[h for h in header if h not in used], label=label)


class AdsPreset:
    name = "amazon-ads"
    description = "Amazon Ads Sponsored Products campaign report, daily (CSV or XLSX)"
    description_zh = "亚马逊广告 商品推广（Sponsored Products）广告活动报告，按日（CSV 或 XLSX）"
    expects = ("Amazon Ads console > Measurement & Reporting > Sponsored ads reports > Sponsored Products, "
               "Campaign report, time unit Daily: Date, Campaign Name, Impressions, Clicks, Spend, Currency")
    expects_zh = ("亚马逊广告后台 > 衡量和报告 > 赞助广告报告 > 商品推广 > 广告活动报告，时间单位选「每日」："
                  "Date、Campaign Name、Impressions、Clicks、Spend、Currency")
    timezone = AMAZON_TIMEZONE
    currency = AMAZON_CURRENCY
    platform = "amazon"

    def recognise(self, header: list[str]) -> bool:
        names = {norm(h) for h in header}
        return bool(names & {"campaign name", "campaignname"}) and bool(names & {"spend", "cost"}) \
            and "impressions" in names

    def read_options(self, path: Path) -> ReadOptions:
        return ReadOptions(header=True)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        if not self.recognise(header):
            raise wrong_file(path, header, self.name, "an Amazon Sponsored Products campaign report",
                             "亚马逊商品推广广告活动报告", "Date, Campaign Name, Impressions, Clicks, Spend, Currency")
        if find(header, "date") is None:
            raise SchemaError("the ads report has no Date column (a summary over a date range)", where=str(path),
                              hint="download it again with time unit Daily: shoplens keeps spend per day",
                              zh="广告报告没有 Date 列（是一段时间的汇总）",
                              zh_hint="请以时间单位「每日」重新下载：shoplens 按天记录花费")
        fields, absent, _missing = _columns(header, AD_FIELDS)
        store, cur = lit(defaults["$store"]), lit(defaults["$store_currency"])
        by_field = {f.name: f.header for f in fields}
        spend = Output("ad_spend", f"""
            SELECT _line, {store} AS store_id, day AS date, 'marketplace_ads' AS channel, campaign, spend,
                   coalesce(currency, {cur}) AS currency, impressions, clicks
            FROM {{src}}""",
            {column: by_field[name] for column, name in (("date", "day_text"), ("campaign", "campaign"),
             ("spend", "spend"), ("impressions", "impressions"), ("clicks", "clicks"), ("currency", "currency"))
             if name in by_field})
        bad_day = Reject("day IS NULL", "invalid_date", by_field["day_text"], "coalesce(day_text, '')")
        used = set(by_field.values())
        return FilePlan(fields=fields, outputs=[spend], rejects=[bad_day],
                        computed={**absent, "day": report_date_sql("day_text")},
                        ignored_columns=[h for h in header if h not in used], label="ad_spend")


BUSINESS_REPORT = BusinessReportPreset()
ADS = AdsPreset()
