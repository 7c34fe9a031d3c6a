"""The compile-time check: a compiled model that does not reproduce its library is never handed out."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
from compiled_kit import synthetic
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from arbkit.models.compiled import compile_estimator, compile_lightgbm
from arbkit.models.compiled.verify import TREE_PROBES, probe_rows, verify
from arbkit.models.errors import ModelArtifactError, ModelConfigError, ModelMismatchError


@pytest.fixture(scope="module")
def booster() -> lgb.Booster:
    x, y, _ = synthetic(n=1500, k=5)
    return lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1, "num_leaves": 7}, lgb.Dataset(x, y), 8)


def test_a_library_that_computes_differently_is_refused_naming_both_values(booster: lgb.Booster) -> None:
    model = compile_lightgbm(booster)
    with pytest.raises(ModelArtifactError, match=r"compiled output .* differs from lightgbm 4\.\S+'s own"):
        verify(model, lambda rows: booster.predict(rows) + 1e-12)
    assert verify(model, lambda rows: booster.predict(rows) + 1e-12, tolerance=1e-9) is model


def test_tree_probes_sit_on_and_just_past_the_split_thresholds(booster: lgb.Booster) -> None:
    model = compile_lightgbm(booster)
    program = model.to_arrays()[0]["program"]
    rows = probe_rows(model, program)
    dump = booster.dump_model()["tree_info"][0]["tree_structure"]
    feature, threshold = dump["split_feature"], dump["threshold"]
    assert rows.shape == (TREE_PROBES, 5)
    assert threshold in rows[:, feature] and np.nextafter(threshold, np.inf) in rows[:, feature]


def test_caller_rows_are_checked_too_and_must_have_the_model_width(booster: lgb.Booster) -> None:
    x, _, _ = synthetic(n=50, k=5)
    assert compile_lightgbm(booster, check_rows=x).n_features == 5
    with pytest.raises(ModelMismatchError, match=r"check_rows must be an \(n, 5\) array, got \(50,\)"):
        compile_lightgbm(booster, check_rows=x[:, 0])


def test_a_pipeline_other_than_standard_scaler_then_model_is_refused() -> None:
    x, y, _ = synthetic(n=300, k=4)
    with pytest.raises(ModelConfigError, match=r"Pipeline of \['MinMaxScaler', 'LogisticRegression'\]"):
        compile_estimator(make_pipeline(MinMaxScaler(), LogisticRegression()).fit(x, y))
    with pytest.raises(ModelConfigError, match="Pipeline of"):
        compile_estimator(make_pipeline(StandardScaler(), StandardScaler(), LogisticRegression()).fit(x, y))
