"""Bad input never becomes a prediction: each refusal is a typed error naming what is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
import numpy as np
import pytest
from zoo_kit import dataset, fitted, rows_for, small_spec

from arbkit.models.errors import (
    ModelArtifactError,
    ModelConfigError,
    ModelMismatchError,
    NonFiniteInputError,
    NonFiniteOutputError,
)
from arbkit.models.zoo import ModelSpec, artifacts, build_model, load_model
from arbkit.models.zoo.boosting import LightGbmModel
from arbkit.models.zoo.svm import SvmModel

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # small test MLPs


def saved(kind: str, folder: Path, task: str = "classification") -> Path:
    """``folder`` holding a fitted small model of ``kind``."""
    return fitted(kind, task).save(folder)  # type: ignore[no-any-return]


def rewrite_meta(folder: Path, reseal: bool = True, **changes: object) -> None:
    """Change fields of ``model.json``; with ``reseal`` its content hash is recomputed (a genuine other file)."""
    meta = msgspec.json.decode((folder / artifacts.META_FILE).read_bytes(), type=artifacts.ArtifactMeta)
    meta = msgspec.structs.replace(meta, **changes)
    if reseal:
        meta = artifacts.seal(meta)
    (folder / artifacts.META_FILE).write_bytes(msgspec.json.encode(meta, order="sorted"))


# -- feature vectors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["lightgbm", "svm"])
def test_nan_feature_is_refused_naming_the_column_and_the_value(kind: str) -> None:
    model = fitted(kind)
    row = dataset("classification").x[0].copy()
    row[7] = np.nan
    with pytest.raises(NonFiniteInputError, match=rf"feature '{model.feature_names[7]}' \(column 7\) is nan"):
        model.predict_one(row)
    rows = dataset("classification").x[:5].copy()
    rows[3, 2] = -np.inf
    with pytest.raises(NonFiniteInputError, match=rf"'{model.feature_names[2]}' \(column 2\) of row 3 is -inf"):
        model.predict_many(rows)


@pytest.mark.parametrize("kind", ["lightgbm", "svm"])
def test_wrong_length_vector_is_refused_naming_got_and_expected(kind: str) -> None:
    model = fitted(kind)
    x = dataset("classification").x
    with pytest.raises(ModelMismatchError, match="39 features given, the model takes 40"):
        model.predict_one(x[0, :39].copy())
    with pytest.raises(ModelMismatchError, match=r"rows of shape \(2, 41\) given, the model takes \(n, 40\)"):
        model.predict_many(np.hstack([x[:2], x[:2, :1]]))


def test_vector_of_another_dtype_or_shape_is_refused() -> None:
    model = fitted("lightgbm")
    x = dataset("classification").x
    with pytest.raises(ModelMismatchError, match="1-d float64 array of 40 values, got shape \\(40,\\) dtype float32"):
        model.predict_one(x[0].astype(np.float32))
    with pytest.raises(ModelMismatchError, match="got shape \\(1, 40\\)"):
        model.predict_one(x[:1])
    with pytest.raises(ModelMismatchError, match="got shape None dtype list"):
        model.predict_one(list(x[0]))  # type: ignore[arg-type]


def test_wrong_feature_set_hash_is_refused_by_check_features_and_load_naming_both(tmp_path: Path) -> None:
    model = fitted("lightgbm")
    own = dataset("classification").feature_digest
    with pytest.raises(ModelMismatchError, match=f"trained on feature set {own}, not deadbeefdeadbeef"):
        model.check_features("deadbeefdeadbeef")
    folder = saved("lightgbm", tmp_path / "m")
    with pytest.raises(ModelMismatchError, match=f"trained on feature set {own}, not deadbeefdeadbeef"):
        load_model(folder, feature_digest="deadbeefdeadbeef")
    model.check_features(own)


def test_non_finite_output_is_refused_not_passed_on() -> None:
    x, y, names, digest = rows_for("svm", "regression")
    model = build_model(ModelSpec(kind="svm", task="regression", params={"kernel": "linear"}))
    model.fit(x, y, feature_names=names, feature_digest=digest)
    huge = np.full(len(names), 1e308)
    with pytest.raises(NonFiniteOutputError, match="produced (nan|inf|-inf) for a finite input"):
        model.predict_one(huge)
    with pytest.raises(NonFiniteOutputError, match="for row 1"):
        model.predict_many(np.vstack([x[0], huge]))


def test_unfitted_model_refuses_to_predict() -> None:
    model = build_model(small_spec("lightgbm"))
    with pytest.raises(ModelMismatchError, match="not fitted"):
        model.predict_one(dataset("classification").x[0])


# -- training data ---------------------------------------------------------------------------------------------------


def test_training_on_labels_other_than_zero_and_one_is_refused() -> None:
    x, y, names, digest = rows_for("lightgbm", "classification")
    expected = r"targets must be 0 and 1 \(both present\), got classes \[-1.0, 1.0\]"
    with pytest.raises(ModelMismatchError, match=expected):
        build_model(small_spec("lightgbm")).fit(x, 2 * y - 1, feature_names=names, feature_digest=digest)


def test_training_rows_with_nan_or_wrong_names_are_refused() -> None:
    x, y, names, digest = rows_for("svm", "classification")
    bad = x.copy()
    bad[10, 4] = np.nan
    with pytest.raises(NonFiniteInputError, match=rf"'{names[4]}' \(column 4\) of row 10 is nan"):
        build_model(small_spec("svm")).fit(bad, y, feature_names=names, feature_digest=digest)
    with pytest.raises(ModelMismatchError, match="39 feature names"):
        build_model(small_spec("svm")).fit(x, y, feature_names=names[:-1], feature_digest=digest)


# -- specs -----------------------------------------------------------------------------------------------------------


def test_unknown_hyperparameter_is_refused_naming_it_and_the_allowed_ones() -> None:
    with pytest.raises(ModelConfigError, match="unknown hyperparameter 'num_leafs'; allowed: .*num_leaves"):
        build_model(ModelSpec(kind="lightgbm", params={"num_leafs": 7}))
    with pytest.raises(ModelConfigError, match="unknown hyperparameter 'C'; allowed: .*max_depth"):
        build_model(ModelSpec(kind="decision_tree", params={"C": 1.0}))


def test_hyperparameters_the_zoo_sets_itself_are_refused_with_the_reason() -> None:
    with pytest.raises(ModelConfigError, match="'random_state' is set by the zoo from ModelSpec.seed"):
        build_model(ModelSpec(kind="random_forest", params={"random_state": 3}))
    with pytest.raises(ModelConfigError, match="'nthread' is fixed by the zoo to one thread"):
        build_model(ModelSpec(kind="xgboost", params={"nthread": 8}))
    with pytest.raises(ModelConfigError, match="'objective' is set by the zoo from ModelSpec.task"):
        build_model(ModelSpec(kind="lightgbm", params={"objective": "multiclass"}))


def test_values_the_served_path_lacks_are_refused_at_build_time() -> None:
    with pytest.raises(ModelConfigError, match="kernel='poly' is not served by the zoo; choose one of 'linear', 'rbf'"):
        build_model(ModelSpec(kind="svm", params={"kernel": "poly"}))
    with pytest.raises(ModelConfigError, match="booster='gblinear'"):
        build_model(ModelSpec(kind="xgboost", params={"booster": "gblinear"}))


def test_unknown_kind_and_unsupported_task_are_refused() -> None:
    with pytest.raises(ModelConfigError, match="unknown model kind 'catboost'; kinds: linear, logistic"):
        build_model(ModelSpec(kind="catboost"))
    with pytest.raises(ModelConfigError, match="kind 'logistic' does not support task 'regression'"):
        build_model(ModelSpec(kind="logistic", task="regression"))
    with pytest.raises(ModelConfigError, match="kind 'linear' does not support task 'classification'"):
        build_model(ModelSpec(kind="linear", task="classification"))


def test_lstm_without_torch_names_the_optional_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(ModelConfigError, match=r"kind 'lstm' needs torch.*arbkit\[torch\]"):
        build_model(ModelSpec(kind="lstm"))


# -- artifacts -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["lightgbm", "svm"])
def test_corrupted_model_file_is_refused_naming_the_file(kind: str, tmp_path: Path) -> None:
    folder = saved(kind, tmp_path / "m")
    target = next(p for p in folder.iterdir() if p.name != "model.json")
    data = bytearray(target.read_bytes())
    data[-10] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ModelArtifactError, match=rf"{target.name}: sha256 .* differs .* corrupted or was replaced"):
        load_model(folder, feature_digest=None)


def test_missing_model_file_and_missing_folder_are_refused(tmp_path: Path) -> None:
    folder = saved("lightgbm", tmp_path / "m")
    (folder / "lightgbm.txt").unlink()
    with pytest.raises(ModelArtifactError, match="'lightgbm.txt' listed in model.json is missing"):
        load_model(folder, feature_digest=None)
    with pytest.raises(ModelArtifactError, match="no model.json; not a saved zoo model"):
        load_model(tmp_path / "nowhere", feature_digest=None)


def test_edited_model_json_is_refused_by_the_content_hash(tmp_path: Path) -> None:
    folder = saved("svm", tmp_path / "m")
    rewrite_meta(folder, reseal=False, train_rows=5)
    with pytest.raises(ModelArtifactError, match="content hash .* differs .* the file was edited"):
        load_model(folder, feature_digest=None)
    (folder / "model.json").write_bytes(b"{not json")
    with pytest.raises(ModelArtifactError, match="model.json: not valid JSON"):
        load_model(folder, feature_digest=None)


def test_unknown_format_version_is_refused(tmp_path: Path) -> None:
    folder = saved("svm", tmp_path / "m")
    rewrite_meta(folder, format_version=2)
    with pytest.raises(ModelArtifactError, match="format version 2; this arbkit reads version 1 only"):
        load_model(folder, feature_digest=None)


@pytest.mark.parametrize(("kind", "library"), [("lightgbm", "lightgbm"), ("svm", "sklearn")])
def test_model_from_another_major_library_version_is_refused_naming_both(kind: str, library: str,
                                                                          tmp_path: Path) -> None:
    folder = saved(kind, tmp_path / "m")
    installed = fitted(kind).meta_.library.version
    other = f"{int(installed.split('.')[0]) + 1}.0.0"
    rewrite_meta(folder, library=artifacts.LibraryVersion(name=library, version=other))
    with pytest.raises(ModelArtifactError, match=rf"written by {library} {other}, but {library} {installed} is "
                                                 "installed; a model is loaded only by the same major version"):
        load_model(folder, feature_digest=None)


def test_model_from_another_minor_library_version_loads(tmp_path: Path) -> None:
    folder = saved("lightgbm", tmp_path / "m")
    installed = fitted("lightgbm").meta_.library.version
    rewrite_meta(folder, library=artifacts.LibraryVersion(name="lightgbm", version=installed.split(".")[0] + ".999"))
    model = load_model(folder, feature_digest=None)
    x = dataset("classification").x
    np.testing.assert_array_equal(model.predict_many(x), fitted("lightgbm").predict_many(x))


def test_loading_through_the_wrong_class_is_refused(tmp_path: Path) -> None:
    folder = saved("lightgbm", tmp_path / "m")
    with pytest.raises(ModelArtifactError, match="holds a 'lightgbm' model, not a 'svm' one"):
        SvmModel.load(folder, feature_digest=None)
    assert LightGbmModel.load(folder, feature_digest=None).version == fitted("lightgbm").version


def test_garbage_native_file_with_a_matching_hash_is_refused_by_the_library(tmp_path: Path) -> None:
    folder = saved("lightgbm", tmp_path / "m")
    (folder / "lightgbm.txt").write_bytes(b"this is not a model")
    rewrite_meta(folder, files={"lightgbm.txt": artifacts.sha256(b"this is not a model")})
    with pytest.raises(ModelArtifactError, match="lightgbm.txt: LightGBM cannot read it"):
        load_model(folder, feature_digest=None)


@pytest.mark.parametrize("kind", ["svm", "mlp", "logistic"])
def test_saving_before_and_after_predictions_gives_identical_bytes(kind: str, tmp_path: Path) -> None:
    model = fitted(kind)
    a = model.save(tmp_path / "a")
    model.predict_many(dataset("classification").x[:50])
    model.predict_one(dataset("classification").x[-1])
    b = model.save(tmp_path / "b")
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for path in a.iterdir():
        assert (b / path.name).read_bytes() == path.read_bytes(), path.name
    shutil.rmtree(b)
