"""Names of enumerated values (channel, device, event, status, member tier, ...) in zh-CN and English.

The ids (``paid_search``, ``mobile``, ``add_to_cart``) are the stable contract: JSON and CSV always
carry them, and ``--where``/``--steps``/``--by`` take them. What a person reads in a CLI table goes
through :func:`cell`: with ``--lang zh`` the Chinese name (付费搜索, 手机, 加入购物车), in English the id
itself, because English tables are read next to the command line and an id there is exactly what
the next ``--where channel=paid_search`` needs. :func:`name` gives the name in the current language
for prose (a timeline description says "Paid search").

Values outside the tables (a custom event, a country code, a category of the seller's own) are
shown as they are. The dashboard has the same names (``server/dashboard/static/i18n.js`` VALUES; a
test checks that both agree).
"""

from __future__ import annotations

from shoplens.i18n import lang
from shoplens.model.vocab import CHANNELS

_CHANNEL_ZH = {"private_domain": "私域"}  # the vocabulary's longer name does not fit a table cell

VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "channel": {code: (_CHANNEL_ZH.get(code, zh), en) for code, (_, zh, en) in CHANNELS.items()},
    "channel_type": {"free": ("免费流量", "Free"), "paid": ("付费流量", "Paid")},
    "device": {"mobile": ("手机", "Mobile"), "desktop": ("电脑", "Desktop"), "tablet": ("平板", "Tablet"),
               "app": ("App", "App"), "other": ("其他", "Other")},
    "event": {"page_view": ("浏览页面", "Page view"), "product_view": ("浏览商品", "Product view"),
              "search": ("搜索", "Search"), "add_to_cart": ("加入购物车", "Add to cart"),
              "favorite": ("收藏", "Favorite"), "begin_checkout": ("提交订单", "Begin checkout"),
              "purchase": ("支付", "Purchase"), "(end)": ("（结束）", "(end)"), "(start)": ("（开始）", "(start)"),
              "(other)": ("（其他）", "(other)")},
    "category": {"baby": ("母婴", "Baby"), "fragrance": ("香水", "Fragrance"),
                 "health_food": ("健康食品", "Health food"), "makeup": ("彩妆", "Makeup"),
                 "personal_care": ("个人护理", "Personal care"), "pet": ("宠物", "Pet"),
                 "skincare": ("护肤", "Skincare"), "supplements": ("保健品", "Supplements")},
    "new_vs_returning": {"new": ("新客", "New"), "returning": ("老客", "Returning")},
    "member_tier": {"none": ("非会员", "None"), "silver": ("银卡会员", "Silver"), "gold": ("金卡会员", "Gold"),
                    "vip": ("VIP 会员", "VIP")},
    "status": {"created": ("待支付", "Created"), "paid": ("已支付", "Paid"), "shipped": ("已发货", "Shipped"),
               "delivered": ("已签收", "Delivered"), "cancelled": ("已取消", "Cancelled")},
    "shipment_status": {"in_transit": ("运输中", "In transit"), "delivered": ("已送达", "Delivered"),
                        "lost": ("丢件", "Lost"), "returned": ("已退回", "Returned")},
    "product_status": {"on_sale": ("在售", "On sale"), "off_shelf": ("已下架", "Off shelf"),
                       "discontinued": ("已停售", "Discontinued")},
    "ticket_kind": {"inquiry": ("咨询", "Inquiry"), "complaint": ("投诉", "Complaint"), "return": ("退换货", "Return")},
    "refund_reason": {"damaged": ("商品破损", "Damaged"), "not_as_described": ("与描述不符", "Not as described"),
                      "wrong_item": ("发错货", "Wrong item"), "changed_mind": ("不想要了", "Changed mind"),
                      "late_delivery": ("配送太慢", "Late delivery"),
                      "lost_in_transit": ("运输丢失", "Lost in transit"),
                      "cancelled_before_shipment": ("发货前取消", "Cancelled before shipment"),
                      "undeliverable": ("无法投递", "Undeliverable")},
    # #14: what the Service page and the timeline showed as raw ids
    "carrier": {"cainiao": ("菜鸟", "Cainiao"), "yto": ("圆通速递", "YTO Express"),
                "sf_express": ("顺丰速运", "SF Express"),
                "jd_logistics": ("京东物流", "JD Logistics"), "yunexpress": ("云途物流", "YunExpress"),
                "japan_post": ("日本邮政", "Japan Post"), "yamato": ("大和运输", "Yamato Transport"),
                "sagawa": ("佐川急便", "Sagawa Express"), "royal_mail": ("英国皇家邮政", "Royal Mail"),
                "hermes": ("Hermes 快递", "Hermes"), "dpd": ("DPD 快递", "DPD"), "dhl": ("DHL 快递", "DHL"),
                "colissimo": ("法国邮政", "Colissimo"), "australia_post": ("澳大利亚邮政", "Australia Post"),
                "usps": ("美国邮政", "USPS"), "ups": ("UPS 快递", "UPS"), "fedex": ("联邦快递", "FedEx")},
    "payment_method": {"alipay": ("支付宝", "Alipay"), "wechat_pay": ("微信支付", "WeChat Pay"),
                       "huabei": ("花呗", "Huabei"),
                       "credit_card": ("信用卡", "Credit card"), "paypal": ("PayPal 贝宝", "PayPal"),
                       "apple_pay": ("Apple Pay", "Apple Pay"), "klarna": ("Klarna 分期", "Klarna"),
                       "afterpay": ("Afterpay 分期", "Afterpay"), "paypay": ("PayPay", "PayPay"),
                       "konbini": ("便利店支付", "Konbini"), "sepa": ("SEPA 转账", "SEPA transfer")},
    "page_type": {"home": ("首页", "Home"), "category": ("类目页", "Category"), "product": ("商品页", "Product"),
                  "search": ("搜索页", "Search"), "cart": ("购物车页", "Cart"), "checkout": ("结算页", "Checkout"),
                  "campaign": ("活动页", "Campaign")},
    "kol_tier": {"head": ("头部", "Head"), "mid": ("腰部", "Mid-tier"), "tail": ("尾部", "Tail"),
                 "koc": ("KOC", "KOC")},
    "platform": {"tmall_global": ("天猫国际", "Tmall Global"), "alibaba_intl": ("阿里巴巴国际站", "Alibaba.com"),
                 "amazon": ("亚马逊", "Amazon"), "shopify": ("独立站 (Shopify)", "Shopify"),
                 "other": ("其他", "Other")},
    "role": {"admin": ("管理员", "Admin"), "analyst": ("分析师", "Analyst"), "viewer": ("只读", "Viewer")},
    "lifecycle": {"new": ("新客", "New"), "active": ("活跃", "Active"), "dormant": ("沉睡", "Dormant"),
                  "churned": ("流失", "Churned")},
    # words of the commands themselves: funnel --mode, --grain/--period, metric groups and units of the catalog
    "funnel_mode": {"ordered": ("有序", "Ordered"), "strict": ("严格顺序", "Strict"),
                    "unordered": ("无序", "Unordered")},
    "grain": {"hour": ("小时", "Hour"), "day": ("日", "Day"), "week": ("周", "Week"), "month": ("月", "Month"),
              "quarter": ("季度", "Quarter"), "year": ("年", "Year")},
    "metric_group": {"traffic": ("流量", "Traffic"), "conversion": ("转化", "Conversion"),
                     "retention": ("留存", "Retention"), "value": ("价值", "Value"), "product": ("商品", "Product"),
                     "service": ("服务", "Service"), "logistics": ("物流", "Logistics")},
    "unit": {"count": ("数量", "Count"), "currency": ("金额", "Currency"), "days": ("天", "Days"),
             "number": ("数值", "Number"), "percent": ("百分比", "Percent"), "score": ("评分", "Score"),
             "seconds": ("秒", "Seconds")},
    "good_direction": {"up": ("越高越好", "Up"), "down": ("越低越好", "Down"), "neutral": ("无好坏之分", "Neutral")},
    # dimensions the metrics catalog does not name (the CLI names the others by the catalog's labels)
    "dimension": {"event": ("事件", "Event"), "medium": ("媒介", "Medium"), "page_type": ("页面类型", "Page type"),
                  "product_id": ("商品", "Product"), "session_id": ("会话", "Session"),
                  "session": ("会话", "Session"), "first_channel": ("首次来源渠道", "First channel"),
                  "tier": ("会员等级", "Member tier")},
}
# dimension ids that read another table's values
ALIASES = {"first_channel": "channel", "market": "country", "tier": "member_tier"}


def _names(dim: str, value: object) -> tuple[str, str] | None:
    if value is None:
        return None
    return VALUES.get(ALIASES.get(dim, dim), {}).get(str(value))


def name(dim: str, value: object, language: str | None = None) -> object:
    """The value's name in ``language`` (default: the current one) for prose; unknown values as they are."""
    names = _names(dim, value)
    return value if names is None else names[0 if (language or lang()) == "zh" else 1]


def cell(dim: str, value: object) -> object:
    """A table cell: the Chinese name with ``--lang zh``, else the id itself (see the module's note)."""
    names = _names(dim, value)
    return names[0] if names is not None and lang() == "zh" else value


def event_cell(step: str) -> str:
    """A funnel/path step such as ``purchase[channel=live_stream]``: its event's table name, the condition kept."""
    base, bracket, rest = str(step).partition("[")
    return f"{cell('event', base)}{bracket}{rest}"
