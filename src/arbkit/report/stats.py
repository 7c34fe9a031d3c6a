"""Performance statistics of an equity curve (pure numpy) plus the fill statistics of :mod:`.fills`.

The curve is a step function in event time: equity is the last sample at or before a time. PnL per
interval comes from sampling that step function on a fixed grid ``t0, t0 + interval, ...`` whose last
point is at or after the last sample, so the interval PnLs sum to the total PnL.

>>> ts = np.array([0, 1, 2, 3, 4, 5]) * 1_000_000_000
>>> equity = np.array([100.0, 110.0, 104.0, 106.0, 111.0, 108.0])
>>> drawdown_series(equity)
array([ 0.,  0., -6., -4.,  0., -3.])
>>> s = compute_stats(ts, equity, capital_usd=100.0)
>>> (s.total_pnl_usd, s.max_drawdown_usd, s.max_drawdown_pct, s.max_drawdown_duration_s)
(8.0, 6.0, 6.0, 3.0)
>>> round(s.sharpe_ratio / s.intervals_per_year**0.5, 4)  # per-second Sharpe: mean 1.6 / std 6.348
0.252
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import numpy as np

from arbkit.core.time import NANOS_PER_SECOND
from arbkit.report.fills import fill_stats
from arbkit.report.model import FillRow, ReportData, ReportInputError

NANOS_PER_YEAR = 365 * 86_400 * NANOS_PER_SECOND
"""Length of the 365-day year used to annualise ratios, in ns."""


class PerformanceStats(msgspec.Struct, frozen=True, kw_only=True):
    """Summary of a run. Money in USD, percentages in percent of ``capital_usd``, durations in seconds.

    Attributes:
        start_ns / end_ns: first and last equity sample (ns since epoch, UTC); 0 for an empty curve.
        duration_s: ``end_ns - start_ns`` in seconds.
        capital_usd: the capital returns and drawdown percentages are measured against.
        start_equity_usd / end_equity_usd: first and last equity sample (0 for an empty curve).
        total_pnl_usd: ``end_equity_usd - start_equity_usd``.
        return_pct: ``total_pnl_usd / capital_usd`` in percent.
        max_drawdown_usd: largest fall from a running peak (>= 0).
        max_drawdown_pct: ``max_drawdown_usd / capital_usd`` in percent.
        max_drawdown_duration_s: time from the peak before the largest drawdown to the first sample that
            regains that peak, or to the last sample if it never does; 0 with no drawdown.
        max_drawdown_peak_ns / max_drawdown_trough_ns: when that drawdown's peak and trough were sampled
            (None with no drawdown); max_drawdown_recovered: whether the peak was regained.
        interval_s: width of the grid the PnL was resampled to; n_intervals: number of grid intervals.
        intervals_per_year: ``365 days / interval``, the annualisation factor's square.
        sharpe_ratio: annualised ``mean / std`` (ddof 1) of interval PnL; None with fewer than 2 intervals
            or zero variance (a flat curve).
        sortino_ratio: annualised ``mean / downside deviation``, the downside deviation being
            ``sqrt(mean(min(pnl, 0)**2))`` over all intervals; None with fewer than 2 intervals or
            no losing interval.
        n_fills: number of fills; n_round_trips: round trips closed; hit_rate: winning share of them
            (None if none closed).
        turnover_usd: traded notional ``sum |price × qty|``; fees_usd: fees paid (rebates negative).

    The ratios are of PnL, not of returns on a moving base: with a fixed capital both give the same
    ratio. Annualising a run of minutes or hours (``sqrt(intervals_per_year)`` is ~5,600 for 1 s
    intervals) is only indicative: it assumes the run's behaviour persists all year.
    """

    start_ns: int
    end_ns: int
    duration_s: float
    capital_usd: float
    start_equity_usd: float
    end_equity_usd: float
    total_pnl_usd: float
    return_pct: float
    max_drawdown_usd: float
    max_drawdown_pct: float
    max_drawdown_duration_s: float
    max_drawdown_peak_ns: int | None
    max_drawdown_trough_ns: int | None
    max_drawdown_recovered: bool
    interval_s: float
    n_intervals: int
    intervals_per_year: float
    sharpe_ratio: float | None
    sortino_ratio: float | None
    n_fills: int
    n_round_trips: int
    hit_rate: float | None
    turnover_usd: float
    fees_usd: float


def drawdown_series(equity: np.ndarray) -> np.ndarray:
    """Equity minus its running peak, in the equity's units (USD): 0 at a new high, negative below it.

    >>> drawdown_series(np.array([100.0, 90.0, 95.0, 120.0, 80.0]))
    array([  0., -10.,  -5.,   0., -40.])
    """
    eq = np.asarray(equity, dtype=np.float64)
    if eq.size == 0:
        return np.zeros(0, dtype=np.float64)
    return eq - np.maximum.accumulate(eq)


def interval_pnl(ts_ns: np.ndarray, equity: np.ndarray, interval_ns: int = NANOS_PER_SECOND) -> np.ndarray:
    """PnL per fixed event-time interval (USD), from the step curve sampled on a grid starting at ``ts_ns[0]``.

    >>> interval_pnl(np.array([0, 1_500_000_000, 2_100_000_000]), np.array([10.0, 12.0, 11.0]))
    array([ 0.,  2., -1.])
    """
    ts, eq = _validated(ts_ns, equity)
    if interval_ns <= 0:
        raise ReportInputError(f"interval_ns must be > 0, got {interval_ns}")
    if ts.size < 2 or ts[-1] == ts[0]:
        return np.zeros(0, dtype=np.float64)
    n = int(-(-(int(ts[-1]) - int(ts[0])) // interval_ns))  # ceil
    grid = ts[0] + np.arange(n + 1, dtype=np.int64) * np.int64(interval_ns)
    sampled = eq[np.searchsorted(ts, grid, side="right") - 1]
    return np.diff(sampled)


def _validated(ts_ns: np.ndarray, equity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ts = np.asarray(ts_ns, dtype=np.int64)
    eq = np.asarray(equity, dtype=np.float64)
    if ts.ndim != 1 or eq.ndim != 1 or ts.shape != eq.shape:
        raise ReportInputError(f"ts_ns and equity must be 1-d of equal length, got shapes {ts.shape} and {eq.shape}")
    if ts.size > 1 and np.any(np.diff(ts) < 0):
        at = int(np.argmax(np.diff(ts) < 0)) + 1
        raise ReportInputError(f"ts_ns must be non-decreasing: index {at} has {ts[at]} ns after {ts[at - 1]} ns")
    if not np.all(np.isfinite(eq)):
        at = int(np.argmax(~np.isfinite(eq)))
        raise ReportInputError(f"equity must be finite: index {at} is {eq[at]}")
    return ts, eq


def _ratio(numerator: float, denominator: float, scale: float) -> float | None:
    if not np.isfinite(denominator) or denominator <= 0.0:
        return None
    value = numerator / denominator * scale
    return float(value) if np.isfinite(value) else None


def compute_stats(
    ts_ns: np.ndarray,
    equity_usd: np.ndarray,
    fills: Iterable[FillRow] = (),
    *,
    capital_usd: float,
    interval_ns: int = NANOS_PER_SECOND,
) -> PerformanceStats:
    """Statistics of the equity curve (``ts_ns`` int ns, non-decreasing; ``equity_usd`` USD) and of ``fills``.

    Args:
        capital_usd: capital the return and drawdown percentages are taken against (> 0).
        interval_ns: width of the event-time grid for Sharpe and Sortino (default 1 s).

    Raises:
        ReportInputError: mismatched or unsorted arrays, non-finite equity, non-positive capital or
            interval, or a malformed fill.
    """
    if not np.isfinite(capital_usd) or capital_usd <= 0:
        raise ReportInputError(f"capital_usd must be a positive number, got {capital_usd}")
    if interval_ns <= 0:
        raise ReportInputError(f"interval_ns must be > 0, got {interval_ns}")
    ts, eq = _validated(ts_ns, equity_usd)
    fs = fill_stats(fills)
    per_year = NANOS_PER_YEAR / interval_ns
    common = dict(
        capital_usd=float(capital_usd),
        interval_s=interval_ns / NANOS_PER_SECOND,
        intervals_per_year=per_year,
        n_fills=fs.n_fills,
        n_round_trips=fs.n_round_trips,
        hit_rate=fs.hit_rate,
        turnover_usd=float(fs.turnover),
        fees_usd=float(fs.fees),
    )
    if ts.size == 0:
        return PerformanceStats(
            start_ns=0, end_ns=0, duration_s=0.0, start_equity_usd=0.0, end_equity_usd=0.0, total_pnl_usd=0.0,
            return_pct=0.0, max_drawdown_usd=0.0, max_drawdown_pct=0.0, max_drawdown_duration_s=0.0,
            max_drawdown_peak_ns=None, max_drawdown_trough_ns=None, max_drawdown_recovered=True,
            n_intervals=0, sharpe_ratio=None, sortino_ratio=None, **common,
        )
    total = float(eq[-1] - eq[0])
    dd = drawdown_series(eq)
    trough = int(np.argmin(dd))
    max_dd = float(-dd[trough])
    peak_ns: int | None = None
    trough_ns: int | None = None
    recovered = True
    dd_duration_s = 0.0
    if max_dd > 0.0:
        peak = int(np.flatnonzero(dd[: trough + 1] == 0.0)[-1])
        after = np.flatnonzero(eq[trough:] >= eq[peak])
        recovered = after.size > 0
        end = trough + int(after[0]) if recovered else ts.size - 1
        peak_ns, trough_ns = int(ts[peak]), int(ts[trough])
        dd_duration_s = (int(ts[end]) - peak_ns) / NANOS_PER_SECOND
    pnl = interval_pnl(ts, eq, interval_ns)
    sharpe = sortino = None
    if pnl.size >= 2:
        scale = float(np.sqrt(per_year))
        mean = float(pnl.mean())
        sharpe = _ratio(mean, float(pnl.std(ddof=1)), scale)
        downside = float(np.sqrt(np.mean(np.minimum(pnl, 0.0) ** 2)))
        sortino = _ratio(mean, downside, scale)
    return PerformanceStats(
        start_ns=int(ts[0]),
        end_ns=int(ts[-1]),
        duration_s=(int(ts[-1]) - int(ts[0])) / NANOS_PER_SECOND,
        start_equity_usd=float(eq[0]),
        end_equity_usd=float(eq[-1]),
        total_pnl_usd=total,
        return_pct=total / capital_usd * 100.0,
        max_drawdown_usd=max_dd,
        max_drawdown_pct=max_dd / capital_usd * 100.0,
        max_drawdown_duration_s=dd_duration_s,
        max_drawdown_peak_ns=peak_ns,
        max_drawdown_trough_ns=trough_ns,
        max_drawdown_recovered=recovered,
        n_intervals=int(pnl.size),
        sharpe_ratio=sharpe,
        sortino_ratio=sortino,
        **common,
    )


def compute_report_stats(
    data: ReportData, *, capital_usd: float, interval_ns: int = NANOS_PER_SECOND
) -> PerformanceStats:
    """:func:`compute_stats` on a :class:`ReportData`'s equity curve and fills."""
    ts = np.fromiter((p.ts_ns for p in data.equity), dtype=np.int64, count=len(data.equity))
    eq = np.fromiter((p.equity_usd for p in data.equity), dtype=np.float64, count=len(data.equity))
    return compute_stats(ts, eq, data.fills, capital_usd=capital_usd, interval_ns=interval_ns)
