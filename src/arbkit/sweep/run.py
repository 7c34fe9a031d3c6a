"""Entry points: :func:`run_sweep` (a parameter grid) and :func:`run_walk_forward` (folds over time).

Both take a runner (:class:`~arbkit.sweep.runners.SerialRunner` or
:class:`~arbkit.sweep.runners.RayRunner`), so the same call runs here or on a Ray cluster.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import msgspec

from arbkit.backtest.config import BacktestConfig
from arbkit.stats import StatsError, WalkForwardStats, walk_forward_stats
from arbkit.sweep.folds import Fold, FoldMode, plan_folds, recording_range
from arbkit.sweep.outputs import write_outputs
from arbkit.sweep.point import PointResult
from arbkit.sweep.runners import Progress, Runner
from arbkit.sweep.spec import SweepSpec
from arbkit.sweep.summary import SweepSummary, summarise


def _artifacts(out_dir: Path | None, keep_artifacts: bool) -> str | None:
    return str((out_dir / "points").resolve()) if out_dir is not None and keep_artifacts else None


def run_sweep(base: BacktestConfig, spec: SweepSpec, runner: Runner, *, out_dir: Path | None = None,
              keep_artifacts: bool = False, progress: Progress | None = None) -> SweepSummary:
    """Run every point of ``spec`` over ``base`` with ``runner`` and summarise (DSR, PBO).

    Args:
        out_dir: where ``sweep.json``, ``points.csv`` and ``returns.json`` go (None: nothing written).
        keep_artifacts: also keep each point's journal and model under ``out_dir/points/point-NNNN``
            (on the machine that ran the point).
        progress: ``progress("points", advance, total)`` as points finish.

    Raises:
        ConfigError: a key of the spec is not a setting of ``base`` (before anything runs).
    """
    spec.validate(base)
    start = time.perf_counter()
    points = runner.run(base, spec.points(), artifacts_dir=_artifacts(out_dir, keep_artifacts), progress=progress)
    summary = summarise(spec.name, getattr(runner, "name", type(runner).__name__), points,
                        time.perf_counter() - start)
    if out_dir is not None:
        write_outputs(summary, out_dir)
    return summary


class WalkForwardSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A finished walk-forward: each fold's plan and result, and the out-of-sample statistics of the folds.

    ``stats`` aggregates the folds that ran (their out-of-sample per-interval returns, concatenated in
    time order) with :func:`arbkit.stats.walk_forward_stats`; None with a reason in ``notes``.
    """

    name: str
    runner: str
    mode: str
    folds: list[Fold]
    points: list[PointResult]
    stats: WalkForwardStats | None
    wall_s: float
    notes: list[str] = msgspec.field(default_factory=list)


def fold_statistics(points: list[PointResult]) -> tuple[WalkForwardStats | None, str]:
    """:func:`walk_forward_stats` of the folds that ran and have returns, or None and why."""
    usable = [p for p in points if p.ok and p.returns]
    if not usable:
        return None, "walk-forward: no fold ran to the end with out-of-sample returns"
    ppy = usable[0].periods_per_year
    if any(not math.isclose(p.periods_per_year, ppy) for p in usable):
        return None, "walk-forward: folds have different return intervals"
    try:
        return walk_forward_stats([p.returns for p in usable], periods_per_year=ppy,  # type: ignore[misc]
                                  labels=[f"fold {p.index}" for p in usable]), ""
    except StatsError as exc:
        return None, f"walk-forward: {exc}"


def run_walk_forward(base: BacktestConfig, n_folds: int, runner: Runner, *, mode: FoldMode = "rolling",
                     out_dir: Path | None = None, keep_artifacts: bool = False,
                     progress: Progress | None = None) -> WalkForwardSummary:
    """Run ``n_folds`` folds of ``base`` over its data's time range (see :mod:`arbkit.sweep.folds`).

    Each fold is one point whose overrides set ``data.start``, ``data.end`` and ``model.train_fraction``.
    Writes ``walk_forward.json``, ``points.csv`` and ``returns.json`` (one row / series per fold) into
    ``out_dir`` when given.
    """
    first, last = recording_range(base)
    folds = plan_folds(first, last, n_folds, train_fraction=base.model.train_fraction, mode=mode)
    start = time.perf_counter()
    points = runner.run(base, [f.overrides() for f in folds], artifacts_dir=_artifacts(out_dir, keep_artifacts),
                        progress=progress)
    stats, note = fold_statistics(points)
    runner_name = getattr(runner, "name", type(runner).__name__)
    wall = time.perf_counter() - start
    summary = WalkForwardSummary(name=f"{base.name} walk-forward", runner=runner_name, mode=mode, folds=folds,
                                 points=points, stats=stats, wall_s=wall, notes=[note] if note else [])
    if out_dir is not None:
        write_outputs(summarise(summary.name, runner_name, points, wall), out_dir, summary_json=False)
        doc = msgspec.to_builtins(summary)
        for point in doc["points"]:
            point.pop("returns", None)
            point.pop("return_ts_ns", None)
        (out_dir / "walk_forward.json").write_bytes(msgspec.json.format(msgspec.json.encode(doc), indent=2))
    return summary
