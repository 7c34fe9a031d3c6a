"""Conformance of the logistic model: equals scikit-learn, tick = batch, JSON round trip, determinism,
feature-set guard, refusal of non-finite input and of unusable training data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from arbkit.core.errors import ArbkitError
from arbkit.features.basis import FEATURE_NAMES, BasisFeatureSpec
from arbkit.models.logistic import LogisticModel, ModelMismatchError, NonFiniteInputError

DIGEST = BasisFeatureSpec().digest()
C = 0.3
SEED = 11


def dataset(n: int = 600, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Basis-like rows (bps, z, deviation, two imbalances) and a noisy label that depends on them."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(-4.0, 1.5, n), rng.normal(0.0, 1.8, n), rng.normal(0.0, 0.8, n),
                         rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)])
    logit = 0.9 * np.abs(x[:, 1]) - 0.7 * x[:, 2] + 0.5 * x[:, 3] - 1.0
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    return x, y


@pytest.fixture(scope="module")
def fitted() -> tuple[LogisticModel, np.ndarray, np.ndarray]:
    x, y = dataset()
    return LogisticModel.fit(x, y, FEATURE_NAMES, DIGEST, c_regularisation=C, seed=SEED), x, y


def test_predict_one_equals_scikit_learn_predict_proba(fitted: tuple[LogisticModel, np.ndarray, np.ndarray]) -> None:
    model, x, y = fitted
    reference = make_pipeline(StandardScaler(), LogisticRegression(C=C, random_state=SEED, max_iter=1000)).fit(x, y)
    rng = np.random.default_rng(9)
    probe = np.vstack([x, x[:50] * 3.0 + rng.normal(size=(50, 5))])  # training rows and rows far outside them
    expected = reference.predict_proba(probe)[:, 1]
    got = np.array([model.predict_one(row) for row in probe])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_a_constant_feature_column_is_handled_like_scikit_learn() -> None:
    x, y = dataset(seed=8)
    x[:, 4] = 0.25  # zero variance: the scaler keeps scale 1
    model = LogisticModel.fit(x, y, FEATURE_NAMES, DIGEST, c_regularisation=C, seed=SEED)
    reference = make_pipeline(StandardScaler(), LogisticRegression(C=C, random_state=SEED, max_iter=1000)).fit(x, y)
    assert model.params.scale[4] == 1.0
    np.testing.assert_allclose([model.predict_one(r) for r in x], reference.predict_proba(x)[:, 1], rtol=0, atol=1e-9)


def test_predict_one_equals_predict_many_row_by_row(fitted: tuple[LogisticModel, np.ndarray, np.ndarray]) -> None:
    model, x, _ = fitted
    many = model.predict_many(x)
    assert many.shape == (len(x),)
    np.testing.assert_allclose([model.predict_one(row) for row in x], many, rtol=1e-12, atol=0)


def test_save_and_load_round_trip_gives_identical_predictions_and_version(
        fitted: tuple[LogisticModel, np.ndarray, np.ndarray], tmp_path: Path) -> None:
    model, x, _ = fitted
    path = model.save(tmp_path / "model.json")
    document = json.loads(path.read_text())  # plain JSON, no pickle
    assert document["feature_digest"] == DIGEST and document["feature_names"] == list(FEATURE_NAMES)
    loaded = LogisticModel.load(path, feature_digest=DIGEST)
    assert loaded.version == model.version
    assert loaded.params == model.params
    np.testing.assert_array_equal([loaded.predict_one(r) for r in x], [model.predict_one(r) for r in x])
    np.testing.assert_array_equal(loaded.predict_many(x), model.predict_many(x))


def test_two_fits_with_the_same_seed_give_the_same_version_and_other_settings_another() -> None:
    x, y = dataset()
    first = LogisticModel.fit(x, y, FEATURE_NAMES, DIGEST, c_regularisation=C, seed=SEED)
    second = LogisticModel.fit(x.copy(), y.copy(), FEATURE_NAMES, DIGEST, c_regularisation=C, seed=SEED)
    assert first.version == second.version and first.version.startswith("logit-")
    assert LogisticModel.fit(x, y, FEATURE_NAMES, DIGEST, c_regularisation=C * 2, seed=SEED).version != first.version
    other_digest = BasisFeatureSpec(halflife_ns=1).digest()
    assert LogisticModel.fit(x, y, FEATURE_NAMES, other_digest, c_regularisation=C, seed=SEED).version != first.version


def test_loading_against_another_feature_set_raises_model_mismatch(
        fitted: tuple[LogisticModel, np.ndarray, np.ndarray], tmp_path: Path) -> None:
    model, _, _ = fitted
    path = model.save(tmp_path / "model.json")
    other = BasisFeatureSpec(halflife_ns=5_000_000_000).digest()
    with pytest.raises(ModelMismatchError, match=other):
        LogisticModel.load(path, feature_digest=other)
    with pytest.raises(ModelMismatchError):
        model.check_features(other)
    model.check_features(DIGEST)  # the right digest passes


def test_loading_a_file_that_is_not_a_model_raises_model_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "not_a_model.json"
    path.write_text('{"coef": [1.0], "pickle": true}')
    with pytest.raises(ModelMismatchError, match="not a saved logistic model"):
        LogisticModel.load(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("column", [0, 1, 4])
def test_non_finite_input_raises_and_never_returns_a_probability(
        fitted: tuple[LogisticModel, np.ndarray, np.ndarray], bad: float, column: int) -> None:
    model, x, _ = fitted
    row = x[0].copy()
    row[column] = bad
    with pytest.raises(NonFiniteInputError):
        model.predict_one(row)
    rows = x[:3].copy()
    rows[1, column] = bad
    with pytest.raises(NonFiniteInputError):
        model.predict_many(rows)


def test_input_of_the_wrong_width_raises_model_mismatch(fitted: tuple[LogisticModel, np.ndarray, np.ndarray]) -> None:
    model, x, _ = fitted
    with pytest.raises(ModelMismatchError):
        model.predict_one(x[0, :4].copy())
    with pytest.raises(ModelMismatchError):
        model.predict_one(np.append(x[0], 1.0))
    with pytest.raises(ModelMismatchError):
        model.predict_many(x[:, :4])


def test_non_finite_training_data_is_refused() -> None:
    x, y = dataset()
    x[7, 2] = np.nan
    with pytest.raises(NonFiniteInputError, match="1 non-finite"):
        LogisticModel.fit(x, y, FEATURE_NAMES, DIGEST)


@pytest.mark.parametrize("only", [0, 1])
def test_single_class_labels_raise_a_typed_error(only: int) -> None:
    x, _ = dataset()
    with pytest.raises(ModelMismatchError, match="single class") as info:
        LogisticModel.fit(x, np.full(len(x), only), FEATURE_NAMES, DIGEST)
    assert isinstance(info.value, ArbkitError)


def test_training_rows_and_names_of_different_widths_are_refused() -> None:
    x, y = dataset()
    with pytest.raises(ModelMismatchError):
        LogisticModel.fit(x[:, :4], y, FEATURE_NAMES, DIGEST)
    with pytest.raises(ModelMismatchError):
        LogisticModel.fit(x, y[:-1], FEATURE_NAMES, DIGEST)
