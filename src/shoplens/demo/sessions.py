"""Sessions and their clickstream, generated a batch at a time with numpy (no per-row Python).

Each session picks a visitor (new or returning), market, channel, device, campaign and start
hour, then walks the funnel page_view → product_view → add_to_cart → begin_checkout → purchase
with probabilities moved by channel quality, device, returning-buyer status, day (promo, weekend),
product appeal, stock and the incident. Events are laid out session-major by repeating a fixed
slot template, so a batch of N sessions costs a few dozen vector operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from shoplens.demo import config as C
from shoplens.demo.customers import UserPool
from shoplens.demo.writer import cat

EVENT_NAMES = ("page_view", "search", "product_view", "favorite", "add_to_cart", "begin_checkout", "purchase")
# slots of a session, in order: landing page, searches, product views, favorite, cart, browsing pages,
# checkout, purchase
SLOT_EVENT = np.array([0, 1, 2, 3, 4, 0, 5, 6], dtype=np.int8)
PAGE_TYPES = ("home", "campaign", "product", "category", "cart", "search", "checkout")
SLOT_PAGE = np.array([-1, 5, 2, 2, 2, -1, 6, 6], dtype=np.int8)  # -1: decided per event
PRODUCT_LANDING = np.array([c.name in ("paid_search", "kol", "live_stream", "marketplace_ads", "short_video",
                                       "social") for c in C.CHANNELS])
REGION_OF = np.array([m.region for m in C.MARKETS], dtype=np.int8)
WAREHOUSE_OF = np.array([C.WAREHOUSES.index(m.warehouse) for m in C.MARKETS], dtype=np.int8)
CH_CONV = np.array([c.conv for c in C.CHANNELS])
CH_VIEW = np.array([c.view for c in C.CHANNELS])
APP_HEAVY = np.array([c.app_heavy for c in C.CHANNELS], dtype=np.int8)
DEVICE_CDF = {k: np.cumsum(v) for k, v in C.DEVICE_MIX.items()}
ORGANIC, INCIDENT = C.CHANNEL_INDEX["organic_search"], C.CHANNEL_INDEX[C.INCIDENT_CHANNEL]
P_INQUIRY = 0.012


def draw(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF sampling from an (unnormalised) cumulative weight vector."""
    return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), len(cdf) - 1)


@dataclass
class DayPlan:
    """Everything the sessions of one local day share."""

    d: int
    day_start: int
    pool_size: int  # visitors seen before today (returning visitors come from them)
    p_new: float
    market_ids: np.ndarray  # the store's markets
    market_cdf: np.ndarray  # new visitors' market mix today
    hour_cdf: np.ndarray  # (len(market_ids), 24)
    channel_cdf: np.ndarray  # (4, n_channels): CN-new, CN-returning, INTL-new, INTL-returning
    cart: np.ndarray  # (2,) per region
    pay: np.ndarray
    weekend: bool
    incident: bool
    promo: bool
    campaigns: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]
    campaign_source: np.ndarray  # (n_campaigns, 2) source code per region
    channel_sources: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]
    view_cdf: np.ndarray
    product_conv: np.ndarray
    in_stock: np.ndarray  # (n_warehouses, n_products) bool
    market_pos: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.market_pos = np.full(len(C.MARKETS), -1)
        self.market_pos[self.market_ids] = np.arange(len(self.market_ids))


@dataclass
class SessionBatch:
    events: dict[str, np.ndarray]
    buy: dict[str, np.ndarray]  # one row per paid order (purchase)
    unpaid: dict[str, np.ndarray]  # checkouts that left an unpaid order
    inquiries: dict[str, np.ndarray]  # pre-sale service tickets
    campaign_sessions: np.ndarray


def _pick(rng: np.random.Generator, n: int, groups: np.ndarray, table: dict, out: np.ndarray) -> None:
    """out[i] = draw from table[groups[i]] for every group present in ``table``."""
    u = rng.random(n)
    for key, value in table.items():
        mask = groups == key
        if mask.any():
            idx, cdf = value if isinstance(value, tuple) else (None, value)
            picked = draw(cdf, u[mask])
            out[mask] = picked if idx is None else idx[picked]


