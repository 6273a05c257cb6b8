"""The product catalog: a long tail by construction.

Popularity is Zipf-like over a random ranking (so ~20 % of SKUs carry ~80 % of sales), a few SKUs
are "dead" (viewed, never bought), some launch inside the range, some go off shelf. Prices are
set once per market as a local price list (price index, x.99 or round-yen endings) rather than
converted daily, which is how cross-border sellers actually price.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from shoplens.demo.config import CNY_PER, MARKETS

# category -> (median list price CNY, SKU share, refund factor, nouns, brands)
CATEGORIES: dict[str, tuple[float, float, float, tuple[str, ...], tuple[str, ...]]] = {
    "skincare": (280, 0.24, 1.0, ("Hydrating Serum", "Vitamin C Serum", "Night Cream", "Eye Cream",
                                  "Sunscreen SPF50", "Cleansing Oil", "Sheet Mask x10", "Toner"),
                 ("Aurora Labs", "Nordhaven", "Sakura Bloom")),
    "makeup": (190, 0.14, 1.4, ("Matte Lipstick", "Cushion Foundation", "Mascara", "Eyeshadow Palette",
                                "Setting Spray", "Brow Pencil"), ("Aurora Labs", "Maison Lune")),
    "supplements": (230, 0.18, 0.7, ("Fish Oil 1000mg", "Collagen Peptides", "Probiotics 30B", "Vitamin D3",
                                     "Multivitamin", "Magnesium Glycinate", "Lutein"),
                    ("Kiwi Nature", "Outback Pure", "Bavaria Vital")),
    "baby": (170, 0.12, 0.8, ("Infant Formula Stage 2", "Infant Formula Stage 3", "Diapers M 64pcs",
                              "Baby Lotion", "Teething Gel", "Baby Wipes x6"), ("Little Fjord", "Kiwi Nature")),
    "personal_care": (95, 0.12, 0.9, ("Shampoo", "Body Wash", "Toothpaste", "Hand Cream", "Deodorant",
                                      "Hair Mask"), ("Nordhaven", "Maple & Co")),
    "fragrance": (520, 0.07, 1.3, ("Eau de Parfum", "Eau de Toilette", "Body Mist", "Discovery Set"),
                  ("Maison Lune", "Sakura Bloom")),
    "health_food": (160, 0.08, 0.8, ("Manuka Honey UMF10+", "Manuka Honey UMF15+", "Oat Milk Powder",
                                     "Protein Bar x12", "Matcha Powder"), ("Kiwi Nature", "Outback Pure")),
    "pet": (130, 0.05, 0.9, ("Grain-free Cat Food 2kg", "Dog Dental Chews", "Cat Litter 10L",
                             "Pet Probiotics"), ("Maple & Co", "Little Fjord")),
}
CATEGORY_NAMES = tuple(CATEGORIES)
VARIANTS = ("30ml", "50ml", "100ml", "Travel Size", "Value Pack", "Refill", "Gift Set", "2-pack", "Classic")
ZIPF_EXPONENT = 1.15
P_DEAD, P_LAUNCH_IN_RANGE, P_OFF_SHELF, P_DISCONTINUED = 0.07, 0.15, 0.05, 0.02


def n_products_for(events: int) -> int:
    """Catalog size grows slowly with traffic: ~230 SKUs at 300k events, ~1000 at 100M."""
    return int(np.clip(round(10 * max(events, 1) ** 0.25), 60, 5000))


def local_price(cny: np.ndarray, market: int) -> np.ndarray:
    """A local price list: converted at the base rate, priced to the market, with local endings."""
    mk = MARKETS[market]
    raw = cny / CNY_PER[mk.currency] * mk.price_index
    if mk.decimals == 0:
        return np.maximum(np.round(raw / 10) * 10, 10)
    if mk.currency == "CNY":
        return np.maximum(np.round(raw), 1)
    return np.maximum(np.ceil(raw) - 0.01, 0.99)


@dataclass
class Catalog:
    ids: list[str]
    category: np.ndarray  # index into CATEGORY_NAMES
    brand: list[str]
    names: list[str]
    price_cny: np.ndarray
    cost_cny: np.ndarray
    launch_day: np.ndarray  # day index (negative: before the range)
    off_day: np.ndarray  # first day not on sale (n_days + 1: never)
    status: list[str]
    popularity: np.ndarray  # view weight
    conv: np.ndarray  # cart propensity factor (0 for dead SKUs)
    quality: np.ndarray  # mean star rating
    promo: np.ndarray  # takes part in promo discounts
    refund: np.ndarray  # refund propensity factor
    price_local: np.ndarray  # (n_markets, n) local list price
    cost_local: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)

    def available(self, d: int) -> np.ndarray:
        return (self.launch_day <= d) & (d < self.off_day)

    def to_arrow(self, rep_currency: str, day_start: np.ndarray, start_epoch: int) -> pa.Table:
        """Products in the reporting currency; ``launched_at`` as local wall-clock seconds."""
        rate = CNY_PER[rep_currency]
        launched = start_epoch + self.launch_day.astype(np.int64) * 86400 + 10 * 3600
        return pa.table({
            "product_id": self.ids, "name": self.names,
            "category": [CATEGORY_NAMES[c] for c in self.category], "brand": self.brand,
            "list_price": np.round(self.price_cny / rate, 2), "unit_cost": np.round(self.cost_cny / rate, 2),
            "currency": [rep_currency] * self.n,
            "launched_at": pa.array(launched, pa.timestamp("s")), "status": self.status,
        })


def build_catalog(rng: np.random.Generator, n: int, n_days: int, store_no: int) -> Catalog:
    """Draw ``n`` SKUs; see the module docstring for the shape of the tail."""
    names_c = list(CATEGORIES)
    share = np.array([CATEGORIES[c][1] for c in names_c])
    category = rng.choice(len(names_c), size=n, p=share / share.sum())
    median = np.array([CATEGORIES[names_c[c]][0] for c in category])
    price = np.round(median * rng.lognormal(0, 0.45, n))
    price = np.where(price > 100, np.round(price / 10) * 10 - 1, price).clip(19)  # 199, 289, …
    cost = np.round(price * rng.uniform(0.22, 0.55, n), 2)
    brand, names = [], []
    for c in category:
        _, _, _, nouns, brands = CATEGORIES[names_c[c]]
        b = brands[rng.integers(len(brands))]
        brand.append(b)
        names.append(f"{b} {nouns[rng.integers(len(nouns))]} {VARIANTS[rng.integers(len(VARIANTS))]}")
    rank = rng.permutation(n)
    popularity = 1.0 / (rank + 3.0) ** ZIPF_EXPONENT
    conv = rng.lognormal(0, 0.3, n)
    dead = (rank > n * 0.4) & (rng.random(n) < P_DEAD / 0.6)
    conv[dead] = 0.0
    launch = -rng.integers(30, 900, n)
    late = (rng.random(n) < P_LAUNCH_IN_RANGE) & ~dead
    launch[late] = rng.integers(0, max(n_days - 20, 1), late.sum())
    off = np.full(n, n_days + 1)
    status = ["on_sale"] * n
    r = rng.random(n)
    for i in np.flatnonzero((r < P_OFF_SHELF) & ~late):
        off[i] = rng.integers(n_days // 4, n_days)
        status[i] = "off_shelf"
    for i in np.flatnonzero((r > 1 - P_DISCONTINUED) & ~late):
        off[i] = 0
        status[i] = "discontinued"
    quality = np.clip(rng.normal(4.45, 0.3, n), 3.4, 4.95)
    refund = np.array([CATEGORIES[names_c[c]][2] for c in category]) * np.clip(5.0 - quality, 0.2, 2) * 1.6
    price_local = np.array([local_price(price, m) for m in range(len(MARKETS))])
    cost_local = np.array([np.round(cost / CNY_PER[mk.currency], 2 if mk.decimals else 0) for mk in MARKETS])
    ids = [f"SKU{store_no}{i + 1:05d}" for i in range(n)]
    return Catalog(ids, category, brand, names, price, cost, launch, off, status, popularity, conv, quality,
                   rng.random(n) < 0.7, refund, price_local, cost_local)
