"""生意参谋 (Taobao/Tmall Business Advisor) exports -> traffic_daily (docs/presets.md#sycm-trade).

Three reports, one preset each: ``sycm-trade`` (交易概况: store-level rows, channel/product/device
``(all)``), ``sycm-traffic`` (店铺来源: one row per 流量来源 and day) and ``sycm-products``
(商品排行 by day: one row per 商品ID and day, plus the products it names).

Shared rules:
- the title rows above the header ("生意参谋…", "统计时间…") and the 合计/总计 row below the data
  are skipped and counted, never loaded;
- 统计日期 is a day ("2024-03-01"), a natural week or a calendar month ("2024-03-04~2024-03-10",
  "2024-03-01~2024-03-31"): date = its first day, period = day/week/month, because 生意参谋's
  visitors are distinct over the span the report shows; other spans are quarantined
  (``unsupported_period``);
- a row whose own 支付转化率 or 客单价 contradicts its counts beyond the report's rounding
  (0.05 percentage points, ¥0.01) is quarantined (``report_inconsistent``): one of its numbers is
  wrong and the warehouse must not disagree with the seller's own screen;
- a dash (``-``, ``--``, ``—``) in a number column is no value: 生意参谋 writes it for a ratio it cannot
  compute (a day without visitors). An empty ratio is not checked; an empty count is unknown (NULL, not 0);
- money is CNY (生意参谋 reports in yuan whatever the store's reporting currency); times in
  Asia/Shanghai; 终端 (所有终端/无线/PC), when present, becomes device (all)/mobile/desktop.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from shoplens.ingest.parse import lit
from shoplens.ingest.readers import ReadOptions
from shoplens.model import Kind
from shoplens.model.tables import ALL
from shoplens.presets.base import DASHES, FilePlan, Output, Reject
from shoplens.presets.cn_common import Fields, clean_id, has_all, resolve, wrong_kind

S, I, M, R = Kind.STRING, Kind.INT, Kind.MONEY, Kind.RATE

COMMON: Fields = {
    "date_text": (("统计日期", "日期"), S, True),
    "device_text": (("终端",), S, False),
    "visitors": (("访客数",), I, False),
    "page_views": (("浏览量",), I, False),
    "add_to_cart_users": (("加购人数",), I, False),
    "buyers": (("支付买家数",), I, False),
    "paid_amount": (("支付金额",), M, False),
    "paid_orders": (("支付子订单数", "支付订单数", "支付笔数"), I, False),
    "conversion": (("支付转化率",), R, False),
    "aov": (("客单价",), M, False),
}
PRODUCT: Fields = {
    "date_text": (("统计日期", "日期"), S, True),
    "device_text": (("终端",), S, False),
    "product_raw": (("商品ID", "商品id", "宝贝ID"), S, True),
    "product_name": (("商品名称", "商品标题", "宝贝标题"), S, False),
    "product_state": (("商品状态",), S, False),
    "visitors": (("商品访客数", "访客数"), I, False),
    "page_views": (("商品浏览量", "浏览量"), I, False),
    "add_to_cart_users": (("商品加购人数", "加购人数"), I, False),
    "buyers": (("支付买家数",), I, False),
    "paid_amount": (("支付金额",), M, False),
    "paid_orders": (("支付子订单数",), I, False),  # never 支付件数: units are no orders
    "conversion": (("商品支付转化率", "支付转化率"), R, False),
    "aov": (("客单价",), M, False),
}

# 流量来源 (二级来源) -> canonical channel; see the table in docs/presets.md#sycm-traffic
SOURCES: dict[str, str] = {
    **dict.fromkeys(("手淘搜索", "淘宝搜索", "天猫搜索", "搜索", "手淘拍立淘"), "organic_search"),
    **dict.fromkeys(("直通车", "淘宝直通车", "搜索推广"), "paid_search"),
    **dict.fromkeys(("手淘推荐", "猜你喜欢", "手淘首页", "首页推荐", "手淘猜你喜欢"), "recommendation"),
    **dict.fromkeys(("淘宝客", "淘宝联盟"), "kol"),
    **dict.fromkeys(("超级推荐", "引力魔方", "万相台", "钻石展位", "品销宝", "智钻", "超级钻展", "全站推广"),
                    "marketplace_ads"),
    **dict.fromkeys(("直播", "淘宝直播", "手淘直播", "点淘"), "live_stream"),
    **dict.fromkeys(("短视频", "逛逛", "手淘逛逛", "微淘", "订阅"), "short_video"),
    **dict.fromkeys(("购物车", "我的淘宝", "已买到商品", "直接访问", "收藏", "手淘收藏"), "direct"),
    **dict.fromkeys(("淘外流量", "站外", "外部流量", "站外广告"), "referral"),
    **dict.fromkeys(("手淘消息中心", "旺旺", "手淘旺信", "群聊", "私域"), "private_domain"),
    **dict.fromkeys(("淘内免费其他", "其他", "手淘其他店铺", "聚划算", "天猫超市"), "other"),
}
DEVICES: dict[str, str] = {
    **dict.fromkeys(("所有终端", "全部", "全部终端", "汇总"), ALL),
    **dict.fromkeys(("无线", "无线端", "手机", "移动端"), "mobile"),
    **dict.fromkeys(("pc", "pc端", "电脑"), "desktop"),
}
PRODUCT_STATES: dict[str, str] = {"当前在线": "on_sale", "在线": "on_sale", "出售中": "on_sale",
                                  "已下架": "off_shelf", "仓库中": "off_shelf", "已删除": "discontinued"}
RATE_TOLERANCE = "0.0005"  # half of 0.1 percentage point: exports round 支付转化率 to 1 or 2 decimals
MONEY_TOLERANCE = "0.005"  # 客单价 is rounded to the fen


def _case(expr: str, pairs: dict[str, str]) -> str:
    return "(CASE " + " ".join(f"WHEN {expr} = {lit(k)} THEN {lit(v)}" for k, v in pairs.items()) + " END)"


def _date(part: str) -> str:
    text = f"trim(split_part(replace(date_text, '～', '~'), '~', {part}))"
    return (f"coalesce(TRY_CAST({text} AS DATE), TRY_CAST({text} AS TIMESTAMP)::DATE,"  # an Excel date cell
            f" try_strptime({text}, ['%Y/%m/%d', '%Y%m%d', '%Y年%m月%d日'])::DATE)")


def _computed(with_source: bool) -> dict[str, str]:
    """Each name may use the ones before it (DuckDB reads earlier aliases of the same SELECT)."""
    period = ("(CASE WHEN day0 IS NULL THEN NULL WHEN strpos(replace(date_text, '～', '~'), '~') = 0 OR day1 = day0"
              " THEN 'day' WHEN day1 IS NULL THEN NULL"
              " WHEN isodow(day0) = 1 AND day1 = day0 + 6 THEN 'week'"
              " WHEN day0 = date_trunc('month', day0) AND day1 = last_day(day0) THEN 'month' END)")
    device = "lower(replace(trim(device_text), ' ', ''))"
    out = {
        "day0": _date("1"),
        "day1": _date("2"),
        "span": period,
        "device_code": f"coalesce({_case(device, DEVICES)}, CASE WHEN device_text IS NULL THEN {lit(ALL)} END)",
    }
    if with_source:
        out["channel_code"] = _case("trim(source)", SOURCES)
    return out


def _rejects(by: dict[str, str]) -> list[Reject]:
    date_col = by["date_text"]
    rules = [
        Reject("day0 IS NULL", "invalid_date", date_col, "date_text"),
        Reject("day0 IS NOT NULL AND span IS NULL", "unsupported_period", date_col, "date_text"),
        Reject("device_code IS NULL", "unknown_device", by.get("device_text", date_col), "device_text"),
    ]
    if "conversion" in by and "visitors" in by and "buyers" in by:
        expected = "(CASE WHEN visitors = 0 THEN 0 ELSE buyers::DOUBLE / visitors END)"
        rules.append(Reject(f"conversion IS NOT NULL AND visitors IS NOT NULL AND buyers IS NOT NULL "
                            f"AND abs(conversion::DOUBLE - {expected}) > {RATE_TOLERANCE}",
                            "report_inconsistent", by["conversion"],
                            f"format('{{}} vs {{}}/{{}} = {{}}', conversion, buyers, visitors, "
                            f"round({expected}, 6))"))
    if "aov" in by and "paid_amount" in by and "buyers" in by:
        expected = "(CASE WHEN buyers = 0 THEN 0 ELSE paid_amount / buyers END)"
        rules.append(Reject(f"aov IS NOT NULL AND paid_amount IS NOT NULL AND buyers IS NOT NULL "
                            f"AND abs(aov - {expected}) > {MONEY_TOLERANCE}", "report_inconsistent", by["aov"],
                            f"format('{{}} vs {{}}/{{}} = {{}}', aov, paid_amount, buyers, round({expected}, 4))"))
    return rules


def _traffic_sql(store: str, channel: str, product: str, sums: bool) -> str:
    """traffic_daily rows; ``sums``: several source lines fold into one channel row (window sums, so every
    line carries its row and the later ones count as merged into it). A sum with an unknown part (a dash
    on one of its lines) is unknown, not the sum of the others."""
    key = "day0, span, device_code, " + channel
    measures = ("visitors", "page_views", "add_to_cart_users", "buyers", "paid_orders", "paid_amount")
    window = f"OVER (PARTITION BY {key})"
    cols = ", ".join(f"CASE WHEN bool_and({m} IS NOT NULL) {window} THEN sum({m}) {window} END AS {m}" if sums
                     else m for m in measures)
    return (f"SELECT _line, {store} AS store_id, day0 AS date, span AS period, {channel} AS channel,"
            f" {product} AS product_id, device_code AS device, {cols}, 'CNY' AS currency FROM {{src}}")


class _Sycm:
    timezone = "Asia/Shanghai"
    currency = "CNY"
    platform = "tmall_global"
    name = ""
    fields: ClassVar[Fields] = COMMON
    signature: tuple[str, ...] = ()
    what: tuple[str, str] = ("", "")  # English, Chinese
    expected: tuple[str, str] = ("", "")

    def read_options(self, path: Path) -> ReadOptions:
        # 统计日期 is in every 生意参谋 report: the real header is found whichever report this is, so a
        # file given to the wrong sycm preset is named for what it is
        return ReadOptions(header=True, delimiter=",", find_header=("统计日期",), skip_totals=True)

    def recognise(self, header: list[str]) -> bool:
        """Store-level rows: the trade columns without a source or product column."""
        return has_all(header, self.signature) and not SYCM_TRAFFIC.recognise(header) \
            and not SYCM_PRODUCTS.recognise(header)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        fields, absent, missing = resolve(self.fields, header, blank=DASHES)
        if missing or not self.recognise(header):
            raise wrong_kind(self.name, self.what, header, path, missing, self.expected)
        by = {f.name: f.header for f in fields}
        store = lit(defaults["$store"])
        computed = {**absent, **_computed(self.name == "sycm-traffic")}
        outputs, rejects = self.outputs(store, by)
        sources = {"date": by["date_text"], **{m: by[m] for m in (
            "visitors", "page_views", "add_to_cart_users", "buyers", "paid_orders", "paid_amount") if m in by}}
        outputs = [Output(o.table, o.sql, sources if o.table == "traffic_daily" else o.sources, o.primary)
                   for o in outputs]
        used = set(by.values())
        return FilePlan(fields=fields, outputs=outputs, rejects=_rejects(by) + rejects, computed=computed,
                        ignored_columns=[h for h in header if h not in used], label="traffic_daily")

    def outputs(self, store: str, by: dict[str, str]) -> tuple[list[Output], list[Reject]]:
        return [Output("traffic_daily", _traffic_sql(store, lit(ALL), lit(ALL), sums=False))], []


class SycmTradePreset(_Sycm):
    name = "sycm-trade"
    description = "生意参谋 交易概况 (trade overview) by day: store-level visitors, buyers, paid amount"
    description_zh = "生意参谋 交易概况（按日）：全店访客数、支付买家数、支付金额"
    expects = ("生意参谋 > 交易 > 交易概况 > 下载 (by day): CSV with 统计日期, 访客数, 支付买家数, 支付金额, "
               "支付子订单数, 支付转化率, 客单价")
    expects_zh = ("生意参谋 > 交易 > 交易概况 > 下载（按日）：含 统计日期、访客数、支付买家数、支付金额、"
                  "支付子订单数、支付转化率、客单价 的 CSV")
    signature = ("统计日期", "支付买家数", "访客数")
    what = ("生意参谋 交易概况 export", "生意参谋交易概况导出文件")
    expected = ("统计日期, 访客数, 支付买家数, 支付金额 (and optionally 浏览量, 加购人数, 支付子订单数, 支付转化率, "
                "客单价), without 流量来源 or 商品ID",
                "统计日期、访客数、支付买家数、支付金额（可选 浏览量、加购人数、支付子订单数、支付转化率、客单价），"
                "且没有 流量来源 或 商品ID 列")


class SycmTrafficPreset(_Sycm):
    name = "sycm-traffic"
    description = "生意参谋 店铺来源 (traffic sources) by day: visitors, buyers, paid amount per channel"
    description_zh = "生意参谋 流量 > 店铺来源（按日）：各渠道访客数、支付买家数、支付金额"
    expects = ("生意参谋 > 流量 > 店铺来源 > 下载 (by day, one source level): CSV with 统计日期, 流量来源, 访客数, "
               "浏览量, 支付买家数, 支付金额 (终端 optional)")
    expects_zh = ("生意参谋 > 流量 > 店铺来源 > 下载（按日、同一来源层级）：含 统计日期、流量来源、访客数、浏览量、"
                  "支付买家数、支付金额 的 CSV（终端可选）")
    fields: ClassVar[Fields] = {**COMMON, "source": (("流量来源", "来源名称", "二级来源"), S, True)}
    signature = ("统计日期", "流量来源", "访客数")
    what = ("生意参谋 店铺来源 export", "生意参谋店铺来源导出文件")
    expected = ("统计日期, 流量来源, 访客数, 浏览量, 支付买家数, 支付金额",
                "统计日期、流量来源、访客数、浏览量、支付买家数、支付金额")

    def recognise(self, header: list[str]) -> bool:
        return any(has_all(header, ("统计日期", s, "访客数")) for s in ("流量来源", "来源名称", "二级来源"))

    def outputs(self, store: str, by: dict[str, str]) -> tuple[list[Output], list[Reject]]:
        unknown = Reject("channel_code IS NULL", "unknown_channel", by["source"], "source")
        return [Output("traffic_daily", _traffic_sql(store, "channel_code", lit(ALL), sums=True))], [unknown]


class SycmProductsPreset(_Sycm):
    name = "sycm-products"
    description = "生意参谋 商品排行 by day: per-product visitors, add-to-cart, buyers, paid amount; the products"
    description_zh = "生意参谋 品类 > 商品排行（按日）：各商品访客数、加购人数、支付买家数、支付金额；并建商品"
    expects = ("生意参谋 > 品类 > 商品排行 > 下载 (by day): CSV with 统计日期, 商品ID, 商品名称, 商品访客数, "
               "商品浏览量, 商品加购人数, 支付买家数, 支付件数, 支付金额")
    expects_zh = ("生意参谋 > 品类 > 商品排行 > 下载（按日）：含 统计日期、商品ID、商品名称、商品访客数、商品浏览量、"
                  "商品加购人数、支付买家数、支付件数、支付金额 的 CSV")
    fields: ClassVar[Fields] = PRODUCT
    signature = ("统计日期", "商品ID", "商品访客数")
    what = ("生意参谋 商品排行 export (by day)", "生意参谋商品排行（按日）导出文件")
    expected = ("统计日期 (export by day), 商品ID, 商品访客数, 支付金额",
                "统计日期（按日导出）、商品ID、商品访客数、支付金额")

    def recognise(self, header: list[str]) -> bool:
        return any(has_all(header, (d, i, "商品访客数")) for d in ("统计日期", "日期") for i in ("商品ID", "商品id"))

    def outputs(self, store: str, by: dict[str, str]) -> tuple[list[Output], list[Reject]]:
        pid = clean_id("product_raw")
        traffic = Output("traffic_daily", _traffic_sql(store, lit(ALL), pid, sums=False))
        status = _case("trim(product_state)", PRODUCT_STATES)
        # the latest day's state; without a 商品状态 column the stored status is left as it is
        state = (f", arg_max({status}, (day0, _line)) FILTER (WHERE {status} IS NOT NULL) AS status"
                 if "product_state" in by else "")
        products = Output("products", f"""
            SELECT {store} AS store_id, {pid} AS product_id,
                   arg_max(product_name, (day0, _line)) FILTER (WHERE product_name IS NOT NULL) AS name,
                   'CNY' AS currency{state}
            FROM {{src}} GROUP BY {pid}""", primary=False)
        return [traffic, products], [Reject(f"{pid} IS NULL", "missing_required", by["product_raw"], "product_raw")]


SYCM_TRADE = SycmTradePreset()
SYCM_TRAFFIC = SycmTrafficPreset()
SYCM_PRODUCTS = SycmProductsPreset()
