"""Root-cause arithmetic against hand-computed cases (shoplens.analyses.why.contributions)."""

from __future__ import annotations

import math

import pytest

from shoplens.analyses.why.contributions import (
    additive_contributions,
    adtributor,
    explain_dimension,
    factor_split,
    log_mean,
    nested_split,
    ratio_contributions,
    surprise,
)


def _by(effects):
    return {e.value: e for e in effects}


def test_log_mean() -> None:
    assert log_mean(5.0, 5.0) == 5.0
    assert log_mean(math.e, 1.0) == pytest.approx(math.e - 1)  # (e − 1) / (1 − 0)


def test_lmdi_two_factors_move() -> None:
    """UV 1000→1200, conversion 5 %→4 %, AOV 100 flat: GMV 5000→4800 (−200).

    L(4800, 5000) = −200 / ln(4800/5000) = 4899.33;  c_uv = L·ln 1.2 = 893.25;  c_conv = L·ln 0.8 = −1093.25;
    c_aov = L·ln 1 = 0;  893.25 − 1093.25 = −200.
    """
    c = factor_split({"uv": 1000, "conv": 0.05, "aov": 100}, {"uv": 1200, "conv": 0.04, "aov": 100})
    assert c["uv"] == pytest.approx(200 * math.log(1.2) / math.log(5000 / 4800))
    assert c["uv"] == pytest.approx(893.25, abs=0.01)
    assert c["conv"] == pytest.approx(-1093.25, abs=0.01)
    assert c["aov"] == 0
    assert sum(c.values()) == pytest.approx(-200)


def test_factor_zero_falls_back_to_shapley() -> None:
    """UV 100→200, conversion 10 %→0, AOV 10 flat: GMV 100→0. ln 0 is undefined, so Shapley (2 orders):

    c_uv   = ½[(200·.1 − 100·.1)·10 + (200·0 − 100·0)·10] = ½[100 + 0]    = 50
    c_conv = ½[(100·0 − 100·.1)·10 + (200·0 − 200·.1)·10] = ½[−100 − 200] = −150;  50 − 150 = −100.
    """
    c = factor_split({"uv": 100, "conv": 0.1, "aov": 10}, {"uv": 200, "conv": 0.0, "aov": 10})
    assert c == pytest.approx({"uv": 50, "conv": -150, "aov": 0})


def test_additive() -> None:
    """GMV a 100→80, b 50→60, c new 0→5: contributions −20, +10, +5 = 155 − 150."""
    c = _by(additive_contributions({"a": 100, "b": 50}, {"a": 80, "b": 60, "c": 5}))
    assert {k: e.contribution for k, e in c.items()} == {"a": -20, "b": 10, "c": 5}


def test_ratio_pure_mix() -> None:
    """Rates fixed (A 10 %, B 2 %); visitors move from 100/100 to 50/150. R 12/200 = 6 % → 8/200 = 4 %.

    w: A .5→.25, B .5→.75; mean total R̄ = 5 %;  mix_A = (10 % − 5 %)·(−.25) = −1.25 pt,
    mix_B = (2 % − 5 %)·(+.25) = −0.75 pt; rate effects 0; sum −2 pt.
    """
    c = _by(ratio_contributions({"A": 10, "B": 2}, {"A": 100, "B": 100}, {"A": 5, "B": 3}, {"A": 50, "B": 150}))
    assert c["A"].rate_effect == pytest.approx(0) and c["B"].rate_effect == pytest.approx(0)
    assert c["A"].mix_effect == pytest.approx(-0.0125)
    assert c["B"].mix_effect == pytest.approx(-0.0075)
    assert sum(e.contribution for e in c.values()) == pytest.approx(0.04 - 0.06)


def test_ratio_pure_rate() -> None:
    """Visitors 100/100 both times; A converts 10 %→5 %, B 2 % flat. R 6 % → 3.5 %.

    rate_A = .5 · (−5 pt) = −2.5 pt; everything else 0.
    """
    c = _by(ratio_contributions({"A": 10, "B": 2}, {"A": 100, "B": 100}, {"A": 5, "B": 2}, {"A": 100, "B": 100}))
    assert c["A"].rate_effect == pytest.approx(-0.025)
    assert c["A"].mix_effect == pytest.approx(0)
    assert c["B"].contribution == pytest.approx(0)
    assert c["A"].contribution == pytest.approx(0.035 - 0.06)


def test_ratio_new_value() -> None:
    """A 10/100 both times; C appears with 30/100. R 10 % → 20 %; R̄ = 15 %.

    A: w 1→.5, mix = (10 % − 15 %)·(−.5) = +2.5 pt.  C: r0 := r1 = 30 %, mix = (30 % − 15 %)·.5 = +7.5 pt.
    """
    c = _by(ratio_contributions({"A": 10}, {"A": 100}, {"A": 10, "C": 30}, {"A": 100, "C": 100}))
    assert c["A"].mix_effect == pytest.approx(0.025)
    assert c["C"].rate_effect == pytest.approx(0)
    assert c["C"].mix_effect == pytest.approx(0.075)
    assert sum(e.contribution for e in c.values()) == pytest.approx(0.1)


def test_ratio_vanished_value() -> None:
    """The reverse: C (30 %) disappears. R 20 % → 10 %; R̄ = 15 %.

    A: w .5→1, mix = (10 % − 15 %)·(+.5) = −2.5 pt.  C: r1 := r0 = 30 %, mix = (30 % − 15 %)·(−.5) = −7.5 pt.
    """
    c = _by(ratio_contributions({"A": 10, "C": 30}, {"A": 100, "C": 100}, {"A": 10}, {"A": 100}))
    assert c["A"].contribution == pytest.approx(-0.025)
    assert c["C"].rate_effect == pytest.approx(0)
    assert c["C"].mix_effect == pytest.approx(-0.075)
    assert sum(e.contribution for e in c.values()) == pytest.approx(-0.1)


