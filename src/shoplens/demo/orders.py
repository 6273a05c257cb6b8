"""Orders and order lines from the sessions that checked out, priced in the market's currency.

Money follows how cross-border orders are built: local list price minus the item-level promo
discount gives the line price; gross is the sum of lines; an order-level discount (Tmall-style
"每满300减30" on big promo days, coupons, a member discount) comes off it; shipping is free above
a local threshold; cross-border tax / GST is charged on top where the market does so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shoplens.demo import config as C
from shoplens.demo.catalog import Catalog
from shoplens.demo.customers import UserPool
from shoplens.demo.sessions import REGION_OF, WAREHOUSE_OF, draw

QTY = np.array([1, 2, 3, 4, 6])
QTY_CDF = np.cumsum([0.78, 0.15, 0.04, 0.02, 0.01])
QTY_CDF_PROMO = np.cumsum([0.64, 0.22, 0.08, 0.04, 0.02])
DECIMALS = np.array([m.decimals for m in C.MARKETS])
FEE = np.array([m.shipping_fee for m in C.MARKETS])
FREE_OVER = np.array([m.free_ship_over for m in C.MARKETS])
TAX = np.array([m.tax_rate for m in C.MARKETS])
CNY_OF_MARKET = np.array([C.CNY_PER[m.currency] for m in C.MARKETS])
PAYMENTS = tuple(sorted({p for m in C.MARKETS for p, _ in m.payments}))
PAY_CDF = [(np.array([PAYMENTS.index(p) for p, _ in m.payments]), np.cumsum([w for _, w in m.payments]))
           for m in C.MARKETS]


def money(x: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Round to each currency's minor unit (JPY has none)."""
    scale = 10.0 ** decimals
    return np.round(x * scale) / scale


@dataclass
class OrderBatch:
    """Orders of one session batch; paid == -1 marks an order that was never paid."""

    no: np.ndarray
    user: np.ndarray
    market: np.ndarray
    channel: np.ndarray
    device: np.ndarray
    created: np.ndarray
    paid: np.ndarray
    gross: np.ndarray
    discount: np.ndarray
    shipping: np.ndarray
    tax: np.ndarray
    payment: np.ndarray
    is_member: np.ndarray
    big_promo: np.ndarray  # ordered during a big promo wave (shipping backlog)
    line_order: np.ndarray  # position of the line's order in this batch
    line_no: np.ndarray
    line_product: np.ndarray
    line_qty: np.ndarray
    line_price: np.ndarray
    line_cost: np.ndarray

    @property
    def n(self) -> int:
        return len(self.no)

    @property
    def first_lines(self) -> np.ndarray:
        """Index of each order's line 1 (lines are sorted by order, every order has one)."""
        return np.flatnonzero(self.line_no == 1)


def build_orders(rng: np.random.Generator, buy: dict[str, np.ndarray], unpaid: dict[str, np.ndarray],
                 cat: Catalog, pool: UserPool, *, discount: np.ndarray, big_promo: np.ndarray,
                 view_cdf: np.ndarray, in_stock: np.ndarray) -> OrderBatch:
    """Price the checkouts of one batch and record paid ones against their buyers.

    ``discount`` and ``big_promo`` are per region (item promo discount rate, promo-wave flag).
    """
    o = {k: np.concatenate([buy[k], unpaid[k]]) for k in buy}
    n, n_paid = len(o["order_no"]), len(buy["order_no"])
    market, region = o["market"], REGION_OF[o["market"]]
    is_paid = np.arange(n) < n_paid
    promo = big_promo[region]
    u = rng.random(n)
    qty1 = QTY[np.where(promo, draw(QTY_CDF_PROMO, u), draw(QTY_CDF, u))]
    # extra lines for paid orders: other in-stock, sellable products
    p2 = np.where(promo, 0.30, 0.22) * is_paid
    extra = []
    for line_no, prob in ((2, p2), (3, p2 * 0.3)):
        want = np.flatnonzero(rng.random(n) < prob)
        prod = draw(view_cdf, rng.random(len(want)))
        ok = in_stock[WAREHOUSE_OF[market[want]], prod] & (cat.conv[prod] > 0) & (prod != o["product"][want])
        extra.append((want[ok], np.full(ok.sum(), line_no), prod[ok], np.where(rng.random(ok.sum()) < 0.9, 1, 2)))
    line_order = np.concatenate([np.arange(n)] + [e[0] for e in extra])
    line_no = np.concatenate([np.ones(n, np.int64)] + [e[1] for e in extra])
    line_product = np.concatenate([o["product"]] + [e[2] for e in extra])
    line_qty = np.concatenate([qty1] + [e[3] for e in extra])
    sort = np.lexsort((line_no, line_order))
    line_order, line_no, line_product, line_qty = (a[sort] for a in (line_order, line_no, line_product, line_qty))
    lm = market[line_order]
    dec = DECIMALS[lm]
    cut = discount[REGION_OF[lm]] * cat.promo[line_product]
    line_price = money(cat.price_local[lm, line_product] * (1 - cut), dec)
    line_cost = cat.cost_local[lm, line_product]
    gross = money(np.bincount(line_order, line_qty * line_price, minlength=n), DECIMALS[market])

    # membership: some buyers join the store's membership at checkout (入会) for the member price
    users, created = o["user"], o["created"]
    sig = pool.signup.data[users]
    before = (sig >= 0) & (sig <= created)
    repeat = pool.orders.data[users] > 0
    join = is_paid & ~before & (rng.random(n) < np.where(repeat, C.P_MEMBER_JOIN_REPEAT, C.P_MEMBER_JOIN_FIRST))
    pool.join(users[join], created[join] - rng.integers(30, 300, int(join.sum())))
    sig = pool.signup.data[users]
    is_member = (sig >= 0) & (sig <= created)

    dec_o = DECIMALS[market]
    threshold = np.where(region == C.CN, 300.0, 0.0)
    full_reduction = np.where(promo & (region == C.CN), np.floor(gross / np.maximum(threshold, 1)) * 30, 0.0)
    coupon = np.where(rng.random(n) < 0.12, 0.10 * gross, 0.0)
    disc = money(np.minimum(full_reduction + coupon + 0.03 * gross * is_member, 0.5 * gross), dec_o)
    net = gross - disc
    shipping = np.where(net >= FREE_OVER[market], 0.0, FEE[market])
    tax = money(TAX[market] * net, dec_o)
    pay_code = np.zeros(n, np.int8)
    up = rng.random(n)
    for m in np.unique(market):
        mask = market == m
        idx, cdf = PAY_CDF[m]
        pay_code[mask] = idx[draw(cdf, up[mask])]
    paid_users = users[is_paid]
    pool.record_orders(paid_users, (net * CNY_OF_MARKET[market])[is_paid])
    return OrderBatch(o["order_no"], users, market, o["channel"], o["device"], created, o["paid"], gross, disc,
                      shipping, tax, pay_code, is_member, promo, line_order, line_no, line_product, line_qty,
                      line_price, line_cost)


def units_sold(ob: OrderBatch, n_products: int) -> np.ndarray:
    """(n_warehouses, n_products) units of paid orders, for the inventory simulation."""
    out = np.zeros((len(C.WAREHOUSES), n_products), np.int64)
    paid = ob.paid[ob.line_order] >= 0
    wh = WAREHOUSE_OF[ob.market[ob.line_order]][paid]
    np.add.at(out, (wh, ob.line_product[paid]), ob.line_qty[paid])
    return out
