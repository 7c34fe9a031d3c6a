"""Shared builders of the registry tests: a small honest model meeting the zoo contract, and its lineage.

:class:`LeastSquaresModel` fits ordinary least squares with numpy and saves JSON, so the registry is
tested against the contract (``save``, ``load``, ``version``, ``feature_digest``, ``spec``) without
depending on any zoo family.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import msgspec
import numpy as np

from arbkit.models.errors import ModelArtifactError, ModelMismatchError
from arbkit.models.registry import FeatureSetRecord, Lineage, TrainingData
from arbkit.models.zoo.contract import ModelSpec

MODEL_FILE = "weights.json"


class _Saved(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    spec: ModelSpec
    feature_names: tuple[str, ...]
    feature_digest: str
    coef: list[float]
    intercept: float


class LeastSquaresModel:
    """Linear regression by least squares (numpy), with ridge ``params["l2"]`` (default 0)."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec

    def fit(self, x: np.ndarray, y: np.ndarray, *, feature_names: tuple[str, ...],
            feature_digest: str) -> LeastSquaresModel:
        design = np.hstack([x, np.ones((len(x), 1))])
        l2 = float(self.spec.params.get("l2", 0.0))
        gram = design.T @ design + l2 * np.eye(design.shape[1])
        weights = np.linalg.solve(gram, design.T @ y)
        self.coef_, self.intercept_ = weights[:-1].copy(), float(weights[-1])
        self.feature_names_, self.feature_digest_ = tuple(feature_names), feature_digest
        return self

    def predict_many(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) @ self.coef_ + self.intercept_

    def predict_one(self, x: np.ndarray) -> float:
        return float(self.predict_many(np.asarray(x)[None])[0])

    def clone(self) -> LeastSquaresModel:
        return LeastSquaresModel(self.spec)

    def _bytes(self) -> bytes:
        saved = _Saved(spec=self.spec, feature_names=self.feature_names_, feature_digest=self.feature_digest_,
                       coef=[float(c) for c in self.coef_], intercept=self.intercept_)
        return msgspec.json.encode(saved, order="sorted")

    def save(self, folder: str | Path) -> Path:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        (path / MODEL_FILE).write_bytes(self._bytes())
        return path

    @classmethod
    def load(cls, folder: str | Path, *, feature_digest: str) -> LeastSquaresModel:
        try:
            saved = msgspec.json.decode((Path(folder) / MODEL_FILE).read_bytes(), type=_Saved)
        except (OSError, msgspec.DecodeError) as exc:
            raise ModelArtifactError(f"{folder}: {exc}") from exc
        if saved.feature_digest != feature_digest:
            raise ModelMismatchError(f"trained on {saved.feature_digest}, not {feature_digest}")
        model = cls(saved.spec)
        model.coef_, model.intercept_ = np.asarray(saved.coef), saved.intercept
        model.feature_names_, model.feature_digest_ = saved.feature_names, saved.feature_digest
        return model

    @property
    def version(self) -> str:
        return f"{self.spec.kind}-{hashlib.sha256(self._bytes()).hexdigest()[:8]}"

    @property
    def feature_digest(self) -> str:
        return self.feature_digest_

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.feature_names_

    def check_features(self, feature_digest: str) -> None:
        if feature_digest != self.feature_digest_:
            raise ModelMismatchError(f"trained on {self.feature_digest_}, not {feature_digest}")


@functools.lru_cache(maxsize=1)
def sample_rows() -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], str, tuple[Path, ...]]:
    """(x, y in bps, t0 ns, names, digest, the shipped files read) of the real sample's regression set."""
    from arbkit.data.sample import sample_path
    from arbkit.models.zoo.datasets import sample_basis_dataset

    data = sample_basis_dataset(task="regression", max_rows=600)
    files = tuple(sample_path(f.name) for f in data.source_files)
    return data.x, data.y, data.t0_ns, data.feature_names, data.feature_digest, files


def fitted_model(l2: float = 0.0) -> LeastSquaresModel:
    """A least-squares model fitted on :func:`sample_rows`."""
    x, y, _, names, digest, _ = sample_rows()
    spec = ModelSpec(kind="linear", task="regression", params={"l2": l2})
    return LeastSquaresModel(spec).fit(x, y, feature_names=names, feature_digest=digest)


def lineage_for(model: LeastSquaresModel, validation: dict | None = None) -> Lineage:
    """Lineage of a model fitted on :func:`sample_rows`: the shipped files, span, feature set and label."""
    x, y, t0, names, digest, files = sample_rows()
    data = TrainingData.from_files(files, event_ns=t0, description="shipped sample, regression rows")
    features = FeatureSetRecord(name="spot_perp_40", digest=digest, names=names)
    label = {"kind": "forward_mid_move", "horizon_ns": 5_000_000_000, "unit": "bps"}
    residual = y - model.predict_many(x)
    report = validation if validation is not None else {
        "pooled": {"rmse": float(np.sqrt(np.mean(residual ** 2))), "rows": len(y)}, "folds": []}
    return Lineage(data=data, features=features, label=label, validation=report,
                   recipe={"kind": "linear", "params": dict(model.spec.params)})
