"""The artifact folder: what model.json records, how the version is derived, reproducible bytes."""

from __future__ import annotations

import io
from pathlib import Path

import msgspec
import numpy as np
import pytest
from zoo_kit import dataset, fitted

from arbkit.models.zoo import ModelSpec, artifacts, build_model, load_model

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # small test MLPs


def test_model_json_records_what_was_trained_and_the_version_is_its_content_hash(tmp_path: Path) -> None:
    model = fitted("lightgbm")
    folder = model.save(tmp_path / "m")
    meta = msgspec.json.decode((folder / "model.json").read_bytes(), type=artifacts.ArtifactMeta)
    data = dataset("classification")
    assert meta.format_version == artifacts.FORMAT_VERSION and meta.kind == "lightgbm"
    assert meta.spec == model.spec and meta.task == "classification"
    assert meta.feature_names == data.feature_names and meta.feature_digest == data.feature_digest
    assert meta.library.name == "lightgbm" and meta.train_rows == len(data.y)
    assert meta.files == {"lightgbm.txt": artifacts.sha256((folder / "lightgbm.txt").read_bytes())}
    assert meta.content_sha256 == artifacts.content_hash(meta)
    assert model.version == f"lightgbm-{meta.content_sha256[:8]}"


def test_array_archives_are_byte_reproducible_and_refuse_pickle() -> None:
    arrays = {"b": np.arange(3.0), "a": np.eye(2)}
    assert artifacts.npz_bytes(arrays) == artifacts.npz_bytes(dict(reversed(arrays.items())))
    back = artifacts.npz_arrays(artifacts.npz_bytes(arrays), "test")
    assert set(back) == {"a", "b"} and np.array_equal(back["a"], np.eye(2))
    with np.load(io.BytesIO(artifacts.npz_bytes(arrays))) as archive:
        assert archive.files == ["a", "b"]


def test_tuple_hyperparameters_are_kept_in_their_json_form_so_a_loaded_spec_is_equal() -> None:
    model = build_model(ModelSpec(kind="mlp", params={"hidden_layer_sizes": (8, 4)}))
    assert model.spec.params == {"hidden_layer_sizes": [8, 4]}


def test_dict_order_of_params_does_not_change_the_version() -> None:
    data = dataset("classification")
    a = build_model(ModelSpec(kind="lightgbm", params={"n_estimators": 10, "num_leaves": 7}))
    b = build_model(ModelSpec(kind="lightgbm", params={"num_leaves": 7, "n_estimators": 10}))
    for model in (a, b):
        model.fit(data.x, data.y, feature_names=data.feature_names, feature_digest=data.feature_digest)
    assert a.version == b.version


def test_loaded_model_is_served_without_the_training_estimator(tmp_path: Path) -> None:
    model = fitted("svm")
    loaded = load_model(model.save(tmp_path / "m"), feature_digest=model.feature_digest)
    assert loaded.native_predict_many(dataset("classification").x) is None
    assert repr(loaded) == f"SvmModel({loaded.spec!r}, {model.version})"
