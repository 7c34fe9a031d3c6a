"""Return and drawdown statistics of an equity curve ``(ts_ns, equity_usd)`` and a starting capital.

Conventions (all stated again on :class:`ReturnStats`):

- The curve is a *step function*: equity at time ``t`` is the last sample at or before ``t``. It
  opens at ``capital_usd`` at ``ts_ns[0]`` (the capital is the level before the first sample), so a
  first sample that differs from the capital counts as the first move.
- Calendar time: a year is 365 days of 86,400 s (crypto trades every day).
- Period returns: the step function is sampled on the regular grid ``ts_ns[0] + k * period_ns``,
  ``k = 0 .. ceil((ts_ns[-1] - ts_ns[0]) / period_ns)`` (the last grid point is at or after the last
  sample), the level at ``k = 0`` being ``capital_usd``; the simple returns between consecutive grid
  points compound exactly to the total return. Volatility, Sharpe and Sortino are of these returns,
  annualised by ``sqrt(365 days / period_ns)``.
- Drawdowns are measured on the samples themselves (not the grid), so none is missed.

>>> day = 86_400 * 10**9
>>> ts = np.arange(6) * day
>>> equity = np.array([100.0, 110.0, 99.0, 104.5, 115.5, 112.0])
>>> s = return_stats(ts, equity, capital_usd=100.0, period_ns=day)
>>> round(s.total_return, 4), s.n_periods
(0.12, 5)
>>> d = s.drawdown
>>> round(d.max_drawdown, 4), d.max_drawdown_usd, d.peak_ns // day, d.trough_ns // day, d.end_ns // day
(0.1, 11.0, 1, 2, 4)
>>> d.duration_ns // day, d.recovered
(3, True)
"""

from __future__ import annotations

import math

import numpy as np

from arbkit.stats._checks import finite, finite_1d, positive
from arbkit.stats.errors import StatsError
from arbkit.stats.ratios import (
    annualise_growth,
    annualised_volatility,
    drawdowns,
    kurtosis,
    per_period_rate,
    sharpe_ratio,
    skewness,
    sortino_ratio,
)
from arbkit.stats.result import StatsResult

NANOS_PER_DAY = 86_400 * 1_000_000_000
"""One day in ns, the default return period."""
NANOS_PER_YEAR = 365 * NANOS_PER_DAY
"""The 365-day year used to annualise, in ns."""


class DrawdownStats(StatsResult, frozen=True, kw_only=True):
    """The largest drawdown of an equity curve.

    Attributes:
        max_drawdown: largest fall from a running peak as a fraction of that peak,
            ``max(1 - equity / running_peak)``, in ``[0, 1)`` for positive equity; 0 if the curve never
            falls below a previous high.
        max_drawdown_usd: largest fall from a running peak in USD, ``max(running_peak - equity)``. It
            is usually the same episode as ``max_drawdown`` but need not be (a 10 USD fall from 50 is a
            bigger fraction than a 20 USD fall from 200).
        peak_ns: time of the peak the fractional maximum drawdown fell from (None without drawdown).
        trough_ns: time of its lowest sample (None without drawdown).
        end_ns: time of the first sample at or above the peak again, or of the last sample if the curve
            never regains it (None without drawdown).
        duration_ns: ``end_ns - peak_ns``, peak to recovery or to the end of the curve; 0 without drawdown.
        recovered: whether the peak was regained (True without drawdown).
    """

    max_drawdown: float
    max_drawdown_usd: float
    peak_ns: int | None
    trough_ns: int | None
    end_ns: int | None
    duration_ns: int
    recovered: bool


