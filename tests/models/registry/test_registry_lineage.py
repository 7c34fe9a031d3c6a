"""Registering a model on the embedded MLflow backend records its full lineage, tags, params and metrics."""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np
import pytest
from registry_kit import fitted_model, lineage_for, sample_rows

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.models.errors import ModelMismatchError
from arbkit.models.registry import FeatureSetRecord, ModelRegistry, RegistryError, code_version, file_sha256, parse_ref
from arbkit.models.registry.code_version import source_tree_sha256


def test_register_returns_version_one_then_two_under_the_same_name(registry: ModelRegistry) -> None:
    first = fitted_model()
    second = fitted_model(l2=10.0)
    v1 = registry.register(first, lineage_for(first), actor="alice", name="basis-linear")
    v2 = registry.register(second, lineage_for(second), actor="bob", name="basis-linear")
    assert (v1.name, v1.version, v1.model_version) == ("basis-linear", 1, first.version)
    assert (v2.version, v2.model_version) == (2, second.version)
    assert v1.run_id != v2.run_id
    assert [s.ref for s in registry.list()] == ["basis-linear@1", "basis-linear@2"]
    assert registry.names() == ["basis-linear"]


def test_lineage_records_sample_file_hashes_time_range_rows_and_code(registry: ModelRegistry) -> None:
    model = fitted_model()
    registered = registry.register(model, lineage_for(model), actor="alice", name="basis-linear")
    record = registry.show("basis-linear", registered.version)
    lineage = record.lineage
    _, _, t0, names, digest, files = sample_rows()
    assert [f.path for f in lineage.data.files] == sorted(str(p.resolve()) for p in files)
    assert [f.sha256 for f in lineage.data.files] == [file_sha256(f.path) for f in lineage.data.files]
    assert [f.size_bytes for f in lineage.data.files] == [Path(f.path).stat().st_size for f in lineage.data.files]
    assert (lineage.data.first_event_ns, lineage.data.last_event_ns) == (int(t0.min()), int(t0.max()))
    assert lineage.data.rows == len(t0)
    assert lineage.features.digest == digest and lineage.features.names == names
    assert lineage.label == {"kind": "forward_mid_move", "horizon_ns": 5_000_000_000, "unit": "bps"}
    assert lineage.spec == {"kind": "linear", "task": "regression", "params": {"l2": 0.0}, "seed": 0}
    assert lineage.model_version == model.version
    assert lineage.loader == "registry_kit:LeastSquaresModel.load"
    assert lineage.actor == "alice" and lineage.created_ns > 1_700_000_000 * 10**9
    assert lineage.code == code_version()
    assert len(lineage.code.source_sha256) == 64
    assert lineage.recipe == {"kind": "linear", "params": {"l2": 0.0}}
    assert set(lineage.files) == {"weights.json"}


def test_params_metrics_and_tags_are_visible_to_mlflow(registry: ModelRegistry) -> None:
    model = fitted_model()
    lineage = lineage_for(model)
    registry.register(model, lineage, actor="alice", name="basis-linear")
    record = registry.show("basis-linear")
    assert record.params["kind"] == "linear" and record.params["params.l2"] == "0.0"
    assert record.params["label.horizon_ns"] == "5000000000"
    assert record.params["feature_digest"] == lineage.features.digest
    assert record.metrics["rmse"] == pytest.approx(lineage.validation["pooled"]["rmse"])
    assert record.metrics["rows"] == 600.0
    assert record.summary.metrics == record.metrics
    assert record.tags["arbkit.feature_digest"] == lineage.features.digest
    assert record.tags["arbkit.data_sha256"] == lineage.data.sha256
    assert record.tags["arbkit.data_first_event_ns"] == str(lineage.data.first_event_ns)
    assert record.source.endswith("/model")
    assert record.summary.aliases == ()


