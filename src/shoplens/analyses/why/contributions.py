"""Pure arithmetic of root cause: who moved a metric, and by how much. No database here.

Three pieces, each exact (the parts add up to the change, to float precision):

* :func:`factor_split` — a product metric ``V = f1 × f2 × …`` (GMV = UV × conversion × orders per buyer × AOV)
  split over its factors by the logarithmic mean Divisia index, LMDI-I (Ang 2004, "Decomposition analysis for
  policymaking in energy", Energy Policy 32): ``c_i = L(V1, V0) · ln(f_i1 / f_i0)`` with the logarithmic mean
  ``L(a, b) = (a − b) / (ln a − ln b)``, ``L(a, a) = a``. Since ``Σ ln(f_i1/f_i0) = ln(V1/V0)``, the ``c_i`` add
  up to ``V1 − V0``. LMDI needs every factor > 0 both times; when one is 0 (no buyers on a day, a channel that
  did not exist) the logarithms are undefined, so the split falls back to the Shapley split: each factor's
  marginal effect of switching from before to after, averaged over every order of switching the factors. It
  also adds up exactly, and a factor that stayed the same gets 0.
* :func:`additive_contributions` / :func:`ratio_contributions` — each value of a dimension's share of the
  change. Additive metric (GMV, orders): the value's own change. Ratio metric ``R = ΣN / ΣD`` (conversion =
  buyers / visitors): with ``w = D_v / ΣD`` (the value's weight) and ``r = N_v / D_v`` (its own rate), the
  midpoint identity ``w1·r1 − w0·r0 = w̄·(r1 − r0) + r̄·(w1 − w0)`` (bars: mean of before and after) gives per
  value a *rate effect* ``w̄·Δr`` and a *mix effect* ``(r̄ − R̄)·Δw``; subtracting the mean total rate R̄ changes
  no sum (``ΣΔw = 0``) but makes a shift of weight towards a better-than-average value positive. A value new in
  the period has no rate before: its rate is taken as unchanged (``r0 = r1``), so all its effect is mix; a value
  that vanished likewise (``r1 = r0``).
* :func:`adtributor` — Bhagwan et al., "Adtributor: revenue debugging in advertising systems", NSDI 2014:
  explanatory power EP = a value's share of the change; surprise = the Jensen–Shannon divergence term of its
  share before (p) and after (q), ``½(p·ln(2p/(p+q)) + q·ln(2q/(p+q)))`` (natural log); per dimension the values
  sorted by surprise, taking those with EP > ``min_value_ep`` until their EP reaches ``threshold`` (0.67): the
  smallest set that explains the change. Dimensions with such a set rank by its total surprise; a dimension
  whose values never reach the threshold ranks after them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

_TINY = 1e-12


def log_mean(a: float, b: float) -> float:
    """Logarithmic mean of two positive numbers (``a`` when they are equal)."""
    if a <= 0 or b <= 0:
        raise ValueError(f"the logarithmic mean needs positive numbers, got {a}, {b}")
    if abs(a - b) <= _TINY * max(a, b):
        return a
    return (a - b) / (math.log(a) - math.log(b))


def _product(values: list[float]) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out


def factor_split(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Contribution of each factor to ``Π after − Π before`` (LMDI-I; Shapley when a factor is ≤ 0)."""
    if list(before) != list(after):
        raise ValueError("before and after must name the same factors in the same order")
    names = list(before)
    b, a = [float(before[n]) for n in names], [float(after[n]) for n in names]
    v0, v1 = _product(b), _product(a)
    if all(x > 0 for x in b + a):
        weight = log_mean(v1, v0)
        return {n: weight * math.log(a[i] / b[i]) for i, n in enumerate(names)}
    return _shapley(names, b, a)


def nested_split(contribution: float, before: dict[str, float], after: dict[str, float],
                 weight: float | None = None) -> dict[str, float]:
    """A factor's ``contribution`` split over its own factors (the factor = their product); they add up to it.

    When the parent split was LMDI with weight ``L(V1, V0)`` and every sub-factor is > 0, each gets
    ``L(V1, V0) · ln(s1 / s0)``: exactly what one LMDI over all the leaf factors gives (LMDI is consistent in
    aggregation), and defined even when the parent factor did not move while its factors did. Otherwise the
    contribution is shared in proportion to the sub-product's own split (:func:`factor_split`); a parent that did
    not move then gives 0 to each. Rounding of the factors (1e-10) is scaled away so the sum is exact."""
    names = list(before)
    if weight is not None and all(before[n] > 0 and after[n] > 0 for n in names):
        out = {n: weight * math.log(after[n] / before[n]) for n in names}
    else:
        own = factor_split(before, after)
        delta = sum(own.values())
        out = {n: contribution * c / delta if abs(delta) > _TINY else 0.0 for n, c in own.items()}
    total = sum(out.values())
    if abs(total) > _TINY and abs(contribution / total - 1) < 1e-6:
        out = {n: c * contribution / total for n, c in out.items()}
    return out


