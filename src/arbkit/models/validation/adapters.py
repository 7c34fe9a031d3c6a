"""Small adapters that give :func:`~arbkit.models.validation.cross_validate` the ``fit`` / ``predict_many``
pair it calls, from a scikit-learn estimator, a zoo model or a plain function.

``cross_validate`` takes a *factory*: a callable with no argument that returns a fresh, unfitted
model per fold, e.g. ``lambda: SklearnAdapter(LogisticRegression())``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np


class FitPredictModel(Protocol):
    """What cross-validation calls on the model of each fold."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> Any:
        """Learn from rows ``x`` (n × k float64) and targets ``y`` (n,)."""
        ...

    def predict_many(self, x: np.ndarray) -> np.ndarray:
        """float64 (n,): P(class 1) for a classifier, the forecast for a regressor."""
        ...


class SklearnAdapter:
    """A scikit-learn estimator (or pipeline), cloned unfitted at each ``fit``.

    ``predict_many`` is ``predict_proba(x)[:, column of class 1]`` when the estimator has
    ``predict_proba``, else ``predict(x)``.
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, x: np.ndarray, y: np.ndarray) -> SklearnAdapter:
        from sklearn.base import clone

        self.estimator_ = clone(self.estimator).fit(x, y)
        return self

    def predict_many(self, x: np.ndarray) -> np.ndarray:
        if hasattr(self.estimator_, "predict_proba"):
            column = list(self.estimator_.classes_).index(1)
            return np.asarray(self.estimator_.predict_proba(x)[:, column], dtype=np.float64)
        return np.asarray(self.estimator_.predict(x), dtype=np.float64)


class ZooAdapter:
    """A model of the zoo (:class:`arbkit.models.zoo.contract.ZooModel`): ``fit`` passes the feature names and
    digest the zoo contract asks for. Build it from a fresh model per fold: ``lambda: ZooAdapter(model.clone(),
    names, digest)``."""

    def __init__(self, model: Any, feature_names: tuple[str, ...], feature_digest: str) -> None:
        self.model = model
        self.feature_names = tuple(feature_names)
        self.feature_digest = feature_digest

    def fit(self, x: np.ndarray, y: np.ndarray) -> ZooAdapter:
        self.model.fit(x, y, feature_names=self.feature_names, feature_digest=self.feature_digest)
        return self

    def predict_many(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict_many(x), dtype=np.float64)


class FunctionAdapter:
    """A function ``fit_predict(train_x, train_y, test_x) -> predictions`` as a model: ``fit`` keeps the
    training rows, ``predict_many`` calls the function."""

    def __init__(self, fit_predict: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> None:
        self.fit_predict = fit_predict

    def fit(self, x: np.ndarray, y: np.ndarray) -> FunctionAdapter:
        self.train_x_, self.train_y_ = x, y
        return self

    def predict_many(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.fit_predict(self.train_x_, self.train_y_, x), dtype=np.float64)
