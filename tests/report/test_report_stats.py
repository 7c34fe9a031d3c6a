"""Performance statistics against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arbkit.report.fills import fill_stats
from arbkit.report.model import FillRow, ReportInputError
from arbkit.report.stats import NANOS_PER_YEAR, compute_stats, drawdown_series, interval_pnl

S = 1_000_000_000


def _fill(side: str, price: str, qty: str, fee: str = "0", instrument: str = "X") -> FillRow:
    return FillRow(ts_ns=0, instrument_id=instrument, side=side, price=price, qty=qty, fee=fee, liquidity="taker",
                   script_id="s", model_version="v", client_order_id="c")


def test_drawdown_series_is_equity_minus_running_peak() -> None:
    dd = drawdown_series(np.array([100.0, 120.0, 90.0, 130.0, 125.0]))
    np.testing.assert_array_equal(dd, [0.0, 0.0, -30.0, 0.0, -5.0])


def test_drawdown_series_of_empty_curve_is_empty() -> None:
    assert drawdown_series(np.array([])).size == 0


def test_max_drawdown_and_duration_to_recovery_match_hand_computation() -> None:
    # peak 120 at t=1 s, trough 90 at t=3 s, regained (>= 120) at t=6 s; a later smaller dip of 5.
    ts = np.array([0, 1, 2, 3, 4, 5, 6, 7]) * S
    eq = np.array([100.0, 120.0, 100.0, 90.0, 110.0, 119.0, 125.0, 120.0])
    s = compute_stats(ts, eq, capital_usd=1_000.0)
    assert s.total_pnl_usd == pytest.approx(20.0)
    assert s.return_pct == pytest.approx(2.0)
    assert s.max_drawdown_usd == pytest.approx(30.0)
    assert s.max_drawdown_pct == pytest.approx(3.0)
    assert s.max_drawdown_duration_s == pytest.approx(5.0)
    assert (s.max_drawdown_peak_ns, s.max_drawdown_trough_ns) == (1 * S, 3 * S)
    assert s.max_drawdown_recovered


def test_unrecovered_drawdown_lasts_until_the_last_sample() -> None:
    ts = np.array([0, 2, 5, 9]) * S
    eq = np.array([100.0, 105.0, 95.0, 101.0])
    s = compute_stats(ts, eq, capital_usd=100.0)
    assert s.max_drawdown_usd == pytest.approx(10.0)
    assert s.max_drawdown_duration_s == pytest.approx(7.0)
    assert not s.max_drawdown_recovered


def test_sharpe_and_sortino_match_hand_computation_on_one_second_grid() -> None:
    ts = np.array([0, 1, 2, 3, 4]) * S
    eq = np.array([0.0, 2.0, 1.0, 4.0, 3.0])  # interval PnL: 2, -1, 3, -1
    s = compute_stats(ts, eq, capital_usd=100.0)
    pnl = np.array([2.0, -1.0, 3.0, -1.0])
    mean = 0.75
    std = math.sqrt(((pnl - mean) ** 2).sum() / 3)
    downside = math.sqrt((1.0 + 1.0) / 4)
    per_year = NANOS_PER_YEAR / S
    assert s.n_intervals == 4
    assert s.intervals_per_year == pytest.approx(365 * 86_400)
    assert s.sharpe_ratio == pytest.approx(mean / std * math.sqrt(per_year))
    assert s.sortino_ratio == pytest.approx(mean / downside * math.sqrt(per_year))


def test_interval_pnl_resamples_irregular_samples_as_a_step_function() -> None:
    ts = np.array([0, 300_000_000, 2_500_000_000, 2_600_000_000])
    eq = np.array([10.0, 11.0, 15.0, 14.0])
    # grid 0, 1, 2, 3 s -> equity 10, 11, 11, 14
    np.testing.assert_allclose(interval_pnl(ts, eq), [1.0, 0.0, 3.0])
    np.testing.assert_allclose(interval_pnl(ts, eq, 2 * S), [1.0, 3.0])
    assert interval_pnl(ts, eq).sum() == pytest.approx(eq[-1] - eq[0])


def test_flat_curve_has_no_sharpe_or_sortino_rather_than_nan() -> None:
    ts = np.arange(10) * S
    s = compute_stats(ts, np.full(10, 5_000.0), capital_usd=5_000.0)
    assert s.sharpe_ratio is None and s.sortino_ratio is None
    assert s.max_drawdown_usd == 0.0 and s.max_drawdown_duration_s == 0.0
    assert s.max_drawdown_peak_ns is None


def test_only_winning_intervals_give_sharpe_but_no_sortino() -> None:
    s = compute_stats(np.arange(4) * S, np.array([0.0, 1.0, 3.0, 4.0]), capital_usd=10.0)
    assert s.sharpe_ratio is not None and s.sharpe_ratio > 0
    assert s.sortino_ratio is None


def test_empty_curve_gives_zeros_and_no_ratios() -> None:
    s = compute_stats(np.array([], dtype=np.int64), np.array([]), capital_usd=1.0)
    assert (s.total_pnl_usd, s.max_drawdown_usd, s.n_intervals, s.n_fills) == (0.0, 0.0, 0, 0)
    assert s.sharpe_ratio is None and s.sortino_ratio is None and s.hit_rate is None


def test_single_point_curve_gives_no_ratios() -> None:
    s = compute_stats(np.array([7 * S]), np.array([100.0]), capital_usd=100.0)
    assert (s.start_ns, s.end_ns, s.duration_s, s.total_pnl_usd) == (7 * S, 7 * S, 0.0, 0.0)
    assert s.sharpe_ratio is None and s.sortino_ratio is None


@pytest.mark.parametrize(
    ("ts", "eq", "kwargs", "message"),
    [
        ([0, 2, 1], [1.0, 2.0, 3.0], {}, "non-decreasing"),
        ([0, 1], [1.0], {}, "equal length"),
        ([0, 1], [1.0, float("nan")], {}, "finite"),
        ([0, 1], [1.0, 2.0], {"capital_usd": 0.0}, "capital_usd"),
        ([0, 1], [1.0, 2.0], {"interval_ns": 0}, "interval_ns"),
    ],
)
def test_invalid_inputs_raise_with_the_offending_value(ts, eq, kwargs, message) -> None:
    args = {"capital_usd": 1.0, **kwargs}
    with pytest.raises(ReportInputError, match=message):
        compute_stats(np.array(ts), np.array(eq), **args)


def test_fill_stats_turnover_fees_and_hit_rate() -> None:
    fills = [
        _fill("buy", "100", "1", "0.05"),
        _fill("buy", "102", "1", "0.05"),  # long 2 at avg 101
        _fill("sell", "103", "2", "0.10"),  # closes: +4 - 0.2 fees -> win
        _fill("sell", "50", "1", instrument="Y"),
        _fill("buy", "51", "1", instrument="Y"),  # -1 -> loss
        _fill("buy", "10", "1", instrument="Z"),  # still open: not a trip
    ]
    s = compute_stats(np.array([0, S]), np.array([0.0, 1.0]), fills, capital_usd=1.0)
    assert s.n_fills == 6
    assert s.turnover_usd == pytest.approx(100 + 102 + 206 + 50 + 51 + 10)
    assert s.fees_usd == pytest.approx(0.2)
    assert s.n_round_trips == 2
    assert s.hit_rate == pytest.approx(0.5)


def test_fill_that_flips_position_closes_one_trip_and_opens_the_next() -> None:
    fs = fill_stats([_fill("buy", "100", "1"), _fill("sell", "110", "3", "0.3"), _fill("buy", "100", "2")])
    # trip 1: +10 - 0.1 fee share; trip 2: short 2 at 110 covered at 100: +20 - 0.2
    assert (fs.n_round_trips, fs.n_winning_trips) == (2, 2)


def test_no_closed_round_trip_gives_no_hit_rate() -> None:
    assert fill_stats([_fill("buy", "1", "1")]).hit_rate is None
    assert fill_stats([]).hit_rate is None


def test_malformed_fill_names_the_order_and_the_value() -> None:
    with pytest.raises(ReportInputError, match=r"'c'.*price 'abc'"):
        fill_stats([_fill("buy", "abc", "1")])
    with pytest.raises(ReportInputError, match="side 'hold'"):
        fill_stats([_fill("hold", "1", "1")])
