"""Probability of backtest overfitting by combinatorially symmetric cross-validation (CSCV).

Bailey, Borwein, López de Prado & Zhu (2015), "The probability of backtest overfitting", *Journal of
Computational Finance* 20(4). Input: a ``T × N`` matrix of per-period performance (e.g. returns) of N
configurations tried on the same T periods. Steps:

1. Split the rows, in time order, into ``S`` (even) blocks of ``T // S`` rows; the ``T mod S`` oldest
   rows are dropped so the blocks are equal.
2. For each of the ``C(S, S/2)`` ways to pick half the blocks as the in-sample (IS) set, the other
   half being the out-of-sample (OOS) set: score every configuration on each set with ``metric``,
   select the IS best ``n*`` (ties: the lowest column), and take the relative rank of its OOS score
   ``ω = rank / (N + 1)``, ranks 1..N ascending (ties share their mean rank), and its logit
   ``λ = ln(ω / (1 - ω))``.
3. ``PBO = share of splits with λ <= 0``: how often the IS best does no better than the OOS median.

The metric is ``"sharpe"`` (per-period ``mean / std``, ddof 1; a constant column scores NaN),
``"mean"``, or a callable from a ``rows × N`` array to N scores. NaN scores rank below every number.

>>> rng = np.random.default_rng(0)
>>> noise = rng.normal(0.0, 0.01, size=(160, 6))
>>> dominant = np.column_stack([noise.max(axis=1) + 0.001, noise])  # best in every period
>>> pbo_cscv(dominant, n_splits=8).pbo
0.0
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Literal

import numpy as np

from arbkit.stats._checks import int_at_least
from arbkit.stats.errors import StatsError
from arbkit.stats.result import StatsResult

MAX_SPLITS = 20
"""Largest ``n_splits``: C(20, 10) = 184,756 splits."""

Metric = Literal["sharpe", "mean"] | Callable[[np.ndarray], np.ndarray]


class PboResult(StatsResult, frozen=True, kw_only=True):
    """Result of :func:`pbo_cscv`.

    Attributes:
        pbo: probability of backtest overfitting, share of splits with logit <= 0, in [0, 1].
        n_splits: S blocks; n_combinations: ``C(S, S/2)`` IS/OOS splits; n_configs: N.
        n_rows_used: ``S × (T // S)`` rows scored (the oldest ``T mod S`` are dropped).
        metric: name of the performance metric (a callable's ``__name__``).
        logits: λ of each split, in the order of ``itertools.combinations(range(S), S // 2)`` for the IS blocks.
        is_performance / oos_performance: the selected configuration's IS and OOS score per split, the
            performance degradation pairs (NaN where the score was undefined).
        degradation_slope / degradation_intercept: least-squares fit ``oos = intercept + slope × is``
            over the pairs with both scores finite; NaN with fewer than 2 or constant IS scores.
        prob_oos_loss: share of splits whose selected configuration scored < 0 OOS.
    """

    pbo: float
    n_splits: int
    n_combinations: int
    n_configs: int
    n_rows_used: int
    metric: str
    logits: tuple[float, ...]
    is_performance: tuple[float, ...]
    oos_performance: tuple[float, ...]
    degradation_slope: float
    degradation_intercept: float
    prob_oos_loss: float


def _check_matrix(performance: np.ndarray, n_splits: int) -> tuple[np.ndarray, int]:
    m = np.asarray(performance, dtype=np.float64)
    if m.ndim != 2:
        raise StatsError(f"performance must be a 2-D T × N matrix, got shape {m.shape}")
    t, n = m.shape
    if n < 2:
        raise StatsError(f"performance has N = {n} configuration(s); CSCV needs at least 2")
    bad = np.argwhere(~np.isfinite(m))
    if bad.size:
        i, j = (int(x) for x in bad[0])
        raise StatsError(f"performance must be finite: row {i}, column {j} is {m[i, j]}")
    s = int_at_least("n_splits", n_splits, 2)
    if s % 2:
        raise StatsError(f"n_splits must be even, got {s}")
    if s > MAX_SPLITS:
        raise StatsError(f"n_splits {s} is above the limit {MAX_SPLITS} (C({s}, {s // 2}) splits)")
    if t // s < 2:
        raise StatsError(f"performance has T = {t} rows; n_splits {s} needs at least {2 * s} (2 rows per block)")
    return m, s


def _block_scores(blocks: np.ndarray, masks: np.ndarray, metric: str) -> np.ndarray:
    """Scores (combinations × N) of the rows of the blocks selected by each mask, from block sums."""
    rows = blocks.shape[1]
    centred = blocks - blocks.mean(axis=(0, 1))  # variance is shift-invariant; centring keeps sums small
    sums = blocks.sum(axis=1)  # S × N
    csums = centred.sum(axis=1)
    csq = (centred * centred).sum(axis=1)
    k = masks.sum(axis=1, keepdims=True) * rows  # rows per combination
    w = masks.astype(np.float64)
    mean: np.ndarray = (w @ sums) / k
    if metric == "mean":
        return mean
    cs, cq = w @ csums, w @ csq
    var = (cq - cs * cs / k) / (k - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        # a constant column leaves only rounding in ``var``: treat var below 1e-12 of the mean square as 0
        out: np.ndarray = np.where(var > 1e-12 * (cq / k) + 1e-300, mean / np.sqrt(np.maximum(var, 0.0)), np.nan)
    return out


def _relative_rank(scores: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Average rank (1..N ascending) of ``scores[c, chosen[c]]`` within row c, over N + 1. NaN ranks lowest."""
    s = np.where(np.isnan(scores), -np.inf, scores)
    v = s[np.arange(s.shape[0]), chosen][:, None]
    below = (s < v).sum(axis=1)
    equal = (s == v).sum(axis=1)
    rank = below + (equal + 1) / 2.0
    out: np.ndarray = rank / (s.shape[1] + 1)
    return out


def pbo_cscv(performance: np.ndarray, n_splits: int = 16, metric: Metric = "sharpe",
             chunk: int = 4096) -> PboResult:
    """PBO of the configurations in the columns of ``performance`` (T periods × N configurations).

    Args:
        performance: per-period performance, e.g. returns, finite; rows in time order.
        n_splits: S, even, 2..20, with at least 2 rows per block (``T >= 2 S``). The paper uses 16.
        metric: ``"sharpe"``, ``"mean"`` or a callable ``(rows × N) -> N scores``.
        chunk: splits scored at once (memory ``chunk × N`` floats).

    Raises:
        StatsError: not a finite 2-D matrix, N < 2, S odd, < 2 or > 20, or fewer than 2 rows per block.
    """
    m, s = _check_matrix(performance, n_splits)
    chunk = max(1, int(chunk))
    t, n = m.shape
    rows = t // s
    used = m[t - s * rows:]
    blocks = used.reshape(s, rows, n)
    combos = np.array(list(itertools.combinations(range(s), s // 2)), dtype=np.int64)
    masks = np.zeros((combos.shape[0], s), dtype=bool)
    masks[np.arange(combos.shape[0])[:, None], combos] = True
    name = metric if isinstance(metric, str) else getattr(metric, "__name__", "custom")
    if isinstance(metric, str) and metric not in ("sharpe", "mean"):
        raise StatsError(f"metric must be 'sharpe', 'mean' or a callable, got {metric!r}")
    is_perf, oos_perf, logits = [], [], []
    for start in range(0, masks.shape[0], chunk):
        mk = masks[start:start + chunk]
        is_scores, oos_scores = _scores(blocks, mk, metric), _scores(blocks, ~mk, metric)
        chosen = np.argmax(np.where(np.isnan(is_scores), -np.inf, is_scores), axis=1)
        omega = _relative_rank(oos_scores, chosen)
        logits.append(np.log(omega / (1.0 - omega)))
        idx = np.arange(mk.shape[0])
        is_perf.append(is_scores[idx, chosen])
        oos_perf.append(oos_scores[idx, chosen])
    lam, ip, op = np.concatenate(logits), np.concatenate(is_perf), np.concatenate(oos_perf)
    slope, intercept = _fit(ip, op)
    return PboResult(
        pbo=float(np.mean(lam <= 0.0)),
        n_splits=s,
        n_combinations=int(lam.size),
        n_configs=n,
        n_rows_used=int(s * rows),
        metric=str(name),
        logits=tuple(lam.tolist()),
        is_performance=tuple(ip.tolist()),
        oos_performance=tuple(op.tolist()),
        degradation_slope=slope,
        degradation_intercept=intercept,
        prob_oos_loss=float(np.mean(op < 0.0)),
    )


def _scores(blocks: np.ndarray, masks: np.ndarray, metric: Metric) -> np.ndarray:
    if isinstance(metric, str):
        return _block_scores(blocks, masks, metric)
    out = np.empty((masks.shape[0], blocks.shape[2]), dtype=np.float64)
    for c, mask in enumerate(masks):
        rows = blocks[mask].reshape(-1, blocks.shape[2])
        scores = np.asarray(metric(rows), dtype=np.float64)
        if scores.shape != (blocks.shape[2],):
            raise StatsError(f"metric must return one score per configuration, shape ({blocks.shape[2]},), "
                             f"got {scores.shape}")
        out[c] = scores
    return out


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 2 or np.ptp(x) == 0.0:
        return math.nan, math.nan
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept)
