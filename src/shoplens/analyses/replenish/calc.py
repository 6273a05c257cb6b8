"""The reorder arithmetic of one SKU: pure functions over small numbers (no warehouse), easy to check by hand.

z = the normal quantile of the service level; safety stock = z × σ × √L; reorder point = d × L + safety stock;
order quantity = d × (L + R) + safety stock − on hand − in transit, never below 0, rounded UP to a whole unit
(a buyer orders units; rounding down would leave the order short of the service level it was sized for).
Days of cover = on hand / d (None when d = 0: nothing sells, nothing runs out); the projected stock-out date is
``as_of + floor(days of cover)`` from the units on hand only (inbound units have no arrival date in the snapshots).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, timedelta

EPS = 1e-9  # 3.0000000000000004 units is 3, not 4


@dataclass(frozen=True)
class Policy:
    """What a SKU is replenished with, and where each value came from (sku, supplier, category, config, flag,
    default)."""

    lead_time_days: float
    service_level: float
    review_period_days: float
    source: dict[str, str]


def z_value(service_level: float) -> float:
    return statistics.NormalDist().inv_cdf(service_level)


def mean_sd(daily: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n − 1) of daily units; one day has no spread (0)."""
    mean = sum(daily) / len(daily)
    return mean, (statistics.stdev(daily) if len(daily) > 1 else 0.0)


def plan(on_hand: int, in_transit: int, d: float, sd: float, policy: Policy, as_of: date) -> dict[str, object]:
    """The issue's numbers for one SKU (``reorder_now`` also needs some demand, d > 0 or σ > 0: a SKU nobody buys
    is never reordered, even at zero stock, where on hand + in transit = 0 = its reorder point; with d = 0 and
    σ > 0, as an intermittent forecast can give, the safety stock is its reorder point and its order quantity)."""
    lead, review = policy.lead_time_days, policy.review_period_days
    safety = z_value(policy.service_level) * sd * math.sqrt(lead)
    reorder_point = d * lead + safety
    need = d * (lead + review) + safety - on_hand - in_transit
    order_qty = max(0, math.ceil(need - EPS))
    cover = on_hand / d if d > 0 else None
    stockout = as_of + timedelta(days=math.floor(cover + EPS)) if cover is not None else None
    return {"safety_stock": safety, "reorder_point": reorder_point, "order_qty": order_qty, "days_of_cover": cover,
            "stockout_date": stockout,
            "reorder_now": (d > 0 or sd > 0) and on_hand + in_transit <= reorder_point + EPS}