def generate_sessions(rng: np.random.Generator, plan: DayPlan, pool: UserPool, n: int, first_order_no: int,
                      n_campaigns: int) -> SessionBatch:
    """``n`` sessions of day ``plan.d``: their events and what they bought (order numbers from
    ``first_order_no``, paid ones first). New visitors are added to ``pool``."""
    # who, from where
    is_new = (rng.random(n) < plan.p_new) | (plan.pool_size == 0)
    users = np.zeros(n, np.int64)
    ret = pool.sample_returning(rng, int((~is_new).sum()), plan.pool_size)
    users[~is_new] = ret
    market = np.zeros(n, np.int8)
    market[~is_new] = pool.market.data[ret]
    market[is_new] = plan.market_ids[draw(plan.market_cdf, rng.random(int(is_new.sum())))]
    region = REGION_OF[market]
    buyer = np.zeros(n, bool)
    buyer[~is_new] = pool.orders.data[ret] > 0
    channel = np.zeros(n, np.int8)
    _pick(rng, n, region * 2 + (~is_new), dict(enumerate(plan.channel_cdf)), channel)
    device = np.zeros(n, np.int8)
    _pick(rng, n, region * 2 + APP_HEAVY[channel], {k[0] * 2 + k[1]: v for k, v in DEVICE_CDF.items()}, device)
    hour = np.zeros(n, np.int64)
    _pick(rng, n, plan.market_pos[market], dict(enumerate(plan.hour_cdf)), hour)
    start = plan.day_start + hour * 3600 + rng.integers(0, 3600, n)
    campaign = np.full(n, -1, np.int16)
    group = channel.astype(np.int32) * 2 + region
    _pick(rng, n, group, {ch * 2 + r: v for (ch, r), v in plan.campaigns.items()}, campaign)
    source = np.zeros(n, np.int16)
    _pick(rng, n, group, {ch * 2 + r: v for (ch, r), v in plan.channel_sources.items()}, source)
    has_campaign = campaign >= 0
    source[has_campaign] = plan.campaign_source[campaign[has_campaign], region[has_campaign]]

    # the funnel
    quality = CH_CONV[channel] * C.DEVICE_CONV[device] * np.where(buyer, C.RETURNING_BUYER_CONV,
                                                                  np.where(is_new, 1.0, C.RETURNING_CONV))
    sq = np.sqrt(quality * (C.WEEKEND_CONV if plan.weekend else 1.0))
    viewed = rng.random(n) < np.minimum(C.P_PRODUCT_VIEW * CH_VIEW[channel], 0.95)
    product = draw(plan.view_cdf, rng.random(n))
    stock = plan.in_stock[WAREHOUSE_OF[market], product]
    p_cart = np.minimum(C.P_CART * sq * plan.product_conv[product] * plan.cart[region], 0.9) * stock
    carted = viewed & (rng.random(n) < p_cart)
    checkout = carted & (rng.random(n) < C.P_CHECKOUT)
    p_pay = C.P_PAY * sq * plan.pay[region]
    incident = plan.incident & (channel == INCIDENT)
    p_pay = np.where(incident, p_pay * C.INCIDENT_PAY, p_pay)
    paid = checkout & (rng.random(n) < np.minimum(p_pay, 0.97))
    p_unpaid = np.where(incident, 0.9, C.P_UNPAID_ORDER)
    unpaid = checkout & ~paid & (rng.random(n) < p_unpaid)
    searches = (rng.random(n) < C.P_SEARCH * np.where(channel == ORGANIC, 2.2, 1.0)) * (1 + rng.poisson(0.4, n))
    counts = np.stack([np.ones(n, np.int64), searches, viewed * rng.geometric(0.45, n),
                       viewed & (rng.random(n) < C.P_FAVORITE), carted,
                       rng.poisson(np.where(viewed | (searches > 0), 0.9, 0.3)), checkout, paid], axis=1)
    counts = counts.astype(np.int64)

    # events, session-major
    per = counts.sum(axis=1)
    first = np.r_[0, np.cumsum(per)[:-1]]
    total = int(per.sum())
    sess = np.repeat(np.arange(n), per)
    slot = np.repeat(np.tile(np.arange(8, dtype=np.int8), n), counts.ravel())
    gaps = rng.exponential(40.0, total) + 3.0
    gaps[first] = 0.0
    cum = np.cumsum(gaps)
    offset = (cum - cum[first][sess]).astype(np.int64)
    duration = offset[first + per - 1]
    start = np.minimum(start, plan.day_start + 86400 - 1 - duration)  # sessions end the same local day
    ts = start[sess] + offset
    prod_e = np.full(total, -1, np.int32)
    is_view = slot == 2
    prod_e[is_view] = draw(plan.view_cdf, rng.random(int(is_view.sum())))
    first_view = (first + counts[:, 0] + counts[:, 1])[viewed]
    prod_e[first_view] = product[viewed]
    main = (slot == 3) | (slot == 4) | (slot >= 6)
    prod_e[main] = product[sess[main]]
    page = SLOT_PAGE[slot].copy()
    landing_type = np.where(PRODUCT_LANDING[channel], 2, 0)
    if plan.promo:
        landing_type = np.where(rng.random(n) < 0.4, 1, landing_type)
    page[first] = landing_type
    browse = slot == 5
    page[browse] = np.array([3, 0, 4], dtype=np.int8)[draw(np.array([0.5, 0.75, 1.0]), rng.random(int(browse.sum())))]
    query = np.full(total, -1, np.int16)
    is_search = slot == 1
    query[is_search] = rng.integers(0, len(C.SEARCH_TERMS), int(is_search.sum()))
    n_paid, n_unpaid = int(paid.sum()), int(unpaid.sum())
    order_no = np.full(total, -1, np.int64)
    last = first + per - 1
    order_no[last[paid]] = first_order_no + np.arange(n_paid)

    new_ids = pool.add(market[is_new], start[is_new], channel[is_new])
    users[is_new] = new_ids
    events = {"ts": ts, "user": users[sess], "session": sess, "event": SLOT_EVENT[slot], "page": page,
              "product": prod_e, "channel": channel[sess], "source": source[sess], "campaign": campaign[sess],
              "device": device[sess], "market": market[sess], "order_no": order_no, "query": query}

    def rows(mask: np.ndarray, numbers: np.ndarray, created: np.ndarray, paid_ts: np.ndarray) -> dict:
        return {"order_no": numbers, "user": users[mask], "market": market[mask], "channel": channel[mask],
                "device": device[mask], "product": product[mask], "created": created, "paid": paid_ts}

    buy = rows(paid, first_order_no + np.arange(n_paid), ts[last[paid] - 1] + 1, ts[last[paid]])
    left = rows(unpaid, first_order_no + n_paid + np.arange(n_unpaid), ts[last[unpaid]],
                np.full(n_unpaid, -1, np.int64))
    asks = viewed & (rng.random(n) < P_INQUIRY)
    inquiries = {"user": users[asks], "market": market[asks],
                 "ts": start[asks] + 60 + rng.integers(0, 900, int(asks.sum()))}
    joins = rng.random(n) < C.P_MEMBER_JOIN_VISIT
    pool.join(users[joins], start[joins])
    counts_c = np.bincount(campaign[has_campaign], minlength=n_campaigns)
    return SessionBatch(events, buy, left, inquiries, counts_c)


