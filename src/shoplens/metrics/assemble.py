"""Aggregated rows -> metric values: merge the groups, fill empty periods, evaluate formulas, compare.

Only aggregated rows reach pandas here (a handful per period and dimension value).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from shoplens.metrics.periods import Period
from shoplens.metrics.plan import Group
from shoplens.metrics.spec import Catalog

PERIOD = "_period"


def period_grid(periods: list[Period], grain: str | None) -> list[datetime]:
    """Every period start of the range (hours for an hourly grain)."""
    if grain is None:
        return []
    if grain == "hour":
        return [datetime.combine(p.first, datetime.min.time()) + timedelta(hours=h) for p in periods for h in range(24)]
    return [datetime.combine(p.start, datetime.min.time()) for p in periods]


def group_frame(group: Group, df: pd.DataFrame, grain: str | None) -> pd.DataFrame:
    """A group's result with measure ids as columns, summed over stores when the builder split them."""
    df = df.rename(columns=group.renames)
    if "store_id" in df.columns:
        if "store" in group.dims and "store" not in df.columns:
            df["store"] = df["store_id"]
        df = df.drop(columns=["store_id"])
    keys = ([PERIOD] if group.timed and grain else []) + list(group.dims)
    if PERIOD in df.columns and (not grain or not group.timed):
        df = df.drop(columns=[PERIOD])
    if PERIOD in df.columns:
        df[PERIOD] = pd.to_datetime(df[PERIOD])
    values = list(group.renames.values())
    for col in values:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    if keys and df.duplicated(keys).any():
        df = df.groupby(keys, dropna=False, as_index=False)[values].sum(min_count=1)
    elif not keys and len(df) > 1:  # a builder's row per store, without grain or dimensions: one total row
        df = df[values].sum(min_count=1).to_frame().T
    df["__present_" + group.key] = True
    return df


def merge_groups(frames: list[tuple[Group, pd.DataFrame]], by: tuple[str, ...], grid: list[datetime],
                 grain: str | None) -> pd.DataFrame:
    """Outer-join the groups on period and dimensions; untimed and total groups broadcast."""
    timed_keys = [PERIOD] if grain else []
    base: pd.DataFrame | None = None
    if grain and not by:
        base = pd.DataFrame({PERIOD: pd.to_datetime(grid)})
    elif not by:  # one row: a group without rows (e.g. an empty builder) must not empty the result
        base = pd.DataFrame(index=[0])
    later: list[tuple[Group, pd.DataFrame]] = []
    for group, df in frames:
        keys = (timed_keys if group.timed else []) + list(group.dims)
        if by and not group.total and not group.timed and len(keys) == len(by):
            # an untimed snapshot cut by the query's dimensions (on-sale SKUs per category) brings its own
            # rows, in every period: a category with nothing sold still has its on-sale SKUs
            if grain:
                df = pd.DataFrame({PERIOD: pd.to_datetime(grid)}).merge(df, how="cross")
            keys = timed_keys + list(group.dims)
        elif group.total or not group.timed or len(keys) < len(timed_keys) + len(by):
            later.append((group, df))
            continue
        if base is None:
            base = df
        else:
            base = _join(base, df, keys, "outer")
    if base is None:
        base = pd.DataFrame({PERIOD: pd.to_datetime(grid)}) if grain else pd.DataFrame(index=[0])
        if by:
            base = pd.DataFrame(columns=[*timed_keys, *by])
    for group, df in later:
        keys = (timed_keys if group.timed else []) + list(group.dims)
        if group.total:
            df = df.rename(columns={m.id: "total:" + m.id for m in group.measures})
        base = _join(base, df, keys, "left")
    if grain and not by:
        base = base[base[PERIOD].isin(pd.to_datetime(grid))]
    return base.reset_index(drop=True)


def _join(left: pd.DataFrame, right: pd.DataFrame, keys: list[str], how: str) -> pd.DataFrame:
    if keys:
        return left.merge(right, on=keys, how=how)
    if right.empty:  # a whole-range builder with no rows: its values are filled later
        return left.assign(**{c: np.nan for c in right.columns})
    return left.merge(right, how="cross")


