"""Controlled vocabularies: channels, devices, statuses and ISO-4217 currencies."""

from __future__ import annotations

# channel -> (free/paid, zh-CN name, en name)
CHANNELS: dict[str, tuple[str, str, str]] = {
    "organic_search": ("free", "自然搜索", "Organic search"),
    "paid_search": ("paid", "付费搜索", "Paid search"),
    "recommendation": ("free", "推荐流量", "Recommendation feed"),
    "social": ("free", "社交媒体", "Social"),
    "short_video": ("free", "短视频", "Short video"),
    "live_stream": ("paid", "直播", "Live stream"),
    "kol": ("paid", "达人/KOL", "KOL / influencer"),
    "email": ("free", "邮件营销", "Email"),
    "private_domain": ("free", "私域(社群/企业微信)", "Private domain"),
    "direct": ("free", "直接访问", "Direct"),
    "referral": ("free", "外部引荐", "Referral"),
    "marketplace_ads": ("paid", "平台广告", "Marketplace ads"),
    "other": ("free", "其他", "Other"),
}

CHANNEL_ALIASES: tuple[tuple[str, str], ...] = (
    ("seo", "organic_search"), ("organic", "organic_search"), ("自然搜索", "organic_search"),
    ("sem", "paid_search"), ("cpc", "paid_search"), ("ppc", "paid_search"), ("直通车", "paid_search"),
    ("付费搜索", "paid_search"), ("推荐", "recommendation"), ("猜你喜欢", "recommendation"),
    ("社交", "social"), ("短视频", "short_video"), ("抖音", "short_video"), ("live", "live_stream"),
    ("直播", "live_stream"), ("influencer", "kol"), ("达人", "kol"), ("newsletter", "email"),
    ("邮件", "email"), ("私域", "private_domain"), ("社群", "private_domain"),
    ("企业微信", "private_domain"), ("(direct)", "direct"), ("直接访问", "direct"),
    ("引荐", "referral"), ("sponsored_products", "marketplace_ads"), ("引力魔方", "marketplace_ads"),
    ("其他", "other"),
)

EVENTS: tuple[str, ...] = (
    "page_view", "product_view", "search", "add_to_cart", "favorite", "begin_checkout", "purchase",
)
EVENT_ALIASES: tuple[tuple[str, str], ...] = (
    ("pageview", "page_view"), ("view_item", "product_view"), ("pv", "product_view"), ("cart", "add_to_cart"),
    ("fav", "favorite"), ("checkout", "begin_checkout"), ("buy", "purchase"), ("order", "purchase"),
)
CUSTOM_EVENT_PATTERN = r"^[a-z][a-z0-9_.:-]{0,63}$"

DEVICES: tuple[str, ...] = ("mobile", "desktop", "tablet", "app", "other")
DEVICE_ALIASES: tuple[tuple[str, str], ...] = (
    ("pc", "desktop"), ("phone", "mobile"), ("h5", "mobile"), ("无线", "mobile"), ("ipad", "tablet"),
)
PLATFORMS: tuple[str, ...] = ("tmall_global", "alibaba_intl", "amazon", "shopify", "other")
ORDER_STATUSES: tuple[str, ...] = ("created", "paid", "shipped", "delivered", "cancelled")
PRODUCT_STATUSES: tuple[str, ...] = ("on_sale", "off_shelf", "discontinued")
# what an order line sells: goods, or a line that is not goods (postage, fees, vouchers, manual adjustments and
# discounts, samples); product analyses and product KPIs count merchandise only
PRODUCT_TYPES: tuple[str, ...] = ("merchandise", "shipping", "fee", "voucher", "adjustment", "sample")
PRODUCT_TYPE_ALIASES: tuple[tuple[str, str], ...] = (
    ("goods", "merchandise"), ("product", "merchandise"), ("商品", "merchandise"), ("postage", "shipping"),
    ("carriage", "shipping"), ("邮费", "shipping"), ("运费", "shipping"), ("gift_card", "voucher"),
    ("gift card", "voucher"), ("礼品卡", "voucher"), ("优惠券", "voucher"), ("discount", "adjustment"),
    ("手工调整", "adjustment"), ("样品", "sample"), ("手续费", "fee"),
)
TICKET_KINDS: tuple[str, ...] = ("inquiry", "complaint", "return")
SHIPMENT_STATUSES: tuple[str, ...] = ("in_transit", "delivered", "lost", "returned")
PERIODS: tuple[str, ...] = ("day", "week", "month")  # traffic_daily.period
KOL_TIERS: tuple[str, ...] = ("head", "mid", "tail", "koc")

# ISO 4217 active codes (2024 list), so a typo such as "EURO" or "US$" is caught at import (RMB is an alias of CNY).
ISO_4217: frozenset[str] = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
    VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()
)
