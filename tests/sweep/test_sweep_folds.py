"""Walk-forward folds: the plan tiles the range with test windows, and folds run on real data windows."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sweep_kit import short_config

from arbkit.core.errors import ConfigError
from arbkit.stats import walk_forward_stats
from arbkit.sweep import SerialRunner, plan_folds, run_walk_forward
from arbkit.sweep.folds import recording_range


@settings(max_examples=80, deadline=None)
@given(first=st.integers(min_value=0, max_value=10**18), span=st.integers(min_value=10**6, max_value=10**13),
       n=st.integers(min_value=1, max_value=8), fraction=st.floats(min_value=0.1, max_value=0.9),
       mode=st.sampled_from(["rolling", "anchored"]))
def test_test_windows_tile_the_range_after_the_first_training_window(first: int, span: int, n: int, fraction: float,
                                                                     mode: str) -> None:
    last = first + span
    try:
        folds = plan_folds(first, last, n, train_fraction=fraction, mode=mode)  # type: ignore[arg-type]
    except ConfigError as exc:
        assert mode == "anchored" and "outside [0.05, 0.95]" in str(exc)
        return
    assert len(folds) == n and folds[-1].end_ns == last
    for before, after in itertools.pairwise(folds):
        assert before.end_ns == after.test_start_ns  # no gap, no overlap between test windows
    for fold in folds:
        assert first <= fold.start_ns < fold.test_start_ns < fold.end_ns <= last
        assert fold.train_fraction == (fold.test_start_ns - fold.start_ns) / (fold.end_ns - fold.start_ns)
        assert fold.start_ns == first if mode == "anchored" else True
    assert folds[0].train_fraction == pytest.approx(fraction, abs=2 / (folds[0].end_ns - folds[0].start_ns))


def test_impossible_fold_plans_are_config_errors_naming_the_value() -> None:
    with pytest.raises(ConfigError, match="folds 0"):
        plan_folds(0, 10, 0, train_fraction=0.5)
    with pytest.raises(ConfigError, match=r"fold 1[89] of 20 \(anchored\) trains on 0.95"):
        plan_folds(0, 10**9, 20, train_fraction=0.5, mode="anchored")
    with pytest.raises(ConfigError, match="'expanding'"):
        plan_folds(0, 10**9, 2, train_fraction=0.5, mode="expanding")  # type: ignore[arg-type]


def test_walk_forward_folds_run_on_their_windows_of_the_real_sample(tmp_path: Path) -> None:
    config = short_config()
    first, last = recording_range(config)
    assert last < config.data.range_ns()[1]  # type: ignore[operator]
    summary = run_walk_forward(config, 2, SerialRunner(), mode="rolling", out_dir=tmp_path)
    assert [p.ok for p in summary.points] == [True, True], [p.error for p in summary.points]
    for fold, point in zip(summary.folds, summary.points, strict=True):
        assert point.params["data.start"] == fold.start_ns and point.params["data.end"] == fold.end_ns + 1
        assert fold.start_ns <= point.oos_start_ns and point.oos_end_ns <= fold.end_ns
        assert point.return_ts_ns[0] >= fold.test_start_ns - 10**9  # out of sample: the fold's test window
    assert summary.folds[0].start_ns == first and summary.folds[1].end_ns == last
    assert summary.points[0].oos_end_ns <= summary.points[1].oos_start_ns + 10**9
    assert summary.stats is not None and summary.stats.n_folds == 2
    expected = walk_forward_stats([p.returns for p in summary.points], periods_per_year=summary.points[0].periods_per_year)
    assert summary.stats.aggregate.sharpe == pytest.approx(expected.aggregate.sharpe)
    doc = json.loads((tmp_path / "walk_forward.json").read_text())
    assert doc["mode"] == "rolling" and len(doc["folds"]) == 2 and doc["stats"]["n_folds"] == 2
    assert (tmp_path / "points.csv").exists() and not (tmp_path / "sweep.json").exists()  # folds are not trials
