"""Save/load through to_arrays/from_arrays (.npz + JSON): exact round trip; anything damaged is a ModelArtifactError."""

from __future__ import annotations

import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from compiled_kit import synthetic
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

from arbkit.models.compiled import FORMAT_VERSION, CompiledModel, compile_estimator
from arbkit.models.compiled import layout as L
from arbkit.models.compiled.model import program_digest
from arbkit.models.errors import ModelArtifactError

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def fitted(kind: str) -> object:
    x, y, v = synthetic(n=1500, k=6)
    if kind == "lightgbm":
        return lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1}, lgb.Dataset(x, y), 12)
    if kind == "xgboost":
        return xgb.train({"objective": "reg:squarederror", "nthread": 1}, xgb.DMatrix(x, v), 12)
    if kind == "decision_tree":
        return DecisionTreeRegressor(max_depth=5, random_state=0).fit(x, v)
    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    return MLPRegressor(hidden_layer_sizes=(8, 4), max_iter=20, random_state=0).fit(x, v)


@pytest.fixture(scope="module")
def lightgbm_model() -> CompiledModel:
    return compile_estimator(fitted("lightgbm"), feature_names=[f"c{i}" for i in range(6)])


@pytest.mark.parametrize("kind", ["lightgbm", "xgboost", "decision_tree", "logistic", "mlp"])
def test_save_and_load_give_the_same_outputs_bit_for_bit(tmp_path: Path, kind: str) -> None:
    model = compile_estimator(fitted(kind))
    npz, meta = model.save(tmp_path / "model")
    assert (npz.name, meta.name) == ("model.npz", "model.json")
    loaded = CompiledModel.load(tmp_path / "model")
    rows = np.random.default_rng(3).normal(size=(500, 6)) * 2
    np.testing.assert_array_equal(loaded.predict_many(rows), model.predict_many(rows))
    assert loaded.meta == model.meta and loaded.name == model.name
    assert json.loads(meta.read_text())["format_version"] == FORMAT_VERSION


def test_to_arrays_then_from_arrays_round_trips_in_memory(lightgbm_model: CompiledModel) -> None:
    arrays, meta = lightgbm_model.to_arrays()
    again = CompiledModel.from_arrays(arrays, meta)
    row = np.linspace(-1, 1, 6)
    assert again.predict_one(row) == lightgbm_model.predict_one(row)
    assert again.meta.feature_names == tuple(f"c{i}" for i in range(6))


def test_a_flipped_byte_in_the_array_file_is_refused(tmp_path: Path, lightgbm_model: CompiledModel) -> None:
    npz, _ = lightgbm_model.save(tmp_path / "m")
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))
    with pytest.raises(ModelArtifactError):
        CompiledModel.load(tmp_path / "m")


def test_a_changed_program_value_is_refused_by_its_digest(lightgbm_model: CompiledModel) -> None:
    arrays, meta = lightgbm_model.to_arrays()
    arrays["program"][-1] += 1.0
    with pytest.raises(ModelArtifactError, match="differs from the recorded"):
        CompiledModel.from_arrays(arrays, meta)


def test_an_unknown_format_version_is_refused(lightgbm_model: CompiledModel) -> None:
    arrays, meta = lightgbm_model.to_arrays()
    meta["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(ModelArtifactError, match=f"format version {FORMAT_VERSION + 1}; this arbkit reads version "
                                                 f"{FORMAT_VERSION}"):
        CompiledModel.from_arrays(arrays, meta)


@pytest.mark.parametrize("change", ["missing field", "unknown field", "wrong type"])
def test_malformed_metadata_is_refused(lightgbm_model: CompiledModel, change: str) -> None:
    arrays, meta = lightgbm_model.to_arrays()
    if change == "missing field":
        del meta["kind"]
    elif change == "unknown field":
        meta["surprise"] = 1
    else:
        meta["n_features"] = "six"
    with pytest.raises(ModelArtifactError, match="metadata is malformed"):
        CompiledModel.from_arrays(arrays, meta)


def test_a_missing_or_mistyped_program_array_is_refused(lightgbm_model: CompiledModel) -> None:
    arrays, meta = lightgbm_model.to_arrays()
    with pytest.raises(ModelArtifactError, match="'program' must be a float64 1-D array, got NoneType"):
        CompiledModel.from_arrays({}, meta)
    with pytest.raises(ModelArtifactError, match="got float32 array"):
        CompiledModel.from_arrays({"program": arrays["program"].astype(np.float32)}, meta)


def test_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError, match="cannot read compiled model"):
        CompiledModel.load(tmp_path / "absent")


def _rehash(arrays: dict[str, np.ndarray], meta: dict[str, object]) -> None:
    meta["program_sha256"] = program_digest(arrays["program"])


@pytest.mark.parametrize("damage", ["child out of range", "child before parent", "feature out of range",
                                    "bad steps", "bad offsets", "unknown family", "infinite leaf"])
def test_a_structurally_broken_program_with_a_matching_digest_is_refused(lightgbm_model: CompiledModel,
                                                                         damage: str) -> None:
    """The kernels index without bounds checks, so a program is checked before any compiled code reads it."""
    arrays, meta = lightgbm_model.to_arrays()
    p = arrays["program"]
    nodes_at, values_at = int(p[L.H_NODES]), int(p[L.H_VALUES])
    links = p[nodes_at:values_at].reshape(-1, 2)[:, 1].copy().view(np.int32).reshape(-1, 2)
    split = int(np.flatnonzero(~np.isnan(p[nodes_at:values_at:2]))[0])
    if damage == "child out of range":
        links[split, 1] = 10**6
    elif damage == "child before parent":
        links[split, 1] = split
    elif damage == "feature out of range":
        links[split, 0] = 6
    elif damage == "bad steps":
        p[int(p[L.H_GROUPS])] += 1
    elif damage == "bad offsets":
        p[L.H_VALUES] += 1
    elif damage == "unknown family":
        p[L.H_FAMILY] = 9.0
    else:
        leaf = int(np.flatnonzero(np.isnan(p[nodes_at:values_at:2]))[1])
        p[values_at + leaf] = np.inf
    p[nodes_at:values_at].reshape(-1, 2)[:, 1] = links.reshape(-1).view(np.float64)
    _rehash(arrays, meta)
    with pytest.raises(ModelArtifactError):
        CompiledModel.from_arrays(arrays, meta)