def _shapley(names: list[str], b: list[float], a: list[float]) -> dict[str, float]:
    """Average marginal effect of switching each factor from before to after, over all switching orders."""
    n = len(names)
    out: dict[str, float] = {}
    for i, name in enumerate(names):
        others = [j for j in range(n) if j != i]
        total = 0.0
        for k in range(n):
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for switched in combinations(others, k):
                base = [a[j] if j in switched else b[j] for j in range(n)]
                with_i = list(base)
                with_i[i] = a[i]
                total += weight * (_product(with_i) - _product(base))
        out[name] = total
    return out


@dataclass(frozen=True)
class ValueEffect:
    """One dimension value's part of a change: ``contribution = rate_effect + mix_effect`` (ratio metrics)."""

    value: str
    contribution: float
    rate_effect: float | None = None
    mix_effect: float | None = None


def additive_contributions(before: dict[str, float], after: dict[str, float]) -> list[ValueEffect]:
    """Each value's own change (a value missing on one side counts 0 there)."""
    keys = list(dict.fromkeys([*before, *after]))
    return [ValueEffect(k, after.get(k, 0.0) - before.get(k, 0.0)) for k in keys]


def ratio_contributions(num0: dict[str, float], den0: dict[str, float], num1: dict[str, float],
                        den1: dict[str, float]) -> list[ValueEffect]:
    """Rate and mix effect per value of ``ΣN/ΣD``; they add up to ``ΣN1/ΣD1 − ΣN0/ΣD0``.

    A value with no denominator on either side carries no weight and is left out.
    """
    d0, d1 = sum(den0.values()), sum(den1.values())
    if d0 <= 0 or d1 <= 0:
        raise ValueError("the ratio's denominator is 0 in one of the periods")
    total0, total1 = sum(num0.values()) / d0, sum(num1.values()) / d1
    mean_total = (total0 + total1) / 2
    out: list[ValueEffect] = []
    for k in dict.fromkeys([*den0, *den1]):
        w0, w1 = den0.get(k, 0.0) / d0, den1.get(k, 0.0) / d1
        if w0 <= 0 and w1 <= 0:
            continue
        r0 = num0.get(k, 0.0) / den0[k] if w0 > 0 else None
        r1 = num1.get(k, 0.0) / den1[k] if w1 > 0 else None
        r0 = r1 if r0 is None else r0  # new value: no rate change of its own, only mix
        r1 = r0 if r1 is None else r1  # vanished value: likewise
        assert r0 is not None and r1 is not None
        rate = (w0 + w1) / 2 * (r1 - r0)
        mix = ((r0 + r1) / 2 - mean_total) * (w1 - w0)
        out.append(ValueEffect(k, rate + mix, rate, mix))
    return out


def js_term(p: float, q: float) -> float:
    """One value's Jensen–Shannon divergence term between its share before (p) and after (q), natural log."""
    m = (p + q) / 2
    if m <= 0:
        return 0.0
    return 0.5 * ((p * math.log(p / m) if p > 0 else 0.0) + (q * math.log(q / m) if q > 0 else 0.0))


@dataclass(frozen=True)
class Explained:
    """Adtributor's answer for one dimension: the explaining values (by surprise) and their totals."""

    dimension: str
    values: list[str]
    explanatory_power: float
    surprise: float
    complete: bool  # the values reach the threshold


def shares(values: dict[str, float]) -> dict[str, float]:
    total = sum(values.values())
    return {k: (v / total if total else 0.0) for k, v in values.items()}


def surprise(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Per value, the JS term of its share of the total before vs after (values missing on one side = 0)."""
    keys = list(dict.fromkeys([*before, *after]))
    p, q = shares({k: before.get(k, 0.0) for k in keys}), shares({k: after.get(k, 0.0) for k in keys})
    return {k: js_term(p[k], q[k]) for k in keys}


def explain_dimension(dimension: str, contributions: dict[str, float], surprises: dict[str, float],
                      threshold: float = 0.67, min_value_ep: float = 0.1, total: float | None = None) -> Explained:
    """The smallest set of values, taken by surprise, whose explanatory power reaches ``threshold``.

    ``total``: the change the values explain a share of (default: their sum). Root cause passes the store's change:
    where values overlap (a visitor of two categories counts in both) their sum can even have the other sign, and
    a value moving against the store must not be said to explain its move."""
    change = sum(contributions.values()) if total is None else total
    if abs(change) <= _TINY:
        return Explained(dimension, [], 0.0, 0.0, False)
    ep = {k: c / change for k, c in contributions.items()}
    chosen: list[str] = []
    total_ep = total_s = 0.0
    for k in sorted(ep, key=lambda x: (-surprises.get(x, 0.0), -ep[x], x)):
        if ep[k] <= min_value_ep:
            continue
        chosen.append(k)
        total_ep += ep[k]
        total_s += surprises.get(k, 0.0)
        if total_ep >= threshold:
            break
    return Explained(dimension, chosen, total_ep, total_s, total_ep >= threshold)


def adtributor(per_dimension: dict[str, tuple[dict[str, float], dict[str, float]]],
               threshold: float = 0.67, min_value_ep: float = 0.1) -> list[Explained]:
    """Rank dimensions: ``per_dimension[d] = (contributions, surprises)``; complete sets first, by surprise."""
    found = [explain_dimension(d, c, s, threshold, min_value_ep) for d, (c, s) in per_dimension.items()]
    return sorted(found, key=lambda e: (not e.complete, -e.surprise, -e.explanatory_power, e.dimension))
