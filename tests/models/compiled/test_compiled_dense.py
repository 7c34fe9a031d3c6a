"""Compiled linear models and MLPs equal scikit-learn's one-row predict bit for bit (tanh MLPs to 1e-15).

scikit-learn's batch call multiplies a matrix, whose rounding differs from its own one-row call in the
last bit; the compiled path reproduces the one-row call (the tick) and stays within 1e-14 of the batch.
"""

from __future__ import annotations

import numpy as np
import pytest
from compiled_kit import real_split, synthetic
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from arbkit.models.compiled import CompiledModel, compile_estimator, compile_linear, compile_mlp

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def one_row_at_a_time(predict: object, rows: np.ndarray) -> np.ndarray:
    return np.array([np.ravel(predict(rows[i: i + 1]))[0] for i in range(rows.shape[0])])  # type: ignore[operator]


def assert_matches(model: CompiledModel, rows: np.ndarray, predict: object, tolerance: float = 0.0) -> None:
    ours = model.predict_many(rows)
    single = one_row_at_a_time(predict, rows)
    if tolerance == 0.0:
        np.testing.assert_array_equal(ours, single)
    else:
        np.testing.assert_allclose(ours, single, rtol=tolerance, atol=tolerance)
    np.testing.assert_array_equal(np.array([model.predict_one(row) for row in rows]), ours)
    batch = np.ravel(predict(rows))  # type: ignore[operator]
    np.testing.assert_allclose(ours, batch, rtol=1e-13, atol=1e-14)


def proba(fitted: object) -> object:
    return lambda rows: fitted.predict_proba(rows)[:, 1]  # type: ignore[attr-defined]


def test_logistic_regression_with_scaler_on_real_features_equals_one_row_predict_proba() -> None:
    x, y, test, _ = real_split(n_train=3000, n_test=400)
    fitted = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(x, y)
    model = compile_linear(fitted)
    assert (model.kind, model.meta.output, model.meta.detail["scaled"]) == ("logistic", "probability", 1)
    assert_matches(model, test, proba(fitted))


def test_plain_logistic_regression_equals_one_row_predict_proba() -> None:
    x, y, _ = synthetic()
    fitted = LogisticRegression(max_iter=500).fit(x, y)
    assert_matches(compile_estimator(fitted), x[:400], proba(fitted))


@pytest.mark.parametrize("estimator", [LinearRegression(), make_pipeline(StandardScaler(), Ridge(alpha=3.0))],
                         ids=["linear_regression", "scaled_ridge"])
def test_linear_regressors_equal_one_row_predict(estimator: object) -> None:
    x, _, v = synthetic()
    fitted = estimator.fit(x, v)  # type: ignore[attr-defined]
    model = compile_estimator(fitted)
    assert (model.kind, model.meta.output) == ("linear", "value")
    assert_matches(model, x[:400], fitted.predict)


@pytest.mark.parametrize("activation", ["relu", "logistic", "identity"])
def test_mlp_classifier_equals_one_row_predict_proba(activation: str) -> None:
    x, y, _ = synthetic()
    fitted = MLPClassifier(hidden_layer_sizes=(32, 16), activation=activation, max_iter=40, random_state=0).fit(x, y)
    model = compile_mlp(fitted)
    assert model.meta.detail["hidden"] == "32x16"
    assert_matches(model, x[:300], proba(fitted))


def test_tanh_mlp_matches_to_1e_15_because_numpy_has_its_own_tanh() -> None:
    x, y, _ = synthetic()
    fitted = MLPClassifier(hidden_layer_sizes=(32,), activation="tanh", max_iter=40, random_state=0).fit(x, y)
    assert_matches(compile_mlp(fitted), x[:300], proba(fitted), tolerance=1e-15)


def test_scaled_mlp_regressor_on_real_features_equals_one_row_predict() -> None:
    x, _, test, _ = real_split(n_train=2000, n_test=300)
    target = x[:, 30] * 0.3 + x[:, 2]
    fitted = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=30,
                                                          random_state=0)).fit(x, target)
    model = compile_estimator(fitted)
    assert (model.kind, model.meta.output) == ("mlp", "value")
    assert_matches(model, test, fitted.predict)
