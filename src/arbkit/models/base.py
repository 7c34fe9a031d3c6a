"""The contract a model must meet to be served per tick by a script."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class TickModel(Protocol):
    """What a script needs of a model: a version tag, a feature-set check and a per-tick prediction.

    :class:`arbkit.models.logistic.LogisticModel` is one; any object with these members can be plugged
    in (see docs/features-and-models.md).
    """

    @property
    def version(self) -> str:
        """Identifier journaled with every intent the model's predictions cause."""
        ...

    def check_features(self, feature_digest: str) -> None:
        """Raise if the model was trained on another feature set."""
        ...

    def predict_one(self, x: np.ndarray) -> float:
        """Prediction for one feature vector; must raise on non-finite input."""
        ...
