"""The statistics and settings of the new-product trial (新品测款): quartiles, Wilson intervals, verdicts, words.

Pure functions over small numbers, so each rule is tested by hand (tests/test_products_trial.py). The rule:

* the SKU's conversion p = buyers / visitors of its first N days is placed among its references' conversions
  (quartiles Q1, median M, Q3; linear interpolation between order statistics, numpy's default);
* **push** when p ≥ Q3 and the Wilson interval (95 % by default) of p lies above M: the SKU is in the top quartile
  and enough visitors make "better than a typical launch" more than noise;
* **drop** when p ≤ Q1 and the Wilson interval lies below M;
* **keep testing** when p is in a quartile but the interval still covers M: ``visitors_needed`` is the smallest
  number of visitors at which, at the same conversion, the interval would clear M (none when p equals M);
  a SKU without visitors needs the visitors at which a top-quartile conversion (Q3) would clear M;
* in the middle half (Q1 < p < Q3): **keep testing** while the interval covers the whole middle half [Q1, Q3] (the
  traffic cannot place the SKU at all: ``visitors_needed`` is the fewest visitors at which, at the same p, the
  interval would leave Q1 or Q3 out), else **hold**: no case for more traffic nor for dropping it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from shoplens.analyses.products.config import config_part
from shoplens.errors import ShoplensError

VERDICTS = ("push", "keep_testing", "hold", "drop", "no_reference")
MAX_VISITORS = 10**9  # beyond this "visitors needed" is "never" (None)


@dataclass(frozen=True)
class TrialSettings:
    """``products: trial:`` of shoplens.yaml."""

    days: int = 15  # the trial length N (launch day = day 1)
    min_references: int = 4  # fewer same-category references: compare with the store's launches
    confidence: float = 0.95  # of the Wilson interval
    reference_months: int = 6  # references launched in the last months before --as-of

    @property
    def z(self) -> float:
        return NormalDist().inv_cdf(0.5 + self.confidence / 2)


def _bad(where: str, message: str, hint: str, zh: str, zh_hint: str) -> ShoplensError:
    return ShoplensError(message, where=where, hint=hint, zh=zh, zh_hint=zh_hint)


def _int(value: Any, where: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _bad(where, f"{value!r} is not a whole number from {lo} to {hi}", f"write e.g. {lo}",
                   f"{value!r} 不是 {lo} 到 {hi} 之间的整数", f"例如写 {lo}")
    return value


def parse_settings(section: Any, where: str) -> TrialSettings:
    """``products:`` section → the trial settings (its ``trial:`` part; other keys belong to other analyses)."""
    trial, where = config_part(section, where, "trial")
    if trial is None:
        return TrialSettings()
    known = ("days", "min_references", "confidence", "reference_months")
    for key in trial:
        if key not in known:
            raise _bad(f"{where}.{key}", f"unknown setting {key!r}", f"known: {', '.join(known)}",
                       f"未知设置 {key!r}", f"可用：{', '.join(known)}")
    out = TrialSettings()
    days = _int(trial.get("days", out.days), f"{where}.days", 1, 365)
    refs = _int(trial.get("min_references", out.min_references), f"{where}.min_references", 1, 1000)
    months = _int(trial.get("reference_months", out.reference_months), f"{where}.reference_months", 1, 60)
    conf = trial.get("confidence", out.confidence)
    if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0.5 <= conf < 1:
        raise _bad(f"{where}.confidence", f"{conf!r} is not a confidence between 0.5 and 1", "write e.g. 0.95",
                   f"{conf!r} 不是 0.5 到 1 之间的置信度", "例如写 0.95")
    return TrialSettings(days, refs, float(conf), months)


def load_settings(config: Any = None) -> TrialSettings:
    from shoplens.config import config_section

    return parse_settings(*config_section(config, "products"))


def quartiles(values: list[float]) -> tuple[float, float, float] | None:
    """Q1, median, Q3 by linear interpolation between order statistics (numpy's default; R's type 7)."""
    xs = sorted(values)
    if not xs:
        return None

    def q(f: float) -> float:
        pos = f * (len(xs) - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, len(xs) - 1)
        return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)

    return q(0.25), q(0.5), q(0.75)


def wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed over ``n`` trials."""
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def visitors_needed(p: float, median: float, z: float, above: bool) -> int | None:
    """Fewest visitors at which, converting at ``p``, the Wilson interval lies above (``above``) or below
    ``median``; None when it never does (p on the median's wrong side or equal to it)."""
    if (above and p <= median) or (not above and p >= median):
        return None

    def clear(n: int) -> bool:
        lo, hi = wilson(p, n, z)
        return lo > median if above else hi < median

    hi = 1
    while not clear(hi):
        hi *= 2
        if hi > MAX_VISITORS:
            return None
    lo = hi // 2  # clear(lo) is False (or lo == 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if clear(mid) else (mid, hi)
    return hi


@dataclass(frozen=True)
class Verdict:
    verdict: str
    quartile: str | None  # top | middle | bottom (None without visitors or references)
    wilson_low: float | None
    wilson_high: float | None
    visitors_needed: int | None  # for keep_testing: total visitors (not the extra ones)


def decide(visitors: int, buyers: int, q: tuple[float, float, float] | None, z: float) -> Verdict:
    """The verdict of one SKU (see the module docstring)."""
    if q is None:
        return Verdict("no_reference", None, None, None, None)
    q1, median, q3 = q
    if visitors <= 0:
        return Verdict("keep_testing", None, None, None, visitors_needed(q3, median, z, above=True))
    # buyers come from orders, visitors from events: a tracker that misses some buyers can give more buyers than
    # visitors; the share is capped at 1 (every visitor bought) rather than leaving the interval undefined
    p = min(1.0, buyers / visitors)
    lo, hi = wilson(p, visitors, z)
    if p >= q3:
        if lo > median:
            return Verdict("push", "top", lo, hi, None)
        return Verdict("keep_testing", "top", lo, hi, visitors_needed(p, median, z, above=True))
    if p <= q1:
        if hi < median:
            return Verdict("drop", "bottom", lo, hi, None)
        return Verdict("keep_testing", "bottom", lo, hi, visitors_needed(p, median, z, above=False))
    if lo <= q1 and hi >= q3:  # the interval covers the whole middle half: the traffic says nothing yet
        needs = [n for n in (visitors_needed(p, q3, z, above=False), visitors_needed(p, q1, z, above=True)) if n]
        return Verdict("keep_testing", "middle", lo, hi, min(needs) if needs else None)
    return Verdict("hold", "middle", lo, hi, None)
