"""The demo's calendar: traffic/conversion multipliers per local day and region, and the incident.

Promotions are shapes around a peak day (warm-up, waves, peak, hangover) so their lift looks like
the real thing: 618 (June 18) and 11.11 (Oct 30 - Nov 11, peak on the 11th) for Chinese shoppers,
Black Friday/Cyber Monday for the rest. Each shape stays inside the span the anomaly detector's shipped
calendar marks for it (618: 06-01..06-18, 双11: 10-31..11-11, plus its day before and 3 days after), so
a promotion raises no anomaly on the demo. A range without June 18 gets a "mid_year" promo of the same
shape in its middle, so every demo has two big promotions to compare. The incident window is
placed ~3 weeks before the end on days with no promotion in it, the two weeks before it or the
two days after it, so its effect is not confounded with a promo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from shoplens.demo.config import HOUR_PROFILE, INCIDENT_CHANNEL, MARKETS, PEAK_HOUR_BOOST

# offset from peak -> (traffic, cart, pay, item discount)
Shape = dict[int, tuple[float, float, float, float]]


def _span(a: int, b: int, f: tuple[float, float, float, float]) -> Shape:
    return {k: f for k in range(a, b + 1)}


SHAPE_618: Shape = {**_span(-18, -15, (1.5, 1.15, 1.15, 0.10)), **_span(-14, -3, (1.08, 1.1, 1.0, 0.03)),
                    **_span(-2, -1, (1.6, 1.3, 1.1, 0.08)), 0: (2.8, 1.25, 1.5, 0.15),
                    **_span(1, 2, (0.85, 0.9, 0.95, 0.0))}
SHAPE_1111: Shape = {**_span(-12, -11, (1.15, 1.3, 0.9, 0.0)), **_span(-10, -8, (1.9, 1.2, 1.3, 0.12)),
                     **_span(-7, -1, (1.25, 1.5, 0.85, 0.05)), 0: (4.0, 1.3, 1.8, 0.18),
                     **_span(1, 3, (0.8, 0.9, 0.9, 0.0))}
SHAPE_BF: Shape = {**_span(-7, -1, (1.2, 1.2, 1.0, 0.05)), 0: (3.0, 1.2, 1.6, 0.20),
                   **_span(1, 2, (1.6, 1.1, 1.2, 0.15)), 3: (2.2, 1.1, 1.4, 0.18)}
SENSITIVITY = {"618": (1.0, 0.35), "mid_year": (1.0, 0.35), "1111": (1.0, 0.35), "black_friday": (0.1, 1.0)}
WEEKDAY_TRAFFIC = np.array([1.00, 0.97, 0.98, 1.00, 0.96, 1.14, 1.16])  # Mon..Sun


@dataclass(frozen=True)
class Promo:
    name: str
    peak: date
    shape: Shape = field(repr=False, compare=False)


def _black_friday(year: int) -> date:
    nov1 = date(year, 11, 1)
    first_thu = nov1 + timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thu + timedelta(days=22)


def find_promos(start: date, end: date) -> list[Promo]:
    """Promotions whose peak falls in [start, end]; adds a mid-year one when 618 is missing."""
    promos: list[Promo] = []
    for year in range(start.year, end.year + 1):
        for name, peak, shape in (("618", date(year, 6, 18), SHAPE_618), ("1111", date(year, 11, 11), SHAPE_1111),
                                  ("black_friday", _black_friday(year), SHAPE_BF)):
            if start <= peak <= end:
                promos.append(Promo(name, peak, shape))
    if not any(p.name == "618" for p in promos):
        n = (end - start).days + 1
        for frac in (0.5, 0.35, 0.65, 0.25, 0.75):
            peak = start + timedelta(days=int(n * frac))
            if all(abs((peak - p.peak).days) > 25 for p in promos):
                promos.append(Promo("mid_year", peak, SHAPE_618))
                break
    return sorted(promos, key=lambda p: p.peak)


def utc_offsets(tz: str, days: list[date]) -> np.ndarray:
    """UTC offset in seconds at local noon of each day (used for shaping and the fixed-offset fast path)."""
    zone = ZoneInfo(tz)
    return np.array([int(datetime(d.year, d.month, d.day, 12, tzinfo=zone).utcoffset().total_seconds())
                     for d in days])


@dataclass
class Calendar:
    """Per local day arrays; factors are shaped (n_days, 2) for the CN and INTL regions."""

    start: date
    end: date
    timezone: str
    days: list[date]
    traffic: np.ndarray  # (n, 2) session volume multiplier (promo x weekday), before noise and trend
    lift: np.ndarray  # (n, 2) the promo part of it
    cart: np.ndarray
    pay: np.ndarray
    discount: np.ndarray  # item-level promo discount rate
    weekend: np.ndarray  # (n,) bool
    promo: list[str | None]  # promo name per day (any part of its shape)
    peak: np.ndarray  # (n,) bool: promo peak days (midnight rush, shipping backlog)
    incident: tuple[int, int]  # inclusive day indices
    fixed_offset: int | None  # seconds east of UTC when the zone has no DST in range
    utc_offset_h: float  # typical offset in hours (shapes when each market's visitors arrive)
    day_start: np.ndarray = field(init=False)  # local wall-clock epoch seconds of each midnight

    def __post_init__(self) -> None:
        epoch = date(1970, 1, 1)
        self.day_start = np.array([(d - epoch).days * 86400 for d in self.days], dtype=np.int64)

    @property
    def n(self) -> int:
        return len(self.days)

    @property
    def cutoff(self) -> int:
        """Local epoch seconds of the end of the last day: nothing happens after it."""
        return int(self.day_start[-1]) + 86400

    def hour_probs(self, d: int, market_ids: np.ndarray, store_offset_h: float) -> np.ndarray:
        """(len(market_ids), 24) probabilities of a session starting in each store-local hour."""
        rows = []
        for m in market_ids:
            market = MARKETS[m]
            name = self.promo[d]
            rush = self.peak[d] and name is not None and SENSITIVITY[name][market.region] > 0.9
            prof = HOUR_PROFILE * (PEAK_HOUR_BOOST if rush else 1.0)
            shift = round(store_offset_h - market.utc_offset)
            rolled = np.roll(prof, shift)
            rows.append(rolled / rolled.sum())
        return np.array(rows)

    def incident_dict(self) -> dict[str, str]:
        a, b = self.incident
        return {"channel": INCIDENT_CHANNEL, "start": self.days[a].isoformat(), "end": self.days[b].isoformat(),
                "what": f"payment conversion on {INCIDENT_CHANNEL} collapses (purchases -95%) while its traffic "
                        "and ad spend continue; checkouts leave unpaid orders that get cancelled",
                "what_zh": f"{INCIDENT_CHANNEL} 渠道的支付转化骤降（购买 -95%），但流量和广告花费照常；"
                           "下单后未支付的订单随后被取消"}


def build_calendar(end: date, n_days: int, tz: str) -> Calendar:
    """All day-level factors for the range of ``n_days`` ending at ``end`` (inclusive)."""
    start = end - timedelta(days=n_days - 1)
    days = [start + timedelta(days=i) for i in range(n_days)]
    traffic = np.ones((n_days, 2))
    cart, pay, disc = np.ones((n_days, 2)), np.ones((n_days, 2)), np.zeros((n_days, 2))
    promo: list[str | None] = [None] * n_days
    peak = np.zeros(n_days, dtype=bool)
    for p in find_promos(start, end):
        sens = np.array(SENSITIVITY[p.name])
        for offset, (t, c, y, dc) in p.shape.items():
            i = (p.peak - start).days + offset
            if 0 <= i < n_days:
                traffic[i] *= 1 + (t - 1) * sens
                cart[i] *= 1 + (c - 1) * sens
                pay[i] *= 1 + (y - 1) * sens
                disc[i] = np.maximum(disc[i], dc * sens)
                promo[i] = p.name
                peak[i] |= offset == 0
    weekday = np.array([d.weekday() for d in days])
    lift = traffic.copy()
    traffic *= WEEKDAY_TRAFFIC[weekday][:, None]
    offsets = utc_offsets(tz, days)
    fixed = int(offsets[0]) if np.all(offsets == offsets[0]) else None
    cal = Calendar(start, end, tz, days, traffic, lift, cart, pay, disc, weekday >= 5, promo, peak,
                   (0, 0), fixed, float(np.median(offsets)) / 3600)
    cal.incident = _place_incident(promo, n_days)
    return cal


def _place_incident(promo: list[str | None], n: int) -> tuple[int, int]:
    """Three days ~3 weeks before the end, promo-free with two promo-free weeks before and two days after
    (the channel's recovery shows on ordinary days before a promotion's warm-up starts)."""
    first = max(n - 21, 0)
    for a in range(first, 14, -1):
        if all(promo[i] is None for i in range(a - 14, min(a + 5, n))):
            return a, min(a + 2, n - 1)
    return first, min(first + 2, n - 1)
