"""The serial and Ray runners on real data: the same grid gives the same figures, failing points are recorded,
the deflated Sharpe counts the trials that ran, and the outputs are written."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path

import msgspec
import numpy as np
import pytest
from sweep_kit import SMALL_GRID, short_config

from arbkit.stats import deflated_sharpe_ratio, expected_max_sharpe, kurtosis, pbo_cscv, skewness
from arbkit.sweep import RayRunner, SerialRunner, SweepSummary, parse_grid_options, run_sweep
from arbkit.sweep.summary import return_matrix


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> tuple[SweepSummary, Path]:
    out = tmp_path_factory.mktemp("serial")
    return run_sweep(short_config(), parse_grid_options(SMALL_GRID), SerialRunner(), out_dir=out,
                     keep_artifacts=True), out


@pytest.fixture(scope="module")
def ray_session() -> Iterator[object]:
    ray = pytest.importorskip("ray", reason="Ray is not installed (CI installs it with the arbkit[sweep] extra)")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_every_point_runs_on_real_data_and_a_failing_point_is_recorded_not_raised(
        serial: tuple[SweepSummary, Path]) -> None:
    summary, _ = serial
    assert [p.index for p in summary.points] == [0, 1, 2, 3]
    ok = [p for p in summary.points if p.ok]
    failed = [p for p in summary.points if not p.ok]
    assert [p.params["model.min_abs_z"] for p in failed] == [99, 99]
    assert all("ModelMismatchError" in p.error and math.isnan(p.sharpe) for p in failed)
    assert (summary.n_trials, summary.n_failed) == (2, 2)
    for point in ok:
        assert point.error == "" and point.fills > 0 and len(point.returns) == len(point.return_ts_ns) > 10
        assert point.oos_start_ns <= point.return_ts_ns[0] and point.return_ts_ns[-1] <= point.oos_end_ns
        assert math.isfinite(point.sharpe) and math.isfinite(point.total_pnl_usd)
    assert ok[0].fills > ok[1].fills  # entry_z 1.5 trades more than 2.5: the override reached the script


def test_the_deflated_sharpe_counts_only_the_points_that_ran(serial: tuple[SweepSummary, Path]) -> None:
    summary, _ = serial
    ok = [p for p in summary.points if p.ok]
    best = max(ok, key=lambda p: p.sharpe)
    assert summary.best_index == best.index and summary.ranked()[0].index == best.index
    per_period = [p.sharpe / math.sqrt(p.periods_per_year) for p in ok]
    r = np.asarray(best.returns)
    expected = deflated_sharpe_ratio(best.sharpe / math.sqrt(best.periods_per_year), r.size, skewness=skewness(r),
                                     kurtosis=kurtosis(r), n_trials=2, trial_sharpes=per_period)
    assert summary.dsr is not None and summary.dsr.n_trials == 2 == summary.n_trials
    assert summary.dsr.dsr == pytest.approx(expected.dsr) and summary.dsr.benchmark_sharpe == expected.benchmark_sharpe
    assert summary.dsr.benchmark_sharpe != expected_max_sharpe(4, summary.dsr.sharpe_variance)  # not the grid size


def test_pbo_runs_on_the_shared_returns_of_the_successful_points(serial: tuple[SweepSummary, Path]) -> None:
    summary, _ = serial
    m = return_matrix(summary.points)
    assert m.shape[1] == 2 and summary.pbo is not None
    assert summary.pbo.n_configs == 2 and summary.pbo.pbo == pbo_cscv(m, n_splits=summary.pbo.n_splits).pbo


def test_the_outputs_hold_every_point_ranked_and_each_point_keeps_its_journal(
        serial: tuple[SweepSummary, Path]) -> None:
    summary, out = serial
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["n_trials"] == 2 and doc["dsr"]["n_trials"] == 2 and len(doc["points"]) == 4
    assert "returns" not in doc["points"][0]
    rows = list(csv.DictReader((out / "points.csv").open()))
    assert [int(r["index"]) for r in rows] == [p.index for p in summary.ranked()]
    assert rows[0]["strategy.entry_z"] and rows[-1]["error"].startswith("ModelMismatchError")
    returns = json.loads((out / "returns.json").read_text())
    assert sorted(returns) == ["0", "2"] and returns["0"]["returns"] == summary.points[0].returns
    assert (out / "points" / "point-0000" / "journal.sqlite").exists()


def test_ray_and_serial_give_identical_results_and_report_progress_per_point(
        serial: tuple[SweepSummary, Path], ray_session: object) -> None:
    summary, _ = serial
    calls: list[tuple[str, int, int]] = []
    on_ray = run_sweep(short_config(), parse_grid_options(SMALL_GRID), RayRunner(),
                       progress=lambda stage, advance, total: calls.append((stage, advance, total)))
    assert on_ray.runner == "ray" and summary.runner == "serial"
    for a, b in zip(summary.points, on_ray.points, strict=True):
        assert msgspec.json.encode(a.figures()) == msgspec.json.encode(b.figures())
    assert msgspec.json.encode([on_ray.dsr, on_ray.pbo]) == msgspec.json.encode([summary.dsr, summary.pbo])
    assert calls == [("points", 0, 4)] + [("points", 1, 4)] * 4
    import ray

    assert ray.is_initialized()  # the runner joined the test's session and left it running
