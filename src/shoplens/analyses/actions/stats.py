"""Difference-in-differences over daily values, with a Welch interval: pure math over small lists.

The estimate is ``(after - before)_treated - (after - before)_control``. Written with the day-level differences
``d = treated - control`` it is ``mean(d_after) - mean(d_before)``: a difference of two means, so its standard
error is that of two independent samples, ``sqrt(var_a / n_a + var_b / n_b)``, with Welch-Satterthwaite degrees of
freedom and a Student t quantile. Why this and not a bootstrap: it is exact arithmetic a reader can redo by hand,
deterministic (a review must say the same thing twice), and the day-level difference already removes what both
groups share (weekday pattern, a store-wide promotion), which is most of the day-to-day correlation a block
bootstrap would guard against. What it assumes: the remaining daily differences are independent within each
window (a slow drift inside a window widens nothing, so read a "distinguishable" effect with that in mind).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class DiD:
    """The estimate and its interval; ``relative`` is the estimate over the treated group's counterfactual
    after-mean (its before-mean moved as the control moved), None when that is not positive."""

    estimate: float
    se: float
    df: float
    low: float
    high: float
    level: float
    treated_before: float
    treated_after: float
    control_before: float
    control_after: float
    relative: float | None
    n_before: int
    n_after: int

    @property
    def significant(self) -> bool:
        """The interval leaves out 0: the change is distinguishable from day-to-day noise."""
        return self.low > 0 or self.high < 0


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def _var(xs: list[float]) -> float:
    m = _mean(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def did(treated_before: list[float], control_before: list[float], treated_after: list[float],
        control_after: list[float], level: float = 0.95) -> DiD:
    """Day-paired series (``treated_before[i]`` and ``control_before[i]`` are the same day): at least 2 days on
    each side. A ValueError names what is wrong (the callers check first and say it in the user's words)."""
    if len(treated_before) != len(control_before) or len(treated_after) != len(control_after):
        raise ValueError("treated and control days must pair up")
    if len(treated_before) < 2 or len(treated_after) < 2:
        raise ValueError("at least 2 days before and 2 after are needed")
    if not 0 < level < 1:
        raise ValueError(f"level {level} is not in (0, 1)")
    d_b = [t - c for t, c in zip(treated_before, control_before, strict=True)]
    d_a = [t - c for t, c in zip(treated_after, control_after, strict=True)]
    n_b, n_a = len(d_b), len(d_a)
    estimate = _mean(d_a) - _mean(d_b)
    vb, va = _var(d_b) / n_b, _var(d_a) / n_a
    se = math.sqrt(vb + va)
    if se == 0:
        df, half = math.inf, 0.0
    else:
        df = (vb + va) ** 2 / ((vb ** 2 / (n_b - 1) if vb else 0.0) + (va ** 2 / (n_a - 1) if va else 0.0))
        half = t_quantile(0.5 + level / 2, df) * se
    tb, ta, cb, ca = (_mean(x) for x in (treated_before, treated_after, control_before, control_after))
    counterfactual = tb + (ca - cb)
    relative = estimate / counterfactual if counterfactual > 0 else None
    return DiD(estimate, se, df, estimate - half, estimate + half, level, tb, ta, cb, ca, relative, n_b, n_a)


# ---- Student t -------------------------------------------------------------------------------------------
def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta (Numerical Recipes, 2nd ed., 6.4)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        step = d * c
        h *= step
        if abs(step - 1.0) < 1e-15:
            break
    return h


def _betai(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` (> 0, may be fractional) degrees of freedom."""
    if math.isinf(df):
        return 0.5 * math.erfc(-t / math.sqrt(2))
    tail = 0.5 * _betai(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t (bisection on :func:`t_cdf`, to 1e-10)."""
    if not 0 < p < 1:
        raise ValueError(f"p {p} is not in (0, 1)")
    lo, hi = -1e3, 1e3
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-10:
            break
    return (lo + hi) / 2
