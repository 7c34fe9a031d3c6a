"""Shared builders of the zoo tests: the real-data training sets and small specs for every kind."""

from __future__ import annotations

import functools
import importlib.util
from typing import Any

import numpy as np
import pytest

from arbkit.models.zoo import TASKS, ModelSpec, build_model
from arbkit.models.zoo.datasets import Dataset, sample_basis_dataset, window_rows

ROWS = 1200
"""Rows of the real-data set the tests train on (the full sample gives ~35,000 READY rows)."""
LSTM_WINDOW = 4

SMALL_PARAMS: dict[str, dict[str, Any]] = {
    "linear": {},
    "logistic": {},
    "decision_tree": {"max_depth": 6},
    "random_forest": {"n_estimators": 20, "max_depth": 6},
    "svm": {},
    "lightgbm": {"n_estimators": 20, "num_leaves": 15},
    "xgboost": {"n_estimators": 20, "max_depth": 4},
    "mlp": {"hidden_layer_sizes": [16], "max_iter": 60},
    "lstm": {"window": LSTM_WINDOW, "hidden_size": 8, "epochs": 3},
}
"""Small models (seconds to fit on two cores); every other hyperparameter is the library default."""



def _has_torch() -> bool:
    try:
        return importlib.util.find_spec("torch") is not None
    except (ValueError, ImportError):  # hidden on purpose (sys.modules entry None, or a blocking finder)
        return False


HAS_TORCH = _has_torch()
NO_TORCH = "PyTorch is not installed (optional extra arbkit[torch]); the LSTM kind needs it"

KIND_TASKS = [(kind, task) for kind, tasks in TASKS.items() for task in tasks]


def small_spec(kind: str, task: str = "classification", seed: int = 0) -> ModelSpec:
    """A small spec of ``kind`` (see :data:`SMALL_PARAMS`)."""
    return ModelSpec(kind=kind, task=task, params=dict(SMALL_PARAMS[kind]), seed=seed)  # type: ignore[arg-type]


def skip_without_torch(kind: str) -> None:
    """Skip the calling test, with the reason, when ``kind`` needs PyTorch and it is absent."""
    if kind == "lstm" and not HAS_TORCH:
        pytest.skip(NO_TORCH)


@functools.lru_cache(maxsize=2)
def dataset(task: str) -> Dataset:
    """The real-data training set of the shipped sample (cached per test process)."""
    return sample_basis_dataset(task, max_rows=ROWS)  # type: ignore[arg-type]


def rows_for(kind: str, task: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], str]:
    """(x, y, feature names, digest) for ``kind``: flattened windows for the LSTM, plain rows otherwise."""
    data = dataset(task)
    if kind != "lstm":
        return data.x, data.y, data.feature_names, data.feature_digest
    x, names = window_rows(data.x, data.feature_names, LSTM_WINDOW)
    return x, data.y[LSTM_WINDOW - 1:], names, data.feature_digest


@functools.cache
def fitted(kind: str, task: str = "classification") -> Any:
    """A small model of ``kind`` fitted on the real-data set (cached; do not mutate)."""
    skip_without_torch(kind)
    x, y, names, digest = rows_for(kind, task)
    return build_model(small_spec(kind, task)).fit(x, y, feature_names=names, feature_digest=digest)
