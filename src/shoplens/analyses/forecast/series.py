"""The units series a forecast reads: merchandise units per SKU per local day from the metrics engine.

Units are the engine's ``paid_units`` by product (merchandise only), one row per SKU and local day with a sale;
the days in between are 0, from the SKU's first sale up to ``as_of`` (nothing later is read). Week grain sums
ISO weeks (Monday..Sunday); the week holding ``as_of`` counts only when ``as_of`` is its Sunday (a part week
would look like a drop in demand). Promotion days of the store calendar are handled explicitly
(:func:`without_promotions`): their units are replaced by the SKU's baseline before training.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from shoplens.errors import ShoplensError, close_hint
from shoplens.metrics.engine import MetricsEngine

GRAINS = ("day", "week")
BASELINE_DAYS = 28  # a promotion day's baseline: the SKU's mean on the non-promotion days of the 28 days before


@dataclass(frozen=True)
class StoreData:
    store: str
    info: Any  # StoreInfo: the calendar's promotions apply by store and market
    first_day: date
    last_day: date
    as_of: date


def store_span(engine: MetricsEngine, store: str | list[str] | None, as_of: date | None) -> StoreData:
    """The one store a forecast reads and its data days; ``as_of`` defaults to the last day with data."""
    version = engine.data_version()
    scope = engine.resolve_scope(store, None, version)
    if len(scope.stores) != 1:
        ids = ", ".join(s.store_id for s in scope.stores)
        raise ShoplensError("a forecast reads one store at a time", where="--store", hint=f"one of {ids}",
                            zh="预测一次只读一个店铺", zh_hint=f"可选：{ids}")
    first, last = engine._data_day(scope, version, "min"), engine._data_day(scope, version, "max")
    sid = scope.stores[0].store_id
    if first is None or last is None:
        raise ShoplensError(f"store {sid!r} has no orders to forecast from", where="--store",
                            hint="import orders first", zh=f"店铺 {sid!r} 没有可用于预测的订单",
                            zh_hint="请先导入订单")
    as_of = as_of or last
    if as_of < first:
        raise ShoplensError(f"--as-of {as_of} is before the store's first day with data ({first})",
                            where="--as-of", hint=f"a day from {first} to {last}",
                            zh=f"--as-of {as_of} 早于店铺最早有数据的一天（{first}）",
                            zh_hint=f"请用 {first} 到 {last} 之间的日期")
    return StoreData(sid, scope.stores[0], first, last, min(as_of, last))


def daily_units(engine: MetricsEngine, data: StoreData) -> pd.DataFrame:
    """``product, day, units`` for every merchandise SKU with a sale in ``first_day..as_of`` (sales days only)."""
    res = engine.query(["paid_units"], by=["product"], grain="day", start=data.first_day, end=data.as_of,
                       store=data.store, targets=False)
    df = res.frame if hasattr(res, "frame") else res.to_pandas()
    if df.empty or "product" not in df.columns:  # a store without order lines
        return pd.DataFrame({"product": pd.Series(dtype=str), "day": pd.Series(dtype="datetime64[ns]"),
                             "units": pd.Series(dtype=float)})
    out = pd.DataFrame({"product": df["product"].astype(str), "day": pd.to_datetime(df["period"]),
                        "units": pd.to_numeric(df["paid_units"]).astype(float)})
    return out[out.units != 0].reset_index(drop=True)


def check_products(engine: MetricsEngine, store: str, wanted: list[str]) -> list[str]:
    """The asked-for ids, each a product of the store (else one line naming it, with a did-you-mean)."""
    t = engine.wh.table("products")
    known = t.filter(t.store_id == store).select("product_id").execute()["product_id"].astype(str).tolist()
    have = set(known)
    for pid in wanted:
        if pid not in have:
            en, zh = close_hint(pid, sorted(have))
            if len(have) > 20 and not en.startswith("did you mean"):  # no close one: do not list thousands
                en, zh = "see `shoplens values product`", "参见 `shoplens values product`"
            raise ShoplensError(f"unknown product {pid!r} in store {store!r}", where="--product", hint=en,
                                zh=f"店铺 {store!r} 中没有商品 {pid!r}", zh_hint=zh)
    return list(dict.fromkeys(wanted))


def promotion_days(calendar: Any, store_info: Any, start: date, end: date) -> set[date]:
    """Every day of the store's promotions (the calendar's spans, without the before/after margins)."""
    days: set[date] = set()
    for first, last in calendar.spans(store_info, start, end):
        days.update(first + timedelta(days=i) for i in range((last - first).days + 1))
    return {d for d in days if start <= d <= end}


def dense(units: pd.DataFrame, products: list[str], as_of: date) -> dict[str, pd.Series]:
    """Per SKU, units of every local day from its first sale to ``as_of`` (0 on days without a sale)."""
    out: dict[str, pd.Series] = {}
    end = pd.Timestamp(as_of)
    for pid, g in units[units["product"].isin(products)].groupby("product", sort=False):
        s = g.set_index("day")["units"].sort_index()
        out[str(pid)] = s.reindex(pd.date_range(s.index[0], end, freq="D"), fill_value=0.0)
    return out


def without_promotions(series: pd.Series, promo: set[date]) -> tuple[pd.Series, float]:
    """Promotion days' units replaced by the baseline (the SKU's mean on the non-promotion days of the 28 days
    before; 0 without any); returns the cleaned series and the uplift (actual − baseline) summed over them."""
    if not promo:
        return series, 0.0
    values = series.to_numpy(dtype=float).copy()
    is_promo = np.array([d.date() in promo for d in series.index])
    uplift = 0.0
    for i in np.flatnonzero(is_promo):
        lo = max(0, i - BASELINE_DAYS)
        window = values[lo:i][~is_promo[lo:i]]
        base = float(window.mean()) if len(window) else 0.0
        uplift += values[i] - base
        values[i] = base
    return pd.Series(values, index=series.index), uplift


def to_grain(series: pd.Series, grain: str, as_of: date) -> pd.Series:
    """Days as they are, or ISO weeks (labelled by their Monday) up to the last complete week ending ≤ ``as_of``."""
    if grain == "day":
        return series
    last_sunday = as_of - timedelta(days=(as_of.weekday() + 1) % 7)
    s = series[series.index <= pd.Timestamp(last_sunday)]
    if s.empty:
        return s
    weeks = s.index - pd.to_timedelta(s.index.day_of_week, unit="D")
    return s.groupby(weeks).sum()