def events_arrow(ev: dict[str, np.ndarray], product_ids: pa.Array, source_names: pa.Array,
                 campaign_names: pa.Array, first_event_no: int, first_session_no: int) -> pa.Table:
    """The events of a batch as Arrow (ids stay numbers; SQL formats them)."""
    n = len(ev["ts"])
    medium_names = sorted({c.medium for c in C.CHANNELS})
    medium_of = np.array([medium_names.index(c.medium) for c in C.CHANNELS], dtype=np.int8)
    return pa.table({
        "event_no": np.arange(first_event_no, first_event_no + n, dtype=np.int64),
        "ts": pa.array(ev["ts"], pa.timestamp("s")),
        "user_no": ev["user"], "session_no": ev["session"] + first_session_no,
        "event": cat(ev["event"], list(EVENT_NAMES)), "page_type": cat(ev["page"], list(PAGE_TYPES)),
        "product_id": cat(ev["product"], product_ids),
        "channel": cat(ev["channel"], [c.name for c in C.CHANNELS]),
        "source": cat(ev["source"], source_names), "medium": cat(medium_of[ev["channel"]], medium_names),
        "campaign": cat(ev["campaign"], campaign_names), "device": cat(ev["device"], list(C.DEVICES)),
        "country": cat(ev["market"], [m.country for m in C.MARKETS]),
        "order_no": pa.array(ev["order_no"], mask=ev["order_no"] < 0),
        "query": cat(ev["query"], list(C.SEARCH_TERMS)),
    })
