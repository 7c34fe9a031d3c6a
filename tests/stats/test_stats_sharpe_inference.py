"""Probabilistic and deflated Sharpe ratios against the papers' worked examples, properties and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kurtosis as scipy_kurtosis
from scipy.stats import norm
from scipy.stats import skew as scipy_skew

from arbkit.stats import (
    StatsError,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    min_track_record_length,
    probabilistic_sharpe_ratio,
    psr_from_returns,
    sharpe_ratio,
)
from arbkit.stats.ratios import kurtosis, skewness


def test_psr_worked_example_of_the_sharpe_ratio_efficient_frontier() -> None:
    """Bailey & López de Prado (2012), "The Sharpe ratio efficient frontier", J. of Risk 15(2), section 3.

    A track record of n = 24 monthly returns with monthly SR = 0.458 (annualised ~1.59): PSR(0) = 0.982
    for normal returns (skew 0, kurtosis 3) and 0.913 with skew -2.448 and kurtosis 10.164. By hand:
    z = 0.458·√23 / √(1 + 2.448·0.458 + 9.164/4·0.458²) = 2.1965 / 1.6130 = 1.3618 -> Φ(z) = 0.9134.
    """
    assert round(probabilistic_sharpe_ratio(0.458, 24), 3) == 0.982
    assert round(probabilistic_sharpe_ratio(0.458, 24, skewness=-2.448, kurtosis=10.164), 3) == 0.913


def test_min_track_record_length_worked_example() -> None:
    """Same paper: monthly SR 0.7079, skew -0.2250, kurtosis 2.9570, SR* = 0, 95 % -> MinTRL 0.7152 years.

    1 + (1 + 0.225·0.7079 + 1.957/4·0.7079²)·(1.6449 / 0.7079)² = 8.583 months = 0.7152 years.
    """
    months = min_track_record_length(0.7079, skewness=-0.2250, kurtosis=2.9570, confidence=0.95)
    assert round(months / 12, 4) == 0.7152
    assert min_track_record_length(0.1, benchmark_sharpe=0.2) == math.inf


def test_deflated_sharpe_ratio_worked_example() -> None:
    """Bailey & López de Prado (2014), "The deflated Sharpe ratio", J. of Portfolio Management 40(5), numerical example.

    Annualised SR 2.5 from T = 1250 daily returns (250 a year), skew -3, kurtosis 10; N = 100 independent
    trials whose Sharpe ratios have annualised variance 1/2. Per day: SR = 2.5/√250 = 0.1581, V = 0.5/250.
    SR0 = √V·((1-γ)Φ⁻¹(0.99) + γΦ⁻¹(1 - 1/(100e))) = 0.1132 (1.7894 annualised), and
    DSR = Φ((0.1581 - 0.1132)·√1249 / √(1 + 3·0.1581 + 9/4·0.1581²)) = Φ(1.2838) = 0.9004.
    """
    sr, v = 2.5 / math.sqrt(250), 0.5 / 250
    assert expected_max_sharpe(100, v) == pytest.approx(0.1132, abs=5e-5)
    assert expected_max_sharpe(100, v) * math.sqrt(250) == pytest.approx(1.7894, abs=5e-4)
    d = deflated_sharpe_ratio(sr, 1250, skewness=-3.0, kurtosis=10.0, n_trials=100, sharpe_variance=v)
    assert d.dsr == pytest.approx(0.9004, abs=5e-5)
    assert d.benchmark_sharpe == pytest.approx(0.1132, abs=5e-5)
    assert (d.n_trials, d.n_obs, d.sharpe_variance) == (100, 1250, v)
    assert d.as_dict()["dsr"] == d.dsr


def test_dsr_from_trial_sharpes_uses_their_sample_variance_and_count() -> None:
    trials = np.array([0.05, 0.1, -0.02, 0.08, 0.0])
    d = deflated_sharpe_ratio(0.1, 500, trial_sharpes=trials)
    assert d.n_trials == 5 and d.sharpe_variance == pytest.approx(trials.var(ddof=1))
    assert d.benchmark_sharpe == pytest.approx(expected_max_sharpe(5, trials.var(ddof=1)))
    assert deflated_sharpe_ratio(0.1, 500, trial_sharpes=trials, n_trials=50).n_trials == 50


def test_one_trial_has_no_selection_bias() -> None:
    assert expected_max_sharpe(1, 0.3) == 0.0
    d = deflated_sharpe_ratio(0.1, 300, n_trials=1, sharpe_variance=0.3)
    assert d.dsr == pytest.approx(probabilistic_sharpe_ratio(0.1, 300))


def test_more_trials_deflate_more() -> None:
    values = [deflated_sharpe_ratio(0.1, 500, n_trials=n, sharpe_variance=0.002).dsr for n in (2, 10, 100, 1000)]
    assert values == sorted(values, reverse=True) and values[0] > values[-1]


def test_psr_from_returns_uses_the_sample_moments() -> None:
    r = np.random.default_rng(3).standard_t(5, size=400) * 0.01 + 0.001
    g3, g4 = scipy_skew(r), scipy_kurtosis(r, fisher=False)
    assert skewness(r) == pytest.approx(g3) and kurtosis(r) == pytest.approx(g4)
    sr = r.mean() / r.std(ddof=1)
    z = sr * math.sqrt(399) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    assert psr_from_returns(r) == pytest.approx(norm.cdf(z))
    assert math.isnan(psr_from_returns(np.full(10, 0.01)))  # constant: Sharpe undefined


def test_nan_sharpe_gives_nan_psr() -> None:
    assert math.isnan(probabilistic_sharpe_ratio(math.nan, 10))


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=-1.0, max_value=1.0), st.integers(min_value=2, max_value=5000),
       st.floats(min_value=-2.0, max_value=2.0), st.floats(min_value=1e-3, max_value=20.0),
       st.floats(min_value=-1.0, max_value=1.0), st.floats(min_value=0.0, max_value=1.0))
def test_psr_is_a_probability_decreasing_in_the_benchmark(sr: float, n: int, g3: float, excess: float,
                                                          bench: float, step: float) -> None:
    g4 = 1.0 + g3 * g3 + excess  # real distributions have kurtosis >= 1 + skew²; > keeps the variance factor > 0
    low = probabilistic_sharpe_ratio(sr, n, skewness=g3, kurtosis=g4, benchmark_sharpe=bench)
    high = probabilistic_sharpe_ratio(sr, n, skewness=g3, kurtosis=g4, benchmark_sharpe=bench + step)
    assert 0.0 <= high <= low <= 1.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=-100, max_value=100).map(lambda x: x / 1000), min_size=3, max_size=80))
def test_psr_from_returns_is_a_probability(returns: list[float]) -> None:
    r = np.array(returns)
    p = psr_from_returns(r)
    assert math.isnan(sharpe_ratio(r)) == math.isnan(p)
    assert math.isnan(p) or 0.0 <= p <= 1.0


# -- malformed input ---------------------------------------------------------------------------
def test_malformed_inputs_are_refused() -> None:
    with pytest.raises(StatsError, match="n_obs must be >= 2, got 1"):
        probabilistic_sharpe_ratio(0.1, 1)
    with pytest.raises(StatsError, match="n_obs must be an integer, got 2.5"):
        probabilistic_sharpe_ratio(0.1, 2.5)  # type: ignore[arg-type]
    with pytest.raises(StatsError, match="kurtosis is Pearson's .* got 0.5"):
        probabilistic_sharpe_ratio(0.1, 10, kurtosis=0.5)
    with pytest.raises(StatsError, match="skewness must be finite, got nan"):
        probabilistic_sharpe_ratio(0.1, 10, skewness=math.nan)
    with pytest.raises(StatsError, match="returns has 1 observations; at least 2"):
        psr_from_returns(np.array([0.1]))
    with pytest.raises(StatsError, match="n_trials must be >= 1, got 0"):
        expected_max_sharpe(0, 0.1)
    with pytest.raises(StatsError, match="sharpe_variance must be >= 0, got -0.1"):
        expected_max_sharpe(10, -0.1)
    with pytest.raises(StatsError, match="exactly one of sharpe_variance and trial_sharpes, got neither"):
        deflated_sharpe_ratio(0.1, 100, n_trials=10)
    with pytest.raises(StatsError, match="got both"):
        deflated_sharpe_ratio(0.1, 100, n_trials=10, sharpe_variance=0.1, trial_sharpes=[0.1, 0.2])
    with pytest.raises(StatsError, match="n_trials is required"):
        deflated_sharpe_ratio(0.1, 100, sharpe_variance=0.1)
    with pytest.raises(StatsError, match="trial_sharpes has 1 observations; at least 2"):
        deflated_sharpe_ratio(0.1, 100, trial_sharpes=[0.1])
    with pytest.raises(StatsError, match="confidence must be in \\(0, 1\\), got 1.0"):
        min_track_record_length(0.1, confidence=1.0)
