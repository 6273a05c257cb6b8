"""The visitor population: new visitors join it, returning visitors are drawn from it.

Returning visitors are a mixture that gives realistic retention curves cheaply (O(1) per draw, so
millions of users are fine): past buyers weighted by how often they bought (loyal customers come
back), recently acquired visitors (comparison shoppers), and anyone. Users live as numpy columns;
only customers (members or buyers) become rows of the customers table, at the end, in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from shoplens.demo.config import CHANNELS, MARKETS, MEMBER_TIERS, TIER_SPEND_CNY

P_FROM_BUYERS, P_RECENT = 0.40, 0.35


class _Grow:
    """A growable 1-d numpy array (amortised O(1) appends)."""

    def __init__(self, dtype: type | np.dtype, fill: int | float = 0) -> None:
        self.data = np.full(1024, fill, dtype=dtype)
        self.fill = fill
        self.n = 0

    def extend(self, values: np.ndarray) -> None:
        need = self.n + len(values)
        if need > len(self.data):
            bigger = np.full(max(need, 2 * len(self.data)), self.fill, dtype=self.data.dtype)
            bigger[: self.n] = self.data[: self.n]
            self.data = bigger
        self.data[self.n: need] = values
        self.n = need

    @property
    def view(self) -> np.ndarray:
        return self.data[: self.n]


class UserPool:
    """Every visitor of one store (index = user number)."""

    def __init__(self) -> None:
        self.market = _Grow(np.int8)
        self.first_seen = _Grow(np.int64)  # local wall-clock epoch seconds
        self.channel = _Grow(np.int8)  # acquisition channel
        self.signup = _Grow(np.int64, -1)  # member join time, -1 = not a member
        self.orders = _Grow(np.int32)
        self.spend_cny = _Grow(np.float64)
        self.buyers = _Grow(np.int64)  # one entry per order: loyalty-weighted sampling

    @property
    def n(self) -> int:
        return self.market.n

    def add(self, market: np.ndarray, first_seen: np.ndarray, channel: np.ndarray) -> np.ndarray:
        """Register new visitors; returns their user numbers."""
        start = self.n
        k = len(market)
        self.market.extend(market)
        self.first_seen.extend(first_seen)
        self.channel.extend(channel)
        self.signup.extend(np.full(k, -1, np.int64))
        self.orders.extend(np.zeros(k, np.int32))
        self.spend_cny.extend(np.zeros(k))
        return np.arange(start, start + k, dtype=np.int64)

    def sample_returning(self, rng: np.random.Generator, k: int, pool_size: int) -> np.ndarray:
        """``k`` returning visitors among the first ``pool_size`` users (those seen before today)."""
        if k == 0 or pool_size == 0:
            return np.zeros(0, np.int64)
        n_buy = self.buyers.n
        kind = rng.random(k)
        users = rng.integers(0, pool_size, k)
        recent = kind < P_RECENT
        back = np.floor(rng.exponential(max(30.0, 0.1 * pool_size), recent.sum())).astype(np.int64)
        users[recent] = np.maximum(pool_size - 1 - back, 0)
        if n_buy:
            loyal = kind > 1 - P_FROM_BUYERS
            cand = self.buyers.view[rng.integers(0, n_buy, loyal.sum())]
            users[loyal] = np.where(cand < pool_size, cand, users[loyal])
        return users

    def join(self, users: np.ndarray, ts: np.ndarray) -> None:
        """Members join at ``ts``; a member keeps the earliest join time."""
        if len(users) == 0:
            return
        order = np.lexsort((ts, users))
        u, t = users[order], ts[order]
        first = np.r_[True, u[1:] != u[:-1]]
        u, t = u[first], t[first]
        cur = self.signup.data[u]
        self.signup.data[u] = np.where((cur < 0) | (t < cur), t, cur)

    def record_orders(self, users: np.ndarray, spend_cny: np.ndarray) -> None:
        """Count paid orders and spend (member tiers, repeat-buyer conversion, loyal returns)."""
        np.add.at(self.orders.data, users, 1)
        np.add.at(self.spend_cny.data, users, spend_cny)
        self.buyers.extend(users)

    def customer_chunks(self, chunk: int = 500_000) -> Iterator[pa.Table]:
        """Customers table rows (members and buyers), ``chunk`` users at a time."""
        gold, vip = TIER_SPEND_CNY
        tag_names = pa.array([f"acq_{c.name}{suffix}" for c in CHANNELS for suffix in ("", ",repeat_buyer")])
        for lo in range(0, self.n, chunk):
            hi = min(lo + chunk, self.n)
            sig = self.signup.data[lo:hi]
            orders = self.orders.data[lo:hi]
            keep = np.flatnonzero((sig >= 0) | (orders > 0))
            if len(keep) == 0:
                continue
            spend = self.spend_cny.data[lo:hi][keep]
            member = sig[keep] >= 0
            tier = np.where(~member, 0, np.where(spend >= vip, 3, np.where(spend >= gold, 2, 1)))
            tag = self.channel.data[lo:hi][keep].astype(np.int16) * 2 + (orders[keep] >= 2)
            yield pa.table({
                "user_no": (keep + lo).astype(np.int64),
                "first_seen": pa.array(self.first_seen.data[lo:hi][keep], pa.timestamp("s")),
                "signup_ts": pa.array(sig[keep], pa.timestamp("s"), mask=~member),
                "country": pa.DictionaryArray.from_arrays(
                    pa.array(self.market.data[lo:hi][keep]), pa.array([m.country for m in MARKETS])),
                "member_tier": pa.DictionaryArray.from_arrays(pa.array(tier.astype(np.int8)),
                                                              pa.array(list(MEMBER_TIERS))),
                "tags": pa.DictionaryArray.from_arrays(pa.array(tag), tag_names),
            })
