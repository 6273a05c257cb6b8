"""What the weekly review reads. Every KPI comes from the metrics engine (weekly grain, so a target ``per`` day,
month or year is prorated to the week by the engine, :mod:`shoplens.metrics.targets`); funnel and retention from
their analyses. Nothing here defines a metric.

References of a week: the previous week (the 7 days before) and the same ISO week number a year earlier (not "364
days earlier": 2021-W01 and 2020-W01, even across a 53-week year). A reference week that starts before the store's
first day has no data: its numbers are None, never a partial week compared with a whole one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

from shoplens.analyses.brief.data import KPIS
from shoplens.metrics.assemble import relative_change
from shoplens.metrics.result import clean_value

TREND_WEEKS = 8  # the sparkline: the week and the 7 before
DIMENSIONS = ("channel", "category", "product", "country")
MOVERS = 2  # per dimension: the 2 values that grew most and the 2 that fell most (GMV, absolute); each costs a why
REASON_THREADS = 2  # why answers computed at once, each on a cursor of its own (as why reads its cuts)
# the dashboard's default funnel (server/warmup.py DEFAULT_FUNNEL; a test keeps them equal)
FUNNEL = {"steps": "product_view,add_to_cart,purchase", "window": "14d", "mode": "ordered"}


def change(value: float | None, reference: float | None) -> float | None:
    """The engine's relative change (value - reference) / |reference|; None when undefined."""
    if value is None or reference is None:
        return None
    got = relative_change(pd.Series([value], dtype="float64"), pd.Series([reference], dtype="float64")).iloc[0]
    return None if pd.isna(got) else clean_value(float(got))  # rounded as the engine rounds its changes


def kpis(engine: Any, store: str, monday: date, first: date, last_year: date | None) -> dict[str, Any]:
    """The week's KPIs with target and attainment (one weekly row of the engine), the previous week's (the engine's
    ``previous`` comparison) and last year's (None where that week is not in the data)."""
    end = monday + timedelta(days=6)
    got = engine.query(list(KPIS), grain="week", start=monday, end=end, compare="previous", store=store).rows
    row = got[0] if got else {}
    ly_row = None
    if last_year is not None and last_year >= first:
        rows = engine.query(list(KPIS), grain="week", start=last_year, end=last_year + timedelta(days=6),
                            store=store, targets=False).rows
        ly_row = rows[0] if rows else {}
    has_prev = monday - timedelta(days=7) >= first
    out: dict[str, Any] = {"has_prev_week": has_prev, "has_last_year": ly_row is not None}
    for m in KPIS:
        out[m] = row.get(m)
        out[f"{m}__target"] = row.get(f"{m}__target")
        out[f"{m}__attainment"] = row.get(f"{m}__attainment")
        out[f"{m}__prev_week"] = row.get(f"{m}__previous") if has_prev else None
        out[f"{m}__prev_week_change"] = row.get(f"{m}__previous_change") if has_prev else None
        out[f"{m}__last_year"] = None if ly_row is None else ly_row.get(m)
        out[f"{m}__last_year_change"] = None if ly_row is None else change(row.get(m), ly_row.get(m))
    return out


def trend(engine: Any, store: str, monday: date) -> dict[str, list[float | None]]:
    """Each KPI's weekly values over the ``TREND_WEEKS`` weeks ending with this one (None before the data)."""
    start = monday - timedelta(days=7 * (TREND_WEEKS - 1))
    rows = engine.query(list(KPIS), grain="week", start=start, end=monday + timedelta(days=6), store=store,
                        targets=False).rows
    by_week = {r["period"]: r for r in rows}
    from shoplens.analyses.review.weeks import label

    weeks = [label(start + timedelta(days=7 * i)) for i in range(TREND_WEEKS)]
    return {m: [(by_week.get(w) or {}).get(m) for w in weeks] for m in KPIS}


def movers(engine: Any, store: str, monday: date, dim: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The values of ``dim`` whose GMV grew most and fell most against the previous week (absolute change)."""
    rows = engine.query(["gmv"], by=[dim], start=monday, end=monday + timedelta(days=6), compare="previous",
                        store=store, targets=False).rows
    for r in rows:
        r["delta"] = (r.get("gmv") or 0.0) - (r.get("gmv__previous") or 0.0)
    known = [r for r in rows if r.get(dim) is not None]
    grew = sorted((r for r in known if r["delta"] > 0), key=lambda r: (-r["delta"], str(r[dim])))[:MOVERS]
    fell = sorted((r for r in known if r["delta"] < 0), key=lambda r: (r["delta"], str(r[dim])))[:MOVERS]
    return grew, fell


def funnel_steps(wh: Any, store: str, monday: date) -> tuple[list[Any], list[Any]]:
    """The default funnel's steps of the week and of the previous week."""
    from shoplens.analyses.funnel import funnel

    def run(start: date) -> list[Any]:
        return funnel(wh, FUNNEL["steps"], window=FUNNEL["window"], mode=FUNNEL["mode"], store=store, start=start,
                      end=start + timedelta(days=6), trend=False).steps

    return run(monday), run(monday - timedelta(days=7))


def new_visitor_cohorts(wh: Any, store: str, monday: date) -> list[Any]:
    """Weekly cohorts of new visitors (first page view ever) of the two weeks before this one and of this one."""
    from shoplens.analyses.retention import retention

    found = retention(wh, cohort_event="page_view", return_event="page_view", period="week", first_time=True,
                      periods=1, store=store, start=monday - timedelta(days=14), end=monday)
    return [c for c in found.cohorts if c.group is None]
