"""Anomaly detection over daily series: pure functions, no warehouse (easy to test with hand-made numbers).

The method (docs: README "Anomalies / 异常检测"), for each day ``t`` of a series (metric x store x dimension
value), learned from the series' own past only:

* **history** = the ``weeks`` x 7 days before ``t`` (default 6 weeks), minus promotion days and the days
  around them, the store's closed days (the calendar) and days without a value;
* **expected** = the median of the history days on ``t``'s weekday (day-of-week seasonality; a median, so
  one outlier in the history barely moves it);
* **scale** = 1.4826 x MAD of the history's residuals (each history day minus the median of its weekday):
  a robust standard deviation pooled over all weekdays (up to 42 residuals, not 6), floored at
  ``MIN_REL_SCALE`` of the expected value so that a perfectly regular series does not call a 0.1 % wobble
  infinite;
* **band** = expected +- k x scale, ``k`` by sensitivity (``SENSITIVITY``), clamped to the values the metric
  can take (``Series.bounds``: no negative lower end for a rate); **score** = (value - expected)
  / scale; a day outside the band is an anomaly, its severity from |score| (``SEVERITY``).

A day is not judged (and is counted in ``checked.skipped`` with the reason) when it is a promotion day or
around one (``promotion``), a day the store is closed (``closed``), when fewer than ``min_points`` history days
share its weekday (``history``), when the series usually has too little volume (``volume``: the median of its
volume measure over those same-weekday history days is below the metric's floor, e.g. fewer than 100 visitors for
a conversion rate) or when it has no value (``no_value``, e.g. a rate whose denominator is 0 that day).
Whether a move is bad follows the catalog's ``good`` direction: up-is-good metrics are bad when they fall,
down-is-good ones (refund rate) when they rise, neutral ones never.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any

SENSITIVITY = {"low": 4.5, "medium": 3.5, "high": 2.5}  # band half-width in robust standard deviations
SEVERITY = ((7.0, "high"), (5.0, "medium"), (0.0, "low"))  # |score| at least -> severity (outside the band)
MAD_TO_SD = 1.4826  # a normal distribution's standard deviation per MAD
MIN_REL_SCALE = 0.02  # the scale is at least 2 % of the expected value
SKIP_REASONS = ("promotion", "closed", "history", "volume", "no_value")


@dataclass(frozen=True)
class Params:
    """How the detector learns; the defaults are documented in the README."""

    sensitivity: str = "medium"
    weeks: int = 6  # history window in weeks
    min_points: int = 3  # same-weekday history days needed for a verdict

    @property
    def k(self) -> float:
        return SENSITIVITY[self.sensitivity]

    @property
    def history_days(self) -> int:
        return 7 * self.weeks


@dataclass
class Series:
    """One daily series: ``values`` by local day (None: no value that day), the volume that guards it."""

    metric: str
    store: str
    dims: dict[str, Any]
    good: str  # up | down | neutral (the catalog's)
    values: dict[date, float | None]
    volume: dict[date, float | None] = field(default_factory=dict)  # e.g. visitors for conversion_rate
    floor: float = 0.0  # usual volume below this: not judged
    excluded: frozenset[date] = frozenset()  # promotion days and the days around them (this series' store)
    closed: frozenset[date] = frozenset()  # days the store is closed (calendar closed:): real zeros, not news
    bounds: tuple[float | None, float | None] = (None, None)  # the values the metric can take (band clamped)


@dataclass
class Checked:
    series: int = 0
    points: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {"series": self.series, "points": self.points,
                "skipped": {r: self.skipped.get(r, 0) for r in SKIP_REASONS}}


def severity(score: float) -> str:
    for bound, name in SEVERITY:
        if abs(score) >= bound:
            return name
    return "low"


def is_bad(good: str, direction: str) -> bool:
    return (good == "up" and direction == "down") or (good == "down" and direction == "up")


def _mad_scale(residuals: list[float]) -> float:
    centre = median(residuals)
    return MAD_TO_SD * median(abs(r - centre) for r in residuals)


def baseline(series: Series, day: date, params: Params) -> tuple[float, float, list[date]] | str:
    """(expected, scale, same-weekday history days) of ``day``, or the reason it cannot be judged."""
    history = [day - timedelta(days=i) for i in range(1, params.history_days + 1)]
    usable = [d for d in history if d not in series.excluded and d not in series.closed
              and _num(series.values.get(d)) is not None]
    by_weekday: dict[int, list[date]] = {}
    for d in usable:
        by_weekday.setdefault(d.weekday(), []).append(d)
    same = by_weekday.get(day.weekday(), [])
    if len(same) < params.min_points:
        return "history"
    if series.floor > 0:
        volumes = [v for d in same if (v := _num(series.volume.get(d))) is not None]
        if not volumes or median(volumes) < series.floor:
            return "volume"
    medians = {w: median(series.values[d] for d in ds) for w, ds in by_weekday.items()}  # type: ignore[misc]
    residuals = [series.values[d] - medians[d.weekday()] for d in usable]  # type: ignore[operator]
    expected = medians[day.weekday()]
    scale = max(_mad_scale(residuals), MIN_REL_SCALE * abs(expected))
    return expected, scale, same


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def judge(series: Series, days: list[date], params: Params, checked: Checked) -> list[dict[str, Any]]:
    """Anomalies of ``series`` on ``days`` (JSON rows of the issue's shape); counts what was judged."""
    checked.series += 1
    found = []
    for day in days:
        if day in series.excluded:
            checked.skipped["promotion"] += 1
            continue
        if day in series.closed:
            checked.skipped["closed"] += 1
            continue
        value = _num(series.values.get(day))
        if value is None:
            checked.skipped["no_value"] += 1
            continue
        base = baseline(series, day, params)
        if isinstance(base, str):
            checked.skipped[base] += 1
            continue
        expected, scale, _ = base
        checked.points += 1
        lower, upper = expected - params.k * scale, expected + params.k * scale
        low, high = series.bounds
        lower, upper = (lower if low is None else max(lower, low)), (upper if high is None else min(upper, high))
        if scale <= 0 or lower <= value <= upper:
            continue
        score = (value - expected) / scale
        direction = "up" if value > expected else "down"
        found.append({"metric": series.metric, "store": series.store, "dims": dict(series.dims),
                      "period": day.isoformat(), "value": _round(value), "expected": _round(expected),
                      "lower": _round(lower), "upper": _round(upper), "direction": direction,
                      "bad": is_bad(series.good, direction), "score": round(score, 2), "severity": severity(score)})
    return found


def _round(x: float) -> float:
    return float(f"{x:.6g}") if abs(x) < 1 else round(x, 4)


def excluded_days(promotions: list[tuple[date, date]], before: int, after: int) -> frozenset[date]:
    """Every day of each (first, last) promotion, ``before`` days before it and ``after`` days after it."""
    out: set[date] = set()
    for first, last in promotions:
        d = first - timedelta(days=before)
        while d <= last + timedelta(days=after):
            out.add(d)
            d += timedelta(days=1)
    return frozenset(out)
