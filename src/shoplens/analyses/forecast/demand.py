"""Daily demand for replenishment: mean and standard deviation per day over the next ``days`` days.

The mean is the average of the day-grain forecast over the ``days`` days after ``as_of``. The daily standard
deviation comes from the chosen model's 80 % interval: per day σₜ = (hi80 − lo80) / (2 × 1.2816) (the raw
interval, before clamping at 0), and σ = √(mean of σₜ²). A SKU that sold nothing up to ``as_of`` gets (0, 0).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from shoplens.analyses.forecast import series as S
from shoplens.analyses.forecast.models import fit_all
from shoplens.metrics.engine import MetricsEngine


def daily_demand(wh: Any, store: str | None, product_ids: list[str], as_of: date, days: int
                 ) -> dict[str, tuple[float, float]]:
    """Per SKU (mean daily demand, daily standard deviation) over the ``days`` days after ``as_of``."""
    from shoplens.analyses.anomalies.calendar import load_calendar
    from shoplens.analyses.forecast import check_options

    days = check_options("day", days)
    engine = MetricsEngine(wh)
    data = S.store_span(engine, store, as_of)
    ids = S.check_products(engine, data.store, list(product_ids))
    promo = S.promotion_days(load_calendar(None), data.info, data.first_day, data.as_of)
    daily = {pid: S.without_promotions(s, promo)[0] for pid, s in S.dense(S.daily_units(engine, data), ids,
                                                                          data.as_of).items()}
    fits = fit_all(daily, "day", days) if daily else {}
    out: dict[str, tuple[float, float]] = {}
    for pid in ids:
        f = fits.get(pid)
        if f is None:
            out[pid] = (0.0, 0.0)
            continue
        out[pid] = (sum(f.values) / days, math.sqrt(sum(x * x for x in f.sd) / days))
    return out
