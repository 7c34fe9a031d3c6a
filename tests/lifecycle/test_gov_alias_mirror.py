"""MLflow aliases live, canary and shadow follow the deployment history, on a real embedded MLflow registry."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from arbkit.lifecycle.history import DeploymentChange, DeploymentHistory, MlflowAliasMirror
from arbkit.models.registry import ModelRegistry
from arbkit.models.registry.errors import RegistryError, UnknownModelError

NAME = "basis-logit"


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow database with its schema and one model of three versions (made once, copied per test)."""
    from mlflow import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    root = tmp_path_factory.mktemp("alias-registry")
    uri = f"sqlite:///{(root / 'mlflow.db').resolve()}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.create_registered_model(NAME)
    for i in range(3):
        client.create_model_version(NAME, source=str(root / f"model-{i}"))
    return root / "mlflow.db"


@pytest.fixture
def registry(tmp_path: Path, empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> ModelRegistry:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    shutil.copyfile(empty_db, tmp_path / "mlflow.db")
    return ModelRegistry(root=tmp_path)


def change(version: str, reg: int | None, old: str | None, new: str, action: str, ts: int) -> DeploymentChange:
    return DeploymentChange(ts_ns=ts, script_id="basis", model_name=NAME, version=version, registry_version=reg,
                            old_mode=old, new_mode=new, action=action,  # type: ignore[arg-type]
                            actor="alice", reason="test")


def test_registry_sets_moves_and_deletes_aliases(registry: ModelRegistry) -> None:
    registry.set_alias(NAME, "live", 1)
    registry.set_alias(NAME, "live", 2)
    registry.set_alias(NAME, "shadow", 3)
    assert registry.aliases(NAME) == {"live": 2, "shadow": 3}
    assert registry.version(NAME, "live").version == 2
    registry.delete_alias(NAME, "shadow")
    registry.delete_alias(NAME, "shadow")  # absent: nothing happens
    assert registry.aliases(NAME) == {"live": 2}


def test_registry_alias_errors_name_model_and_versions(registry: ModelRegistry) -> None:
    with pytest.raises(UnknownModelError, match="model 'basis-logit' has no version 9; versions: 1, 2, 3"):
        registry.set_alias(NAME, "live", 9)
    with pytest.raises(RegistryError, match="alias '7' of model 'basis-logit' is invalid"):
        registry.set_alias(NAME, "7", 1)
    with pytest.raises(UnknownModelError, match="no registered model named 'nope'"):
        registry.aliases("nope")


def test_aliases_mirror_shadow_canary_live_promotion_and_rollback(registry: ModelRegistry) -> None:
    history = DeploymentHistory(":memory:", mirror=MlflowAliasMirror(registry))
    history.record(change("v1", 1, None, "live", "deploy", 1))
    history.record(change("v2", 2, None, "shadow", "deploy", 2))
    assert registry.aliases(NAME) == {"live": 1, "shadow": 2}
    history.record(change("v2", 2, "shadow", "canary", "promote", 3))
    assert registry.aliases(NAME) == {"live": 1, "canary": 2}
    history.record(change("v2", 2, "canary", "live", "promote", 4))
    history.record(change("v1", 1, "live", "retired", "retire", 4))
    assert registry.aliases(NAME) == {"live": 2}
    history.record(change("v2", 2, "live", "retired", "rollback", 5))
    assert registry.aliases(NAME) == {}
    history.record(change("v1", 1, "retired", "live", "restore", 5))
    assert registry.aliases(NAME) == {"live": 1}


def test_two_shadows_alias_the_newest_and_unregistered_versions_are_not_mirrored(registry: ModelRegistry) -> None:
    history = DeploymentHistory(":memory:", mirror=MlflowAliasMirror(registry))
    history.record(change("v2", 2, None, "shadow", "deploy", 1))
    history.record(change("v3", 3, None, "shadow", "deploy", 2))
    assert registry.aliases(NAME) == {"shadow": 3}
    history.record(change("v3", 3, "shadow", "retired", "retire", 3))
    assert registry.aliases(NAME) == {"shadow": 2}
    history.record(change("local", None, None, "live", "deploy", 4))
    assert registry.aliases(NAME) == {"shadow": 2}


def test_a_mirror_attached_later_learns_past_registry_versions(registry: ModelRegistry, tmp_path: Path) -> None:
    path = tmp_path / "deployments.sqlite"
    with DeploymentHistory(path) as history:
        history.record(change("v1", 1, None, "live", "deploy", 1))
        history.record(change("v2", 2, None, "canary", "deploy", 2))
    assert registry.aliases(NAME) == {}
    with DeploymentHistory(path) as plain:
        known = plain.changes()
    with DeploymentHistory(path, mirror=MlflowAliasMirror(registry, known=known)) as history:
        history.record(change("v3", 3, None, "shadow", "deploy", 3))
    assert registry.aliases(NAME) == {"live": 1, "canary": 2, "shadow": 3}


def test_a_cli_promotion_with_a_registry_moves_its_aliases(registry: ModelRegistry, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from arbkit.audit import kinds
    from arbkit.audit.journal import Journal
    from arbkit.cli.main import app
    from test_gov_cli import POLICY, ROLES, SEC, arm

    run = tmp_path / "run"
    run.mkdir()
    (tmp_path / "policy.toml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "roles.toml").write_text(ROLES, encoding="utf-8")
    with Journal(run / "journal.sqlite") as journal, DeploymentHistory(
            run / "deployments.sqlite", journal=journal, mirror=MlflowAliasMirror(registry)) as history:
        history.record(change("v1", 1, None, "live", "deploy", 0))
        history.record(change("v2", 2, None, "shadow", "deploy", 10 * SEC))
        journal.append(kinds.LIFECYCLE_SCORE, 40 * SEC, arm("v1", "live", 0, 40 * SEC, pnl_usd=0.2), actor="c")
        journal.append(kinds.LIFECYCLE_SCORE, 40 * SEC, arm("v2", "shadow", 10 * SEC, 40 * SEC), actor="c")
    assert registry.aliases(NAME) == {"live": 1, "shadow": 2}
    result = CliRunner().invoke(app, ["lifecycle", "promote", str(run), "--version", "v2", "--approver", "alice",
                                      "--roles", str(tmp_path / "roles.toml"), "--policy", str(tmp_path / "policy.toml"),
                                      "--reason", "passed shadow", "--registry", str(registry.root)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert registry.aliases(NAME) == {"live": 1, "canary": 2}