def fill_and_null(df: pd.DataFrame, frames: list[tuple[Group, pd.DataFrame]], by: tuple[str, ...],
                  available: dict[str, set[str]], store_ids: tuple[str, ...]) -> pd.DataFrame:
    """0 where a group had no rows for a period; null where the store never imported that data."""
    for group, _ in frames:
        flag = "__present_" + group.key
        cols = [("total:" if group.total else "") + m.id for m in group.measures]
        missing = df[flag].isna() if flag in df.columns else pd.Series(True, index=df.index)
        for col, m in zip(cols, group.measures, strict=True):
            if col not in df.columns:
                df[col] = np.nan
            df.loc[missing, col] = 0.0
            have = available.get(m.id, set())
            if "store" in by and not group.total:
                df.loc[~df["store"].isin(have), col] = np.nan
            elif not have & set(store_ids):
                df[col] = np.nan
        if flag in df.columns:
            df = df.drop(columns=[flag])
    return df


def evaluate(catalog: Catalog, metric_ids: list[str], df: pd.DataFrame, names: dict[str, str],
             total_names: dict[str, str], days: pd.Series) -> pd.DataFrame:
    """Metric columns from measure columns (formula names resolved to the measures actually used)."""
    out = pd.DataFrame(index=df.index)
    values: dict[str, pd.Series] = {"days": days}
    for name, used in names.items():
        values[name] = df[used]
    for name, used in total_names.items():
        values["total:" + name] = df["total:" + used]
    for mid in metric_ids:
        result = catalog.metrics[mid].formula.evaluate(values)
        series = result if isinstance(result, pd.Series) else pd.Series(result, index=df.index)
        out[mid] = series.astype("float64").replace([np.inf, -np.inf], np.nan)
    return out


def blank_outside(values: pd.DataFrame, df: pd.DataFrame, periods: list[Period], grain: str | None,
                  first_day: date | None, last_day: date | None) -> pd.DataFrame:
    """Null, not 0, for periods wholly before a store's data begins or after it ends (a year-ago
    comparison the data does not reach, or days no import has covered yet)."""
    if first_day is None or last_day is None:
        return values.astype("float64") * float("nan")

    def outside(first: date, last: date) -> bool:
        return last < first_day or first > last_day  # type: ignore[operator]

    if not grain:
        return values.astype("float64") * float("nan") if outside(periods[0].first, periods[-1].last) else values
    if grain == "hour":
        spans = [(d, d) for d in df[PERIOD].dt.date]
    else:
        by_start = {pd.Timestamp(p.start): (p.first, p.last) for p in periods}
        spans = [by_start.get(pd.Timestamp(t), (None, None)) for t in df[PERIOD]]
    mask = [a is not None and outside(a, b) for a, b in spans]
    out = values.copy()
    out.loc[mask, :] = float("nan")
    return out


def days_series(df: pd.DataFrame, periods: list[Period], grain: str | None) -> pd.Series:
    if not grain:
        return pd.Series(float(sum(p.days for p in periods)), index=df.index)
    if grain == "hour":
        return pd.Series(1 / 24, index=df.index)
    by_start = {pd.Timestamp(p.start): float(p.days) for p in periods}
    return df[PERIOD].map(by_start).astype("float64")


def align_comparison(base_grid: list[datetime], comp_grid: list[datetime]) -> dict[pd.Timestamp, pd.Timestamp]:
    """Comparison period start -> base period start, by position in the range."""
    return {pd.Timestamp(c): pd.Timestamp(b) for b, c in zip(base_grid, comp_grid, strict=False)}


def covered_periods(comp: pd.DataFrame, grain: str | None) -> dict[str, Any]:
    """Per metric: the periods (or, without a grain, whether any row) where the comparison has values."""
    out: dict[str, Any] = {}
    for m in comp.columns:
        if m.startswith("_") and m != PERIOD:
            continue
        has = comp[m].notna()
        out[m] = set(comp.loc[has, PERIOD]) if grain else bool(has.any())
    return out


def relative_change(base: pd.Series, comp: pd.Series) -> pd.Series:
    comp = comp.astype("float64")
    return (base.astype("float64") - comp) / comp.where(comp != 0, np.nan).abs()
