"""Choosing and running statsforecast models per SKU.

A SKU is *intermittent* when its average demand interval ADI = periods / periods with a sale is ≥ 1.32
(Syntetos & Boylan 2005); it is offered CrostonSBA, TSB, ADIDA and IMAPA (conformal intervals, as they have no
native ones). Every other SKU is offered AutoETS and AutoTheta, seasonal (7 for days, 52 for weeks) when the
history before the first backtest origin holds two full seasons, else non-seasonal (native intervals).

Selection is by rolling-origin cross-validation (``StatsForecast.cross_validation``, step = horizon) on
``SELECT_WINDOWS + REPORT_WINDOWS`` origins: the forecast uses the candidate with the least absolute error over
all of them. The backtest reports only the last ``REPORT_WINDOWS`` origins, and at each of those the method is
the one that was best on the origins *before* it, so the reported error never benefits from looking ahead.
SKUs with too little history for that get their class's default (AutoETS or CrostonSBA) without a backtest, or
the naive forecast when even that is too short.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from shoplens.analyses.forecast import accuracy as acc
from shoplens.errors import ShoplensError

ADI_CUTOFF = 1.32
SELECT_WINDOWS, REPORT_WINDOWS = 1, 3
SEASON = {"day": 7, "week": 52}
FREQ = {"day": "D", "week": "W-MON"}
INTERMITTENT = ("CrostonSBA", "TSB", "ADIDA", "IMAPA")
REGULAR = ("AutoETS", "AutoTheta")
Z80 = 1.2815515655446004


@dataclass
class Fit:
    """What the forecast found for one SKU."""

    product_id: str
    kind: str  # intermittent | regular
    adi: float
    method: str
    season_length: int = 1
    values: list[float] = field(default_factory=list)
    lo80: list[float] = field(default_factory=list)
    hi80: list[float] = field(default_factory=list)
    lo95: list[float] = field(default_factory=list)
    hi95: list[float] = field(default_factory=list)
    sd: list[float] = field(default_factory=list)  # per step, from the raw (unclamped) 80 % interval
    backtest: dict[str, Any] | None = None
    errors: dict[str, tuple[float, float]] = field(default_factory=dict)  # model/naive -> (Σ|e|, Σ|y|)


def adi(y: np.ndarray) -> float:
    nonzero = int(np.count_nonzero(y))
    return float("inf") if nonzero == 0 else len(y) / nonzero


def make_model(name: str, season: int, horizon: int, intervals: bool) -> Any:
    from statsforecast.models import ADIDA, IMAPA, TSB, AutoETS, AutoTheta, CrostonSBA, Naive
    from statsforecast.utils import ConformalIntervals

    ci = ConformalIntervals(h=horizon, n_windows=2) if intervals else None
    if name == "AutoETS":
        return AutoETS(season_length=season)
    if name == "AutoTheta":
        return AutoTheta(season_length=season)
    if name == "Naive":
        return Naive()
    if name == "TSB":
        return TSB(alpha_d=0.1, alpha_p=0.1, prediction_intervals=ci)
    return {"CrostonSBA": CrostonSBA, "ADIDA": ADIDA, "IMAPA": IMAPA}[name](prediction_intervals=ci)


def _frame(series: dict[str, pd.Series], ids: list[str]) -> pd.DataFrame:
    parts = [pd.DataFrame({"unique_id": pid, "ds": series[pid].index, "y": series[pid].to_numpy(dtype=float)})
             for pid in ids]
    return pd.concat(parts, ignore_index=True)


def _sf(models: list[Any], grain: str, jobs: int) -> Any:
    from statsforecast import StatsForecast

    return StatsForecast(models=models, freq=FREQ[grain], n_jobs=jobs)


def require_statsforecast() -> None:
    """statsforecast comes with `make install` (--no-deps, see docs/dev-notes.md): say how to get it when missing."""
    try:
        import statsforecast  # noqa: F401
    except ImportError:
        raise ShoplensError("the demand forecast needs statsforecast, which is not installed",
                            hint="make install (or: pip install --no-deps statsforecast==2.1.1)",
                            zh="需求预测需要 statsforecast，但尚未安装",
                            zh_hint="运行 make install（或 pip install --no-deps statsforecast==2.1.1）") from None


def fit_all(series: dict[str, pd.Series], grain: str, horizon: int, jobs: int = 1) -> dict[str, Fit]:
    """Classify, select by backtest and forecast every series (``series``: units per period, oldest first)."""
    require_statsforecast()
    m = SEASON[grain]
    windows = SELECT_WINDOWS + REPORT_WINDOWS
    fits: dict[str, Fit] = {}
    groups: dict[tuple[str, int, bool], list[str]] = defaultdict(list)
    for pid, s in series.items():
        y = s.to_numpy(dtype=float)
        a = adi(y)
        kind = "intermittent" if a >= ADI_CUTOFF else "regular"
        cv = len(y) >= windows * horizon + 2 * horizon
        train0 = len(y) - windows * horizon if cv else len(y)
        season = m if kind == "regular" and train0 >= 2 * m else 1
        fits[pid] = Fit(pid, kind, a, "", season)
        if len(y) < 3 * horizon:
            fits[pid].method, fits[pid].season_length = "Naive", 1
        elif cv:
            groups[(kind, season, True)].append(pid)
        else:
            fits[pid].method = "AutoETS" if kind == "regular" else "CrostonSBA"
    for (kind, season, _), ids in groups.items():
        _select(fits, series, ids, kind, season, grain, horizon, windows, jobs)
    _forecast(fits, series, grain, horizon, jobs)
    return fits


def _select(fits: dict[str, Fit], series: dict[str, pd.Series], ids: list[str], kind: str, season: int,
            grain: str, horizon: int, windows: int, jobs: int) -> None:
    names = INTERMITTENT if kind == "intermittent" else REGULAR
    sf = _sf([make_model(n, season, horizon, False) for n in names], grain, jobs)
    cv = sf.cross_validation(df=_frame(series, ids), h=horizon, n_windows=windows, step_size=horizon)
    cv["unique_id"] = cv["unique_id"].astype(str)
    for pid, g in cv.groupby("unique_id", sort=False):
        cutoffs = sorted(g["cutoff"].unique())
        err = {n: [np.abs(g.loc[g.cutoff == c, "y"].to_numpy() - np.nan_to_num(g.loc[g.cutoff == c, n].to_numpy()))
                   for c in cutoffs] for n in names}
        total = {n: sum(float(e.sum()) for e in err[n]) for n in names}
        fit = fits[str(pid)]
        fit.method = min(names, key=lambda n: (total[n], names.index(n)))
        fit.backtest = _report(series[str(pid)], g, cutoffs, err, names, season, grain, horizon)
        fit.errors = fit.backtest.pop("_sums")


def _report(s: pd.Series, g: pd.DataFrame, cutoffs: list[Any], err: dict[str, list[np.ndarray]],
            names: tuple[str, ...], season: int, grain: str, horizon: int) -> dict[str, Any]:
    """Backtest of the last REPORT_WINDOWS origins, each with the method best on the origins before it."""
    y = s.to_numpy(dtype=float)
    m = SEASON[grain]
    position = {ts: i for i, ts in enumerate(s.index)}
    e_model, e_naive, e_snaive, actual, actual_sn, scaled, scales, used = [], [], [], [], [], [], [], []
    for k in range(SELECT_WINDOWS, len(cutoffs)):
        best = min(names, key=lambda n: (sum(float(e.sum()) for e in err[n][:k]), names.index(n)))
        used.append(best)
        o = position[pd.Timestamp(cutoffs[k])]
        truth = y[o + 1: o + 1 + horizon]
        e_model.append(err[best][k])
        e_naive.append(np.abs(truth - acc.naive(y, o, horizon)))
        sn = acc.seasonal_naive(y, o, horizon, m)
        if sn is not None:
            e_snaive.append(np.abs(truth - sn))
            actual_sn.append(truth)
        actual.append(truth)
        scaled.append(err[best][k])
        scales.append(acc.scale(y, o, season))
    flat = np.concatenate(actual)
    e = np.concatenate(e_model)
    en = np.concatenate(e_naive)
    esn = np.concatenate(e_snaive) if e_snaive else None
    ysn = np.concatenate(actual_sn) if actual_sn else None
    return {"wape": acc.wape(e, flat), "mase": acc.mase(scaled, scales),
            "naive_wape": acc.wape(en, flat),
            "seasonal_naive_wape": acc.wape(esn, ysn) if esn is not None else None,
            "naive_mase": acc.mase(e_naive, [acc.scale(y, position[pd.Timestamp(c)], 1)
                                             for c in cutoffs[SELECT_WINDOWS:]]),
            "origins": [str(pd.Timestamp(c).date()) for c in cutoffs[SELECT_WINDOWS:]], "methods": used,
            "_sums": {"model": (float(e.sum()), float(np.abs(flat).sum())),
                      "naive": (float(en.sum()), float(np.abs(flat).sum())),
                      "seasonal_naive": ((float(esn.sum()), float(np.abs(ysn).sum())) if esn is not None
                                         else (0.0, 0.0))}}


def _forecast(fits: dict[str, Fit], series: dict[str, pd.Series], grain: str, horizon: int, jobs: int) -> None:
    """Forecast each SKU with its chosen method only (one statsforecast run per method), 80/95 % intervals."""
    by_method: dict[tuple[str, int], list[str]] = defaultdict(list)
    for pid, fit in fits.items():
        by_method[(fit.method, fit.season_length)].append(pid)
    for (method, season), ids in by_method.items():
        model = make_model(method, season, horizon, method in INTERMITTENT)
        out = _sf([model], grain, jobs).forecast(df=_frame(series, ids), h=horizon, level=[80, 95])
        out["unique_id"] = out["unique_id"].astype(str)
        for pid, g in out.groupby("unique_id", sort=False):
            g = g.sort_values("ds")
            fit = fits[str(pid)]
            col = {k: g[f"{method}{k}"].to_numpy(dtype=float) for k in ("", "-lo-80", "-hi-80", "-lo-95", "-hi-95")}
            fit.sd = [max(0.0, float(x)) for x in (col["-hi-80"] - col["-lo-80"]) / (2 * Z80)]
            fit.values = [max(0.0, float(x)) for x in col[""]]
            fit.lo80, fit.lo95 = ([max(0.0, float(x)) for x in col[k]] for k in ("-lo-80", "-lo-95"))
            fit.hi80, fit.hi95 = ([max(0.0, float(x)) for x in col[k]] for k in ("-hi-80", "-hi-95"))
