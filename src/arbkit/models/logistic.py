"""Logistic regression trained with scikit-learn, served per tick by a compiled dot product.

Training uses ``StandardScaler`` + ``LogisticRegression``; the fitted scaler and coefficients are
folded into plain arrays, so :meth:`LogisticModel.predict_one` needs neither scikit-learn nor a
Python loop, and returns exactly what ``predict_proba`` returns (to float rounding). A saved model
is JSON (no pickle) and records the digest of the feature set it was trained on; loading it against
another feature set raises :class:`ModelMismatchError`.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import msgspec
import numpy as np
from numba import njit

from arbkit.models.errors import ModelMismatchError, NonFiniteInputError

__all__ = ["LogisticModel", "LogisticParams", "ModelMismatchError", "NonFiniteInputError"]


class LogisticParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything needed to predict, as plain numbers (the saved form)."""

    feature_names: list[str]
    feature_digest: str
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    c_regularisation: float
    train_rows: int
    kind: str = "logistic_regression"


@njit(cache=True)
def _predict_one(x, mean, scale, coef, intercept):  # type: ignore[no-untyped-def]
    s = intercept
    for i in range(x.shape[0]):
        if not math.isfinite(x[i]):
            return math.nan  # an infinite input would otherwise saturate to a finite 0.0 or 1.0
        s += coef[i] * (x[i] - mean[i]) / scale[i]
    if s >= 0.0:
        return 1.0 / (1.0 + math.exp(-s))
    e = math.exp(s)
    return e / (1.0 + e)


class LogisticModel:
    """A fitted logistic model: ``predict_one`` for a tick, ``predict_many`` for a batch.

    Build one with :meth:`fit` or :meth:`load`; :attr:`version` is a content hash of the parameters.
    """

    def __init__(self, params: LogisticParams) -> None:
        self.params = params
        self._mean = np.asarray(params.mean, dtype=np.float64)
        self._scale = np.asarray(params.scale, dtype=np.float64)
        self._coef = np.asarray(params.coef, dtype=np.float64)
        self._intercept = float(params.intercept)
        widths = {len(params.feature_names), len(self._mean), len(self._scale), len(self._coef)}
        if len(widths) != 1:
            raise ModelMismatchError(f"inconsistent parameter widths {sorted(widths)}")

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, feature_names: tuple[str, ...] | list[str], feature_digest: str,
            c_regularisation: float = 1.0, seed: int = 0) -> "LogisticModel":
        """Fit on rows ``x`` (n × k float) and labels ``y`` (0/1). Deterministic for a given seed."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y).astype(int)
        if x.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[1] != len(feature_names):
            raise ModelMismatchError(f"x has shape {x.shape}, y {y.shape}, names {len(feature_names)}")
        if not np.isfinite(x).all():
            raise NonFiniteInputError(f"training data has {int((~np.isfinite(x)).sum())} non-finite values")
        if len(np.unique(y)) < 2:
            raise ModelMismatchError(f"labels hold a single class ({np.unique(y).tolist()}); cannot fit a classifier")
        scaler = StandardScaler().fit(x)
        scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
        clf = LogisticRegression(C=c_regularisation, random_state=seed, max_iter=1000)
        clf.fit((x - scaler.mean_) / scale, y)
        return cls(LogisticParams(
            feature_names=list(feature_names), feature_digest=feature_digest, mean=scaler.mean_.tolist(),
            scale=scale.tolist(), coef=clf.coef_[0].tolist(), intercept=float(clf.intercept_[0]),
            c_regularisation=c_regularisation, train_rows=int(x.shape[0]),
        ))

    @property
    def version(self) -> str:
        """Content hash of the parameters, e.g. ``logit-3fa2c1d0``."""
        return "logit-" + hashlib.sha256(msgspec.json.encode(self.params)).hexdigest()[:8]

    def predict_one(self, x: np.ndarray) -> float:
        """Probability of class 1 for one feature vector; raises on NaN/inf input or a wrong width."""
        if x.shape[0] != self._coef.shape[0]:
            raise ModelMismatchError(f"{self.version}: {x.shape[0]} features given, the model takes "
                                     f"{self._coef.shape[0]}")
        p = _predict_one(x, self._mean, self._scale, self._coef, self._intercept)
        if not math.isfinite(p):
            raise NonFiniteInputError(f"{self.version}: non-finite features {np.asarray(x).tolist()}")
        return p

    def predict_many(self, x: np.ndarray) -> np.ndarray:
        """Probabilities of class 1 for rows ``x`` (n × k)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self._coef.shape[0]:
            raise ModelMismatchError(f"{self.version}: rows of shape {x.shape} given, the model takes "
                                     f"{self._coef.shape[0]} features")
        if not np.isfinite(x).all():
            raise NonFiniteInputError(f"{self.version}: {int((~np.isfinite(x)).sum())} non-finite feature values")
        s = ((x - self._mean) / self._scale) @ self._coef + self._intercept
        return 1.0 / (1.0 + np.exp(-s))

    def check_features(self, feature_digest: str) -> None:
        """Raise :class:`ModelMismatchError` unless the model was trained on ``feature_digest``."""
        if feature_digest != self.params.feature_digest:
            raise ModelMismatchError(f"model {self.version} was trained on feature set {self.params.feature_digest}, "
                                     f"not {feature_digest}")

    def save(self, path: str | Path) -> Path:
        """Write the parameters as JSON."""
        path = Path(path)
        path.write_bytes(msgspec.json.format(msgspec.json.encode(self.params)))
        return path

    @classmethod
    def load(cls, path: str | Path, feature_digest: str | None = None) -> "LogisticModel":
        """Read a model saved by :meth:`save`; with ``feature_digest`` it must match the training set."""
        try:
            params = msgspec.json.decode(Path(path).read_bytes(), type=LogisticParams)
        except msgspec.ValidationError as exc:
            raise ModelMismatchError(f"{path}: not a saved logistic model: {exc}") from None
        model = cls(params)
        if feature_digest is not None:
            model.check_features(feature_digest)
        return model
