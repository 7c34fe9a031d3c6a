"""Fitting names regimes deterministically; a saved model round-trips and refuses another feature set or format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from regime_kit import NS_PER_S

from arbkit.regime.errors import RegimeError, RegimeFitError, RegimeFormatError, RegimeModelMismatchError
from arbkit.regime.fit import fit_gmm, fit_hmm, fit_kmeans, regime_names
from arbkit.regime.model import FORMAT_VERSION, RegimeModel

NAMES = ("log_rv", "other")


def three_level_rows(seed: int) -> np.ndarray:
    """Blocks of rows whose first column sits at three levels (calm 0, normal 3, volatile 6), plus a noise column."""
    rng = np.random.default_rng(seed)
    levels = np.repeat([3.0, 0.0, 6.0, 3.0, 0.0, 6.0], 80)
    return np.column_stack([levels + rng.normal(0, 0.3, len(levels)), rng.normal(0, 1, len(levels))])


ROWS = three_level_rows(0)
TS = np.arange(len(ROWS), dtype=np.int64) * NS_PER_S


@pytest.mark.parametrize("fit", [fit_hmm, fit_gmm, fit_kmeans])
def test_regimes_are_named_by_ascending_order_by_mean_whatever_the_seed(fit) -> None:  # type: ignore[no-untyped-def]
    models = [fit(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv", n_regimes=3, seed=seed)
              for seed in (0, 10, 20)]  # disjoint sets of starts (the default n_init of each fit is below 10)
    for model in models:
        assert model.regimes == ("calm", "normal", "volatile")
        np.testing.assert_allclose([m[0] for m in model.params.means], [0.0, 3.0, 6.0], atol=0.1)
    labels = [m.classify_many(TS, ROWS)[0] for m in models]
    for other in labels[1:]:
        assert (other == labels[0]).mean() > 0.99
    assert [int(x) for x in labels[0][[0, 100, 200]]] == [1, 0, 2]


def test_component_order_follows_the_named_column_not_the_estimator_index() -> None:
    model = fit_gmm(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv", n_regimes=3, seed=7)
    means = np.array(model.params.means)[:, 0]
    assert list(np.argsort(means)) == [0, 1, 2]
    assert sorted(model.params.source_components) == [0, 1, 2]


def test_default_names() -> None:
    assert regime_names(2) == ("calm", "volatile")
    assert regime_names(3) == ("calm", "normal", "volatile")
    assert regime_names(4) == ("regime_0", "regime_1", "regime_2", "regime_3")


def test_custom_names_are_used_in_order() -> None:
    model = fit_kmeans(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv", n_regimes=3,
                       names=("low", "mid", "high"))
    assert model.regimes == ("low", "mid", "high")


@pytest.mark.parametrize(("rows", "kwargs", "needle"), [
    (ROWS[:, :1], {}, "shape"),
    (ROWS, {"order_by": "nope"}, "order_by 'nope'"),
    (np.where(np.arange(ROWS.size).reshape(ROWS.shape) == 5, np.nan, ROWS), {}, "1 NaN or infinite"),
    (ROWS[:4], {}, "need at least"),
    (ROWS, {"n_regimes": 1}, "at least 2"),
    (ROWS, {"lengths": [10, 10]}, "sum to the 480 rows"),
    (ROWS, {"names": ("a", "a")}, "different strings"),
])
def test_bad_training_input_raises_a_typed_error_naming_the_value(rows, kwargs, needle) -> None:  # type: ignore[no-untyped-def]
    args = {"feature_names": NAMES, "feature_digest": "d", "order_by": "log_rv", "n_regimes": 2, **kwargs}
    with pytest.raises(RegimeFitError, match=needle):
        fit_hmm(rows, **args)


@pytest.mark.parametrize("fit", [fit_hmm, fit_gmm, fit_kmeans])
def test_save_load_round_trip_gives_identical_parameters_version_and_classification(fit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = fit(ROWS, feature_names=NAMES, feature_digest="feat-abc", order_by="log_rv", n_regimes=3, seed=1)
    path = model.save(tmp_path / "regime.json")

    loaded = RegimeModel.load(path, feature_digest="feat-abc")

    assert loaded.params == model.params and loaded.version == model.version
    for a, b in zip(model.classify_many(TS, ROWS), loaded.classify_many(TS, ROWS)):
        np.testing.assert_array_equal(a, b)
    saved = json.loads(path.read_text())
    assert saved["format_version"] == FORMAT_VERSION and saved["kind"] == model.kind
    assert saved["feature_digest"] == "feat-abc" and saved["feature_names"] == list(NAMES)
    assert saved["regime_names"] == ["calm", "normal", "volatile"]


def test_load_refuses_another_feature_digest_naming_both(tmp_path: Path) -> None:
    path = fit_gmm(ROWS, feature_names=NAMES, feature_digest="trained-on", order_by="log_rv").save(tmp_path / "m.json")
    with pytest.raises(RegimeModelMismatchError, match="'trained-on', not 'served-with'"):
        RegimeModel.load(path, feature_digest="served-with")


def test_load_refuses_an_unknown_format_version(tmp_path: Path) -> None:
    path = fit_gmm(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv").save(tmp_path / "m.json")
    saved = json.loads(path.read_text())
    saved["format_version"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(saved))
    with pytest.raises(RegimeFormatError, match=f"format_version {FORMAT_VERSION + 1}.*reads format_version "
                                                f"{FORMAT_VERSION}"):
        RegimeModel.load(path, feature_digest="d")


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda m: m.update(kind="svm"), "kind 'svm'"),
    (lambda m: m.update(means=m["means"][:1]), "means have shape"),
    (lambda m: m.update(weights=[0.9, 0.9]), "sum to 1"),
    (lambda m: m.update(extra_field=1), "malformed"),
    (lambda m: m.update(covariances=[[[1.0, 2.0], [2.0, 1.0]]] * 2), "not positive definite"),
])
def test_load_refuses_a_damaged_file(edit, needle: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = fit_gmm(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv").save(tmp_path / "m.json")
    saved = json.loads(path.read_text())
    edit(saved)
    path.write_text(json.dumps(saved))
    with pytest.raises(RegimeFormatError, match=needle):
        RegimeModel.load(path, feature_digest="d")


def test_load_refuses_a_file_that_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "not.json"
    path.write_bytes(b"\x80\x04 pickle?")
    with pytest.raises(RegimeFormatError, match="not a saved regime model"):
        RegimeModel.load(path, feature_digest="d")


def test_online_classifier_refuses_a_row_of_the_wrong_width_with_a_typed_error() -> None:
    clf = fit_kmeans(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv").online()
    with pytest.raises(RegimeModelMismatchError, match=r"shape \(3,\).*takes 2 features"):
        clf.update(0, np.zeros(3))
    with pytest.raises(RegimeError, match="not numeric"):
        clf.update(0, np.array(["a", "b"]))  # type: ignore[arg-type]


def test_hmm_fit_is_deterministic_for_a_seed() -> None:
    a = fit_hmm(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv", n_regimes=3, seed=5)
    b = fit_hmm(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv", n_regimes=3, seed=5)
    assert a.params == b.params and a.version == b.version and a.version.startswith("regime-hmm-")


def test_hmm_transition_prior_keeps_a_regime_the_training_data_never_left_from_being_absorbing() -> None:
    rng = np.random.default_rng(2)
    one_way = np.concatenate([rng.normal(0.0, 0.2, (150, 1)), rng.normal(2.0, 0.2, (150, 1))])  # calm, then volatile
    smoothed = fit_hmm(one_way, feature_names=("log_rv",), feature_digest="d", order_by="log_rv", seed=0)
    plain = fit_hmm(one_way, feature_names=("log_rv",), feature_digest="d", order_by="log_rv", seed=0,
                    transmat_prior=1.0)

    assert plain.params.transmat[1][0] < 1e-30, "maximum likelihood: volatile (almost) never leaves"
    assert smoothed.params.transmat[1][0] == pytest.approx(1 / 151, rel=0.1), "one pseudo-count per cell"
    calmer = np.concatenate([one_way, np.full((30, 1), 0.9)])  # rows 5 nats per row likelier under calm
    assert list(smoothed.classify_many(np.arange(330), calmer)[0][300:]) == [1, 1] + [0] * 28
    assert list(plain.classify_many(np.arange(330), calmer)[0][300:]) == [1] * 30
