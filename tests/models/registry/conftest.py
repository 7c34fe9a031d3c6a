"""Registry fixtures: one freshly initialised MLflow SQLite database per session, copied for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from arbkit.models.registry import ModelRegistry


@pytest.fixture(scope="session")
def empty_registry_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow database with its schema created (creating it takes seconds; copying it does not)."""
    root = tmp_path_factory.mktemp("registry-template")
    ModelRegistry(tracking_uri=f"sqlite:///{root.resolve() / 'mlflow.db'}", root=root).names()
    return root / "mlflow.db"


@pytest.fixture
def registry_root(tmp_path: Path, empty_registry_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A registry folder holding a copy of the empty database; ``MLFLOW_TRACKING_URI`` is cleared."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    root = tmp_path / "models"
    root.mkdir()
    shutil.copyfile(empty_registry_db, root / "mlflow.db")
    return root


@pytest.fixture
def registry(registry_root: Path) -> ModelRegistry:
    """An embedded registry in a temporary folder."""
    return ModelRegistry(root=registry_root)
