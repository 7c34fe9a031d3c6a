"""Walk-forward evaluation: statistics of each out-of-sample fold and of all folds end to end.

Give the out-of-sample (OOS) simple per-period returns of each walk-forward fold, in time order (e.g.
:func:`arbkit.stats.equity.period_returns` of each fold's equity curve, or a model's per-period
returns on the fold's test window from :class:`arbkit.models.validation.WalkForward`). The aggregate
is the statistics of the folds' returns **concatenated** in the given order, i.e. one OOS track record;
its PSR tells how likely the OOS Sharpe ratio beats the benchmark.

>>> folds = [np.array([0.01, -0.005, 0.002]), np.array([0.004, 0.003, -0.001])]
>>> wf = walk_forward_stats(folds, periods_per_year=365)
>>> [f.n_obs for f in wf.folds], wf.aggregate.n_obs, wf.positive_folds
([3, 3], 6, 1.0)
>>> round(wf.aggregate.total_return, 6) == round((1.01 * 0.995 * 1.002 * 1.004 * 1.003 * 0.999) - 1, 6)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from arbkit.stats._checks import finite, finite_1d
from arbkit.stats.errors import StatsError
from arbkit.stats.ratios import SeriesStats, series_stats
from arbkit.stats.result import StatsResult
from arbkit.stats.sharpe_inference import probabilistic_sharpe_ratio


class WalkForwardStats(StatsResult, frozen=True, kw_only=True):
    """Result of :func:`walk_forward_stats`.

    Attributes:
        folds: :class:`~arbkit.stats.ratios.SeriesStats` of each fold, labelled, in the given order.
        aggregate: the same statistics of all folds' returns concatenated (label ``"aggregate"``).
        n_folds: number of folds.
        positive_folds: share of folds with a total return > 0.
        benchmark_sharpe: annualised Sharpe ratio the PSR is taken against.
        psr: probabilistic Sharpe ratio of the aggregate returns against ``benchmark_sharpe`` (converted
            to per period), with their skewness and kurtosis; NaN if their Sharpe ratio is undefined.
    """

    folds: tuple[SeriesStats, ...]
    aggregate: SeriesStats
    n_folds: int
    positive_folds: float
    benchmark_sharpe: float
    psr: float


def walk_forward_stats(fold_returns: Sequence[np.ndarray], *, periods_per_year: float,
                       risk_free_rate: float = 0.0, labels: Sequence[str] | None = None,
                       benchmark_sharpe: float = 0.0) -> WalkForwardStats:
    """Per-fold and aggregate OOS statistics of walk-forward folds.

    Args:
        fold_returns: one 1-D array of simple per-period returns per fold (each non-empty, finite, > -1).
        periods_per_year: periods a year of those returns (e.g. 365 for daily crypto returns).
        risk_free_rate: annual risk-free rate (fraction).
        labels: a name per fold (default ``"fold 0"``, ``"fold 1"``, ...).
        benchmark_sharpe: *annualised* Sharpe ratio for the aggregate PSR (default 0).

    Raises:
        StatsError: no folds, an empty or malformed fold (named by its index), labels of another length.
    """
    if len(fold_returns) == 0:
        raise StatsError("fold_returns is empty; at least 1 fold is needed")
    names = [f"fold {i}" for i in range(len(fold_returns))] if labels is None else [str(x) for x in labels]
    if len(names) != len(fold_returns):
        raise StatsError(f"labels has {len(names)} names for {len(fold_returns)} folds")
    bench = finite("benchmark_sharpe", benchmark_sharpe)
    arrays = []
    for i, r in enumerate(fold_returns):
        try:
            arrays.append(finite_1d("returns", r, min_len=1))
        except StatsError as exc:
            raise StatsError(f"fold {i} ({names[i]}): {exc}") from None
    folds = []
    for i, (name, r) in enumerate(zip(names, arrays, strict=True)):
        try:
            folds.append(series_stats(r, periods_per_year=periods_per_year, risk_free_rate=risk_free_rate,
                                      label=name))
        except StatsError as exc:
            raise StatsError(f"fold {i} ({name}): {exc}") from None
    all_returns = np.concatenate(arrays)
    agg = series_stats(all_returns, periods_per_year=periods_per_year, risk_free_rate=risk_free_rate,
                       label="aggregate")
    psr = float("nan")
    if all_returns.size >= 2 and np.isfinite(agg.sharpe):
        scale = float(np.sqrt(agg.periods_per_year))
        psr = probabilistic_sharpe_ratio(agg.sharpe / scale, all_returns.size, skewness=agg.skewness,
                                         kurtosis=agg.kurtosis, benchmark_sharpe=bench / scale)
    return WalkForwardStats(
        folds=tuple(folds),
        aggregate=agg,
        n_folds=len(folds),
        positive_folds=float(np.mean([f.total_return > 0.0 for f in folds])),
        benchmark_sharpe=bench,
        psr=psr,
    )