def test_artifacts_live_under_the_registry_root(registry: ModelRegistry, registry_root: Path) -> None:
    model = fitted_model()
    registry.register(model, lineage_for(model), actor="alice", name="basis-linear")
    stored = sorted(p.name for p in (registry_root / "artifacts").rglob("*") if p.is_file())
    assert stored == ["lineage.json", "weights.json"]
    assert registry.tracking_uri == f"sqlite:///{(registry_root / 'mlflow.db').resolve()}"


def test_registration_is_journaled_as_a_model_entry(registry_root: Path, tmp_path: Path) -> None:
    journal_path = tmp_path / "journal.sqlite"
    registry = ModelRegistry(root=registry_root, journal_path=journal_path)
    model = fitted_model()
    registered = registry.register(model, lineage_for(model), actor="carol", name="basis-linear")
    with Journal(journal_path) as journal:
        entries = list(journal.entries(kind=kinds.MODEL))
        assert journal.verify().ok
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor == "carol"
    assert entry.payload["event"] == "registered"
    assert (entry.payload["name"], entry.payload["version"]) == ("basis-linear", 1)
    assert entry.payload["model_version"] == registered.model_version
    assert entry.payload["run_id"] == registered.run_id


def test_default_name_is_feature_set_and_kind(registry: ModelRegistry) -> None:
    model = fitted_model()
    assert registry.register(model, lineage_for(model), actor="alice").name == "spot_perp_40-linear"


def test_lineage_naming_another_feature_digest_is_refused(registry: ModelRegistry) -> None:
    model = fitted_model()
    lineage = lineage_for(model)
    other = msgspec.structs.replace(lineage, features=FeatureSetRecord(name="other", digest="f" * 16, names=("a",)))
    with pytest.raises(ModelMismatchError, match="ffffffffffffffff"):
        registry.register(model, other, actor="alice", name="basis-linear")
    assert registry.names() == []


@pytest.mark.parametrize("name", ["", "has space", "-leading", "a/b", "x" * 101, "quote'", "trailing-newline\n"])
def test_invalid_model_names_are_refused_naming_the_rule(registry: ModelRegistry, name: str) -> None:
    model = fitted_model()
    with pytest.raises(RegistryError, match="letters, digits"):
        registry.register(model, lineage_for(model), actor="alice", name=name)


def test_empty_actor_is_refused(registry: ModelRegistry) -> None:
    model = fitted_model()
    with pytest.raises(RegistryError, match="actor"):
        registry.register(model, lineage_for(model), actor="", name="basis-linear")


def test_source_tree_hash_follows_content_and_paths_not_location(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "pkg", tmp_path / "b" / "pkg"
    for root in (first, second):
        (root / "sub").mkdir(parents=True)
        (root / "__init__.py").write_text("x = 1\n")
        (root / "sub" / "m.py").write_text("y = 2\n")
        (root / "notes.txt").write_text("not source")
    assert source_tree_sha256(first) == source_tree_sha256(second)
    (second / "notes.txt").write_text("changed, still not source")
    assert source_tree_sha256(first) == source_tree_sha256(second)
    (second / "sub" / "m.py").write_text("y = 3\n")
    assert source_tree_sha256(first) != source_tree_sha256(second)
    (second / "sub" / "m.py").write_text("y = 2\n")
    assert source_tree_sha256(first) == source_tree_sha256(second)
    (second / "sub" / "m.py").rename(second / "m.py")
    assert source_tree_sha256(first) != source_tree_sha256(second)


def test_parse_ref_reads_number_alias_and_bare_name() -> None:
    assert parse_ref("m@3") == ("m", 3)
    assert parse_ref("m@champion") == ("m", "champion")
    assert parse_ref("m") == ("m", None)
    with pytest.raises(RegistryError, match="empty version"):
        parse_ref("m@")


def test_registered_predictions_round_trip_exactly(registry: ModelRegistry) -> None:
    model = fitted_model()
    registry.register(model, lineage_for(model), actor="alice", name="basis-linear")
    loaded = registry.load("basis-linear", 1, feature_digest=model.feature_digest)
    x = sample_rows()[0]
    np.testing.assert_array_equal(loaded.predict_many(x), model.predict_many(x))
    assert loaded.version == model.version
