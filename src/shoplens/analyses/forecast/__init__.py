"""Demand forecast (issue #16): units per SKU with 80/95 % intervals, the method chosen per SKU by backtest.

``forecast(wh, products=..., klass="A", top=N, grain="day"|"week", horizon=8, as_of=D, backtest=True)``; see
:mod:`.series` (what is read), :mod:`.models` (which statsforecast model, how chosen), :mod:`.accuracy` (WAPE,
MASE). Only data up to ``as_of`` is read, so a forecast made "as of" a past day does not change when later
data arrives.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pandas as pd

from shoplens.analyses.forecast import series as S
from shoplens.analyses.forecast.models import fit_all
from shoplens.analyses.forecast.result import ForecastResult
from shoplens.errors import ShoplensError
from shoplens.metrics.engine import MetricsEngine
from shoplens.params import check_day, split_values

DEFAULT_TOP = 20
MAX_HORIZON = 366
ABC_DAYS = 90  # --class A: ABC over the 90 days up to --as-of


def check_options(grain: str, horizon: Any) -> int:
    if grain not in S.GRAINS:
        raise ShoplensError(f"unknown grain {grain!r}", where="--grain", hint="day or week",
                            zh=f"未知粒度 {grain!r}", zh_hint="可用 day 或 week")
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= MAX_HORIZON:
        raise ShoplensError(f"--horizon must be a whole number from 1 to {MAX_HORIZON}, not {horizon!r}",
                            where="--horizon", hint="e.g. --horizon 8",
                            zh=f"--horizon 须为 1 到 {MAX_HORIZON} 的整数，而不是 {horizon!r}",
                            zh_hint="例如 --horizon 8")
    return horizon


def class_a(engine: MetricsEngine, data: S.StoreData) -> list[str]:
    """Class A of the ABC analysis (:mod:`shoplens.analyses.products.abc`) on merchandise GMV over the 90 days up
    to ``--as-of``, 60/85 thresholds: the SKUs that carry the store."""
    from shoplens.analyses.products.abc import products_abc

    try:
        abc = products_abc(engine.wh, "gmv", start=data.as_of - timedelta(days=ABC_DAYS - 1), end=data.as_of,
                           store=data.store, previous=False)
    except ShoplensError:  # no sales in those 90 days: no class A
        return []
    return [p["product_id"] for p in abc.products if p["class"] == "A"]


def choose(engine: MetricsEngine, data: S.StoreData, units: pd.DataFrame, products: Any, klass: str | None,
           top: int | None) -> list[str]:
    asked = [x for x in (products, klass, top) if x not in (None, "", [])]
    if len(asked) > 1:
        raise ShoplensError("give one of --product, --class, --top", where="--product/--class/--top",
                            zh="--product、--class、--top 只能给一个")
    if products not in (None, "", []):
        return S.check_products(engine, data.store, split_values(products))
    if klass is not None:
        if str(klass).upper() != "A":
            raise ShoplensError(f"unknown class {klass!r}", where="--class", hint="A (the SKUs carrying 60 % of GMV)",
                                zh=f"未知分类 {klass!r}", zh_hint="A（贡献 60 % GMV 的商品）")
        return class_a(engine, data)
    n = DEFAULT_TOP if top is None else top
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ShoplensError(f"--top must be at least 1, not {n!r}", where="--top", zh=f"--top 至少为 1，而不是 {n!r}")
    totals = units.groupby("product")["units"].sum().reset_index().sort_values(["units", "product"],
                                                                               ascending=[False, True])
    return totals["product"].head(n).tolist()


def forecast(wh: Any, products: str | list[str] | None = None, *, klass: str | None = None, top: int | None = None,
             grain: str = "day", horizon: int = 8, as_of: date | str | None = None, backtest: bool = False,
             store: str | list[str] | None = None, config: str | None = None, jobs: int = 1) -> ForecastResult:
    """Forecast units per SKU (see the module docstring); ``jobs``: statsforecast worker processes."""
    from shoplens.analyses.anomalies.calendar import load_calendar

    horizon = check_options(grain, horizon)
    engine = MetricsEngine(wh)
    data = S.store_span(engine, store, check_day(as_of, "--as-of"))
    units = S.daily_units(engine, data)
    ids = choose(engine, data, units, products, klass, top)
    promo = S.promotion_days(load_calendar(config), data.info, data.first_day, data.as_of)
    daily = S.dense(units, ids, data.as_of)
    notes: dict[str, Any] = {}
    missing = [p for p in ids if p not in daily]
    if missing:
        notes["no_sales"] = {"products": missing, "en": f"{len(missing)} SKU(s) sold nothing up to {data.as_of}: "
                             "not forecast", "zh": f"{len(missing)} 个商品截至 {data.as_of} 没有销量：未预测"}
    cleaned, uplift = {}, {}
    for pid, s in daily.items():
        clean, up = S.without_promotions(s, promo)
        grained = S.to_grain(clean, grain, data.as_of)
        if len(grained):
            cleaned[pid], uplift[pid] = grained, up
    short = [p for p in daily if p not in cleaned]
    if short:  # week grain: first sale in the week of as_of, which is not complete
        notes["no_complete_period"] = {"products": short, "en": f"{len(short)} SKU(s) first sold in the part week "
                                       f"holding {data.as_of}: not forecast", "zh": f"{len(short)} 个商品首次销售在 "
                                       f"{data.as_of} 所在的不完整周：未预测"}
    fits = fit_all(cleaned, grain, horizon, jobs) if cleaned else {}
    names = _names(engine, data.store, list(fits))
    out = []
    for pid in ids:
        if pid not in fits:
            continue
        f = fits[pid]
        periods = _periods(cleaned[pid].index[-1], grain, horizon)
        out.append({"product_id": pid, "name": names.get(pid), "method": f.method, "season_length": f.season_length,
                    "kind": f.kind, "adi": f.adi, "history_periods": len(cleaned[pid]),
                    "promotion_uplift_units": float(uplift[pid]),
                    "forecast": [{"period": p, "value": v, "lo80": a, "hi80": b, "lo95": c, "hi95": d}
                                 for p, v, a, b, c, d in zip(periods, f.values, f.lo80, f.hi80, f.lo95, f.hi95,
                                                             strict=True)],
                    "backtest": (f.backtest if backtest else None)})
    summary = _summary(fits, backtest)
    no_bt = [pid for pid, f in fits.items() if f.backtest is None]
    if backtest and no_bt:
        notes["no_backtest"] = {"products": no_bt, "en": f"{len(no_bt)} SKU(s) have too little history for a "
                                "backtest: their class's default method", "zh": f"{len(no_bt)} 个商品历史太短，"
                                "无法回测：使用该类默认方法"}
    ahead = [d for d in _future_days(data.as_of, grain, horizon) if d in S.promotion_days(
        load_calendar(config), data.info, d, d)]
    if ahead:
        notes["promotion_ahead"] = {"en": f"the horizon holds {len(ahead)} promotion day(s): the forecast is the "
                                    "baseline without promotion uplift", "zh": f"预测期内有 {len(ahead)} 个大促日："
                                    "预测值为不含大促增量的基线"}
    return ForecastResult(grain, data.as_of.isoformat(), horizon, data.store, out, summary, notes=notes)


def _periods(last: pd.Timestamp, grain: str, horizon: int) -> list[str]:
    step = timedelta(days=1 if grain == "day" else 7)
    return [(last.date() + step * (i + 1)).isoformat() for i in range(horizon)]


def _future_days(as_of: date, grain: str, horizon: int) -> list[date]:
    days = horizon if grain == "day" else 7 * horizon + 7
    return [as_of + timedelta(days=i + 1) for i in range(days)]


def _summary(fits: dict[str, Any], backtest: bool) -> dict[str, Any]:
    methods = dict(sorted(Counter(f.method for f in fits.values()).items()))
    out: dict[str, Any] = {"skus": len(fits), "methods": methods}
    if backtest:
        done = [f for f in fits.values() if f.errors]
        for key, name in (("model", "wape"), ("naive", "naive_wape"), ("seasonal_naive", "seasonal_naive_wape")):
            e, y = sum(f.errors[key][0] for f in done), sum(f.errors[key][1] for f in done)
            out[name] = e / y if y else None
        mases = [f.backtest["mase"] for f in done if f.backtest.get("mase") is not None]
        out["mase"] = sum(mases) / len(mases) if mases else None
        out["skus_backtested"] = len(done)
    return out


def _names(engine: MetricsEngine, store: str, ids: list[str]) -> dict[str, str | None]:
    if not ids:
        return {}
    t = engine.wh.table("products")
    df = t.filter((t.store_id == store) & t.product_id.isin(ids)).select("product_id", "name").execute()
    return {str(r.product_id): (None if pd.isna(r.name) else str(r.name)) for r in df.itertuples()}
