"""scikit-learn families served by compiled programs: linear, logistic, decision tree, random forest, MLP.

Logistic regression and the MLP are trained as ``Pipeline(StandardScaler, estimator)``; the compiled
program scales each row element by element as the scaler does, then runs the model, so it takes raw
features and matches scikit-learn's own one-row prediction. Trees and ordinary least squares need no
scaling. Each family is saved as its program (``program.npz`` + ``program.json``); scikit-learn is
needed to train and to check the version of a saved model, not to compute a prediction.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from arbkit.models.zoo.compiled_family import CompiledFamily
from arbkit.models.zoo.contract import Task
from arbkit.models.zoo.params import SEED_REASON, THREADS_REASON, estimator_params

QUIET = "fixed by the zoo (quiet)"
WARM = "not supported: every fit starts from scratch"


class SklearnFamily(CompiledFamily):
    """Common ground: the estimator factory per task, the seed, the library version."""

    library_name: ClassVar[str] = "sklearn"
    seeded: ClassVar[bool] = True
    """Whether the estimator takes ``random_state``."""

    @classmethod
    def _factory(cls, task: Task) -> Any:
        raise NotImplementedError

    @classmethod
    def allowed_params(cls, task: Task) -> dict[str, Any]:
        return estimator_params(cls._factory(task))

    @classmethod
    def reserved_params(cls) -> dict[str, str]:
        return {"random_state": SEED_REASON, "n_jobs": THREADS_REASON, "verbose": QUIET, "warm_start": WARM}

    @classmethod
    def library_version(cls) -> str:
        import sklearn

        return str(sklearn.__version__)

    def _estimator(self) -> Any:
        seed = {"random_state": self.spec.seed} if self.seeded else {}
        return self._factory(self.spec.task)(**self.spec.params, **seed)

    def _target(self, y: np.ndarray) -> np.ndarray:
        return y.astype(np.int64) if self.spec.task == "classification" else y

    def _fit(self, x: np.ndarray, y: np.ndarray) -> None:
        self.estimator_ = self._estimator().fit(x, self._target(y))
        self._compile(self.estimator_, self.feature_names_, x)

    def native_predict_many(self, x: np.ndarray) -> np.ndarray | None:
        """scikit-learn's own ``predict_proba[:, 1]`` (classifier) or ``predict`` (regressor)."""
        estimator = getattr(self, "estimator_", None)
        if estimator is None:
            return None
        x = np.asarray(x, dtype=np.float64)
        if self.spec.task == "classification":
            return np.asarray(estimator.predict_proba(x)[:, 1], dtype=np.float64)
        return np.asarray(estimator.predict(x), dtype=np.float64).reshape(-1)


class LinearModel(SklearnFamily):
    """Ordinary least squares (``LinearRegression``); regression only."""

    kind: ClassVar[str] = "linear"
    tasks: ClassVar[tuple[Task, ...]] = ("regression",)
    seeded: ClassVar[bool] = False

    @classmethod
    def _factory(cls, task: Task) -> Any:
        from sklearn.linear_model import LinearRegression

        return LinearRegression


class ScaledFamily(SklearnFamily):
    """Trained as ``Pipeline(StandardScaler, estimator)``; the program scales each row exactly as the scaler does."""

    def _fit(self, x: np.ndarray, y: np.ndarray) -> None:
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        pipeline = Pipeline([("scale", StandardScaler()), ("model", self._estimator())])
        self.estimator_ = pipeline.fit(x, self._target(y))
        self._compile(self.estimator_, self.feature_names_, x)


class LogisticModel(ScaledFamily):
    """``LogisticRegression`` on standardised columns; classification only (P(class 1))."""

    kind: ClassVar[str] = "logistic"
    tasks: ClassVar[tuple[Task, ...]] = ("classification",)

    @classmethod
    def _factory(cls, task: Task) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression

    def _estimator(self) -> Any:
        params = {"max_iter": 1000, **self.spec.params}
        return self._factory(self.spec.task)(**params, random_state=self.spec.seed)



class MlpModel(ScaledFamily):
    """``MLPClassifier`` / ``MLPRegressor`` (a small feed-forward network) on standardised columns."""

    kind: ClassVar[str] = "mlp"
    tasks: ClassVar[tuple[Task, ...]] = ("classification", "regression")

    @classmethod
    def _factory(cls, task: Task) -> Any:
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        return MLPClassifier if task == "classification" else MLPRegressor



class DecisionTreeModel(SklearnFamily):
    """``DecisionTreeClassifier`` (leaf class share) or ``DecisionTreeRegressor``."""

    kind: ClassVar[str] = "decision_tree"
    tasks: ClassVar[tuple[Task, ...]] = ("classification", "regression")

    @classmethod
    def _factory(cls, task: Task) -> Any:
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        return DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor


class RandomForestModel(SklearnFamily):
    """``RandomForestClassifier`` (mean leaf class share) or ``RandomForestRegressor``, one thread."""

    kind: ClassVar[str] = "random_forest"
    tasks: ClassVar[tuple[Task, ...]] = ("classification", "regression")

    @classmethod
    def _factory(cls, task: Task) -> Any:
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        return RandomForestClassifier if task == "classification" else RandomForestRegressor

    def _estimator(self) -> Any:
        return self._factory(self.spec.task)(**self.spec.params, random_state=self.spec.seed, n_jobs=1)
