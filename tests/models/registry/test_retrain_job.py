"""Training and retraining as jobs: the real zoo and validation, a separate process, the running version untouched."""

from __future__ import annotations

import importlib.util

import os
from pathlib import Path

import msgspec
import numpy as np
import pytest
from registry_kit import fitted_model, lineage_for

from arbkit.core.errors import ConfigError
from arbkit.models.errors import ModelConfigError
from arbkit.models.jobs import retrain, train_and_register
from arbkit.models.registry import JobError, ModelRegistry, UnknownModelError, file_sha256
from arbkit.models.train_config import TrainConfig, load_train_config
from arbkit.models.zoo.datasets import sample_basis_dataset

SMALL = {"name": "basis-gbm", "model": {"kind": "lightgbm", "params": {"n_estimators": 20, "num_leaves": 7}},
         "data": {"max_rows": 800}, "validation": {"n_splits": 3}}


def small_config() -> TrainConfig:
    return load_train_config(overrides=SMALL)


def _artifact_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): file_sha256(p) for p in sorted((root / "artifacts").rglob("*")) if p.is_file()}


@pytest.fixture
def trained(registry: ModelRegistry) -> ModelRegistry:
    outcome = train_and_register(small_config(), registry, actor="alice")
    assert (outcome.registered.name, outcome.registered.version) == ("basis-gbm", 1)
    return registry


def test_train_records_real_data_lineage_validation_and_recipe(trained: ModelRegistry) -> None:
    record = trained.show("basis-gbm", 1)
    lineage = record.lineage
    data = sample_basis_dataset(max_rows=800)
    assert [(Path(f.path).name, f.sha256) for f in lineage.data.files] == [(f.name, f.sha256) for f in data.source_files]
    assert (lineage.data.first_event_ns, lineage.data.last_event_ns, lineage.data.rows) == (
        int(data.t0_ns[0]), int(data.t0_ns[-1]), len(data.y))
    assert lineage.features.digest == data.feature_digest and lineage.features.name == "spot_perp_40"
    assert lineage.features.declaration is not None and lineage.features.declaration["name"] == "spot_perp_40"
    assert lineage.label["horizon_ns"] == 5_000_000_000
    assert lineage.validation is not None and lineage.validation["splitter"]["n_splits"] == 3
    assert len(lineage.validation["folds"]) == 3
    assert lineage.recipe == small_config().to_dict()
    assert lineage.loader == "arbkit.models.zoo:load_model"
    assert 0.0 <= record.metrics["roc_auc"] <= 1.0 and record.metrics["n"] == len(data.y)


def test_retrain_in_a_child_process_adds_a_version_and_leaves_the_running_one_alone(
        trained: ModelRegistry, registry_root: Path) -> None:
    digest = trained.version("basis-gbm", 1).feature_digest
    running = trained.load("basis-gbm", 1, feature_digest=digest)
    x = sample_basis_dataset(max_rows=800).x
    before = running.predict_many(x)
    record_before = trained.show("basis-gbm", 1)
    files_before = _artifact_hashes(registry_root)
    events: list[dict] = []

    ray_here = importlib.util.find_spec("ray") is not None  # with Ray, a Ray address runs on Ray (test_models_cli)
    result = retrain("basis-gbm", trained, actor="bob", ray_address=None if ray_here else "ray://127.0.0.1:10001",
                     on_event=events.append)

    assert result.ran_on == "local process"
    assert ray_here or any("Ray is not installed" in note for note in result.notes)
    assert result.outcome.pid != os.getpid()
    assert (result.outcome.registered.name, result.outcome.registered.version) == ("basis-gbm", 2)
    assert result.previous is not None and result.previous.version == 1
    assert {e["stage"] for e in events if e["event"] == "progress"} == {"dataset", "validate", "fit", "register"}
    assert [s.version for s in trained.list("basis-gbm")] == [1, 2]
    assert trained.show("basis-gbm", 2).lineage.actor == "bob"
    np.testing.assert_array_equal(running.predict_many(x), before)
    assert msgspec.to_builtins(trained.show("basis-gbm", 1)) == msgspec.to_builtins(record_before)
    files_after = _artifact_hashes(registry_root)
    assert {k: v for k, v in files_after.items() if k in files_before} == files_before
    assert all(not alias for s in trained.list("basis-gbm") for alias in s.aliases)
    reloaded = trained.load("basis-gbm", 1, feature_digest=digest)
    np.testing.assert_array_equal(reloaded.predict_many(x), before)


def test_retrain_of_an_unknown_model_names_the_registered_ones(trained: ModelRegistry) -> None:
    with pytest.raises(UnknownModelError, match="registered: basis-gbm"):
        retrain("nope", trained, actor="bob")


def test_retrain_without_a_stored_recipe_asks_for_a_config(registry: ModelRegistry) -> None:
    model = fitted_model()
    lineage = msgspec.structs.replace(lineage_for(model), recipe=None)
    registry.register(model, lineage, actor="alice", name="hand-made")
    with pytest.raises(JobError, match="hand-made@1 has no stored training recipe"):
        retrain("hand-made", registry, actor="bob")


def test_retrain_with_an_invalid_stored_recipe_is_a_config_error(registry: ModelRegistry) -> None:
    model = fitted_model()
    registry.register(model, lineage_for(model), actor="alice", name="hand-made")
    with pytest.raises(ConfigError, match="recipe of hand-made"):
        retrain("hand-made", registry, actor="bob")


def test_a_bad_model_spec_is_refused_before_any_process_starts(trained: ModelRegistry) -> None:
    bad = load_train_config(overrides={**SMALL, "model": {"kind": "lightgbm", "params": {"no_such_param": 1}}})
    with pytest.raises(ModelConfigError, match="no_such_param"):
        retrain("basis-gbm", trained, actor="bob", config=bad)


def test_a_failing_child_is_a_job_error_carrying_its_error(trained: ModelRegistry) -> None:
    ten_hours = load_train_config(overrides={**SMALL, "data": {"horizon_ns": 36_000 * 10**9}})
    with pytest.raises(JobError, match=r"failed in the child process: ConfigError: .*no labelled rows"):
        retrain("basis-gbm", trained, actor="bob", config=ten_hours)
    assert [s.version for s in trained.list("basis-gbm")] == [1]
