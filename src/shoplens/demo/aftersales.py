"""What happens to an order after payment: cancellation, shipping, delivery, loss, refunds.

Everything is cut at the end of the last day (``cutoff``): a parcel still travelling is
``in_transit`` and its order ``shipped``; a refund or a loss declared after the cutoff has not
happened yet. That is what a real export taken on ``end_date`` looks like, so "recent orders are
not delivered yet" is something analyses must handle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shoplens.demo import config as C
from shoplens.demo.catalog import Catalog
from shoplens.demo.orders import DECIMALS, OrderBatch, money
from shoplens.demo.sessions import REGION_OF, draw

ORDER_STATUSES = ("created", "paid", "shipped", "delivered", "cancelled")
SHIP_STATUSES = ("in_transit", "delivered", "lost", "returned")
CARRIERS = tuple(sorted({c for m in C.MARKETS for c, _ in m.carriers}))
CARRIER_CDF = [(np.array([CARRIERS.index(c) for c, _ in m.carriers]), np.cumsum([w for _, w in m.carriers]))
               for m in C.MARKETS]
SLOW = np.array([c in C.SLOW_CARRIERS for c in CARRIERS])
PROMISED = np.array([m.promised_days for m in C.MARKETS])
SHIP_COST = np.array([m.ship_cost for m in C.MARKETS])
DAY = 86400
AUTO_CANCEL_DAYS = 3  # unpaid orders stay 'created' this long (bank transfer, konbini), then close
NONE = -1
R_DAMAGED, R_NOT_AS_DESCRIBED, R_WRONG, R_CHANGED, R_LATE, R_LOST, R_CANCELLED, R_UNDELIVERABLE = range(8)
RETURN_REASONS = (R_DAMAGED, R_NOT_AS_DESCRIBED, R_WRONG, R_CHANGED)


@dataclass
class Fulfilment:
    status: np.ndarray  # order status code
    shipped: np.ndarray  # -1: not shipped by the cutoff
    delivered: np.ndarray  # -1: not delivered (yet)
    declared: np.ndarray  # when a lost/undeliverable parcel was declared so (-1: not)
    late_days: np.ndarray
    shipments: dict[str, np.ndarray]
    refunds: dict[str, np.ndarray]
    refund_reason: np.ndarray  # per order, -1 none


def _uniform_days(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    return (rng.uniform(lo, hi, n) * DAY).astype(np.int64)


def fulfil(rng: np.random.Generator, ob: OrderBatch, cat: Catalog, cutoff: int) -> Fulfilment:
    """Statuses, shipments and refunds of a batch of orders, as known at ``cutoff``."""
    n = ob.n
    paid = ob.paid >= 0
    region = REGION_OF[ob.market]
    status = np.where(ob.created > cutoff - AUTO_CANCEL_DAYS * DAY, 0, 4).astype(np.int8)  # unpaid: open, then closed
    cancel_ts = ob.paid + rng.integers(1800, 72000, n)
    cancel = paid & (rng.random(n) < C.P_CANCEL_PAID)
    cancel_seen = cancel & (cancel_ts <= cutoff)
    handling = np.where(region == C.CN, rng.uniform(0.3, 1.5, n), rng.uniform(0.5, 3.0, n))
    handling += np.where(ob.big_promo, rng.uniform(0.5, 2.5, n), 0.0)
    shipped = ob.paid + (handling * DAY).astype(np.int64)
    carrier = np.zeros(n, np.int16)
    u = rng.random(n)
    for m in np.unique(ob.market):
        mask = ob.market == m
        idx, cdf = CARRIER_CDF[m]
        carrier[mask] = idx[draw(cdf, u[mask])]
    promised = PROMISED[ob.market]
    transit = promised * rng.lognormal(np.log(0.75), 0.25, n) * np.where(SLOW[carrier], 1.3, 1.0)
    transit *= np.where(ob.big_promo, 1.15, 1.0)
    delivered = shipped + (transit * DAY).astype(np.int64)
    fate = rng.random(n)
    lost = fate < C.P_LOST
    returned = (fate >= C.P_LOST) & (fate < C.P_LOST + C.P_UNDELIVERABLE)
    declared = shipped + (promised * np.where(lost, 3.0, 2.5) * DAY).astype(np.int64)
    ships = paid & ~cancel & (shipped <= cutoff)
    problem = lost | returned
    arrived = ships & ~problem & (delivered <= cutoff)
    declared_seen = ships & problem & (declared <= cutoff)
    ship_status = np.where(arrived, 1, np.where(declared_seen, np.where(lost, 2, 3), 0)).astype(np.int8)
    status = np.where(paid, 1, status)
    status = np.where(ships, np.where(arrived, 3, np.where(declared_seen & returned, 4, 2)), status)
    status = np.where(cancel_seen, 4, status).astype(np.int8)
    late = np.where(arrived, (delivered - shipped) / DAY - promised, 0.0).clip(0)
    n_units = np.bincount(ob.line_order, ob.line_qty, minlength=n)
    cost = money(SHIP_COST[ob.market] * (1 + 0.25 * (n_units - 1)) * rng.uniform(0.9, 1.1, n), DECIMALS[ob.market])
    s = np.flatnonzero(ships)
    shipments = {"order_no": ob.no[s], "market": ob.market[s], "carrier": carrier[s], "shipped": shipped[s],
                 "delivered": np.where(arrived[s], delivered[s], NONE), "promised": promised[s], "cost": cost[s],
                 "status": ship_status[s]}

    # refunds
    full = ob.gross - ob.discount + ob.tax
    first_line = ob.first_lines
    multi = np.bincount(ob.line_order, minlength=n) > 1
    p1, price1, qty1 = ob.line_product[first_line], ob.line_price[first_line], ob.line_qty[first_line]
    reason = np.full(n, NONE, np.int8)
    ts = np.full(n, NONE, np.int64)
    p_ref = C.P_REFUND_BASE * cat.refund[p1] + C.P_REFUND_LATE * (late > 0.5)
    after = arrived & (rng.random(n) < p_ref)
    why = np.array(RETURN_REASONS, np.int8)[draw(np.cumsum(C.REFUND_REASON_P), rng.random(n))]
    why = np.where((late > 0.5) & (rng.random(n) < 0.6), R_LATE, why)
    reason = np.where(after, why, reason)
    ts = np.where(after, delivered + _uniform_days(rng, 0.5, 12, n), ts)
    for mask, code, when in ((cancel, R_CANCELLED, cancel_ts),
                             (ships & lost, R_LOST, declared + _uniform_days(rng, 0.5, 3, n)),
                             (ships & returned, R_UNDELIVERABLE, declared + _uniform_days(rng, 0.5, 2, n))):
        reason = np.where(mask, code, reason)
        ts = np.where(mask, when, ts)
    keep = (reason >= 0) & (ts <= cutoff)
    reason = np.where(keep, reason, NONE).astype(np.int8)
    partial = after & multi
    one_unit = np.isin(reason, (R_DAMAGED, R_WRONG))
    amount = np.where(partial, price1 * np.where(one_unit, 1, qty1), full)
    whole = ~partial & multi
    r = np.flatnonzero(keep)
    refunds = {"order_no": ob.no[r], "user": ob.user[r], "market": ob.market[r], "ts": ts[r],
               "amount": money(amount[r], DECIMALS[ob.market[r]]), "reason": reason[r],
               "product": np.where(whole[r], NONE, p1[r])}
    return Fulfilment(status, np.where(ships, shipped, NONE), np.where(arrived, delivered, NONE),
                      np.where(declared_seen, declared, NONE), late, shipments, refunds, reason)
