"""What every zoo model shares: input/output checks, identity (version, feature set), save and load.

A family subclasses :class:`ZooBase` and provides the learning and scoring hooks (``_fit``,
``_predict_many``, ``_predict_one``) and its artifact form (``_files``, ``_restore``). The base wraps
them so that every model refuses bad input and non-finite output the same way, and so that the version
is the content hash of exactly what :meth:`ZooBase.save` writes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import numpy as np

from arbkit.models.errors import ModelArtifactError, ModelConfigError, ModelMismatchError
from arbkit.models.zoo import artifacts
from arbkit.models.zoo.artifacts import ArtifactMeta, LibraryVersion
from arbkit.models.zoo.checks import check_output, check_outputs, check_row, check_rows, check_training
from arbkit.models.zoo.contract import ModelSpec, Task
from arbkit.models.zoo.params import check_params, json_params


class ZooBase:
    """Base of the zoo's models; meets :class:`~arbkit.models.zoo.contract.ZooModel`.

    Subclasses set the class attributes and implement the ``_`` hooks. Learned state ends in ``_``.
    """

    kind: ClassVar[str]
    tasks: ClassVar[tuple[Task, ...]]
    library_name: ClassVar[str]
    """Import name of the training library (``sklearn``, ``lightgbm``, ...)."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec

    # -- hooks ---------------------------------------------------------------------------------------------------
    @classmethod
    def allowed_params(cls, task: Task) -> dict[str, Any]:
        """Hyperparameters a spec may set for ``task``, with the library defaults."""
        raise NotImplementedError

    @classmethod
    def reserved_params(cls) -> dict[str, str]:
        """Hyperparameters the zoo sets itself, with the reason (e.g. seeds and thread counts)."""
        return {}

    @classmethod
    def check_param_values(cls, spec: ModelSpec) -> None:
        """Refuse hyperparameter values the zoo cannot serve (e.g. a kernel the compiled path lacks)."""

    @classmethod
    def library_version(cls) -> str:
        """Installed version of the training library."""
        raise NotImplementedError

    def _fit(self, x: np.ndarray, y: np.ndarray) -> None:
        raise NotImplementedError

    def _predict_many(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _predict_one(self, x: np.ndarray) -> float:
        raise NotImplementedError

    def _files(self) -> dict[str, bytes]:
        """The model's files (no ``model.json``), deterministic bytes."""
        raise NotImplementedError

    def _details(self) -> dict[str, Any]:
        """Small settings stored in ``model.json`` and handed back to :meth:`_restore`."""
        return {}

    def _restore(self, files: dict[str, bytes], details: dict[str, Any], where: Path) -> None:
        """Rebuild learned state from :meth:`_files` output; raise ModelArtifactError naming ``where``."""
        raise NotImplementedError

    def native_predict_many(self, x: np.ndarray) -> np.ndarray | None:
        """The training library's own prediction for rows ``x`` (None after load or when not kept)."""
        return None

    # -- the contract ----------------------------------------------------------------------------------------------
    @classmethod
    def validate_spec(cls, spec: ModelSpec) -> None:
        """Refuse an unsupported task or an unknown, reserved or unservable hyperparameter."""
        if spec.task not in cls.tasks:
            raise ModelConfigError(f"kind {cls.kind!r} does not support task {spec.task!r}; it supports "
                                   f"{', '.join(cls.tasks)}")
        check_params(cls.kind, spec.params, set(cls.allowed_params(spec.task)), cls.reserved_params())
        cls.check_param_values(spec)

    def fit(self, x: np.ndarray, y: np.ndarray, *, feature_names: tuple[str, ...], feature_digest: str) -> ZooBase:
        """Learn from rows ``x`` (n × k float64, finite) and targets ``y`` (0/1 for classification); returns self."""
        self.meta_: ArtifactMeta | None = None  # a failed refit leaves the model unfitted, not half-old
        params = json_params(self.kind, self.spec.params)
        if params != self.spec.params:  # the spec as model.json will hold it (tuples become lists)
            self.spec = msgspec.structs.replace(self.spec, params=params)
        self.validate_spec(self.spec)
        names = tuple(feature_names)
        x, y = check_training(self.kind, x, y, names, self.spec.task)
        self.feature_names_ = names
        self._fit(x, y)
        self.feature_digest_ = str(feature_digest)
        self.train_rows_ = int(x.shape[0])
        self._seal()
        return self

    def _seal(self) -> None:
        files = self._files()
        self.files_ = files
        self.meta_ = artifacts.seal(ArtifactMeta(
            format_version=artifacts.FORMAT_VERSION, kind=self.kind, task=self.spec.task, spec=self.spec,
            feature_names=self.feature_names_, feature_digest=self.feature_digest_,
            library=LibraryVersion(name=self.library_name, version=self.library_version()),
            train_rows=self.train_rows_, details=self._details(),
            files={name: artifacts.sha256(data) for name, data in files.items()}))
        self.version_ = f"{self.kind}-{self.meta_.content_sha256[:8]}"

    def _fitted(self) -> ArtifactMeta:
        meta = getattr(self, "meta_", None)
        if meta is None:
            raise ModelMismatchError(f"{self.kind} model is not fitted; call fit or load first")
        return meta

    @property
    def version(self) -> str:
        """``<kind>-<first 8 hex of the content hash>`` of the fitted model."""
        self._fitted()
        return self.version_

    @property
    def feature_digest(self) -> str:
        """Digest of the feature set the model was trained on."""
        return self._fitted().feature_digest

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Names of the input columns, in order."""
        return self._fitted().feature_names

    @property
    def train_rows(self) -> int:
        """Number of rows the model was trained on."""
        return self._fitted().train_rows

    def check_features(self, feature_digest: str) -> None:
        """Raise ModelMismatchError unless the model was trained on ``feature_digest``."""
        own = self.feature_digest
        if feature_digest != own:
            raise ModelMismatchError(f"model {self.version} was trained on feature set {own}, not {feature_digest}")

    def predict_many(self, x: np.ndarray) -> np.ndarray:
        """float64 (n,) outputs (P(class 1) or the value) for rows ``x`` (n × k, finite)."""
        meta = self._fitted()
        who = self.version
        rows = check_rows(who, x, meta.feature_names)
        return check_outputs(who, self._predict_many(rows))

    def predict_one(self, x: np.ndarray) -> float:
        """Output for one row (float64 (k,), finite) through the compiled path; equals ``predict_many``."""
        meta = self._fitted()
        check_row(self.version_, x, meta.feature_names)
        value = float(self._predict_one(x))
        if not math.isfinite(value):
            check_output(self.version, value)
        return value

    def clone(self) -> ZooBase:
        """An unfitted model with the same spec."""
        return type(self)(self.spec)

    def save(self, folder: str | Path) -> Path:
        """Write ``model.json`` and the model's files into ``folder`` (created); returns the folder."""
        meta = self._fitted()
        return artifacts.write_folder(folder, meta, self.files_)

    @classmethod
    def load(cls, folder: str | Path, *, feature_digest: str | None) -> ZooBase:
        """Read a saved model of this class, verified (the refusals of :func:`arbkit.models.zoo.load_model`).

        Also refuses a folder holding another kind. Works for a family outside the zoo's catalog too.
        """
        path = Path(folder)
        meta, files = artifacts.read_folder(path)
        if meta.kind != cls.kind:
            raise ModelArtifactError(f"{path}: holds a {meta.kind!r} model, not a {cls.kind!r} one")
        artifacts.check_digest(path, meta, feature_digest)
        return cls.from_artifact(path, meta, files)

    @classmethod
    def from_artifact(cls, folder: Path, meta: ArtifactMeta, files: dict[str, bytes]) -> ZooBase:
        """Rebuild a verified artifact (see :func:`arbkit.models.zoo.load_model`)."""
        artifacts.check_library_version(folder, meta.library, cls.library_version())
        if meta.library.name != cls.library_name:
            raise ModelArtifactError(f"{folder}: written with library {meta.library.name}, kind {meta.kind!r} uses "
                                     f"{cls.library_name}")
        model = cls(meta.spec)
        model.feature_names_ = meta.feature_names
        model._restore(files, meta.details, folder)
        model.feature_digest_ = meta.feature_digest
        model.train_rows_ = meta.train_rows
        model.files_ = files
        model.meta_ = meta
        model.version_ = f"{meta.kind}-{meta.content_sha256[:8]}"
        return model

    def __repr__(self) -> str:
        state = self.version if getattr(self, "meta_", None) is not None else "unfitted"
        return f"{type(self).__name__}({self.spec!r}, {state})"
