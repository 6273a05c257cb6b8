"""Daily stock per SKU and warehouse, simulated alongside sales so that stock-outs are real.

A simple reorder-point policy on an exponential moving average of sales: when stock plus nothing
inbound falls below cover for the lead time, a purchase order (multiples of a case of 6) is
placed and arrives after the lead time (long for the bonded warehouse: sea freight + customs).
Some "troubled" SKUs reorder too late, and promotions outrun the moving average, so stock-outs
happen where an operator would expect them; a SKU at zero cannot be added to cart that day.
"""

from __future__ import annotations

import numpy as np

from shoplens.demo.catalog import Catalog

CASE = 6
COVER_DAYS, SAFETY_DAYS = 45, 10
P_TROUBLED = 0.12
LEAD = ((12, 26), (6, 15))  # bonded, main (days)


class Inventory:
    """State of every (warehouse, product) pair; ``used`` masks the warehouses this store runs."""

    def __init__(self, rng: np.random.Generator, cat: Catalog, expected: np.ndarray, used: np.ndarray) -> None:
        self.rng = rng
        self.cat = cat
        self.used = used
        shape = expected.shape
        self.expected = expected
        self.ema = expected.copy()
        self.lead = np.stack([rng.integers(lo, hi, shape[1]) for lo, hi in LEAD])
        self.troubled = rng.random(shape[1]) < P_TROUBLED
        live = cat.launch_day <= 0
        opening = np.maximum(np.ceil(expected * rng.uniform(25, 60, shape)), CASE).astype(np.int64)
        self.on_hand = opening * live
        dead = cat.conv == 0
        self.on_hand[:, dead] = rng.integers(30, 200, (shape[0], int(dead.sum())))
        self.on_hand *= used[:, None]
        self.po_qty = np.zeros(shape, np.int64)
        self.po_day = np.full(shape, -1, np.int64)

    def start_day(self, d: int) -> None:
        """Purchase orders due today arrive; SKUs launched today get their first stock."""
        due = self.po_day == d
        self.on_hand[due] += self.po_qty[due]
        self.po_qty[due] = 0
        self.po_day[due] = -1
        launch = self.cat.launch_day == d
        if launch.any():
            first = np.ceil(self.expected[:, launch] * 40 / CASE).astype(np.int64) * CASE + CASE
            self.on_hand[:, launch] += first * self.used[:, None]

    def in_stock(self) -> np.ndarray:
        return self.on_hand > 0

    def end_day(self, d: int, sold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Book the day's sales, reorder, and return the closing (on_hand, in_transit)."""
        self.on_hand = np.maximum(self.on_hand - sold, 0)
        self.ema = 0.85 * self.ema + 0.15 * sold
        safety = np.where(self.troubled, -0.5 * self.lead, SAFETY_DAYS)
        point = np.maximum(self.ema * (self.lead + safety), np.where(self.troubled, 0, 2))
        selling = self.cat.available(d + 1) & (self.cat.conv > 0)
        reorder = (self.po_qty == 0) & (self.on_hand < point) & selling & self.used[:, None] & (self.ema > 0.02)
        if reorder.any():
            qty = np.ceil(np.maximum(self.ema * COVER_DAYS, CASE) / CASE).astype(np.int64) * CASE
            lead = np.round(self.lead * self.rng.uniform(0.8, 1.3, self.lead.shape)).astype(np.int64)
            self.po_qty[reorder] = qty[reorder]
            self.po_day[reorder] = d + np.maximum(lead[reorder], 1)
        return self.on_hand.copy(), self.po_qty.copy()
