"""Static knowledge the demo generator draws from: markets, store variants, channels, devices.

Everything that shapes the data's *character* (who converts, who pays with what, which carrier is
slow) lives here as plain tables, so the generator modules stay mechanical and a reader can tune
realism in one place. Money constants are in CNY unless named otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CN, INTL = 0, 1  # market regions: different channel mixes, sources, devices and promo sensitivity

# CNY per unit: centre of the FX random walk (late-2025 levels).
CNY_PER: dict[str, float] = {"CNY": 1.0, "USD": 7.15, "EUR": 8.25, "GBP": 9.55, "JPY": 0.0478,
                             "AUD": 4.65, "CAD": 5.15}


@dataclass(frozen=True)
class Market:
    """A country the store sells to, in its own currency."""

    country: str
    currency: str
    region: int
    utc_offset: float  # hours; shapes when its visitors shop (store-local hour = local + shift)
    price_index: float  # local price level vs. the CNY list price converted at the base rate
    decimals: int  # 0 for JPY
    shipping_fee: float  # charged below free_ship_over (local currency)
    free_ship_over: float
    tax_rate: float  # cross-border tax / GST / consumption tax charged on top; 0 = VAT inclusive
    promised_days: int
    ship_cost: float  # what a parcel costs the store (local currency)
    warehouse: str  # 'bonded' (China bonded zone) or 'main' (overseas warehouse)
    payments: tuple[tuple[str, float], ...]
    carriers: tuple[tuple[str, float], ...]


MARKETS: tuple[Market, ...] = (
    Market("CN", "CNY", CN, 8, 1.00, 2, 0.0, 0.0, 0.091, 3, 9.0, "bonded",
           (("alipay", 0.66), ("wechat_pay", 0.22), ("huabei", 0.08), ("credit_card", 0.04)),
           (("cainiao", 0.45), ("sf_express", 0.30), ("jd_logistics", 0.15), ("yto", 0.10))),
    Market("US", "USD", INTL, -6, 1.12, 2, 5.99, 49.0, 0.0, 8, 6.5, "main",
           (("credit_card", 0.58), ("paypal", 0.27), ("apple_pay", 0.15)),
           (("usps", 0.45), ("ups", 0.30), ("fedex", 0.15), ("yunexpress", 0.10))),
    Market("GB", "GBP", INTL, 0, 1.10, 2, 3.99, 40.0, 0.0, 7, 4.2, "main",
           (("credit_card", 0.55), ("paypal", 0.30), ("klarna", 0.15)),
           (("royal_mail", 0.50), ("dpd", 0.30), ("dhl", 0.20))),
    Market("DE", "EUR", INTL, 1, 1.08, 2, 4.99, 45.0, 0.0, 7, 4.8, "main",
           (("paypal", 0.42), ("credit_card", 0.25), ("klarna", 0.23), ("sepa", 0.10)),
           (("dhl", 0.60), ("dpd", 0.25), ("hermes", 0.15))),
    Market("FR", "EUR", INTL, 1, 1.09, 2, 4.99, 45.0, 0.0, 8, 5.0, "main",
           (("credit_card", 0.60), ("paypal", 0.30), ("klarna", 0.10)),
           (("colissimo", 0.55), ("dpd", 0.25), ("dhl", 0.20))),
    Market("JP", "JPY", INTL, 9, 1.05, 0, 600.0, 5000.0, 0.10, 5, 650.0, "main",
           (("credit_card", 0.55), ("konbini", 0.20), ("paypay", 0.25)),
           (("yamato", 0.55), ("sagawa", 0.30), ("japan_post", 0.15))),
    Market("AU", "AUD", INTL, 10, 1.15, 2, 9.95, 79.0, 0.10, 9, 11.0, "main",
           (("credit_card", 0.55), ("paypal", 0.30), ("afterpay", 0.15)),
           (("australia_post", 0.65), ("dhl", 0.20), ("yunexpress", 0.15))),
    Market("CA", "CAD", INTL, -5, 1.12, 2, 7.99, 59.0, 0.05, 9, 8.5, "main",
           (("credit_card", 0.65), ("paypal", 0.30), ("apple_pay", 0.05)),
           (("canada_post", 0.60), ("ups", 0.25), ("yunexpress", 0.15))),
)
MARKET_INDEX = {m.country: i for i, m in enumerate(MARKETS)}
WAREHOUSES: tuple[str, ...] = ("bonded", "main")
SLOW_CARRIERS = frozenset({"yunexpress", "hermes", "yto"})  # more delays: something to find


@dataclass(frozen=True)
class StoreVariant:
    """What store k of a multi-store build looks like (the first one is the CN flagship)."""

    platform: str
    name: str
    currency: str
    timezone: str
    markets: dict[str, float]  # country -> share of visitors


STORE_VARIANTS: tuple[StoreVariant, ...] = (
    StoreVariant("tmall_global", "Aurora Cross-border Flagship 极光跨境旗舰店", "CNY", "Asia/Shanghai",
                 {"CN": 0.52, "US": 0.14, "GB": 0.07, "DE": 0.08, "FR": 0.04, "JP": 0.08, "AU": 0.07}),
    StoreVariant("amazon", "Aurora Amazon US", "USD", "America/Los_Angeles",
                 {"US": 0.55, "CA": 0.11, "GB": 0.11, "DE": 0.10, "JP": 0.08, "AU": 0.05}),
    StoreVariant("shopify", "Aurora EU Shop", "EUR", "Europe/Berlin",
                 {"DE": 0.38, "FR": 0.21, "GB": 0.20, "US": 0.10, "CA": 0.03, "AU": 0.04, "JP": 0.04}),
    StoreVariant("alibaba_intl", "Aurora Wholesale 国际站", "CNY", "Asia/Shanghai",
                 {"US": 0.30, "GB": 0.15, "DE": 0.15, "AU": 0.12, "JP": 0.10, "CA": 0.08, "CN": 0.10}),
)


@dataclass(frozen=True)
class Channel:
    """A traffic channel: its share of new/returning sessions per region and its quality."""

    name: str
    share: tuple[float, float, float, float]  # (CN new, CN returning, INTL new, INTL returning)
    conv: float  # purchase propensity multiplier (UV value differences come from here)
    view: float  # multiplier on the chance a session looks at a product
    medium: str
    sources: tuple[tuple[str, ...], tuple[str, ...]]  # (CN sources, INTL sources); campaigns override
    app_heavy: bool = False


CHANNELS: tuple[Channel, ...] = (
    Channel("organic_search", (.14, .15, .22, .20), 1.35, 1.15, "organic",
            (("tmall_search", "taobao_search", "baidu"), ("google", "bing", "yahoo"))),
    # paid search (直通车 / Google Ads) is the store's biggest channel (~26 % of visitors) and converts
    # above average (search intent): big enough that its incident is told from noise (build.py)
    Channel("paid_search", (.35, .22, .35, .22), 1.20, 1.10, "cpc", (("taobao_ztc",), ("google_ads",))),
    Channel("recommendation", (.16, .15, .05, .04), 0.80, 1.00, "feed",
            (("guess_you_like", "tmall_feed"), ("site_recs",))),
    Channel("social", (.05, .03, .12, .06), 0.55, 0.80, "social",
            (("xiaohongshu", "weibo", "wechat_moments"), ("instagram", "facebook", "pinterest"))),
    Channel("short_video", (.10, .06, .08, .04), 0.60, 0.90, "video",
            (("douyin", "kuaishou", "bilibili"), ("tiktok", "youtube_shorts")), app_heavy=True),
    Channel("live_stream", (.17, .12, .03, .02), 0.30, 1.10, "live",
            (("taobao_live", "douyin_live"), ("tiktok_live",)), app_heavy=True),
    Channel("kol", (.06, .03, .08, .03), 0.75, 0.95, "influencer",
            (("xiaohongshu", "douyin"), ("instagram", "youtube"))),
    Channel("email", (.00, .01, .01, .12), 1.30, 1.00, "email", (("edm",), ("newsletter",))),
    Channel("private_domain", (.02, .13, .00, .02), 2.20, 1.05, "private",
            (("wecom", "wechat_group", "mini_program"), ("whatsapp", "line"))),
    Channel("direct", (.04, .15, .06, .25), 1.50, 1.00, "(none)", (("(direct)",), ("(direct)",))),
    Channel("referral", (.02, .01, .06, .04), 0.90, 1.00, "referral",
            (("smzdm", "zhihu"), ("reddit", "blog", "coupon_site"))),
    Channel("marketplace_ads", (.07, .05, .08, .05), 0.90, 1.00, "display",
            (("wanxiangtai",), ("amazon_ads",))),
    Channel("other", (.02, .01, .02, .01), 0.60, 0.90, "(other)", (("unknown",), ("unknown",))),
)
CHANNEL_INDEX = {c.name: i for i, c in enumerate(CHANNELS)}
INCIDENT_CHANNEL = "paid_search"

DEVICES: tuple[str, ...] = ("mobile", "desktop", "app", "tablet")
# device mix per (region, app_heavy); conversion multiplier per device
DEVICE_MIX = {(CN, False): (0.26, 0.09, 0.63, 0.02), (CN, True): (0.10, 0.02, 0.87, 0.01),
              (INTL, False): (0.54, 0.34, 0.06, 0.06), (INTL, True): (0.30, 0.05, 0.62, 0.03)}
DEVICE_CONV = np.array([0.85, 1.20, 1.15, 1.00])

# Funnel probabilities for an average session (multipliers above move them per session).
P_PRODUCT_VIEW = 0.60
P_CART = 0.20  # given a product view
P_CHECKOUT = 0.55  # given a cart
P_PAY = 0.53  # given a checkout
P_SEARCH = 0.28
P_FAVORITE = 0.07
P_UNPAID_ORDER = 0.25  # a checkout without payment that still leaves a 'created' order
P_MEMBER_JOIN_FIRST, P_MEMBER_JOIN_REPEAT, P_MEMBER_JOIN_VISIT = 0.30, 0.45, 0.004
RETURNING_BUYER_CONV, RETURNING_CONV = 1.8, 1.15
WEEKEND_CONV = 0.92  # more browsing, slightly less buying at weekends
INCIDENT_PAY = 0.05  # pay probability multiplier on the incident channel during the incident (-95 %: see build.py)
MEMBER_TIERS: tuple[str, ...] = ("none", "silver", "gold", "vip")
TIER_SPEND_CNY = (1000.0, 3000.0)  # cumulative spend for gold, vip

# Visitor-local hour of day profile (evening peak), and a 11.11 midnight rush.
HOUR_PROFILE = np.array([2.2, 1.2, 0.7, 0.5, 0.4, 0.5, 1.0, 2.0, 3.2, 4.0, 4.4, 4.6,
                         5.0, 4.8, 4.5, 4.4, 4.4, 4.6, 5.0, 5.8, 6.8, 7.4, 6.6, 4.4])
PEAK_HOUR_BOOST = np.array([6.0, 2.5] + [1.0] * 18 + [1.6, 1.8, 1.6, 1.3])

SEARCH_TERMS: tuple[str, ...] = (
    "serum", "sunscreen", "vitamin c", "fish oil", "collagen", "baby formula", "diapers", "perfume",
    "lipstick", "cleanser", "probiotics", "shampoo", "cat food", "manuka honey", "eye cream",
    "精华", "防晒", "面膜", "益生菌", "奶粉", "口红", "香水", "维生素", "洗发水", "双十一 优惠",
)

REFUND_REASONS: tuple[str, ...] = ("damaged", "not_as_described", "wrong_item", "changed_mind",
                                   "late_delivery", "lost_in_transit", "cancelled_before_shipment",
                                   "undeliverable")
REFUND_REASON_P = np.array([0.22, 0.26, 0.08, 0.44])  # for post-delivery refunds (first four)
P_REFUND_BASE, P_REFUND_LATE = 0.028, 0.07
P_CANCEL_PAID, P_LOST, P_UNDELIVERABLE = 0.015, 0.006, 0.003
P_REVIEW = (0.34, 0.14)  # CN, INTL


def market_arrays(countries: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """(market indices, normalised weights) for a store variant's visitor mix."""
    idx = np.array([MARKET_INDEX[c] for c in countries])
    w = np.array(list(countries.values()), dtype=float)
    return idx, w / w.sum()


def channel_share_matrix() -> np.ndarray:
    """(4, n_channels) session shares: rows CN-new, CN-returning, INTL-new, INTL-returning."""
    m = np.array([c.share for c in CHANNELS], dtype=float).T
    return m / m.sum(axis=1, keepdims=True)
