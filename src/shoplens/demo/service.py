"""Customer service tickets and reviews: the voice of the customer reacts to what happened.

Tickets come from pre-sale questions, "where is my parcel", late or lost deliveries and returns;
first responses take minutes in service hours, hours at night and on peak days. Reviews and DSR
scores (1-5, one decimal) fall with product quality, late delivery, bad refunds and complaints.
"""

from __future__ import annotations

import numpy as np

from shoplens.demo import aftersales as A
from shoplens.demo.catalog import Catalog
from shoplens.demo.config import P_REVIEW
from shoplens.demo.orders import OrderBatch
from shoplens.demo.sessions import REGION_OF

TICKET_KINDS = ("inquiry", "complaint", "return")
# kind -> (median first response minutes, median minutes from first response to resolution)
RESPONSE = {0: (2.5, 12.0), 1: (15.0, 480.0), 2: (30.0, 2880.0)}
OPEN_HOUR = 9  # service desk hours 09:00-24:00 store-local
P_UNRESOLVED = 0.02
P_ANGRY = 0.02
DAY = A.DAY


def _tickets(rng: np.random.Generator, user: np.ndarray, order_no: np.ndarray, opened: np.ndarray,
             kind: np.ndarray, busy: np.ndarray, cutoff: int) -> dict[str, np.ndarray]:
    """Response and resolution times for opened tickets, cut at ``cutoff``."""
    n = len(user)
    first_med = np.array([RESPONSE[k][0] for k in range(3)])[kind] * np.where(busy, 3.0, 1.0)
    resolve_med = np.array([RESPONSE[k][1] for k in range(3)])[kind]
    wait = (rng.lognormal(np.log(first_med), 0.9) * 60).astype(np.int64)
    hour = (opened % DAY) // 3600
    desk_opens = opened - opened % DAY + OPEN_HOUR * 3600
    first = np.where(hour < OPEN_HOUR, desk_opens, opened) + wait
    resolved = first + (rng.lognormal(np.log(resolve_med), 0.8) * 60).astype(np.int64)
    resolved = np.where((rng.random(n) < P_UNRESOLVED) | (resolved > cutoff), A.NONE, resolved)
    keep = opened <= cutoff
    return {"user": user[keep], "order_no": order_no[keep], "opened": opened[keep],
            "first": np.where(first[keep] > cutoff, A.NONE, first[keep]), "resolved": resolved[keep],
            "kind": kind[keep].astype(np.int8)}


def service_tickets(rng: np.random.Generator, ob: OrderBatch, fo: A.Fulfilment, inquiries: dict[str, np.ndarray],
                    promo_day: bool, cutoff: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Tickets of a batch (pre-sale and post-sale) and, per order, whether it had a complaint."""
    n = ob.n
    sh = fo.shipped >= 0
    end = np.where(fo.delivered >= 0, fo.delivered, cutoff)
    where_is_it = sh & (rng.random(n) < 0.04)
    wis_ts = fo.shipped + (rng.uniform(0.2, 1.0, n) * np.maximum(end - fo.shipped, 3600)).astype(np.int64)
    late = fo.late_days > 0.5
    complain_late = late & (rng.random(n) < 0.35)
    late_ts = fo.shipped + (A.PROMISED[ob.market] + rng.uniform(0.3, 2.0, n)) * DAY
    problem = (fo.declared >= 0) & (rng.random(n) < 0.9)
    problem_ts = fo.declared - (rng.uniform(0, 0.5, n) * A.PROMISED[ob.market] * DAY).astype(np.int64)
    refund_ts = np.full(n, A.NONE, np.int64)
    pos = np.searchsorted(ob.no, fo.refunds["order_no"])
    refund_ts[pos] = fo.refunds["ts"]
    bad = np.isin(fo.refund_reason, (A.R_DAMAGED, A.R_NOT_AS_DESCRIBED))
    complain_bad = bad & (rng.random(n) < 0.5)
    bad_ts = np.maximum(refund_ts - rng.integers(3600, DAY, n), fo.delivered + 3600)
    ret = np.isin(fo.refund_reason, A.RETURN_REASONS) & (rng.random(n) < 0.85)
    ret_ts = np.maximum(refund_ts - rng.integers(2 * 3600, 2 * DAY, n), fo.delivered + 3600)
    parts = [(where_is_it, wis_ts, 0), (complain_late, late_ts, 1), (problem, problem_ts, 1),
             (complain_bad, bad_ts, 1), (ret, ret_ts, 2)]
    users, orders, opened, kinds, busy = [], [], [], [], []
    for mask, ts, kind in parts:
        users.append(ob.user[mask])
        orders.append(ob.no[mask])
        opened.append(np.asarray(ts, dtype=np.int64)[mask])
        kinds.append(np.full(int(mask.sum()), kind))
        busy.append(ob.big_promo[mask])
    k = len(inquiries["user"])
    users.append(inquiries["user"])
    orders.append(np.full(k, A.NONE, np.int64))
    opened.append(inquiries["ts"])
    kinds.append(np.zeros(k, np.int64))
    busy.append(np.full(k, promo_day))
    complained = complain_late | problem | complain_bad
    return _tickets(rng, *(np.concatenate(x) for x in (users, orders, opened, kinds, busy)), cutoff), complained


def reviews(rng: np.random.Generator, ob: OrderBatch, fo: A.Fulfilment, cat: Catalog, complained: np.ndarray,
            cutoff: int) -> dict[str, np.ndarray]:
    """Reviews of delivered orders, with star rating and the three DSR scores."""
    n = ob.n
    region = REGION_OF[ob.market]
    ts = fo.delivered + ((0.5 + rng.exponential(3.0, n)) * DAY).astype(np.int64)
    write = (fo.delivered >= 0) & (rng.random(n) < np.array(P_REVIEW)[region]) & (ts <= cutoff)
    product = ob.line_product[ob.first_lines]
    q = cat.quality[product]
    bad = np.isin(fo.refund_reason, (A.R_DAMAGED, A.R_NOT_AS_DESCRIBED, A.R_WRONG))
    rating = np.clip(np.round(q + rng.normal(0, 0.8, n) - 1.0 * (fo.late_days > 1) - 2.0 * bad), 1, 5)
    rating = np.where(rng.random(n) < P_ANGRY, 1, rating)  # reviews are J-shaped: some 1-star rants
    desc = np.clip(np.round(0.55 * rating + 0.45 * q + rng.normal(0, 0.25, n), 1), 1, 5)
    serv = np.clip(np.round(4.75 - 0.8 * complained - 0.5 * bad + rng.normal(0, 0.2, n), 1), 1, 5)
    logi = np.clip(np.round(4.8 - 0.3 * fo.late_days + rng.normal(0, 0.2, n), 1), 1, 5)
    w = np.flatnonzero(write)
    return {"order_no": ob.no[w], "user": ob.user[w], "product": product[w], "ts": ts[w],
            "rating": rating[w].astype(np.int64), "dsr_description": desc[w], "dsr_service": serv[w],
            "dsr_logistics": logi[w]}
