"""Risk-adjusted ratios and moments of a series of simple per-period returns (pure numpy).

A *return* here is a simple return per period, ``r = level_t / level_{t-1} - 1`` (0.01 = 1 %), on a
regular grid with ``periods_per_year`` periods a year. Ratios are annualised by ``sqrt(periods_per_year)``
(the i.i.d. convention); pass ``periods_per_year=1`` for per-period ("non-annualised") values, which
is what the probabilistic and deflated Sharpe ratios of :mod:`arbkit.stats.sharpe_inference` take.

>>> r = np.array([0.01, -0.02, 0.03, 0.0])
>>> round(sharpe_ratio(r), 4)  # mean 0.005 / std (ddof 1) 0.0208
0.2402
>>> round(sortino_ratio(r), 4)  # mean 0.005 / sqrt(mean(min(r, 0)^2)) = 0.005 / 0.01
0.5
>>> sharpe_ratio(np.array([0.01, 0.01, 0.01]))  # constant series: undefined
nan
>>> drawdowns(np.array([1.0, 1.2, 0.9, 1.3]))
array([0.  , 0.  , 0.25, 0.  ])
"""

from __future__ import annotations

import math

import numpy as np

from arbkit.stats._checks import finite, finite_1d, positive
from arbkit.stats.errors import StatsError
from arbkit.stats.result import StatsResult

NAN = float("nan")


def _excess(returns: np.ndarray, risk_free: float) -> np.ndarray:
    return returns - risk_free if risk_free != 0.0 else returns


def sharpe_ratio(returns: np.ndarray, risk_free: float = 0.0, periods_per_year: float = 1.0) -> float:
    """``mean(r - rf) / std(r, ddof=1) * sqrt(periods_per_year)``; ``rf`` is per period, like ``r``.

    NaN with fewer than 2 returns or a constant series (zero standard deviation). The constancy test
    is exact (``ptp == 0``), so a constant series whose float mean misses it by an ulp is still NaN.
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2 or np.ptp(r) == 0.0:
        return NAN
    std = float(r.std(ddof=1))
    if not std > 0.0:  # ptp > 0 yet the squares underflowed (|r| ~ 1e-160): undefined in floats
        return NAN
    return float(_excess(r, risk_free).mean()) / std * math.sqrt(periods_per_year)


def sortino_ratio(returns: np.ndarray, target: float = 0.0, periods_per_year: float = 1.0) -> float:
    """``mean(r - target) / DD * sqrt(periods_per_year)`` with ``DD = sqrt(mean(min(r - target, 0)^2))``.

    The downside deviation ``DD`` averages over *all* periods (Sortino & Price 1994), not only the
    losing ones. ``target`` (the minimum acceptable return) is per period. NaN with fewer than 2
    returns; with no period below ``target`` it is ``+inf`` when the mean excess is positive and NaN
    when it is zero.
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return NAN
    excess = _excess(r, target)
    mean = float(excess.mean())
    downside = float(np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)))
    if downside == 0.0:
        return math.inf if mean > 0.0 else NAN
    return mean / downside * math.sqrt(periods_per_year)


def annualised_volatility(returns: np.ndarray, periods_per_year: float = 1.0) -> float:
    """``std(r, ddof=1) * sqrt(periods_per_year)``, a fraction per year (0.2 = 20 %); NaN with < 2 returns."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return NAN
    return float(r.std(ddof=1)) * math.sqrt(periods_per_year)


def _standardized_moment(returns: np.ndarray, order: int) -> float:
    """``m_order / m2^(order/2)`` with biased central moments; NaN for fewer than 2 or constant returns."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2 or np.ptp(r) == 0.0:
        return NAN
    d = r - r.mean()
    m2 = float(np.mean(d * d))
    scale = m2 ** (order / 2)
    return float(np.mean(d**order)) / scale if scale > 0.0 else NAN


def skewness(returns: np.ndarray) -> float:
    """Sample skewness ``m3 / m2^1.5`` (biased moments, as in scipy's ``skew``); NaN for a constant series."""
    return _standardized_moment(returns, 3)


def kurtosis(returns: np.ndarray) -> float:
    """Sample kurtosis ``m4 / m2^2`` (Pearson, *not* excess: 3 for a normal); NaN for a constant series."""
    return _standardized_moment(returns, 4)


