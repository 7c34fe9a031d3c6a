"""A/B statistics of per-trade PnL: Welch against scipy, the bootstrap interval, and the sequential stopping rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from arbkit.stats.ab_test import StoppingRule, bootstrap_diff, welch_test
from arbkit.stats.errors import StatsError

SEEDS = 120
"""Simulated A/A tests (fixed seeds 0..SEEDS-1); with α = 0.05 about 6 should find a false winner."""


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_welch_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(0.3, 1.0, size=40 + 7 * seed)
    b = rng.normal(0.0, 2.5, size=25 + 11 * seed)
    r = welch_test(a, b, confidence=0.9)
    ref = scipy_stats.ttest_ind(a, b, equal_var=False)
    assert r.t == pytest.approx(float(ref.statistic), rel=1e-10)
    assert r.p_value == pytest.approx(float(ref.pvalue), rel=1e-8)
    assert r.df == pytest.approx(float(ref.df), rel=1e-10)
    low, high = ref.confidence_interval(confidence_level=0.9)
    assert (r.ci_low, r.ci_high) == (pytest.approx(float(low), rel=1e-8), pytest.approx(float(high), rel=1e-8))
    assert (r.n_a, r.n_b, r.diff) == (a.size, b.size, pytest.approx(a.mean() - b.mean()))


def test_welch_with_one_constant_arm_is_defined() -> None:
    r = welch_test([1.0, 1.0, 1.0], [0.0, 2.0, 4.0])  # s_b² = 4: se = sqrt(4/3), df = (4/3)² / ((4/3)² / 2) = 2
    assert (r.diff, r.se, r.t, r.df) == (-1.0, pytest.approx(math.sqrt(4 / 3)), pytest.approx(-math.sqrt(3 / 4)),
                                         pytest.approx(2.0))


def test_bootstrap_interval_covers_the_welch_interval_roughly_and_is_reproducible() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.normal(1.0, 1.0, size=300), rng.normal(0.0, 1.0, size=250)
    boot = bootstrap_diff(a, b, seed=3)
    welch = welch_test(a, b)
    assert boot.diff == pytest.approx(welch.diff) and boot.n_boot == 2000
    assert boot.ci_low < boot.diff < boot.ci_high
    assert boot.ci_low == pytest.approx(welch.ci_low, abs=0.03) and boot.ci_high == pytest.approx(welch.ci_high, abs=0.03)
    assert bootstrap_diff(a, b, seed=3) == boot
    assert bootstrap_diff(a, b, seed=4) != boot


def _first_stop(rule: StoppingRule, a: np.ndarray, b: np.ndarray) -> tuple[int, str | None]:
    """Feed trades one per arm at a time; the look at which the rule stopped and its winner."""
    for n in range(1, a.size + 1):
        decision = rule.decide(a[:n], b[:n])
        if decision.stop:
            return n, decision.winner
    raise AssertionError("the rule never stopped, yet it must at max_trades_per_arm")


def _running_welch_t(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Welch's t after each of the first n trades per arm (equal arm sizes), n = 1..len; vectorised."""
    n = np.arange(1, a.size + 1)
    var = [(np.cumsum(x * x) - n * (np.cumsum(x) / n) ** 2) / np.maximum(n - 1, 1) for x in (a, b)]
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.cumsum(a) - np.cumsum(b)) / n / np.sqrt((var[0] + var[1]) / n)


def test_a_a_tests_rarely_find_a_winner_while_a_fixed_line_often_does() -> None:
    rule = StoppingRule(confidence=0.95, min_trades_per_arm=30, max_trades_per_arm=300)
    false_winners = naive_false_winners = 0
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        a, b = rng.standard_t(df=4, size=300), rng.standard_t(df=4, size=300)  # fat-tailed PnL, same mean
        n, winner = _first_stop(rule, a, b)
        false_winners += winner is not None
        assert winner is not None or n == 300
        # the naive rule: stop at the first look from 30 trades on where |t| >= 1.96
        naive_false_winners += bool((np.abs(_running_welch_t(a, b)[29:]) >= 1.96).any())
    assert false_winners <= 0.1 * SEEDS, f"{false_winners} of {SEEDS} A/A tests found a winner"
    assert naive_false_winners >= 0.2 * SEEDS and naive_false_winners >= 3 * max(false_winners, 1), \
        (naive_false_winners, false_winners)


