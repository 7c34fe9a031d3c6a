"""What a sweep adds up to: points ranked by Sharpe, the deflated Sharpe ratio of the best point with
the number of trials the sweep actually ran, and the probability of backtest overfitting (CSCV).

The number of trials is the number of points that ran to the end: a failed point never produced a
Sharpe ratio, so it was not a trial the selection chose among. The trials' Sharpe variance is the
sample variance of the points' per-period Sharpe ratios (those that are defined).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec
import numpy as np

from arbkit.stats import DeflatedSharpe, PboResult, StatsError, deflated_sharpe_ratio, kurtosis, pbo_cscv, skewness
from arbkit.sweep.point import PointResult

MAX_PBO_SPLITS = 16
"""CSCV blocks used when there are enough returns (the paper's 16); fewer rows use fewer blocks."""


class SweepSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A finished sweep.

    Attributes:
        name: the spec's name; runner: ``"serial"`` or ``"ray"``.
        points: every point's result, in grid order.
        n_points / n_trials / n_failed: points in the grid, points that ran to the end, points that failed.
        best_index: grid index of the point with the highest defined Sharpe ratio (-1: none).
        dsr: deflated Sharpe ratio of the best point over ``n_trials`` trials (per-period Sharpe
            ratios), or None with a reason in ``notes``.
        pbo: probability of backtest overfitting of the successful points' return matrix, or None.
        wall_s: seconds the whole sweep took (wall clock, where it was started).
        notes: why a statistic is missing.
    """

    name: str
    runner: str
    points: list[PointResult]
    n_points: int
    n_trials: int
    n_failed: int
    best_index: int
    dsr: DeflatedSharpe | None
    pbo: PboResult | None
    wall_s: float
    notes: list[str] = msgspec.field(default_factory=list)

    def ranked(self) -> list[PointResult]:
        """Points by Sharpe ratio, best first; undefined Sharpe ratios, then failed points, last."""
        def key(p: PointResult) -> tuple[int, float, int]:
            if not p.ok:
                return (2, 0.0, p.index)
            return (1, 0.0, p.index) if math.isnan(p.sharpe) else (0, -p.sharpe, p.index)
        return sorted(self.points, key=key)


def _per_period(p: PointResult) -> float:
    return p.sharpe / math.sqrt(p.periods_per_year)


def deflated_best(points: Sequence[PointResult]) -> tuple[int, DeflatedSharpe | None, str]:
    """(best index, its DSR over the successful points as trials, note); index -1 and a note when undefined."""
    trials = [p for p in points if p.ok]
    scored = [p for p in trials if not math.isnan(p.sharpe) and len(p.returns) >= 2]
    if not scored:
        return -1, None, "deflated Sharpe: no point has a defined Sharpe ratio"
    best = max(scored, key=lambda p: (p.sharpe, -p.index))
    r = np.asarray(best.returns, dtype=np.float64)
    sharpes = [_per_period(p) for p in scored]
    try:
        if len(sharpes) >= 2:
            dsr = deflated_sharpe_ratio(_per_period(best), r.size, skewness=skewness(r), kurtosis=kurtosis(r),
                                        n_trials=len(trials), trial_sharpes=sharpes)
        else:
            dsr = deflated_sharpe_ratio(_per_period(best), r.size, skewness=skewness(r), kurtosis=kurtosis(r),
                                        n_trials=len(trials), sharpe_variance=0.0)
    except StatsError as exc:
        return best.index, None, f"deflated Sharpe: {exc}"
    return best.index, dsr, ""


def return_matrix(points: Sequence[PointResult]) -> np.ndarray:
    """``T × N`` per-interval returns of the successful points on the sample times they all share."""
    ok = [p for p in points if p.ok and p.returns]
    if not ok:
        return np.zeros((0, 0))
    common = set(ok[0].return_ts_ns)
    for p in ok[1:]:
        common &= set(p.return_ts_ns)
    times = sorted(common)
    columns = []
    for p in ok:
        at = dict(zip(p.return_ts_ns, p.returns, strict=True))
        columns.append([at[t] for t in times])
    return np.asarray(columns, dtype=np.float64).T.reshape(len(times), len(ok))


def overfitting(points: Sequence[PointResult]) -> tuple[PboResult | None, str]:
    """PBO by CSCV over the successful points (at least 2, with at least 4 shared returns), or a note."""
    m = return_matrix(points)
    if m.shape[1] < 2:
        return None, f"PBO: needs at least 2 successful points, got {m.shape[1]}"
    splits = min(MAX_PBO_SPLITS, (m.shape[0] // 2) // 2 * 2)
    if splits < 2:
        return None, f"PBO: the points share {m.shape[0]} returns; CSCV needs at least 4"
    try:
        return pbo_cscv(m, n_splits=splits), ""
    except StatsError as exc:
        return None, f"PBO: {exc}"


def summarise(name: str, runner: str, points: Sequence[PointResult], wall_s: float) -> SweepSummary:
    """The :class:`SweepSummary` of finished points."""
    best, dsr, dsr_note = deflated_best(points)
    pbo, pbo_note = overfitting(points)
    n_trials = sum(p.ok for p in points)
    return SweepSummary(name=name, runner=runner, points=list(points), n_points=len(points), n_trials=n_trials,
                        n_failed=len(points) - n_trials, best_index=best, dsr=dsr, pbo=pbo, wall_s=wall_s,
                        notes=[n for n in (dsr_note, pbo_note) if n])