def drawdowns(levels: np.ndarray) -> np.ndarray:
    """Fractional drawdown of each level from its running peak, ``1 - level / peak`` (0 at a new high).

    Levels must be > 0 for the result to lie in ``[0, 1)``; callers check that.
    """
    lv = np.asarray(levels, dtype=np.float64)
    if lv.size == 0:
        return np.zeros(0, dtype=np.float64)
    return 1.0 - lv / np.maximum.accumulate(lv)


def per_period_rate(annual_rate: float, periods_per_year: float) -> float:
    """The per-period rate that compounds to ``annual_rate`` over a year: ``(1 + annual)^(1/ppy) - 1``."""
    if annual_rate <= -1.0:
        raise StatsError(f"annual rate must be > -1, got {annual_rate}")
    return float(math.expm1(math.log1p(annual_rate) / periods_per_year))


def annualise_growth(growth: float, years: float) -> float:
    """``growth^(1/years) - 1`` (growth = final / initial level), inf on overflow, for ``years > 0``."""
    if growth <= 0.0:
        return -1.0
    with np.errstate(over="ignore"):
        return float(np.expm1(np.log(growth) / years))


class SeriesStats(StatsResult, frozen=True, kw_only=True):
    """Statistics of one series of simple per-period returns (see :func:`series_stats`).

    Attributes:
        label: caller's name for the series (a fold, a configuration); ``""`` if none.
        n_obs: number of returns.
        periods_per_year: periods a year, the annualisation factor's square.
        risk_free_rate: annual risk-free rate the Sharpe ratio is in excess of (0.02 = 2 %).
        total_return: compounded ``prod(1 + r) - 1`` (fraction).
        annualised_return: ``(1 + total_return)^(periods_per_year / n_obs) - 1`` (fraction a year).
        mean_return: arithmetic mean per period (fraction).
        volatility: annualised standard deviation (ddof 1), fraction a year; NaN with < 2 returns.
        sharpe: annualised Sharpe ratio of returns in excess of the per-period risk-free rate
            ``(1 + rf)^(1/ppy) - 1``; NaN with < 2 returns or a constant series.
        sortino: annualised Sortino ratio with that per-period rate as target (see :func:`sortino_ratio`).
        max_drawdown: largest fractional fall of the compounded curve ``prod(1 + r)`` (started at 1)
            from its running peak, in ``[0, 1)``.
        skewness / kurtosis: sample moments of the per-period returns (kurtosis Pearson, 3 for a normal).
    """

    label: str = ""
    n_obs: int
    periods_per_year: float
    risk_free_rate: float
    total_return: float
    annualised_return: float
    mean_return: float
    volatility: float
    sharpe: float
    sortino: float
    max_drawdown: float
    skewness: float
    kurtosis: float


def series_stats(returns: np.ndarray, *, periods_per_year: float, risk_free_rate: float = 0.0,
                 label: str = "") -> SeriesStats:
    """:class:`SeriesStats` of simple per-period ``returns`` (each finite and > -1).

    Raises:
        StatsError: empty or non-finite returns, a return <= -1 (a level at or below zero), a
            non-positive ``periods_per_year`` or a non-finite ``risk_free_rate``.
    """
    r = finite_1d("returns", returns, min_len=1)
    ppy = positive("periods_per_year", periods_per_year)
    rf_annual = finite("risk_free_rate", risk_free_rate)
    low = np.flatnonzero(r <= -1.0)
    if low.size:
        i = int(low[0])
        raise StatsError(f"returns must be > -1 (a level at or below zero has no return): index {i} is {r[i]}")
    rf = per_period_rate(rf_annual, ppy)
    growth = float(np.exp(np.sum(np.log1p(r))))
    levels = np.concatenate(([1.0], np.cumprod(1.0 + r)))
    return SeriesStats(
        label=label,
        n_obs=int(r.size),
        periods_per_year=ppy,
        risk_free_rate=rf_annual,
        total_return=growth - 1.0,
        annualised_return=annualise_growth(growth, r.size / ppy),
        mean_return=float(r.mean()),
        volatility=annualised_volatility(r, ppy),
        sharpe=sharpe_ratio(r, rf, ppy),
        sortino=sortino_ratio(r, rf, ppy),
        max_drawdown=float(drawdowns(levels).max()),
        skewness=skewness(r),
        kurtosis=kurtosis(r),
    )
