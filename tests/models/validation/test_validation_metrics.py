"""Regression and trading metrics against independent implementations and by hand."""

from __future__ import annotations

import inspect
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import r2_score

from arbkit.models.metrics import classification_metrics, regression_metrics, signal_direction, trading_metrics

VALUES = st.lists(st.tuples(st.integers(-20, 20).map(float) | st.floats(-50, 50), st.floats(-50, 50)),
                  min_size=3, max_size=40)


@settings(max_examples=150, deadline=None)
@given(VALUES)
def test_r2_ic_and_rank_ic_equal_sklearn_and_scipy(pairs: list[tuple[float, float]]) -> None:
    y, yhat = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    m = regression_metrics(y, yhat)
    if np.ptp(y) > 1e-6 and np.ptp(yhat) > 1e-6:
        assert math.isclose(m["ic"], pearsonr(y, yhat).statistic, abs_tol=1e-9)
        assert math.isclose(m["rank_ic"], spearmanr(y, yhat).statistic, abs_tol=1e-9)
        assert math.isclose(m["r2"], r2_score(y, yhat), rel_tol=1e-9, abs_tol=1e-9)
    if np.ptp(y) == 0:
        assert math.isnan(m["r2"]) and math.isnan(m["ic"])


def test_constant_targets_whose_mean_misses_them_by_an_ulp_give_nan_not_a_huge_r2() -> None:
    y = np.full(3, 42.799671506904716)  # found by hypothesis: mean(y) != y[0] in float64
    m = regression_metrics(y, np.zeros(3))
    assert math.isnan(m["r2"]) and math.isnan(m["ic"]) and math.isnan(m["rank_ic"])


def test_signal_direction_rules() -> None:
    assert signal_direction(np.array([2.0, -0.5, 0.1, -3.0]), "regression", threshold=0.5).tolist() == [1, 0, 0, -1]
    assert signal_direction(np.array([0.5, 0.49, 0.51]), "classification").tolist() == [1, -1, 1]
    assert signal_direction(np.array([0.7, 0.5, 0.3]), "classification", 0.65).tolist() == [1, 0, -1]
    meta = signal_direction(np.array([0.8, 0.8, 0.2]), "classification", side=np.array([-1, 1, 1]))
    assert meta.tolist() == [-1, 1, 0]


def test_trading_metrics_count_hits_after_costs() -> None:
    # long +3 bps − 2 = +1 (hit); short on +1 bps → −1 − 2 = −3; long +1.5 − 2 = −0.5 (right way, not a hit)
    m = trading_metrics(np.array([1, -1, 0, 1]), np.array([3.0, 1.0, 50.0, 1.5]), cost_bps=2.0)
    assert m == {"n_signals": 3.0, "hit_rate": 1 / 3, "mean_pnl_bps": (1.0 - 3.0 - 0.5) / 3}


def test_classification_metrics_keeps_its_signature() -> None:
    assert list(inspect.signature(classification_metrics).parameters) == ["y_true", "p_pred", "threshold"]
    m = classification_metrics(np.array([0, 1, 1, 0]), np.array([0.2, 0.8, 0.6, 0.4]))
    assert m["accuracy"] == 1.0 and m["roc_auc"] == 1.0
