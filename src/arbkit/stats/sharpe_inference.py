"""Probabilistic and deflated Sharpe ratios: is an observed Sharpe ratio skill, or luck and selection?

Every Sharpe ratio here is **per period** (non-annualised), in the sampling frequency of the returns
it was measured on: divide an annualised Sharpe ratio by ``sqrt(periods_per_year)`` and an annualised
variance of Sharpe ratios by ``periods_per_year``. Kurtosis is Pearson's (3 for a normal), skewness
the usual third standardised moment (see :mod:`arbkit.stats.ratios`).

- PSR, Bailey & López de Prado (2012), "The Sharpe ratio efficient frontier", *Journal of Risk* 15(2)::

      PSR(SR*) = Φ( (SR - SR*) √(n - 1) / √(1 - γ3·SR + (γ4 - 1)/4 · SR²) )

- Minimum track record length, same paper::

      MinTRL = 1 + (1 - γ3·SR + (γ4 - 1)/4 · SR²) · (Φ⁻¹(p) / (SR - SR*))²

- DSR, Bailey & López de Prado (2014), "The deflated Sharpe ratio: correcting for selection bias,
  backtest overfitting and non-normality", *Journal of Portfolio Management* 40(5): the PSR against
  the expected maximum Sharpe ratio of N independent trials whose Sharpe ratios have variance V,
  with γ the Euler–Mascheroni constant::

      SR0 = √V · ((1 - γ)·Φ⁻¹(1 - 1/N) + γ·Φ⁻¹(1 - 1/(N·e)))

The paper's example (annualised SR 2.5 from 1250 daily returns, skew -3, kurtosis 10, N = 100
trials with annualised V[SR] = 0.5, 250 days a year):

>>> sr, v = 2.5 / 250**0.5, 0.5 / 250
>>> round(expected_max_sharpe(100, v), 4)
0.1132
>>> d = deflated_sharpe_ratio(sr, 1250, skewness=-3.0, kurtosis=10.0, n_trials=100, sharpe_variance=v)
>>> round(d.dsr, 4)
0.9004
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.stats import norm

from arbkit.stats._checks import finite, finite_1d, int_at_least
from arbkit.stats.errors import StatsError
from arbkit.stats.ratios import kurtosis as sample_kurtosis
from arbkit.stats.ratios import sharpe_ratio
from arbkit.stats.ratios import skewness as sample_skewness
from arbkit.stats.result import StatsResult

EULER_MASCHERONI = 0.5772156649015329
"""γ, the Euler–Mascheroni constant."""


KURTOSIS_ROUNDING = 1e-9
"""How far below 1 a computed kurtosis may fall by float rounding (a two-valued sample's is exactly 1)."""


def _moments(skewness: float, kurtosis: float) -> tuple[float, float]:
    g3 = finite("skewness", skewness)
    g4 = finite("kurtosis", kurtosis)
    if g4 < 1.0 - KURTOSIS_ROUNDING:
        raise StatsError(f"kurtosis is Pearson's (3 for a normal, never below 1), got {kurtosis}; "
                         "pass excess kurtosis + 3")
    return g3, max(g4, 1.0)  # a two-valued sample's kurtosis is 1, computed as 1 - 2e-16 at worst


def _sharpe_variance_factor(sharpe: float, g3: float, g4: float) -> float:
    """``1 - γ3·SR + (γ4 - 1)/4·SR²``: (n - 1) times the variance of the Sharpe estimator."""
    return 1.0 - g3 * sharpe + (g4 - 1.0) / 4.0 * sharpe * sharpe


def probabilistic_sharpe_ratio(sharpe: float, n_obs: int, *, skewness: float = 0.0, kurtosis: float = 3.0,
                               benchmark_sharpe: float = 0.0) -> float:
    """Probability that the true per-period Sharpe ratio exceeds ``benchmark_sharpe`` (Bailey & López de Prado 2012).

    Args:
        sharpe: observed per-period Sharpe ratio of ``n_obs`` returns; NaN gives NaN.
        n_obs: number of returns it was measured on (>= 2).
        skewness, kurtosis: of those returns (Pearson kurtosis, 3 for a normal; >= 1).
        benchmark_sharpe: per-period Sharpe ratio to beat (default 0).

    Returns:
        A probability in [0, 1]; NaN if ``sharpe`` is NaN or the variance factor is not positive
        (impossible for moments of a real sample, where ``γ4 >= 1 + γ3²``).

    Raises:
        StatsError: ``n_obs < 2``, non-finite moments or benchmark, kurtosis below 1.

    >>> round(probabilistic_sharpe_ratio(0.458, 24), 3), round(probabilistic_sharpe_ratio(0.458, 24,
    ...       skewness=-2.448, kurtosis=10.164), 3)
    (0.982, 0.913)
    """
    n = int_at_least("n_obs", n_obs, 2)
    g3, g4 = _moments(skewness, kurtosis)
    bench = finite("benchmark_sharpe", benchmark_sharpe)
    sr = float(sharpe)
    if math.isnan(sr):
        return math.nan
    factor = _sharpe_variance_factor(sr, g3, g4)
    if not factor > 0.0:
        return math.nan
    return float(norm.cdf((sr - bench) * math.sqrt(n - 1) / math.sqrt(factor)))


def psr_from_returns(returns: np.ndarray, benchmark_sharpe: float = 0.0) -> float:
    """:func:`probabilistic_sharpe_ratio` of per-period ``returns`` with their own Sharpe, skewness and kurtosis.

    NaN for a constant series (its Sharpe ratio is undefined). Raises :class:`StatsError` with fewer
    than 2 returns or non-finite ones.
    """
    r = finite_1d("returns", returns, min_len=2)
    sr = sharpe_ratio(r)
    if math.isnan(sr):
        return math.nan
    return probabilistic_sharpe_ratio(sr, r.size, skewness=sample_skewness(r), kurtosis=sample_kurtosis(r),
                                      benchmark_sharpe=benchmark_sharpe)


def min_track_record_length(sharpe: float, *, skewness: float = 0.0, kurtosis: float = 3.0,
                            benchmark_sharpe: float = 0.0, confidence: float = 0.95) -> float:
    """Returns needed for ``PSR(benchmark) >= confidence`` at this per-period Sharpe and these moments (2012).

    In periods of the returns' frequency (a float; round up). ``+inf`` when ``sharpe <= benchmark_sharpe``.

    >>> round(min_track_record_length(0.7079, skewness=-0.2250, kurtosis=2.9570) / 12, 4)  # years of months
    0.7152
    """
    g3, g4 = _moments(skewness, kurtosis)
    bench = finite("benchmark_sharpe", benchmark_sharpe)
    sr = finite("sharpe", sharpe)
    if not 0.0 < confidence < 1.0:
        raise StatsError(f"confidence must be in (0, 1), got {confidence}")
    if sr <= bench:
        return math.inf
    z = float(norm.ppf(confidence))
    return 1.0 + _sharpe_variance_factor(sr, g3, g4) * (z / (sr - bench)) ** 2


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected maximum of ``n_trials`` independent Sharpe ratios of true mean 0 and variance ``sharpe_variance``.

    ``√V · ((1 - γ)·Φ⁻¹(1 - 1/N) + γ·Φ⁻¹(1 - 1/(N·e)))`` (Bailey & López de Prado 2014). One trial has
    no selection: 0. Units follow ``sharpe_variance`` (per-period variance gives a per-period Sharpe).

    Raises:
        StatsError: ``n_trials < 1``, or a negative or non-finite variance.
    """
    n = int_at_least("n_trials", n_trials, 1)
    v = finite("sharpe_variance", sharpe_variance)
    if v < 0.0:
        raise StatsError(f"sharpe_variance must be >= 0, got {sharpe_variance}")
    if n == 1:
        return 0.0
    g = EULER_MASCHERONI
    return math.sqrt(v) * ((1.0 - g) * float(norm.ppf(1.0 - 1.0 / n)) + g * float(norm.ppf(1.0 - 1.0 / (n * math.e))))


class DeflatedSharpe(StatsResult, frozen=True, kw_only=True):
    """Result of :func:`deflated_sharpe_ratio`; Sharpe ratios per period.

    Attributes:
        dsr: the deflated Sharpe ratio, ``PSR(benchmark_sharpe)``: probability that the true Sharpe
            ratio exceeds what the best of ``n_trials`` skill-less trials would show.
        sharpe: the observed Sharpe ratio of the selected strategy.
        benchmark_sharpe: ``SR0``, the expected maximum Sharpe ratio of the trials.
        n_obs: returns the Sharpe ratio was measured on; skewness / kurtosis: of those returns.
        n_trials: independent trials; sharpe_variance: variance of the trials' Sharpe ratios.
    """

    dsr: float
    sharpe: float
    benchmark_sharpe: float
    n_obs: int
    skewness: float
    kurtosis: float
    n_trials: int
    sharpe_variance: float


def deflated_sharpe_ratio(sharpe: float, n_obs: int, *, skewness: float = 0.0, kurtosis: float = 3.0,
                          n_trials: int | None = None, sharpe_variance: float | None = None,
                          trial_sharpes: Sequence[float] | np.ndarray | None = None) -> DeflatedSharpe:
    """The deflated Sharpe ratio (Bailey & López de Prado 2014) of the strategy selected among trials.

    Give the trials either as ``n_trials`` and ``sharpe_variance``, or as ``trial_sharpes`` (the
    per-period Sharpe ratio of every trial, at least 2): then the variance is their sample variance
    (ddof 1) and ``n_trials`` defaults to their count. Trials should be *independent*; for correlated
    trials pass an effective (smaller) ``n_trials``.

    Raises:
        StatsError: neither or both of ``sharpe_variance`` and ``trial_sharpes``; ``n_trials`` missing or < 1;
            plus the errors of :func:`probabilistic_sharpe_ratio`.
    """
    if (sharpe_variance is None) == (trial_sharpes is None):
        raise StatsError("give exactly one of sharpe_variance and trial_sharpes, got "
                         f"{'both' if sharpe_variance is not None else 'neither'}")
    if trial_sharpes is not None:
        trials = finite_1d("trial_sharpes", trial_sharpes, min_len=2)
        variance = float(trials.var(ddof=1))
        n = trials.size if n_trials is None else n_trials
    else:
        if n_trials is None:
            raise StatsError("n_trials is required with sharpe_variance")
        variance, n = float(sharpe_variance), n_trials  # type: ignore[arg-type]
    n = int_at_least("n_trials", n, 1)
    sr0 = expected_max_sharpe(n, variance)
    g3, g4 = _moments(skewness, kurtosis)
    dsr = probabilistic_sharpe_ratio(sharpe, n_obs, skewness=g3, kurtosis=g4, benchmark_sharpe=sr0)
    return DeflatedSharpe(dsr=dsr, sharpe=float(sharpe), benchmark_sharpe=sr0, n_obs=int(n_obs), skewness=g3,
                          kurtosis=g4, n_trials=n, sharpe_variance=variance)
