"""Bad input to the registry: wrong feature digest, unknown name/version/alias, corrupted or missing artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest
from registry_kit import fitted_model, lineage_for

from arbkit.models.errors import ModelArtifactError, ModelMismatchError
from arbkit.models.registry import ModelRegistry, UnknownModelError


@pytest.fixture
def one_version(registry: ModelRegistry) -> tuple[ModelRegistry, str]:
    model = fitted_model()
    registry.register(model, lineage_for(model), actor="alice", name="basis-linear")
    return registry, model.feature_digest


def _artifact(root: Path, name: str) -> Path:
    (path,) = [p for p in (root / "artifacts").rglob(name) if p.is_file()]
    return path


def test_load_against_another_feature_digest_names_both_digests(one_version: tuple[ModelRegistry, str]) -> None:
    registry, digest = one_version
    with pytest.raises(ModelMismatchError) as caught:
        registry.load("basis-linear", 1, feature_digest="0123456789abcdef")
    message = str(caught.value)
    assert digest in message and "0123456789abcdef" in message and "basis-linear@1" in message


def test_wrong_digest_is_refused_before_any_artifact_is_read(one_version: tuple[ModelRegistry, str],
                                                             registry_root: Path) -> None:
    registry, _ = one_version
    _artifact(registry_root, "weights.json").write_bytes(b"garbage")
    with pytest.raises(ModelMismatchError):
        registry.load("basis-linear", 1, feature_digest="0123456789abcdef")


def test_unknown_name_names_the_registered_models(one_version: tuple[ModelRegistry, str]) -> None:
    registry, digest = one_version
    with pytest.raises(UnknownModelError, match=r"'nope'.*registered: basis-linear"):
        registry.load("nope", 1, feature_digest=digest)
    with pytest.raises(UnknownModelError, match="nope"):
        registry.show("nope")


def test_unknown_name_in_an_empty_registry_says_none(registry: ModelRegistry) -> None:
    with pytest.raises(UnknownModelError, match="registered: none"):
        registry.list("basis-linear")


def test_unknown_version_names_the_versions_that_exist(one_version: tuple[ModelRegistry, str]) -> None:
    registry, digest = one_version
    with pytest.raises(UnknownModelError, match=r"no version 7; versions: 1"):
        registry.load("basis-linear", 7, feature_digest=digest)


def test_unknown_alias_names_versions_and_aliases(one_version: tuple[ModelRegistry, str]) -> None:
    registry, digest = one_version
    with pytest.raises(UnknownModelError, match=r"no version or alias 'champion'.*aliases: none"):
        registry.load("basis-linear", "champion", feature_digest=digest)


def test_corrupted_model_file_is_an_artifact_error_naming_it(one_version: tuple[ModelRegistry, str],
                                                             registry_root: Path) -> None:
    registry, digest = one_version
    path = _artifact(registry_root, "weights.json")
    path.write_bytes(path.read_bytes().replace(b"0", b"1", 1))
    with pytest.raises(ModelArtifactError, match=r"basis-linear@1: artifact 'weights.json' is corrupted"):
        registry.load("basis-linear", 1, feature_digest=digest)


def test_missing_model_file_is_an_artifact_error(one_version: tuple[ModelRegistry, str], registry_root: Path) -> None:
    registry, digest = one_version
    _artifact(registry_root, "weights.json").unlink()
    with pytest.raises(ModelArtifactError, match="basis-linear@1"):
        registry.load("basis-linear", 1, feature_digest=digest)


def test_extra_file_in_the_model_folder_is_an_artifact_error(one_version: tuple[ModelRegistry, str],
                                                             registry_root: Path) -> None:
    registry, digest = one_version
    _artifact(registry_root, "weights.json").with_name("planted.py").write_text("print('hi')")
    with pytest.raises(ModelArtifactError, match="unexpected artifact file.*planted.py"):
        registry.load("basis-linear", 1, feature_digest=digest)


def test_edited_lineage_record_is_an_artifact_error(one_version: tuple[ModelRegistry, str],
                                                    registry_root: Path) -> None:
    registry, digest = one_version
    path = _artifact(registry_root, "lineage.json")
    path.write_text(path.read_text().replace('"alice"', '"mallory"'))
    with pytest.raises(ModelArtifactError, match="lineage.json is corrupted"):
        registry.show("basis-linear", 1)
    with pytest.raises(ModelArtifactError, match="lineage.json is corrupted"):
        registry.load("basis-linear", 1, feature_digest=digest)