@pytest.mark.parametrize("better", ["a", "b"])
def test_a_clear_difference_stops_early_for_the_better_arm(better: str) -> None:
    rng = np.random.default_rng(11)
    good, bad = rng.normal(1.0, 1.0, size=500), rng.normal(0.0, 1.0, size=500)
    a, b = (good, bad) if better == "a" else (bad, good)
    n, winner = _first_stop(StoppingRule(), a, b)
    assert winner == better and n < 250


def test_decision_before_min_trades_and_at_the_maximum() -> None:
    rule = StoppingRule(min_trades_per_arm=5, max_trades_per_arm=20)
    early = rule.decide([1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0, 50.0])
    assert not early.stop and early.reason.startswith("continue: 4 trades in the smaller arm, at least 5")
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=20), rng.normal(size=20)
    last = rule.decide(a, b)
    assert last.stop and last.winner is None and last.reason.startswith("no difference")
    assert last.z_boundary == pytest.approx(rule.z_final) and last.z == pytest.approx(welch_test(a, b).t)
    assert rule.decide([], []).z is None and not rule.decide([], []).stop


def test_boundary_has_the_obrien_fleming_shape() -> None:
    rule = StoppingRule(confidence=0.95, max_trades_per_arm=400)
    assert rule.z_final == pytest.approx(scipy_stats.norm.ppf(1 - 0.05 / 4))
    assert rule.boundary(100) == pytest.approx(2 * rule.z_final) and rule.boundary(400) == pytest.approx(rule.z_final)
    assert rule.boundary(0) == math.inf


def test_constant_arms_give_no_statistic_and_no_winner() -> None:
    rule = StoppingRule(min_trades_per_arm=2, max_trades_per_arm=3)
    decision = rule.decide([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert decision.z is None and decision.stop and decision.winner is None
    assert "|t| = undefined" in decision.reason


@pytest.mark.parametrize("call, message", [
    (lambda: welch_test([1.0], [1.0, 2.0]), "arm a has 1 observations; at least 2 are needed"),
    (lambda: welch_test([1.0, 2.0], [3.0, float("nan")]), "arm b must be finite: index 1 is nan"),
    (lambda: welch_test([2.0, 2.0], [3.0, 3.0]), "both arms have zero variance"),
    (lambda: welch_test([1.0, 2.0], [3.0, 4.0], confidence=1.0), r"confidence must be in \(0, 1\), got 1.0"),
    (lambda: bootstrap_diff([1.0, 2.0], [3.0, 4.0], n_boot=10), "n_boot must be >= 100, got 10"),
    (lambda: StoppingRule(min_trades_per_arm=50, max_trades_per_arm=50), "max_trades_per_arm must be >= 51, got 50"),
    (lambda: StoppingRule(min_trades_per_arm=1), "min_trades_per_arm must be >= 2, got 1"),
    (lambda: StoppingRule().decide([[1.0]], [1.0]), "arm a must be 1-D"),
])
def test_bad_inputs_are_refused_with_a_message(call: object, message: str) -> None:
    with pytest.raises(StatsError, match=message):
        call()  # type: ignore[operator]


@settings(deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=2, max_size=20),
       st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=20))
def test_any_non_finite_pnl_is_refused_naming_its_index(a: list[float], b: list[float]) -> None:
    bad = [i for i, v in enumerate(a) if not math.isfinite(v)]
    if not bad:
        return
    for call in (lambda: welch_test(a, b), lambda: bootstrap_diff(a, b, n_boot=100), lambda: StoppingRule().decide(a, b)):
        with pytest.raises(StatsError, match=f"arm a must be finite: index {bad[0]} is"):
            call()


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda c: not 0.0 < c < 1.0))
def test_confidence_outside_the_unit_interval_is_refused(confidence: float) -> None:
    with pytest.raises(StatsError, match="confidence must be in"):
        StoppingRule(confidence=confidence)


@settings(deadline=None, max_examples=50)
@given(st.lists(st.floats(-100, 100), min_size=2, max_size=30), st.lists(st.floats(-100, 100), min_size=2, max_size=30))
def test_welch_ci_contains_diff_and_swapping_arms_negates_it(a: list[float], b: list[float]) -> None:
    if np.var(a) == 0 and np.var(b) == 0:
        with pytest.raises(StatsError, match="zero variance"):
            welch_test(a, b)
        return
    r, s = welch_test(a, b), welch_test(b, a)
    assert r.ci_low <= r.diff <= r.ci_high and 0.0 <= r.p_value <= 1.0
    assert s.t == pytest.approx(-r.t, rel=1e-9, abs=1e-12) and s.p_value == pytest.approx(r.p_value, rel=1e-9)
