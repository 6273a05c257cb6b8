"""Campaigns (which sessions carry which utm_campaign), ad spend derived from them, and FX rates.

Ad spend is computed from the sessions each paid campaign actually brought (clicks a bit above
sessions, impressions from a CTR, cost from a CPC that rises on promo days, plus fixed fees for
live hosts and KOL posts), so ROI analyses find consistent numbers. KOL campaigns are bursts of a
few days whose traffic spikes follow the influencer tier (head ≫ mid ≫ tail, KOC always on).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from shoplens.demo.calendar import Calendar
from shoplens.demo.config import CHANNEL_INDEX, CHANNELS, CN, CNY_PER, INTL


@dataclass
class Campaign:
    name: str
    channel: int
    region: int | None  # None: both regions
    sources: tuple[str, str]  # (CN, INTL) utm_source
    paid: bool
    cpc: float  # per click, in `currency` (CNY values are converted to the reporting currency)
    ctr: float
    fixed: float  # fixed cost per active day (or on the first day for KOL posts)
    currency: str  # "CNY" (converted to the reporting currency) or "USD" (billed in USD)
    weight: float
    when: str  # always | promo | burst
    tier: str | None = None
    active: np.ndarray | None = None  # (n_days,) bool, set by build_campaigns


_STATIC = (
    Campaign("ztc_brand_keywords", CHANNEL_INDEX["paid_search"], CN, ("taobao_ztc", ""), True, 1.2, .045, 0,
             "CNY", 3, "always"),
    Campaign("ztc_category_keywords", CHANNEL_INDEX["paid_search"], CN, ("taobao_ztc", ""), True, 2.6, .018, 0,
             "CNY", 4, "always"),
    Campaign("ztc_promo_boost", CHANNEL_INDEX["paid_search"], CN, ("taobao_ztc", ""), True, 3.8, .02, 0,
             "CNY", 6, "promo"),
    Campaign("google_brand", CHANNEL_INDEX["paid_search"], INTL, ("", "google_ads"), True, 0.55, .06, 0,
             "USD", 2, "always"),
    Campaign("google_shopping", CHANNEL_INDEX["paid_search"], INTL, ("", "google_ads"), True, 0.9, .012, 0,
             "USD", 4, "always"),
    Campaign("wanxiangtai_display", CHANNEL_INDEX["marketplace_ads"], CN, ("wanxiangtai", ""), True, 1.6, .008,
             0, "CNY", 3, "always"),
    Campaign("yinli_mofang_retarget", CHANNEL_INDEX["marketplace_ads"], CN, ("yinli_mofang", ""), True, 1.1,
             .011, 0, "CNY", 2, "always"),
    Campaign("amazon_sponsored_products", CHANNEL_INDEX["marketplace_ads"], INTL, ("", "amazon_ads"), True,
             0.75, .0045, 0, "USD", 4, "always"),
    Campaign("store_live_daily", CHANNEL_INDEX["live_stream"], None, ("taobao_live", "tiktok_live"), True, 0.3,
             .05, 1200, "CNY", 5, "always"),
    Campaign("host_live_promo", CHANNEL_INDEX["live_stream"], CN, ("taobao_live", ""), True, 0.6, .03, 15000,
             "CNY", 10, "promo", "head"),
    Campaign("koc_seeding", CHANNEL_INDEX["kol"], None, ("xiaohongshu", "instagram"), True, 0.5, .02, 150,
             "CNY", 1, "always", "koc"),
    Campaign("edm_weekly", CHANNEL_INDEX["email"], None, ("edm", "newsletter"), False, 0, 0, 0, "CNY", 3,
             "always"),
    Campaign("edm_promo", CHANNEL_INDEX["email"], None, ("edm", "newsletter"), False, 0, 0, 0, "CNY", 6, "promo"),
    Campaign("wecom_group_push", CHANNEL_INDEX["private_domain"], CN, ("wecom", ""), False, 0, 0, 0, "CNY", 3,
             "always"),
    Campaign("member_day", CHANNEL_INDEX["private_domain"], None, ("mini_program", "whatsapp"), False, 0, 0, 0,
             "CNY", 5, "promo"),
)
# tier -> (posts, fee range CNY, days, traffic weight, ctr)
KOL_TIERS = {"head": (2, (60_000, 150_000), 3, 12.0, .004), "mid": (4, (8_000, 20_000), 4, 4.0, .008),
             "tail": (8, (800, 3_000), 5, 1.5, .012)}
BOOSTED = (CHANNEL_INDEX["kol"], CHANNEL_INDEX["live_stream"])  # traffic follows active campaign weight
PROMO_CPC = 1.5
REFERENCE_SESSIONS = 6_000  # daily sessions of the store the fixed fees are quoted for


def promo_active(cal: Calendar) -> np.ndarray:
    """Days of the big promo waves (CN traffic lift ≥ 1.4), when promo campaigns run."""
    return cal.lift[:, CN] >= 1.4


def build_campaigns(rng: np.random.Generator, cal: Calendar, regions: set[int]) -> list[Campaign]:
    """Static campaigns for the regions the store sells to, plus its KOL bursts, with active days."""
    promo = promo_active(cal)
    out: list[Campaign] = []
    for c in _STATIC:
        if c.region is not None and c.region not in regions:
            continue
        when = {"always": np.ones(cal.n, bool), "promo": promo}[c.when]
        out.append(Campaign(**{**c.__dict__, "active": when}))
    for tier, (posts, (lo, hi), days, weight, ctr) in KOL_TIERS.items():
        for k in range(posts):
            active = np.zeros(cal.n, bool)
            start = int(rng.integers(0, max(cal.n - days, 1)))
            active[start: start + days] = True
            src = ("xiaohongshu", "instagram") if k % 2 == 0 else ("douyin", "youtube")
            out.append(Campaign(f"kol_{tier}_{k + 1:02d}", CHANNEL_INDEX["kol"], None, src, True, 0.1, ctr,
                                float(rng.uniform(lo, hi)), "CNY", weight, "burst", tier, active))
    return out


def channel_day_multipliers(campaigns: list[Campaign], n_days: int) -> np.ndarray:
    """(n_days, n_channels): KOL and live traffic rise and fall with their active campaigns."""
    mult = np.ones((n_days, len(CHANNELS)))
    for ch in BOOSTED:
        w = sum(c.weight * c.active for c in campaigns if c.channel == ch and c.active is not None)
        w = np.asarray(w, dtype=float)
        if w.mean() > 0:
            mult[:, ch] = np.maximum(w / w.mean(), 0.05)
    return mult


def campaign_choices(campaigns: list[Campaign], d: int) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """(channel, region) -> (campaign indices, cumulative probabilities) for day ``d``."""
    table: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for ch in range(len(CHANNELS)):
        for region in (CN, INTL):
            idx = [i for i, c in enumerate(campaigns) if c.channel == ch and c.active is not None
                   and c.active[d] and c.region in (None, region)]
            if idx:
                w = np.array([campaigns[i].weight for i in idx])
                table[ch, region] = (np.array(idx), np.cumsum(w) / w.sum())
    return table


def ad_spend_table(rng: np.random.Generator, campaigns: list[Campaign], sessions: np.ndarray, cal: Calendar,
                   rep: str) -> pa.Table:
    """One row per active paid campaign and day, from ``sessions`` (n_days, n_campaigns).

    Fixed fees (hosts, KOL posts) are quoted for a store of REFERENCE_SESSIONS a day and scale with
    the store's traffic, so a small demo does not pay a head influencer's full rate.
    """
    scale = sessions.sum() / cal.n / REFERENCE_SESSIONS
    promo = promo_active(cal)
    cols: dict[str, list[object]] = {k: [] for k in ("date", "channel", "campaign", "spend", "currency",
                                                    "impressions", "clicks", "kol_tier")}
    for j, c in enumerate(campaigns):
        if not c.paid or c.active is None:
            continue
        days = np.flatnonzero(c.active)
        cur = rep if c.currency == "CNY" else c.currency
        to_cur = CNY_PER["CNY"] / CNY_PER[rep] if c.currency == "CNY" else 1.0
        s = sessions[days, j]
        clicks = np.round(s * rng.uniform(1.08, 1.3, len(days)) + rng.integers(0, 3, len(days))).astype(np.int64)
        impressions = np.round(np.maximum(clicks, 1) / (c.ctr * rng.uniform(0.85, 1.15, len(days))))
        impressions = impressions.astype(np.int64) + rng.integers(1, 50, len(days))
        cpc = c.cpc * np.where(promo[days] & (c.when != "burst"), PROMO_CPC, 1.0)
        fixed = np.full(len(days), c.fixed * scale)
        if c.when == "burst":
            fixed[1:] = 0.0  # the post fee is paid once
        spend = np.round((fixed + clicks * cpc * rng.uniform(0.92, 1.08, len(days))) * to_cur, 2)
        cols["date"] += [cal.days[d] for d in days]
        cols["channel"] += [CHANNELS[c.channel].name] * len(days)
        cols["campaign"] += [c.name] * len(days)
        cols["spend"] += spend.tolist()
        cols["currency"] += [cur] * len(days)
        cols["impressions"] += impressions.tolist()
        cols["clicks"] += clicks.tolist()
        cols["kol_tier"] += [c.tier] * len(days)
    return pa.table({**cols, "date": pa.array(cols["date"], pa.date32())})


def fx_walk(seed: int, n_days: int) -> dict[str, np.ndarray]:
    """CNY per unit of each currency per day: a mean-reverting random walk around CNY_PER.

    Seeded without the store index: all stores of one build see the same market rates.
    """
    rng = np.random.default_rng([seed, 0xF0])
    out: dict[str, np.ndarray] = {"CNY": np.ones(n_days)}
    for cur in sorted(CNY_PER):
        if cur == "CNY":
            continue
        x = np.zeros(n_days)
        steps = rng.normal(0, 0.0045, n_days)
        for t in range(1, n_days):
            x[t] = 0.97 * x[t - 1] + steps[t]
        out[cur] = CNY_PER[cur] * np.exp(x)
    return out


def fx_table(walk: dict[str, np.ndarray], cal: Calendar, rep: str) -> pa.Table:
    """Rates into ``rep`` for every other currency and every local day."""
    dates, curs, rates = [], [], []
    for cur in sorted(walk):
        if cur == rep:
            continue
        dates += cal.days
        curs += [cur] * cal.n
        rates += np.round(walk[cur] / walk[rep], 8).tolist()
    return pa.table({"date": pa.array(dates, pa.date32()), "currency": curs, "rate_to": rates})
