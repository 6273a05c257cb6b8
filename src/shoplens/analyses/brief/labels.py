"""The daily brief's words, registered once in both languages (:func:`shoplens.i18n.register_labels`)."""

from __future__ import annotations

from shoplens.i18n import LABELS, register_labels
from shoplens.value_labels import ALIASES, VALUES

register_labels({
    "brief.title": ("运营日报", "Daily brief"),
    "brief.kpis": ("核心指标", "Core KPIs"),
    "brief.dod": ("较前一天", "vs previous day"),
    "brief.wow": ("较上周同日", "vs same day last week"),
    "brief.target": ("目标达成", "Target"),
    "brief.movers": ("变化最大的指标", "Biggest movers"),
    "brief.movers_note": ("较上周同日；原因来自根因分析（shoplens why）",
                          "vs the same weekday last week; reasons from the root-cause analysis (shoplens why)"),
    "brief.alerts": ("未处理告警", "Open alerts"),
    "brief.no_alerts": ("没有未处理的告警", "No open alerts"),
    "brief.top_products": ("热销商品", "Top products"),
    "brief.falling_products": ("下滑商品（较上周同日）", "Falling products (vs same day last week)"),
    "brief.no_sales": ("当天没有销售", "No sales that day"),
    "brief.no_falling": ("没有商品下滑", "No product fell"),
    "brief.channels": ("渠道", "Channels"),
    "brief.channel": ("渠道", "Channel"),
    "brief.channel_gmv": ("各渠道成交额", "GMV by channel"),
    "brief.change_wow": ("周同比", "WoW"),
    "brief.stock": ("库存风险", "Stock risks"),
    "brief.no_stock_risk": ("热销商品库存充足", "Top sellers are in stock"),
    "brief.product": ("商品", "Product"),
    "brief.cover": ("可售天数", "Days of cover"),
    "brief.lead_time": ("补货周期", "Lead time"),
    "brief.risk": ("风险", "Risk"),
    "brief.out_of_stock": ("当天有 SKU 缺货", "a SKU out of stock that day"),
    "brief.below_lead": ("低于补货周期", "below lead time"),
})


def label(key: str) -> dict[str, str]:
    """A registered label as the report's ``{"en", "zh"}``."""
    zh, en = LABELS[key]
    return {"en": en, "zh": zh}


def value_label(dim: str, value: object) -> dict[str, str] | str:
    """A dimension value's names (channel ``paid_search`` -> 付费搜索 / Paid search), else the value itself."""
    names = VALUES.get(ALIASES.get(dim, dim), {}).get(str(value))
    return {"zh": names[0], "en": names[1]} if names else str(value)
