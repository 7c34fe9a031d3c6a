"""ONNX Runtime (single-threaded, float32) scores the same models to within a documented float32 tolerance."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from compiled_kit import synthetic
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from arbkit.models.compiled import compile_estimator
from arbkit.models.compiled.onnx_runtime import onnx_scorer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TOLERANCE = 1e-5
"""Absolute, on probabilities: float32 inputs, thresholds, sums and sigmoid (observed: below 1e-6)."""


def fitted(kind: str, x: np.ndarray, y: np.ndarray) -> object:
    if kind == "lightgbm":
        return lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1, "num_leaves": 15},
                         lgb.Dataset(x, y), 30)
    if kind == "xgboost":
        return xgb.train({"objective": "binary:logistic", "nthread": 1, "max_depth": 4}, xgb.DMatrix(x, y), 30)
    if kind == "random_forest":
        return RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0).fit(x, y)
    if kind == "logistic":
        return LogisticRegression().fit(x, y)
    return MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0).fit(x, y)


@pytest.mark.parametrize("kind", ["lightgbm", "xgboost", "random_forest", "logistic", "mlp"])
def test_onnx_runtime_agrees_with_the_compiled_path_within_float32_tolerance(kind: str) -> None:
    x, y, _ = synthetic(n=1500, k=8)
    model = fitted(kind, x, y)
    ours = compile_estimator(model).predict_many(x[:500])
    theirs = onnx_scorer(model, 8).predict_many(x[:500])
    assert theirs.shape == ours.shape
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=TOLERANCE)
