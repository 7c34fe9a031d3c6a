"""Every kind of the zoo, trained on real features of the shipped sample, passes the one conformance check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from zoo_kit import KIND_TASKS, rows_for, skip_without_torch, small_spec

from arbkit.models.zoo import KINDS, TASKS
from arbkit.models.zoo.conformance import check_conformance

EXPECTED_CHECKS = ("fit", "clone", "determinism", "one_equals_many", "outputs", "save_load", "wrong_digest",
                   "corrupted_file", "non_finite_input", "wrong_width", "native_agreement")


def test_every_kind_of_the_contract_has_a_task_and_a_class() -> None:
    assert set(TASKS) == set(KINDS)
    assert all(TASKS[kind] for kind in KINDS)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("kind", "task"), KIND_TASKS, ids=[f"{k}-{t}" for k, t in KIND_TASKS])
def test_kind_trained_on_real_features_passes_the_conformance_check(kind: str, task: str, tmp_path: Path) -> None:
    skip_without_torch(kind)
    x, y, names, digest = rows_for(kind, task)
    report = check_conformance(small_spec(kind, task), x, y, names, digest, tmp_path)
    assert report.passed, report.summary()
    assert tuple(check.name for check in report.checks) == EXPECTED_CHECKS
    assert report.version.startswith(f"{kind}-") and len(report.version) == len(kind) + 9
    native = {check.name: check for check in report.checks}["native_agreement"]
    assert native.skipped == (kind == "lstm"), report.summary()


@pytest.mark.parametrize("kind", ["lightgbm", "svm"])
def test_a_model_that_breaks_one_equals_many_fails_that_check_only(kind: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from arbkit.models.zoo.catalog import model_class

    cls = model_class(kind)
    original = cls._predict_one
    monkeypatch.setattr(cls, "_predict_one", lambda self, x: original(self, x) + 1e-12)
    x, y, names, digest = rows_for(kind, "classification")
    report = check_conformance(small_spec(kind), x[:300], y[:300], names, digest, tmp_path)
    assert not report.passed
    assert {check.name for check in report.failures} == {"one_equals_many", "save_load"}, report.summary()
    assert "predict_one" in report.failures[0].detail


def test_a_seed_changes_a_random_forest_and_the_version_follows(tmp_path: Path) -> None:
    from arbkit.models.zoo import build_model

    x, y, names, digest = rows_for("random_forest", "classification")
    a = build_model(small_spec("random_forest", seed=1)).fit(x, y, feature_names=names, feature_digest=digest)
    b = build_model(small_spec("random_forest", seed=2)).fit(x, y, feature_names=names, feature_digest=digest)
    assert a.version != b.version
    assert not np.array_equal(a.predict_many(x), b.predict_many(x))
