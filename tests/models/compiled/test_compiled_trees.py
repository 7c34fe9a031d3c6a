"""Compiled tree ensembles equal their library's own predict bit for bit (float64 compared exactly)."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from compiled_kit import real_split, synthetic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.ensemble import ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from arbkit.models.compiled import CompiledModel, compile_estimator, compile_lightgbm, compile_sklearn, compile_xgboost

LGB = {"verbose": -1, "num_threads": 1, "seed": 0, "deterministic": True}
XGB = {"nthread": 1, "seed": 0, "max_depth": 5, "eta": 0.2}


def assert_exact(model: CompiledModel, rows: np.ndarray, library: np.ndarray) -> None:
    library = np.asarray(library, dtype=np.float64)
    ours = model.predict_many(rows)
    np.testing.assert_array_equal(ours, library)
    np.testing.assert_array_equal(np.array([model.predict_one(row) for row in rows[:300]]), library[:300])


# -- LightGBM -------------------------------------------------------------------------------------------------------


def test_lightgbm_binary_on_real_features_equals_booster_predict() -> None:
    x, y, test, _ = real_split()
    booster = lgb.train({**LGB, "objective": "binary", "num_leaves": 31}, lgb.Dataset(x, y), 60)
    model = compile_lightgbm(booster)
    assert (model.kind, model.meta.output, model.n_features) == ("lightgbm", "probability", 40)
    assert_exact(model, test, booster.predict(test))


def test_lightgbm_regression_on_real_features_equals_booster_predict() -> None:
    x, _, test, _ = real_split()
    target = x[:, 30] * 0.3 + x[:, 2]  # basis.bps and the spot microprice: a smooth real-valued target
    booster = lgb.train({**LGB, "objective": "regression", "num_leaves": 15}, lgb.Dataset(x, target), 40)
    model = compile_lightgbm(booster)
    assert model.meta.output == "value"
    assert_exact(model, test, booster.predict(test))


@pytest.mark.parametrize("missing", ["nan", "zero_as_missing"])
def test_lightgbm_trained_with_missing_values_equals_predict_on_finite_rows(missing: str) -> None:
    x, y, _ = synthetic(n=3000)
    x = x.copy()
    rng = np.random.default_rng(1)
    params = {**LGB, "objective": "binary", "num_leaves": 15}
    if missing == "nan":
        x[rng.random(x.shape) < 0.1] = np.nan  # splits get missing_type NaN and a default side
    else:
        x[rng.random(x.shape) < 0.2] = 0.0
        params["zero_as_missing"] = True  # splits get missing_type Zero: the zero band goes to the default side
    booster = lgb.train(params, lgb.Dataset(x, y), 30)
    model = compile_lightgbm(booster)
    test = rng.normal(size=(2000, x.shape[1])) * 2
    test[rng.random(test.shape) < 0.2] = 0.0
    test[rng.random(test.shape) < 0.05] = 1e-36  # inside LightGBM's zero band: read as 0
    assert_exact(model, test, booster.predict(test))
    assert (model.to_arrays()[0]["program"][13] == 1.0) == (missing == "zero_as_missing")


def test_lightgbm_random_forest_mode_averages_like_predict() -> None:
    x, y, _ = synthetic()
    params = {**LGB, "objective": "binary", "boosting": "rf", "bagging_fraction": 0.7, "bagging_freq": 1,
              "num_leaves": 15}
    booster = lgb.train(params, lgb.Dataset(x, y), 20)
    model = compile_lightgbm(booster)
    assert model.meta.detail["average_output"] == 1
    assert_exact(model, x[:1000], booster.predict(x[:1000]))


def test_lgbm_classifier_with_early_stopping_uses_best_iteration_like_predict_proba() -> None:
    x, y, _ = synthetic(n=4000)
    clf = lgb.LGBMClassifier(n_estimators=300, learning_rate=0.3, num_leaves=15, verbose=-1, n_jobs=1)
    clf.fit(x[:3000], y[:3000], eval_X=x[3000:], eval_y=y[3000:], callbacks=[lgb.early_stopping(5, verbose=False)])
    assert 0 < clf.best_iteration_ < 300
    model = compile_estimator(clf)
    assert model.meta.detail["trees"] == clf.best_iteration_
    assert_exact(model, x, clf.predict_proba(x)[:, 1])


# -- XGBoost --------------------------------------------------------------------------------------------------------


def test_xgboost_binary_on_real_features_equals_inplace_predict() -> None:
    x, y, test, _ = real_split()
    booster = xgb.train({**XGB, "objective": "binary:logistic"}, xgb.DMatrix(x, y), 60)
    model = compile_xgboost(booster)
    assert model.meta.output == "probability"
    assert_exact(model, test, booster.inplace_predict(test))


def test_xgboost_regression_equals_inplace_predict() -> None:
    x, _, v = synthetic()
    booster = xgb.train({**XGB, "objective": "reg:squarederror"}, xgb.DMatrix(x, v), 60)
    test = np.random.default_rng(2).normal(size=(2000, x.shape[1])) * 3
    assert_exact(compile_xgboost(booster), test, booster.inplace_predict(test))


def test_xgb_classifier_with_early_stopping_equals_predict_proba() -> None:
    x, y, _ = synthetic(n=4000)
    clf = xgb.XGBClassifier(n_estimators=300, max_depth=4, learning_rate=0.3, n_jobs=1, early_stopping_rounds=5)
    clf.fit(x[:3000], y[:3000], eval_set=[(x[3000:], y[3000:])], verbose=False)
    assert clf.best_iteration < 299
    model = compile_estimator(clf)
    assert_exact(model, x, clf.predict_proba(x)[:, 1])


def test_xgb_regressor_with_user_base_score_and_absolute_error() -> None:
    x, _, v = synthetic()
    reg = xgb.XGBRegressor(n_estimators=40, max_depth=4, objective="reg:absoluteerror", base_score=0.3, n_jobs=1)
    reg.fit(x, v)
    assert_exact(compile_estimator(reg), x[:1500], reg.predict(x[:1500]))


# -- scikit-learn ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("estimator", [DecisionTreeClassifier(max_depth=8, random_state=0),
                                       RandomForestClassifier(n_estimators=30, max_depth=8, random_state=0)],
                         ids=["decision_tree", "random_forest"])
def test_sklearn_tree_classifiers_on_real_features_equal_predict_proba(estimator: object) -> None:
    x, y, test, _ = real_split()
    fitted = estimator.fit(x, y)  # type: ignore[attr-defined]
    model = compile_sklearn(fitted)
    assert model.meta.output == "probability"
    assert_exact(model, test, fitted.predict_proba(test)[:, 1])


@pytest.mark.parametrize("estimator", [DecisionTreeRegressor(max_depth=10, random_state=0),
                                       RandomForestRegressor(n_estimators=30, max_depth=8, random_state=0),
                                       ExtraTreesRegressor(n_estimators=20, max_depth=8, random_state=0)],
                         ids=["decision_tree", "random_forest", "extra_trees"])
def test_sklearn_tree_regressors_equal_predict(estimator: object) -> None:
    x, _, v = synthetic()
    fitted = estimator.fit(x, v)  # type: ignore[attr-defined]
    assert_exact(compile_sklearn(fitted), x[:1500], fitted.predict(x[:1500]))


# -- properties -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_models() -> list[tuple[CompiledModel, object]]:
    x, y, _ = synthetic(n=2000, k=6)
    booster = lgb.train({**LGB, "objective": "binary", "num_leaves": 15}, lgb.Dataset(x, y), 20)
    xgb_booster = xgb.train({**XGB, "objective": "binary:logistic"}, xgb.DMatrix(x, y), 20)
    forest = RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0).fit(x, y)
    return [(compile_lightgbm(booster), booster.predict), (compile_xgboost(xgb_booster), xgb_booster.inplace_predict),
            (compile_sklearn(forest), lambda rows: forest.predict_proba(rows)[:, 1])]


ROW = arrays(np.float64, 6, elements=st.one_of(
    st.floats(-10, 10, allow_nan=False), st.sampled_from([0.0, -0.0, 1e-36, -1e-36, 1e-300, 3e38, -3e38])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=ROW)
def test_for_random_finite_rows_predict_one_equals_predict_many_equals_library(
        three_models: list[tuple[CompiledModel, object]], row: np.ndarray) -> None:
    for model, library in three_models:
        one = model.predict_one(row)
        assert one == model.predict_many(row[None])[0]
        assert one == float(np.asarray(library(row[None]), dtype=np.float64)[0])  # type: ignore[operator]
