"""Walk-forward out-of-sample statistics: per fold, concatenated, and bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from arbkit.stats import StatsError, probabilistic_sharpe_ratio, series_stats, walk_forward_stats


def _folds() -> list[np.ndarray]:
    rng = np.random.default_rng(4)
    return [rng.normal(0.001, 0.01, size=n) for n in (30, 45, 25)]


def test_each_fold_and_the_concatenation_are_scored() -> None:
    folds = _folds()
    wf = walk_forward_stats(folds, periods_per_year=365, labels=["2024-01", "2024-02", "2024-03"])
    assert wf.n_folds == 3 and [f.label for f in wf.folds] == ["2024-01", "2024-02", "2024-03"]
    for fold, r in zip(wf.folds, folds, strict=True):
        assert fold.n_obs == r.size
        assert fold.sharpe == pytest.approx(r.mean() / r.std(ddof=1) * math.sqrt(365))
        assert fold.total_return == pytest.approx(np.prod(1 + r) - 1)
    everything = np.concatenate(folds)
    assert wf.aggregate == series_stats(everything, periods_per_year=365, label="aggregate")
    assert wf.positive_folds == pytest.approx(np.mean([np.prod(1 + r) > 1 for r in folds]))
    per_period = everything.mean() / everything.std(ddof=1)
    assert wf.psr == pytest.approx(probabilistic_sharpe_ratio(per_period, everything.size,
                                                              skewness=wf.aggregate.skewness,
                                                              kurtosis=wf.aggregate.kurtosis))


def test_series_stats_by_hand() -> None:
    s = series_stats(np.array([0.1, -0.5, 0.2]), periods_per_year=12)
    assert s.total_return == pytest.approx(1.1 * 0.5 * 1.2 - 1)
    assert s.max_drawdown == pytest.approx(0.5)  # 1.1 -> 0.55
    assert s.annualised_return == pytest.approx((1.1 * 0.5 * 1.2) ** (12 / 3) - 1)


def test_benchmark_is_annualised_and_lowers_the_psr() -> None:
    folds = _folds()
    zero = walk_forward_stats(folds, periods_per_year=365).psr
    high = walk_forward_stats(folds, periods_per_year=365, benchmark_sharpe=2.0).psr
    assert 0.0 <= high < zero <= 1.0


def test_single_observation_folds_have_nan_ratios_but_a_defined_aggregate() -> None:
    wf = walk_forward_stats([np.array([0.01]), np.array([-0.02]), np.array([0.015])], periods_per_year=365)
    assert all(math.isnan(f.sharpe) for f in wf.folds)
    assert math.isfinite(wf.aggregate.sharpe)
    assert json.loads(wf.to_json())["folds"][0]["sharpe"] is None


@pytest.mark.parametrize(("folds", "kwargs", "match"), [
    ([], {}, "fold_returns is empty; at least 1 fold"),
    ([np.array([0.01]), np.array([])], {}, "fold 1 \\(fold 1\\): returns has 0 observations; at least 1"),
    ([np.array([0.01, np.nan])], {}, "fold 0 \\(fold 0\\): returns must be finite: index 1 is nan"),
    ([np.array([0.01, -1.0])], {}, "fold 0 .* returns must be > -1 .* index 1 is -1.0"),
    ([np.array([0.01])], {"labels": ["a", "b"]}, "labels has 2 names for 1 folds"),
    ([np.array([0.01])], {"periods_per_year": 0}, "periods_per_year must be a finite number > 0, got 0"),
    ([np.array([0.01])], {"benchmark_sharpe": math.nan}, "benchmark_sharpe must be finite"),
])
def test_malformed_folds_are_refused(folds: list[np.ndarray], kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"periods_per_year": 365}
    args.update(kwargs)
    with pytest.raises(StatsError, match=match):
        walk_forward_stats(folds, **args)  # type: ignore[arg-type]