def test_ratio_zero_denominator_refused() -> None:
    with pytest.raises(ValueError):
        ratio_contributions({"A": 0}, {"A": 0}, {"A": 1}, {"A": 10})


def test_adtributor_hand_worked() -> None:
    """GMV fell 100 → 70. Two dimensions.

    channel: A 50→20, B 30→30, C 20→20.  EP: A = −30/−30 = 1, B = C = 0.
      shares p = (.5, .3, .2), q = (2/7, 3/7, 2/7).  JS term of A: m = (.5 + .285714)/2 = .392857;
      ½[.5·ln(.5/.392857) + .285714·ln(.285714/.392857)] = ½[.5·.241162 − .285714·.318454] = ½[.120581 − .090987]
      = .014797.  B and C have EP 0 ≤ 0.1, so they are never taken: set {A}, EP 1, surprise .014797.
    device: X 60→40, Y 40→30.  EP X = −20/−30 = .6667, Y = .3333.
      p = (.6, .4), q = (4/7, 3/7).  X: m = .585714, ½[.6·ln(.6/.585714) + .571429·ln(.571429/.585714)]
      = ½[.6·.024098 − .571429·.024693] = ½[.014459 − .014110] = .000174;
      Y: m = .414286, ½[.4·(−.035091) + .428571·.033902] = ½[−.014037 + .014529] = .000246.
      By surprise Y first (EP .3333 < .67), then X (EP 1.0 ≥ .67): set {Y, X}, surprise .000420.
      (X alone explains .6667, just under the threshold.)
    Ranking: channel (.014797) before device (.000420).
    """
    gmv0 = {"channel": {"A": 50, "B": 30, "C": 20}, "device": {"X": 60, "Y": 40}}
    gmv1 = {"channel": {"A": 20, "B": 30, "C": 20}, "device": {"X": 40, "Y": 30}}
    per_dim = {}
    for d in gmv0:
        contrib = {e.value: e.contribution for e in additive_contributions(gmv0[d], gmv1[d])}
        per_dim[d] = (contrib, surprise(gmv0[d], gmv1[d]))
    assert per_dim["channel"][1]["A"] == pytest.approx(0.014797, abs=1e-6)
    assert per_dim["device"][1]["X"] == pytest.approx(0.000174, abs=1e-6)
    assert per_dim["device"][1]["Y"] == pytest.approx(0.000246, abs=1e-6)
    ranked = adtributor(per_dim)
    assert [e.dimension for e in ranked] == ["channel", "device"]
    assert ranked[0].values == ["A"] and ranked[0].explanatory_power == pytest.approx(1.0)
    assert ranked[0].surprise == pytest.approx(0.014797, abs=1e-6)
    assert ranked[1].values == ["Y", "X"] and ranked[1].explanatory_power == pytest.approx(1.0)
    assert ranked[1].surprise == pytest.approx(0.000420, abs=1e-6)
    assert all(e.complete for e in ranked)


def test_nested_split_adds_up_to_its_parent() -> None:
    """A factor c = a × b splits its contribution over a and b.

    With the parent's LMDI weight (10): a 2 → 4, b 3 → 1.5 leave c at 6, so c contributes 10·ln 1 = 0, yet a gets
    10·ln 2 = +6.93 and b 10·ln 0.5 = −6.93. Without a weight, in proportion to c's own split: a 1 → 3, b 2 → 4
    (c 2 → 12; LMDI shares ln 3 / ln 6 and ln 2 / ln 6) of a contribution of 5 → 3.07 and 1.93. With a zero
    (a 0 → 2, b 3 flat: Shapley gives all of c's change to a) a contribution of 12 goes to a alone.
    """
    moved = nested_split(0.0, {"a": 2, "b": 3}, {"a": 4, "b": 1.5}, weight=10)
    assert moved["a"] == pytest.approx(10 * math.log(2)) and moved["a"] == pytest.approx(6.93, abs=0.01)
    assert moved["b"] == pytest.approx(-10 * math.log(2)) and sum(moved.values()) == pytest.approx(0, abs=1e-12)
    share = nested_split(5.0, {"a": 1, "b": 2}, {"a": 3, "b": 4})
    assert share["a"] == pytest.approx(5 * math.log(3) / math.log(6)) and share["a"] == pytest.approx(3.07, abs=0.01)
    assert share["b"] == pytest.approx(1.93, abs=0.01) and sum(share.values()) == pytest.approx(5)
    assert nested_split(12.0, {"a": 0, "b": 3}, {"a": 2, "b": 3}) == {"a": pytest.approx(12), "b": 0.0}


def test_overlapping_values_never_explain_a_move_they_went_against() -> None:
    """Visitors by category overlap (one visitor of two categories counts in both): the store's visitors rose by
    10 while the categories' own changes sum to −40 (a: −50, b: +10). Against the values' own sum, a would
    "explain" 125 % of the change; against the store's change (+10) a moved the other way (−500 %) and only b,
    which rose, can explain the rise: b explains 100 %."""
    contributions, surprises = {"a": -50.0, "b": 10.0}, {"a": 0.3, "b": 0.1}
    own = explain_dimension("category", contributions, surprises)
    assert own.values == ["a"] and own.explanatory_power == pytest.approx(1.25)
    store = explain_dimension("category", contributions, surprises, total=10.0)
    assert store.values == ["b"] and store.explanatory_power == pytest.approx(1.0) and store.complete
