"""Generating one demo store: the day loop that ties the generators together.

Order of work per local day: stock arrives → the day's sessions run in batches of at most
``BATCH`` sessions (events, orders, fulfilment, service, reviews) → sales are booked against
stock and the closing inventory snapshot is written. Every batch gets its own generator seeded
from (seed, store, day, batch), so the output depends only on the arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from shoplens.demo import config as C
from shoplens.demo import marketing as M
from shoplens.demo.aftersales import CARRIERS, ORDER_STATUSES, SHIP_STATUSES, fulfil
from shoplens.demo.calendar import Calendar
from shoplens.demo.catalog import Catalog, build_catalog, n_products_for
from shoplens.demo.customers import UserPool
from shoplens.demo.inventory import Inventory
from shoplens.demo.orders import PAYMENTS, OrderBatch, build_orders, units_sold
from shoplens.demo.service import TICKET_KINDS, reviews, service_tickets
from shoplens.demo.sessions import REGION_OF, WAREHOUSE_OF, DayPlan, events_arrow, generate_sessions
from shoplens.demo.writer import DemoWriter, cat, stamp

BATCH = 50_000  # sessions per batch (~220k events)
EVENTS_PER_SESSION = 3.9  # calibrated: turns the requested event count into sessions
COUNTRIES = [m.country for m in C.MARKETS]
CURRENCIES = [m.currency for m in C.MARKETS]
CHANNEL_NAMES = [c.name for c in C.CHANNELS]
STREAM_CATALOG, STREAM_TRAFFIC, STREAM_CAMPAIGNS, STREAM_DAY, STREAM_STOCK, STREAM_ADS = range(1, 7)


@dataclass
class Counters:
    events: int = 1
    sessions: int = 1
    orders: int = 1
    refunds: int = 1
    reviews: int = 1
    tickets: int = 1
    shipments: int = 1

    def take(self, name: str, k: int) -> np.ndarray:
        """The next ``k`` numbers of a per-store id sequence (ids are formatted in SQL)."""
        start = getattr(self, name)
        setattr(self, name, start + k)
        return np.arange(start, start + k, dtype=np.int64)


def _sources(campaigns: list[M.Campaign]) -> tuple[list[str], np.ndarray, dict]:
    """utm_source vocabulary, each campaign's source per region, and each channel's source mix."""
    names = sorted({s for c in C.CHANNELS for group in c.sources for s in group}
                   | {s for c in campaigns for s in c.sources if s})
    camp_src = np.array([[names.index(c.sources[r] or c.sources[1 - r]) for r in (C.CN, C.INTL)]
                         for c in campaigns], dtype=np.int16)
    chan_src = {}
    for i, ch in enumerate(C.CHANNELS):
        for r in (C.CN, C.INTL):
            group = ch.sources[r]
            w = np.array([0.6, 0.3, 0.1][: len(group)])
            chan_src[i, r] = (np.array([names.index(s) for s in group]), np.cumsum(w / w.sum()))
    return names, camp_src, chan_src


def daily_sessions(rng: np.random.Generator, cal: Calendar, total: int, weights: np.ndarray,
                   market_ids: np.ndarray) -> np.ndarray:
    """Sessions per day: promo/weekday lift per region, a gentle growth trend and noise."""
    region_lift = cal.traffic[:, REGION_OF[market_ids]] @ weights
    trend = 1 + 0.25 * np.arange(cal.n) / max(cal.n - 1, 1)
    base = region_lift * trend * rng.lognormal(0, 0.06, cal.n)
    return np.maximum(np.round(total * base / base.sum()), 1).astype(np.int64)


def _orders_arrow(ob: OrderBatch, status: np.ndarray) -> pa.Table:
    cur = [C.MARKETS[m].currency for m in range(len(C.MARKETS))]
    return pa.table({
        "order_no": ob.no, "user_no": ob.user, "created_ts": stamp(ob.created), "paid_ts": stamp(ob.paid),
        "status": cat(status, ORDER_STATUSES), "currency": cat(ob.market, cur), "gross_amount": ob.gross,
        "discount": ob.discount, "shipping_fee": ob.shipping, "tax": ob.tax,
        "channel": cat(ob.channel, CHANNEL_NAMES), "country": cat(ob.market, COUNTRIES),
        "device": cat(ob.device, C.DEVICES), "payment_method": cat(ob.payment, PAYMENTS), "is_member": ob.is_member,
    })


class StoreBuilder:
    """Generates and writes every table of one store."""

    def __init__(self, writer: DemoWriter, cal: Calendar, variant: C.StoreVariant, store_no: int, seed: int,
                 events: int, fx: dict[str, np.ndarray]) -> None:
        self.w, self.cal, self.variant, self.k, self.seed = writer, cal, variant, store_no, seed
        self.fx = fx
        self.rep = variant.currency
        self.market_ids, self.market_w = C.market_arrays(variant.markets)
        self.catalog: Catalog = build_catalog(self.rng(STREAM_CATALOG), n_products_for(events), cal.n, store_no)
        self.total_sessions = max(int(events / EVENTS_PER_SESSION), cal.n)
        self.sessions = daily_sessions(self.rng(STREAM_TRAFFIC), cal, self.total_sessions, self.market_w,
                                       self.market_ids)
        self.campaigns = M.build_campaigns(self.rng(STREAM_CAMPAIGNS), cal,
                                           {int(r) for r in REGION_OF[self.market_ids]})
        self.channel_mult = M.channel_day_multipliers(self.campaigns, cal.n)
        self.source_names, self.camp_src, self.chan_src = _sources(self.campaigns)
        self.pool = UserPool()
        self.counters = Counters()
        self.used = np.zeros(len(C.WAREHOUSES), bool)
        self.used[WAREHOUSE_OF[self.market_ids]] = True

    def rng(self, *stream: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.k, *stream])

    def run(self, tick: Callable[[int], None] | None = None) -> None:
        """Write the whole store; fx_rates first because every money table is converted with them."""
        cal, cat_ = self.cal, self.catalog
        self.w.add("fx_rates", M.fx_table(self.fx, cal, self.rep))
        self.w.flush("fx_rates")  # money of every later table is converted with these rates
        self.w.add("products", cat_.to_arrow(self.rep, cal.day_start, int(cal.day_start[0])))
        inv = Inventory(self.rng(STREAM_STOCK), cat_, self._expected_units(), self.used)
        campaign_sessions = np.zeros((cal.n, len(self.campaigns)), np.int64)
        share = C.channel_share_matrix()
        product_ids = pa.array(cat_.ids)
        for d in range(cal.n):
            inv.start_day(d)
            plan = self._plan(d, share, inv.in_stock())
            sold = np.zeros((len(C.WAREHOUSES), cat_.n), np.int64)
            left, b = int(self.sessions[d]), 0
            while left > 0:
                n = min(left, BATCH)
                rng = self.rng(STREAM_DAY, d, b)
                sold += self._batch(rng, plan, n, product_ids, campaign_sessions[d])
                left, b = left - n, b + 1
            on_hand, transit = inv.end_day(d, sold)
            self._snapshot(d, on_hand, transit, product_ids)
            if tick:
                tick(1)
        self.w.add("ad_spend", M.ad_spend_table(self.rng(STREAM_ADS), self.campaigns, campaign_sessions, cal,
                                                self.rep))
        for part in self.pool.customer_chunks():
            self.w.add("customers", part)
        self.w.flush_all()

    def _expected_units(self) -> np.ndarray:
        """Rough daily units per (warehouse, SKU): seeds opening stock and the reorder average."""
        cat_ = self.catalog
        orders_per_day = self.total_sessions / self.cal.n * 0.04
        wh_share = np.zeros(len(C.WAREHOUSES))
        np.add.at(wh_share, WAREHOUSE_OF[self.market_ids], self.market_w)
        appeal = cat_.popularity * cat_.conv
        return orders_per_day * 1.4 * wh_share[:, None] * (appeal / appeal.sum())[None, :]

    def _plan(self, d: int, share: np.ndarray, in_stock: np.ndarray) -> DayPlan:
        """Day-level inputs: today's market/channel/hour mixes, promo factors, stock, campaigns."""
        cal, cat_ = self.cal, self.catalog
        region = REGION_OF[self.market_ids]
        market_w = self.market_w * cal.traffic[d, region]
        channel_w = share * self.channel_mult[d][None, :]
        return DayPlan(
            d=d, day_start=int(cal.day_start[d]), pool_size=self.pool.n,
            p_new=0.55 + 0.4 * np.exp(-d / 20) + 0.05 * (cal.promo[d] is not None),
            market_ids=self.market_ids, market_cdf=np.cumsum(market_w),
            hour_cdf=np.cumsum(cal.hour_probs(d, self.market_ids, cal.utc_offset_h), axis=1),
            channel_cdf=np.cumsum(channel_w, axis=1), cart=cal.cart[d], pay=cal.pay[d],
            weekend=bool(cal.weekend[d]), incident=cal.incident[0] <= d <= cal.incident[1],
            promo=cal.promo[d] is not None, campaigns=M.campaign_choices(self.campaigns, d),
            campaign_source=self.camp_src, channel_sources=self.chan_src,
            view_cdf=np.cumsum(cat_.popularity * cat_.available(d)), product_conv=cat_.conv, in_stock=in_stock)

    def _batch(self, rng: np.random.Generator, plan: DayPlan, n: int, product_ids: pa.Array,
               campaign_sessions: np.ndarray) -> np.ndarray:
        """One batch of sessions with everything that follows from them; returns units sold."""
        cal, cat_, w, cnt = self.cal, self.catalog, self.w, self.counters
        sb = generate_sessions(rng, plan, self.pool, n, cnt.orders, len(self.campaigns))
        n_ev = len(sb.events["ts"])
        w.add("events", events_arrow(sb.events, product_ids, pa.array(self.source_names),
                                     pa.array([c.name for c in self.campaigns]), cnt.events, cnt.sessions))
        cnt.take("events", n_ev)
        cnt.take("sessions", n)
        campaign_sessions += sb.campaign_sessions
        ob = build_orders(rng, sb.buy, sb.unpaid, cat_, self.pool, discount=cal.discount[plan.d],
                          big_promo=cal.lift[plan.d] >= 1.4, view_cdf=plan.view_cdf, in_stock=plan.in_stock)
        cnt.take("orders", ob.n)
        fo = fulfil(rng, ob, cat_, cal.cutoff)
        tickets, complained = service_tickets(rng, ob, fo, sb.inquiries, plan.promo, cal.cutoff)
        rv = reviews(rng, ob, fo, cat_, complained, cal.cutoff)
        w.add("orders", _orders_arrow(ob, fo.status))
        w.add("order_items", pa.table({
            "order_no": ob.no[ob.line_order], "line_no": ob.line_no, "product_id": cat(ob.line_product, product_ids),
            "quantity": ob.line_qty, "unit_price": ob.line_price, "unit_cost": ob.line_cost}))
        sh = fo.shipments
        w.add("shipments", pa.table({
            "shipment_no": cnt.take("shipments", len(sh["order_no"])), "order_no": sh["order_no"],
            "carrier": cat(sh["carrier"], CARRIERS), "shipped_ts": stamp(sh["shipped"]),
            "delivered_ts": stamp(sh["delivered"]), "promised_days": sh["promised"], "cost": sh["cost"],
            "currency": cat(sh["market"], CURRENCIES), "status": cat(sh["status"], SHIP_STATUSES)}))
        rf = fo.refunds
        w.add("refunds", pa.table({
            "refund_no": cnt.take("refunds", len(rf["order_no"])), "order_no": rf["order_no"], "user_no": rf["user"],
            "ts": stamp(rf["ts"]), "amount": rf["amount"], "currency": cat(rf["market"], CURRENCIES),
            "reason": cat(rf["reason"], C.REFUND_REASONS), "product_id": cat(rf["product"], product_ids)}))
        w.add("service_tickets", pa.table({
            "ticket_no": cnt.take("tickets", len(tickets["user"])), "user_no": tickets["user"],
            "order_no": pa.array(tickets["order_no"], mask=tickets["order_no"] < 0),
            "opened_ts": stamp(tickets["opened"]), "first_response_ts": stamp(tickets["first"]),
            "resolved_ts": stamp(tickets["resolved"]), "kind": cat(tickets["kind"], TICKET_KINDS)}))
        w.add("reviews", pa.table({
            "review_no": cnt.take("reviews", len(rv["order_no"])), "order_no": rv["order_no"],
            "product_id": cat(rv["product"], product_ids), "user_no": rv["user"], "ts": stamp(rv["ts"]),
            "rating": rv["rating"], "dsr_description": rv["dsr_description"], "dsr_service": rv["dsr_service"],
            "dsr_logistics": rv["dsr_logistics"]}))
        return units_sold(ob, cat_.n)

    def _snapshot(self, d: int, on_hand: np.ndarray, transit: np.ndarray, product_ids: pa.Array) -> None:
        """Closing stock of day ``d`` for every launched SKU in the warehouses this store uses."""
        launched = np.flatnonzero(self.catalog.launch_day <= d)
        parts = []
        for wh in np.flatnonzero(self.used):
            k = len(launched)
            parts.append(pa.table({
                "date": pa.array([self.cal.days[d]] * k, pa.date32()),
                "product_id": cat(launched.astype(np.int32), product_ids),
                "warehouse": cat(np.full(k, wh, np.int8), C.WAREHOUSES),
                "on_hand": on_hand[wh, launched], "in_transit": transit[wh, launched]}))
        self.w.add("inventory_snapshots", pa.concat_tables(parts))

