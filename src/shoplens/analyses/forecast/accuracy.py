"""Forecast accuracy over rolling origins: pure functions over small arrays (easy to check by hand).

For origins o (cut-off index: the last period the forecast may see) and steps h = 1..H:

- naive forecast            ŷ(o+h) = y(o)
- seasonal naive (season m) ŷ(o+h) = y(o − m + 1 + ((h − 1) mod m))
- WAPE = Σ|y − ŷ| / Σ|y| over every origin and step (the total: over every SKU too); None when Σ|y| = 0
- MASE = mean over origins and steps of |y − ŷ| / s(o), where s(o) is the in-sample mean absolute error of the
  one-step naive (lag m for a seasonal method) on y(0..o); None when every s(o) is 0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def naive(y: np.ndarray, origin: int, horizon: int) -> np.ndarray:
    return np.full(horizon, float(y[origin]))


def seasonal_naive(y: np.ndarray, origin: int, horizon: int, m: int) -> np.ndarray | None:
    if origin + 1 < m:
        return None
    return np.array([float(y[origin - m + 1 + (h - 1) % m]) for h in range(1, horizon + 1)])


def scale(y: np.ndarray, origin: int, lag: int = 1) -> float | None:
    """In-sample MAE of the lag-``lag`` naive on y(0..origin)."""
    train = np.asarray(y[: origin + 1], dtype=float)
    if len(train) <= lag:
        return None
    return float(np.mean(np.abs(train[lag:] - train[:-lag])))


def wape(errors: Sequence[float], actuals: Sequence[float]) -> float | None:
    total = float(np.sum(np.abs(actuals)))
    return None if total == 0 else float(np.sum(np.abs(errors))) / total


def mase(abs_errors_by_origin: Sequence[np.ndarray], scales: Sequence[float | None]) -> float | None:
    """Mean of |e| / s(o) over the origins whose scale is positive."""
    parts = [np.asarray(e, dtype=float) / s for e, s in zip(abs_errors_by_origin, scales, strict=True) if s]
    if not parts:
        return None
    return float(np.mean(np.concatenate(parts)))
