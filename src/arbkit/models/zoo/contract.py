"""The contract every model of the zoo meets, whatever library trained it.

Estimator habits (scikit-learn, river): the constructor stores the :class:`ModelSpec` only; ``fit``
learns; learned state ends in ``_``. ``predict_many`` scores a batch (training-time evaluation);
``predict_one`` scores one tick through compiled code (:mod:`arbkit.models.compiled`) and returns
exactly what ``predict_many`` returns for the same row. Outputs are float64: the probability of class
1 for a classifier, the predicted value for a regressor.

A fitted model knows the names and the digest of the feature set it was trained on
(:meth:`arbkit.features.feature_set.FeatureSet.digest`); ``load`` and ``check_features`` refuse any
other digest with :class:`~arbkit.models.errors.ModelMismatchError`. Inputs with NaN/inf or the wrong
width raise :class:`~arbkit.models.errors.NonFiniteInputError` / ``ModelMismatchError``; a non-finite
output raises :class:`~arbkit.models.errors.NonFiniteOutputError`, never becomes a signal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol

import msgspec
import numpy as np

KINDS = ("linear", "logistic", "decision_tree", "random_forest", "svm", "lightgbm", "xgboost", "mlp", "lstm")
"""Model families of the zoo (``lstm`` needs the optional PyTorch extra)."""

Task = Literal["classification", "regression"]


class ModelSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What to train: the family, the task, the library hyperparameters and the seed.

    Attributes:
        kind: one of :data:`KINDS`.
        task: ``classification`` (binary; outputs P(class 1)) or ``regression``.
        params: hyperparameters passed to the library (e.g. ``{"n_estimators": 200, "num_leaves": 31}``).
        seed: random seed; the same spec, data and seed give the same model.
    """

    kind: str
    task: Task = "classification"
    params: dict[str, Any] = msgspec.field(default_factory=dict)
    seed: int = 0


class ZooModel(Protocol):
    """One model of the zoo. Build with :func:`arbkit.models.zoo.build_model`."""

    spec: ModelSpec

    def fit(self, x: np.ndarray, y: np.ndarray, *, feature_names: tuple[str, ...], feature_digest: str) -> "ZooModel":
        """Learn from rows ``x`` (n × k float64) and targets ``y``; returns self."""
        ...

    def predict_many(self, x: np.ndarray) -> np.ndarray:
        """float64 (n,) outputs for rows ``x``."""
        ...

    def predict_one(self, x: np.ndarray) -> float:
        """Output for one row through the compiled path; equals ``predict_many(x[None])[0]``."""
        ...

    def clone(self) -> "ZooModel":
        """An unfitted model with the same spec."""
        ...

    def save(self, folder: str | Path) -> Path:
        """Write the fitted model to ``folder`` (created); returns the folder."""
        ...

    @property
    def version(self) -> str:
        """Content hash of the fitted model (``<kind>-<8 hex>``)."""
        ...

    @property
    def feature_digest(self) -> str:
        """Digest of the feature set the model was trained on."""
        ...

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Names of the input columns, in order."""
        ...

    def check_features(self, feature_digest: str) -> None:
        """Raise ModelMismatchError unless trained on ``feature_digest``."""
        ...