class ReturnStats(StatsResult, frozen=True, kw_only=True):
    """Return, risk and drawdown statistics of an equity curve (see :func:`return_stats`).

    Money is in USD, returns are fractions (0.05 = 5 %), times int ns since the epoch (UTC), durations ns.

    Attributes:
        start_ns / end_ns: first and last sample; duration_ns: ``end_ns - start_ns``.
        capital_usd: starting capital, the level the curve opens at.
        final_equity_usd: last sample; pnl_usd: ``final_equity_usd - capital_usd``.
        total_return: ``final_equity_usd / capital_usd - 1``.
        annualised_return: compound annual growth rate over calendar time,
            ``(final / capital)^(365 days / duration) - 1``; only indicative for runs much shorter than
            a year (it can overflow to inf). -1 if the final equity is <= 0.
        period_ns: width of the return grid; n_periods: number of grid returns;
            periods_per_year: ``365 days / period_ns``.
        risk_free_rate: annual risk-free rate (fraction); the per-period rate is ``(1 + rf)^(1/ppy) - 1``.
        mean_period_return: arithmetic mean of the grid returns.
        volatility: annualised standard deviation (ddof 1) of the grid returns; NaN with < 2 periods.
        sharpe: annualised Sharpe ratio of grid returns in excess of the per-period risk-free rate;
            NaN with < 2 periods or constant returns.
        sortino: annualised Sortino ratio, target the per-period risk-free rate, downside deviation over
            all periods; +inf with no period below the target and a positive mean excess, NaN if
            undefined (see :func:`arbkit.stats.ratios.sortino_ratio`).
        calmar: ``annualised_return / drawdown.max_drawdown``; +inf without drawdown and a positive
            return, NaN without drawdown and a zero return.
        skewness / kurtosis: sample moments of the grid returns (kurtosis Pearson, 3 for a normal),
            what :func:`arbkit.stats.sharpe_inference.probabilistic_sharpe_ratio` takes; NaN if constant.
        drawdown: see :class:`DrawdownStats`.
    """

    start_ns: int
    end_ns: int
    duration_ns: int
    capital_usd: float
    final_equity_usd: float
    pnl_usd: float
    total_return: float
    annualised_return: float
    period_ns: int
    n_periods: int
    periods_per_year: float
    risk_free_rate: float
    mean_period_return: float
    volatility: float
    sharpe: float
    sortino: float
    calmar: float
    skewness: float
    kurtosis: float
    drawdown: DrawdownStats


def check_curve(ts_ns: np.ndarray, equity_usd: np.ndarray, capital_usd: float) -> tuple[np.ndarray, np.ndarray, float]:
    """``(ts, equity, capital)`` after checking the curve: see :func:`return_stats` for the rules."""
    ts = np.asarray(ts_ns)
    if ts.ndim != 1:
        raise StatsError(f"ts_ns must be 1-D, got shape {ts.shape}")
    if ts.dtype.kind not in "iu":
        raise StatsError(f"ts_ns must hold integer ns since the epoch, got dtype {ts.dtype}")
    eq = finite_1d("equity_usd", equity_usd, min_len=2)
    if ts.shape != eq.shape:
        raise StatsError(f"ts_ns and equity_usd must have one length, got {ts.size} and {eq.size}")
    ts = ts.astype(np.int64)
    back = np.flatnonzero(np.diff(ts) <= 0)
    if back.size:
        i = int(back[0]) + 1
        raise StatsError(f"ts_ns must be strictly increasing: index {i} is {int(ts[i])} ns, "
                         f"not after index {i - 1} at {int(ts[i - 1])} ns")
    low = np.flatnonzero(eq <= 0.0)
    if low.size:
        i = int(low[0])
        raise StatsError(f"equity_usd must be > 0 (returns of a non-positive level are undefined): "
                         f"index {i} is {eq[i]}")
    return ts, eq, positive("capital_usd", capital_usd)


