"""The difference-in-differences arithmetic checked by hand on a tiny fixture, and Student t quantiles against
published table values."""

from __future__ import annotations

import math

import pytest

from shoplens.analyses.actions.stats import did, t_cdf, t_quantile


def test_did_by_hand() -> None:
    # treated 10,12,11 before and 15,17,16 after; control 5,6,7 before and 6,7,8 after
    # d_before = 5,6,4 (mean 5, var 1); d_after = 9,10,8 (mean 9, var 1)
    # estimate = 9 - 5 = 4 = (16 - 11) - (7 - 6); se = sqrt(1/3 + 1/3); df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4
    r = did([10, 12, 11], [5, 6, 7], [15, 17, 16], [6, 7, 8])
    assert r.estimate == pytest.approx(4.0)
    assert r.treated_before == pytest.approx(11) and r.treated_after == pytest.approx(16)
    assert r.control_before == pytest.approx(6) and r.control_after == pytest.approx(7)
    assert r.se == pytest.approx(math.sqrt(2 / 3))
    assert r.df == pytest.approx(4.0)
    half = 2.776445105 * math.sqrt(2 / 3)  # t(0.975, 4) from any t table
    assert (r.low, r.high) == (pytest.approx(4 - half), pytest.approx(4 + half))
    assert r.significant
    # counterfactual after = 11 + (7 - 6) = 12: the treated group ended 4 above it, +33.3 %
    assert r.relative == pytest.approx(4 / 12)


def test_no_difference_is_not_significant() -> None:
    r = did([1, 3, 2, 4], [0, 0, 0, 0], [2, 1, 4, 3], [0, 0, 0, 0])
    assert r.estimate == pytest.approx(0) and r.low < 0 < r.high and not r.significant


def test_unequal_variances_welch_df() -> None:
    # d_before = 0,2 (var 2, n 2), d_after = 1,1,1,5 (var 4, n 4): vb = 1, va = 1, df = 4 / (1/1 + 1/3) = 3
    r = did([0, 2], [0, 0], [1, 1, 1, 5], [0, 0, 0, 0])
    assert r.estimate == pytest.approx(2 - 1) and r.se == pytest.approx(math.sqrt(2)) and r.df == pytest.approx(3)


def test_constant_differences_have_a_point_interval() -> None:
    r = did([2, 2], [1, 1], [5, 5], [1, 1])
    assert r.estimate == 3 and r.low == r.high == 3 and r.significant


@pytest.mark.parametrize(("p", "df", "q"), [(0.975, 1, 12.7062047), (0.975, 2, 4.3026527), (0.975, 10, 2.2281389),
                                            (0.975, 30, 2.0422725), (0.95, 5, 2.0150484), (0.995, 20, 2.8453397),
                                            (0.975, math.inf, 1.9599640)])
def test_t_quantile_table(p: float, df: float, q: float) -> None:
    assert t_quantile(p, df) == pytest.approx(q, abs=1e-6)
    assert t_cdf(q, df) == pytest.approx(p, abs=1e-8)
    assert t_quantile(1 - p, df) == pytest.approx(-q, abs=1e-6)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="pair"):
        did([1, 2], [1], [1, 2], [1, 2])
    with pytest.raises(ValueError, match="at least 2"):
        did([1], [1], [1, 2], [1, 2])
