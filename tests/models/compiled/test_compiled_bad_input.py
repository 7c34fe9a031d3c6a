"""Bad input never becomes a silent prediction: each failure is a typed error naming what is wrong."""

from __future__ import annotations

import re

import lightgbm as lgb
import msgspec
import numpy as np
import pytest
import xgboost as xgb
from compiled_kit import synthetic
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from arbkit.models.compiled import (
    CompiledModel,
    compile_estimator,
    compile_lightgbm,
    compile_linear,
    compile_sklearn,
    compile_xgboost,
)
from arbkit.models.compiled import layout as L
from arbkit.models.compiled.model import program_digest
from arbkit.models.errors import ModelConfigError, ModelMismatchError, NonFiniteInputError, NonFiniteOutputError

K = 12

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module", params=["lightgbm", "xgboost", "random_forest", "logistic", "mlp"])
def model(request: pytest.FixtureRequest) -> CompiledModel:
    x, y, _ = synthetic(n=1500, k=K)
    names = [f"f{i}" for i in range(K)]
    if request.param == "lightgbm":
        fitted: object = lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1}, lgb.Dataset(x, y), 10)
    elif request.param == "xgboost":
        fitted = xgb.train({"objective": "binary:logistic", "nthread": 1}, xgb.DMatrix(x, y), 10)
    elif request.param == "random_forest":
        fitted = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(x, y)
    elif request.param == "logistic":
        fitted = LogisticRegression().fit(x, y)
    else:
        fitted = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(x, y)
    return compile_estimator(fitted, feature_names=names)


def good_row() -> np.ndarray:
    return np.linspace(-1.0, 1.0, K)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_feature_is_refused_naming_column_name_and_value(model: CompiledModel, bad: float) -> None:
    row = good_row()
    row[7] = bad
    with pytest.raises(NonFiniteInputError, match=re.escape(f"feature 7 ('f7') is {bad!r}")):
        model.predict_one(row)
    rows = np.tile(good_row(), (4, 1))
    rows[2, 5] = bad
    with pytest.raises(NonFiniteInputError, match=re.escape(f"row 2, feature 5 ('f5') is {bad!r}")):
        model.predict_many(rows)


@pytest.mark.parametrize("width", [0, K - 1, K + 1])
def test_wrong_width_is_refused_naming_got_and_expected(model: CompiledModel, width: int) -> None:
    with pytest.raises(ModelMismatchError, match=f"length {width}, the model takes {K}"):
        model.predict_one(np.zeros(width))
    with pytest.raises(ModelMismatchError, match=f"width {width}, the model takes {K}"):
        model.predict_many(np.zeros((3, width)))


@pytest.mark.parametrize("bad", [np.zeros(K, dtype=np.float32), np.zeros(K, dtype=np.int64), np.zeros((1, K)),
                                 [0.0] * K, 0.0], ids=["float32", "int64", "2-D", "list", "scalar"])
def test_wrong_dtype_or_shape_for_one_row_is_refused(model: CompiledModel, bad: object) -> None:
    with pytest.raises(ModelMismatchError, match=f"float64 1-D array of length {K}, got"):
        model.predict_one(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [np.zeros((2, K), dtype=np.float32), np.zeros(K), [[0.0] * K]],
                         ids=["float32", "1-D", "list"])
def test_wrong_dtype_or_shape_for_a_batch_is_refused(model: CompiledModel, bad: object) -> None:
    with pytest.raises(ModelMismatchError, match="float64 2-D array"):
        model.predict_many(bad)  # type: ignore[arg-type]


def test_strided_and_read_only_rows_are_scored_like_contiguous_ones(model: CompiledModel) -> None:
    expected = model.predict_one(good_row())
    wide = np.zeros((K, 2))
    wide[:, 0] = good_row()
    read_only = good_row()
    read_only.flags.writeable = False
    assert model.predict_one(wide[:, 0]) == expected
    assert model.predict_one(read_only) == expected
    assert model.predict_many(np.asfortranarray(np.tile(good_row(), (3, 1))))[1] == expected


def test_an_empty_batch_gives_an_empty_result(model: CompiledModel) -> None:
    assert model.predict_many(np.zeros((0, K))).shape == (0,)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_linear_model_overflowing_to_infinity_raises_non_finite_output() -> None:
    fitted = LinearRegression().fit(np.array([[0.0], [1.0], [2.0]]), np.array([0.0, 1e300, 2e300]))
    model = compile_linear(fitted)
    assert model.predict_one(np.array([1.0])) == 1e300
    with pytest.raises(NonFiniteOutputError, match="output inf for a finite feature vector"):
        model.predict_one(np.array([1e10]))
    with pytest.raises(NonFiniteOutputError, match="at row 1"):
        model.predict_many(np.array([[1.0], [1e10]]))