def grid_levels(ts_ns: np.ndarray, equity_usd: np.ndarray, capital_usd: float,
                period_ns: int) -> tuple[np.ndarray, np.ndarray]:
    """The step curve sampled on the regular grid: ``(grid_ns, level_usd)``, ``level_usd[0] = capital_usd``.

    >>> grid_levels(np.array([0, 15, 21]), np.array([100.0, 120.0, 110.0]), 100.0, 10)
    (array([ 0, 10, 20, 30]), array([100., 100., 120., 110.]))
    """
    ts, eq, capital = check_curve(ts_ns, equity_usd, capital_usd)
    if int(period_ns) <= 0:
        raise StatsError(f"period_ns must be > 0, got {period_ns}")
    step = int(period_ns)
    n = -(-(int(ts[-1]) - int(ts[0])) // step)  # ceil
    grid = ts[0] + np.arange(n + 1, dtype=np.int64) * np.int64(step)
    levels = eq[np.searchsorted(ts, grid, side="right") - 1]
    levels[0] = capital
    return grid, levels


def period_returns(ts_ns: np.ndarray, equity_usd: np.ndarray, capital_usd: float,
                   period_ns: int = NANOS_PER_DAY) -> np.ndarray:
    """Simple returns of the step curve between consecutive grid points (see the module docstring).

    >>> period_returns(np.array([0, 15, 21]), np.array([100.0, 120.0, 110.0]), 100.0, 10)
    array([ 0.        ,  0.2       , -0.08333333])
    """
    _, levels = grid_levels(ts_ns, equity_usd, capital_usd, period_ns)
    out: np.ndarray = levels[1:] / levels[:-1] - 1.0
    return out


def drawdown_stats(ts_ns: np.ndarray, equity_usd: np.ndarray, capital_usd: float) -> DrawdownStats:
    """:class:`DrawdownStats` of the curve opened at ``capital_usd`` at ``ts_ns[0]``."""
    ts, eq, capital = check_curve(ts_ns, equity_usd, capital_usd)
    times = np.concatenate((ts[:1], ts))
    levels = np.concatenate(([capital], eq))
    peaks = np.maximum.accumulate(levels)
    frac = drawdowns(levels)
    usd = float(np.max(peaks - levels))
    trough = int(np.argmax(frac))
    if frac[trough] <= 0.0:
        return DrawdownStats(max_drawdown=0.0, max_drawdown_usd=0.0, peak_ns=None, trough_ns=None, end_ns=None,
                             duration_ns=0, recovered=True)
    peak_level = peaks[trough]
    peak = int(np.flatnonzero(levels[: trough + 1] == peak_level)[-1])
    after = np.flatnonzero(levels[trough:] >= peak_level)
    recovered = after.size > 0
    end = trough + int(after[0]) if recovered else levels.size - 1
    return DrawdownStats(
        max_drawdown=float(frac[trough]),
        max_drawdown_usd=usd,
        peak_ns=int(times[peak]),
        trough_ns=int(times[trough]),
        end_ns=int(times[end]),
        duration_ns=int(times[end]) - int(times[peak]),
        recovered=recovered,
    )


def return_stats(ts_ns: np.ndarray, equity_usd: np.ndarray, *, capital_usd: float, period_ns: int = NANOS_PER_DAY,
                 risk_free_rate: float = 0.0) -> ReturnStats:
    """Return, risk and drawdown statistics of an equity curve.

    Args:
        ts_ns: sample times, int ns since the epoch (UTC), strictly increasing, at least 2.
        equity_usd: account equity (capital + realized + unrealized PnL net of fees) at each time, USD,
            finite and > 0.
        capital_usd: starting capital (> 0), the level the curve opens at.
        period_ns: width of the regular grid the returns are taken on (default one day).
        risk_free_rate: annual risk-free rate, a fraction (default 0).

    Raises:
        StatsError: fewer than 2 samples, mismatched lengths, non-integer or non-increasing times,
            NaN/inf or non-positive equity, non-positive capital or period, non-finite rate.
    """
    ts, eq, capital = check_curve(ts_ns, equity_usd, capital_usd)
    rf_annual = finite("risk_free_rate", risk_free_rate)
    _, levels = grid_levels(ts, eq, capital, period_ns)
    r = levels[1:] / levels[:-1] - 1.0
    ppy = NANOS_PER_YEAR / int(period_ns)
    rf = per_period_rate(rf_annual, ppy)
    dd = drawdown_stats(ts, eq, capital)
    duration = int(ts[-1]) - int(ts[0])
    growth = float(eq[-1]) / capital
    cagr = annualise_growth(growth, duration / NANOS_PER_YEAR)
    if dd.max_drawdown > 0.0:
        calmar = cagr / dd.max_drawdown
    else:
        calmar = math.inf if cagr > 0.0 else math.nan
    return ReturnStats(
        start_ns=int(ts[0]),
        end_ns=int(ts[-1]),
        duration_ns=duration,
        capital_usd=capital,
        final_equity_usd=float(eq[-1]),
        pnl_usd=float(eq[-1]) - capital,
        total_return=growth - 1.0,
        annualised_return=cagr,
        period_ns=int(period_ns),
        n_periods=int(r.size),
        periods_per_year=ppy,
        risk_free_rate=rf_annual,
        mean_period_return=float(r.mean()),
        volatility=annualised_volatility(r, ppy),
        sharpe=sharpe_ratio(r, rf, ppy),
        sortino=sortino_ratio(r, rf, ppy),
        calmar=calmar,
        skewness=skewness(r),
        kurtosis=kurtosis(r),
        drawdown=dd,
    )
