"""Return, risk and drawdown statistics of an equity curve: hand computations, a pandas reference, properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arbkit.stats import (
    NANOS_PER_DAY,
    NANOS_PER_YEAR,
    StatsError,
    drawdown_stats,
    grid_levels,
    period_returns,
    return_stats,
    sharpe_ratio,
    sortino_ratio,
)

DAY = NANOS_PER_DAY


def _days(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64) * DAY


# -- drawdown, by hand -------------------------------------------------------------------------
def test_drawdown_depth_and_duration_to_recovery() -> None:
    # peak 120 on day 1, trough 90 on day 3 (-25 %, -30 USD), regained (125 >= 120) on day 6
    eq = np.array([100.0, 120.0, 100.0, 90.0, 110.0, 119.0, 125.0, 120.0])
    d = drawdown_stats(_days(8), eq, 100.0)
    assert d.max_drawdown == pytest.approx(0.25)
    assert d.max_drawdown_usd == pytest.approx(30.0)
    assert (d.peak_ns, d.trough_ns, d.end_ns) == (1 * DAY, 3 * DAY, 6 * DAY)
    assert d.duration_ns == 5 * DAY
    assert d.recovered is True


def test_unrecovered_drawdown_runs_to_the_last_sample() -> None:
    d = drawdown_stats(_days(4), np.array([100.0, 150.0, 120.0, 130.0]), 100.0)
    assert d.max_drawdown == pytest.approx(0.2)
    assert d.max_drawdown_usd == pytest.approx(30.0)
    assert (d.peak_ns, d.trough_ns, d.end_ns, d.duration_ns) == (DAY, 2 * DAY, 3 * DAY, 2 * DAY)
    assert d.recovered is False


def test_largest_fraction_and_largest_usd_fall_can_be_different_episodes() -> None:
    # 50 -> 40 is -20 % (10 USD); 200 -> 180 is -10 % but 20 USD
    d = drawdown_stats(_days(5), np.array([50.0, 40.0, 50.0, 200.0, 180.0]), 50.0)
    assert d.max_drawdown == pytest.approx(0.2)
    assert d.max_drawdown_usd == pytest.approx(20.0)
    assert (d.peak_ns, d.trough_ns, d.end_ns) == (0, DAY, 2 * DAY)


def test_first_sample_below_capital_is_a_drawdown_from_the_capital() -> None:
    d = drawdown_stats(_days(3), np.array([90.0, 95.0, 100.0]), 100.0)
    assert d.max_drawdown == pytest.approx(0.1)
    assert (d.peak_ns, d.trough_ns, d.end_ns, d.duration_ns) == (0, 0, 2 * DAY, 2 * DAY)


def test_rising_curve_has_no_drawdown_and_infinite_calmar() -> None:
    s = return_stats(_days(4), np.array([100.0, 101.0, 103.0, 104.0]), capital_usd=100.0)
    d = s.drawdown
    assert (d.max_drawdown, d.max_drawdown_usd, d.duration_ns, d.recovered) == (0.0, 0.0, 0, True)
    assert (d.peak_ns, d.trough_ns, d.end_ns) == (None, None, None)
    assert s.calmar == math.inf
    assert s.sortino == math.inf  # no losing period


# -- returns -----------------------------------------------------------------------------------
def test_grid_samples_the_step_curve_and_opens_at_capital() -> None:
    grid, levels = grid_levels(np.array([0, 15, 21]), np.array([101.0, 120.0, 110.0]), 100.0, 10)
    np.testing.assert_array_equal(grid, [0, 10, 20, 30])
    np.testing.assert_array_equal(levels, [100.0, 101.0, 120.0, 110.0])
    r = period_returns(np.array([0, 15, 21]), np.array([101.0, 120.0, 110.0]), 100.0, 10)
    np.testing.assert_allclose(r, [0.01, 120 / 101 - 1, 110 / 120 - 1])


def test_total_and_annualised_return_use_calendar_time() -> None:
    one_year = return_stats(np.array([0, NANOS_PER_YEAR]), np.array([100.0, 121.0]), capital_usd=100.0)
    assert one_year.total_return == pytest.approx(0.21)
    assert one_year.annualised_return == pytest.approx(0.21)
    two_years = return_stats(np.array([0, 2 * NANOS_PER_YEAR]), np.array([100.0, 121.0]), capital_usd=100.0)
    assert two_years.annualised_return == pytest.approx(0.10)
    assert two_years.pnl_usd == pytest.approx(21.0)
    assert two_years.duration_ns == 2 * NANOS_PER_YEAR


def test_ratios_of_known_daily_returns() -> None:
    r = np.array([0.01, -0.02, 0.03, 0.0, 0.015])
    eq = 100.0 * np.cumprod(1.0 + r)
    s = return_stats(_days(6), np.concatenate(([100.0], eq)), capital_usd=100.0)
    np.testing.assert_allclose(period_returns(_days(6), np.concatenate(([100.0], eq)), 100.0), r)
    mean, std = r.mean(), r.std(ddof=1)
    assert s.n_periods == 5 and s.periods_per_year == pytest.approx(365.0)
    assert s.sharpe == pytest.approx(mean / std * math.sqrt(365))
    assert s.volatility == pytest.approx(std * math.sqrt(365))
    assert s.sortino == pytest.approx(mean / math.sqrt(0.02**2 / 5) * math.sqrt(365))
    assert s.calmar == pytest.approx(s.annualised_return / s.drawdown.max_drawdown)
    assert s.drawdown.max_drawdown == pytest.approx(0.02)


def test_risk_free_rate_is_compounded_to_the_period() -> None:
    r = np.array([0.01, -0.02, 0.03, 0.0, 0.015])
    eq = np.concatenate(([100.0], 100.0 * np.cumprod(1.0 + r)))
    s = return_stats(_days(6), eq, capital_usd=100.0, risk_free_rate=0.05)
    rf = 1.05 ** (1 / 365) - 1
    assert s.sharpe == pytest.approx((r.mean() - rf) / r.std(ddof=1) * math.sqrt(365))


def test_constant_equity_has_undefined_ratios() -> None:
    s = return_stats(_days(5), np.full(5, 100.0), capital_usd=100.0)
    assert math.isnan(s.sharpe) and math.isnan(s.sortino) and math.isnan(s.calmar)
    assert math.isnan(s.skewness) and s.volatility == 0.0
    assert s.to_json().count(b"null") >= 3  # NaN is null in JSON


def test_one_period_has_nan_sharpe_and_volatility() -> None:
    s = return_stats(np.array([0, DAY]), np.array([100.0, 101.0]), capital_usd=100.0)
    assert s.n_periods == 1 and math.isnan(s.sharpe) and math.isnan(s.volatility)


def test_result_as_dict_nests_the_drawdown() -> None:
    d = return_stats(_days(4), np.array([100.0, 150.0, 120.0, 130.0]), capital_usd=100.0).as_dict()
    assert d["drawdown"]["max_drawdown"] == pytest.approx(0.2)
    assert d["period_ns"] == DAY


# -- malformed input ---------------------------------------------------------------------------
@pytest.mark.parametrize(("ts", "eq", "capital", "match"), [
    (np.array([], dtype=np.int64), np.array([]), 100.0, "at least 2"),
    (np.array([0]), np.array([100.0]), 100.0, "at least 2"),
    (np.array([0, 2, 2]), np.array([1.0, 2.0, 3.0]), 100.0, "strictly increasing: index 2"),
    (np.array([0, 5, 3]), np.array([1.0, 2.0, 3.0]), 100.0, "strictly increasing: index 2"),
    (np.array([0, 1, 2]), np.array([1.0, np.nan, 3.0]), 100.0, "finite: index 1 is nan"),
    (np.array([0, 1, 2]), np.array([1.0, 2.0, np.inf]), 100.0, "finite: index 2 is inf"),
    (np.array([0, 1, 2]), np.array([1.0, 0.0, 3.0]), 100.0, "> 0 .*index 1 is 0.0"),
    (np.array([0, 1, 2]), np.array([1.0, 2.0]), 100.0, "one length, got 3 and 2"),
    (np.array([0.0, 1.0]), np.array([1.0, 2.0]), 100.0, "integer ns"),
    (np.array([0, 1]), np.array([1.0, 2.0]), 0.0, "capital_usd must be a finite number > 0, got 0.0"),
    (np.array([0, 1]), np.array([1.0, 2.0]), -5.0, "capital_usd .* got -5.0"),
    (np.array([0, 1]), np.array([1.0, 2.0]), math.nan, "capital_usd"),
])
def test_malformed_curve_is_refused(ts: np.ndarray, eq: np.ndarray, capital: float, match: str) -> None:
    with pytest.raises(StatsError, match=match):
        return_stats(ts, eq, capital_usd=capital)


def test_non_positive_period_and_bad_rate_are_refused() -> None:
    with pytest.raises(StatsError, match="period_ns must be > 0, got 0"):
        return_stats(_days(3), np.ones(3), capital_usd=1.0, period_ns=0)
    with pytest.raises(StatsError, match="risk_free_rate must be finite"):
        return_stats(_days(3), np.ones(3), capital_usd=1.0, risk_free_rate=math.inf)


# -- an independent pandas reference -----------------------------------------------------------
def _pandas_reference(ts: np.ndarray, eq: np.ndarray, capital: float, period_ns: int) -> dict[str, float]:
    curve = pd.Series(eq, index=pd.to_datetime(ts, unit="ns"))
    n = math.ceil((ts[-1] - ts[0]) / period_ns)
    grid = pd.to_datetime(ts[0] + np.arange(n + 1) * period_ns, unit="ns")
    levels = curve.reindex(grid, method="ffill")
    levels.iloc[0] = capital
    r = levels.pct_change().dropna()
    per_year = 365 * 86_400e9 / period_ns
    opened = pd.concat([pd.Series([capital]), pd.Series(eq)], ignore_index=True)
    return {
        "sharpe": r.mean() / r.std() * math.sqrt(per_year),
        "sortino": r.mean() / math.sqrt((r.clip(upper=0.0) ** 2).mean()) * math.sqrt(per_year),
        "volatility": r.std() * math.sqrt(per_year),
        "max_drawdown": float((1.0 - opened / opened.cummax()).max()),
        "max_drawdown_usd": float((opened.cummax() - opened).max()),
        "total_return": eq[-1] / capital - 1.0,
    }


@pytest.mark.parametrize("seed", range(8))
def test_matches_a_pandas_reference_on_random_curves(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    ts = np.cumsum(rng.integers(1, 6 * 3_600, size=n).astype(np.int64) * 1_000_000_000)
    eq = 10_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, size=n)))
    capital = float(eq[0] * rng.uniform(0.95, 1.05))
    period = int(rng.choice([3_600, 6 * 3_600, 86_400])) * 1_000_000_000
    s = return_stats(ts, eq, capital_usd=capital, period_ns=period)
    ref = _pandas_reference(ts, eq, capital, period)
    for key in ("sharpe", "sortino", "volatility", "total_return"):
        assert getattr(s, key) == pytest.approx(ref[key], rel=1e-9), key
    assert s.drawdown.max_drawdown == pytest.approx(ref["max_drawdown"], rel=1e-12)
    assert s.drawdown.max_drawdown_usd == pytest.approx(ref["max_drawdown_usd"], rel=1e-12)


# -- properties --------------------------------------------------------------------------------
_curves = st.integers(min_value=2, max_value=60).flatmap(lambda n: st.tuples(
    st.lists(st.integers(min_value=1, max_value=10 * DAY), min_size=n, max_size=n),
    st.lists(st.floats(min_value=1e-3, max_value=1e6), min_size=n, max_size=n),
    st.floats(min_value=1e-3, max_value=1e6),
))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_curves)
def test_drawdown_is_a_fraction_and_returns_compound_to_the_total(curve: tuple[list[int], list[float], float]) -> None:
    gaps, values, capital = curve
    ts = np.cumsum(np.array(gaps, dtype=np.int64))
    eq = np.array(values)
    s = return_stats(ts, eq, capital_usd=capital, period_ns=DAY)
    assert 0.0 <= s.drawdown.max_drawdown < 1.0
    assert s.drawdown.max_drawdown_usd >= 0.0
    assert 0 <= s.drawdown.duration_ns <= s.duration_ns
    r = period_returns(ts, eq, capital, DAY)
    assert np.prod(1.0 + r) == pytest.approx(eq[-1] / capital, rel=1e-7)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-500, max_value=500).map(lambda x: x / 1000), min_size=2, max_size=50),
       st.floats(min_value=1e-3, max_value=1e3))
def test_sharpe_and_sortino_are_scale_invariant(returns: list[float], scale: float) -> None:
    r = np.array(returns)
    a, b = sharpe_ratio(r, periods_per_year=365), sharpe_ratio(r * scale, periods_per_year=365)
    assert (math.isnan(a) and math.isnan(b)) or b == pytest.approx(a, rel=1e-6, abs=1e-9)
    c, d = sortino_ratio(r), sortino_ratio(r * scale)
    assert (math.isnan(c) and math.isnan(d)) or d == pytest.approx(c, rel=1e-6, abs=1e-9)


# values on a 0.01 grid: two levels are equal or differ by >= 1e-8 relative, so a 1-ulp rounding of the
# scaled returns moves no ratio by more than ~1e-8 (near-equal float levels would make it ill-conditioned)
_grid_curves = st.integers(min_value=2, max_value=60).flatmap(lambda n: st.tuples(
    st.lists(st.integers(min_value=1, max_value=10 * DAY), min_size=n, max_size=n),
    st.lists(st.integers(min_value=1, max_value=10**8).map(lambda x: x / 100), min_size=n, max_size=n),
    st.integers(min_value=1, max_value=10**8).map(lambda x: x / 100),
))


@settings(max_examples=60, deadline=None)
@given(_grid_curves, st.floats(min_value=1e-2, max_value=1e2))
def test_scaling_equity_and_capital_together_changes_no_ratio(curve: tuple[list[int], list[float], float],
                                                             k: float) -> None:
    gaps, values, capital = curve
    ts = np.cumsum(np.array(gaps, dtype=np.int64))
    eq = np.array(values)
    a = return_stats(ts, eq, capital_usd=capital, period_ns=DAY)
    b = return_stats(ts, eq * k, capital_usd=capital * k, period_ns=DAY)
    for key in ("total_return", "sharpe", "volatility"):
        x, y = getattr(a, key), getattr(b, key)
        assert (math.isnan(x) and math.isnan(y)) or y == pytest.approx(x, rel=1e-6, abs=1e-12), key
    assert b.drawdown.max_drawdown == pytest.approx(a.drawdown.max_drawdown, rel=1e-9, abs=1e-12)