def test_trees_whose_leaf_sum_overflows_raise_non_finite_output() -> None:
    x, _, v = synthetic(n=300, k=4)
    forest = compile_sklearn(RandomForestRegressor(n_estimators=2, max_depth=2, random_state=0).fit(x, v))
    arrays, meta = forest.to_arrays()
    program = arrays["program"]
    program[int(program[L.H_VALUES]):] = np.where(program[int(program[L.H_VALUES]):] != 0.0, 1.5e308, 0.0)
    meta["program_sha256"] = program_digest(program)
    model = CompiledModel.from_arrays(arrays, meta)  # each leaf is finite; two of them add up to inf
    with pytest.raises(NonFiniteOutputError):
        model.predict_one(np.zeros(4))


# -- unsupported models, refused at compile time --------------------------------------------------------------------


def test_lightgbm_categorical_split_is_refused() -> None:
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.integers(0, 6, 2000), rng.normal(size=2000)]).astype(float)
    y = (x[:, 0] % 2 == 0).astype(int)
    booster = lgb.train({"objective": "binary", "verbose": -1, "min_data_per_group": 5, "cat_smooth": 1},
                        lgb.Dataset(x, y, categorical_feature=[0]), 5)
    with pytest.raises(ModelConfigError, match="categorical"):
        compile_lightgbm(booster)


def test_lightgbm_multiclass_and_linear_trees_are_refused() -> None:
    x, _, v = synthetic(n=1200, k=4)
    multi = lgb.train({"objective": "multiclass", "num_class": 3, "verbose": -1}, lgb.Dataset(x, (v > 0) + (v > 1)), 3)
    with pytest.raises(ModelConfigError, match="num_class=3"):
        compile_lightgbm(multi)
    linear = lgb.train({"objective": "regression", "linear_tree": True, "verbose": -1}, lgb.Dataset(x, v), 3)
    with pytest.raises(ModelConfigError, match="linear tree"):
        compile_lightgbm(linear)
    poisson = lgb.train({"objective": "poisson", "verbose": -1}, lgb.Dataset(x, np.abs(v)), 3)
    with pytest.raises(ModelConfigError, match="objective 'poisson'"):
        compile_lightgbm(poisson)


def test_xgboost_multiclass_and_unsupported_objective_are_refused() -> None:
    x, _, v = synthetic(n=1200, k=4)
    multi = xgb.train({"objective": "multi:softprob", "num_class": 3}, xgb.DMatrix(x, (v > 0) + (v > 1)), 3)
    with pytest.raises(ModelConfigError, match="num_class=3"):
        compile_xgboost(multi)
    poisson = xgb.train({"objective": "count:poisson"}, xgb.DMatrix(x, np.abs(v)), 3)
    with pytest.raises(ModelConfigError, match="count:poisson"):
        compile_xgboost(poisson)


def test_xgboost_categorical_split_is_refused() -> None:
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"c": pd.Categorical(rng.integers(0, 5, 1000)), "v": rng.normal(size=1000)})
    y = (frame["c"].cat.codes % 2).to_numpy()
    booster = xgb.train({"objective": "binary:logistic", "max_cat_to_onehot": 1},
                        xgb.DMatrix(frame, y, enable_categorical=True), 3)
    with pytest.raises(ModelConfigError, match="categorical"):
        compile_xgboost(booster)


def test_sklearn_multiclass_and_unknown_estimators_are_refused() -> None:
    x, _, v = synthetic(n=600, k=4)
    three = (v > 0).astype(int) + (v > 1)
    with pytest.raises(ModelConfigError, match="only binary classification"):
        compile_sklearn(DecisionTreeClassifier(max_depth=3).fit(x, three))
    with pytest.raises(ModelConfigError, match="only binary classification"):
        compile_linear(LogisticRegression(max_iter=200).fit(x, three))
    with pytest.raises(ModelConfigError, match="no compiled path for sklearn.svm._classes.SVC"):
        compile_estimator(SVC().fit(x, (v > 0).astype(int)))


def test_feature_names_of_the_wrong_length_are_refused() -> None:
    x, y, _ = synthetic(n=300, k=4)
    with pytest.raises(ModelMismatchError, match="3 feature names given, the model takes 4"):
        compile_estimator(LogisticRegression().fit(x, y), feature_names=["a", "b", "c"])


def test_metadata_is_a_frozen_typed_record() -> None:
    x, y, _ = synthetic(n=300, k=4)
    model = compile_estimator(LogisticRegression().fit(x, y))
    with pytest.raises(AttributeError):
        model.meta.kind = "other"  # type: ignore[misc]
    assert msgspec.to_builtins(model.meta)["library"] == "sklearn"
