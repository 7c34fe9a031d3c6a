"""VaR building blocks against hand-computed answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.risk.errors import RiskError
from arbkit.risk.var import EwmaCovariance, MarkSampler, ReturnWindow, historical_var, parametric_var, z_score


def test_parametric_var_of_two_instruments_matches_the_hand_computed_value() -> None:
    """σ = 1 %, 2 %, ρ = 0.5, 100k USD long each: sqrt(1e10 × 7e-4) = 2645.7513; × 2.3263479 = 6154.9379."""
    sigma = np.array([[1e-4, 1e-4], [1e-4, 4e-4]])
    assert parametric_var(np.array([1e5, 1e5]), sigma, confidence=0.99) == pytest.approx(6154.9379, abs=1e-3)
    # a long/short pair hedges: wᵀΣw = 1e10 × (1e-4 + 4e-4 − 2e-4) = 3e6
    assert parametric_var(np.array([1e5, -1e5]), sigma, confidence=0.99) == pytest.approx(
        2.3263479 * math.sqrt(3e6), rel=1e-7)


def test_parametric_var_scales_with_the_square_root_of_the_horizon() -> None:
    sigma = np.array([[1e-4]])
    one = parametric_var(np.array([1e4]), sigma, confidence=0.95)
    assert one == pytest.approx(1.6448536 * 100, rel=1e-7)
    assert parametric_var(np.array([1e4]), sigma, confidence=0.95, horizon_intervals=4) == pytest.approx(2 * one)


def test_historical_var_is_the_lower_loss_quantile() -> None:
    returns = np.array([[r] for r in (0.03, -0.04, 0.01, -0.01, 0.0)])
    # PnLs of 1000 USD: 30, −40, 10, −10, 0; the 20 % lower quantile (index 0 of 5) is −40
    assert historical_var(np.array([1000.0]), returns, confidence=0.8) == pytest.approx(40.0)
    assert historical_var(np.array([-1000.0]), returns, confidence=0.8) == pytest.approx(30.0)
    assert historical_var(np.array([0.0]), returns, confidence=0.8) == 0.0


def test_ewma_covariance_follows_the_riskmetrics_recursion() -> None:
    cov = EwmaCovariance(["a", "b"], decay=0.9, min_updates=2)
    cov.update([0.01, -0.02])
    assert cov.get() is None
    cov.update([0.02, 0.0])
    expected = 0.9 * 0.1 * np.outer([0.01, -0.02], [0.01, -0.02]) + 0.1 * np.outer([0.02, 0.0], [0.02, 0.0])
    assert np.allclose(cov.get(), expected)


def test_mark_sampler_emits_one_return_per_interval() -> None:
    cov = EwmaCovariance(["a", "b"], decay=0.5)
    window = ReturnWindow(["a", "b"], size=10)
    sampler = MarkSampler(["a", "b"], interval_ns=100, covariance=cov, window=window)
    for ts, a, b in [(0, 100.0, 50.0), (150, 110.0, 50.0), (250, 99.0, 55.0), (301, 99.0, 55.0)]:
        sampler.on_mark("a", a, ts)
        sampler.on_mark("b", b, ts)
    assert np.allclose(window.get(), [[0.1, 0.0], [-0.1, 0.1]])


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.5])
def test_bad_confidence_or_decay_raises_a_typed_error(bad: float) -> None:
    with pytest.raises(RiskError, match="confidence"):
        z_score(bad)
    with pytest.raises(RiskError, match="decay"):
        EwmaCovariance(["a"], decay=bad)


def test_returns_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(RiskError, match="2 finite numbers"):
        EwmaCovariance(["a", "b"], decay=0.9).update([0.01])
    with pytest.raises(RiskError, match="2 finite numbers"):
        ReturnWindow(["a", "b"], size=3).update([0.01, float("nan")])



@settings(max_examples=200, deadline=None)
@given(rows=st.integers(min_value=1, max_value=300), confidence=st.floats(min_value=0.5, max_value=0.999),
       seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_historical_var_equals_numpy_lower_quantile(rows: int, confidence: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    returns, weights = rng.normal(0, 0.01, size=(rows, 3)), rng.normal(0, 1e4, size=3)
    expected = max(-float(np.quantile(returns @ weights, 1 - confidence, method="lower")), 0.0)
    assert historical_var(weights, returns, confidence=confidence) == expected


def test_return_window_keeps_the_last_rows_oldest_first_across_wraps() -> None:
    window = ReturnWindow(["a", "b"], 3)
    for t in range(7):
        window.update([t, -t])
        kept = list(range(max(0, t - 2), t + 1))
        assert window.get().tolist() == [[k, -k] for k in kept]
    assert not window.get().flags.writeable
