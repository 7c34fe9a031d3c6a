"""``CompiledModel``: one fitted model as a flat program, scored per tick by compiled code.

>>> import numpy as np
>>> from arbkit.models.compiled import compile_linear
>>> from sklearn.linear_model import LinearRegression
>>> fitted = LinearRegression().fit(np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]), np.array([1.0, 2.0, 5.0]))
>>> model = compile_linear(fitted)
>>> model.predict_one(np.array([1.0, 1.0])) == float(fitted.predict(np.array([[1.0, 1.0]]))[0])
True
>>> model.predict_one(np.array([1.0, float("nan")]))
Traceback (most recent call last):
...
arbkit.models.errors.NonFiniteInputError: linear-...: feature 1 is nan; the model refuses non-finite input
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import msgspec
import numpy as np

from arbkit.models.compiled import dense as D
from arbkit.models.compiled import kernels as K
from arbkit.models.compiled import layout as L
from arbkit.models.compiled.checks import check_program
from arbkit.models.errors import ModelArtifactError, ModelMismatchError, NonFiniteInputError, NonFiniteOutputError

Output = Literal["probability", "value"]


class CompiledMeta(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a program is, saved beside it as JSON.

    Attributes:
        format_version: :data:`~arbkit.models.compiled.layout.FORMAT_VERSION` of the layout.
        kind: model family (``lightgbm``, ``xgboost``, ``decision_tree``, ``random_forest``, ``linear``,
            ``logistic``, ``mlp``).
        output: ``probability`` (of the second class, ``classes_[1]``) or ``value`` (a regressor's prediction).
        n_features: input width.
        library: the library that trained the model, and ``library_version`` its version.
        estimator: the class that was compiled (e.g. ``LGBMClassifier``, ``Booster``).
        detail: family-specific facts (objective, tree count, activation), for people, not for the kernel.
        feature_names: names of the input columns, in order (may be empty).
        program_sha256: hex SHA-256 of the program's bytes; loading checks it.
    """

    format_version: int
    kind: str
    output: Output
    n_features: int
    library: str
    library_version: str
    estimator: str
    detail: dict[str, str | int | float] = msgspec.field(default_factory=dict)
    feature_names: tuple[str, ...] = ()
    program_sha256: str = ""


def program_digest(program: np.ndarray) -> str:
    """Hex SHA-256 of the program's float64 bytes (little-endian)."""
    return hashlib.sha256(np.ascontiguousarray(program, dtype="<f8").tobytes()).hexdigest()


_KERNELS = {L.FAMILY_TREES: (K.trees_one, K.trees_many), L.FAMILY_LINEAR: (D.linear_one, D.linear_many),
            L.FAMILY_MLP: (D.mlp_one, D.mlp_many)}


class CompiledModel:
    """A fitted model as one float64 program: ``predict_one`` per tick, ``predict_many`` per batch.

    ``predict_one(x)`` equals ``predict_many(x[None])[0]`` bit for bit. Both refuse a feature vector of
    the wrong width, dtype or shape (:class:`ModelMismatchError`) or with NaN/inf
    (:class:`NonFiniteInputError`), and never return a non-finite output (:class:`NonFiniteOutputError`).
    Build one with the ``compile_*`` functions of :mod:`arbkit.models.compiled`, or :meth:`from_arrays`.
    The program is private: MLP and scaled linear models use part of it as scratch space during a call
    (compiled calls hold the GIL, so threads cannot interleave them).
    """

    __slots__ = ("_many", "_one", "_program", "meta")

    def __init__(self, program: np.ndarray, meta: CompiledMeta) -> None:
        check_program(program, meta.n_features)
        self._program = program
        self._one, self._many = _KERNELS[float(program[L.H_FAMILY])]
        if not meta.program_sha256:  # a fresh program: its scratch space is still zero
            meta = msgspec.structs.replace(meta, program_sha256=program_digest(program))
        self.meta = meta

    # -- identity ----------------------------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """Model family, e.g. ``lightgbm``."""
        return self.meta.kind

    @property
    def n_features(self) -> int:
        """Input width."""
        return self.meta.n_features

    @property
    def name(self) -> str:
        """``<kind>-<first 8 hex of the program digest>``, used in error messages."""
        return f"{self.meta.kind}-{self.meta.program_sha256[:8]}"

    def __repr__(self) -> str:
        return f"CompiledModel({self.name}, {self.meta.output}, {self.n_features} features, {self.meta.estimator})"

    # -- scoring -----------------------------------------------------------------------------------------------------

    def predict_one(self, x: np.ndarray) -> float:
        """Output for one feature vector (float64, 1-D, ``n_features`` long); P(class 1) or the predicted value."""
        try:
            y = self._one(x, self._program)
        except TypeError:  # not a C-contiguous float64 vector: the compiled signature refuses it
            x = self._conform_one(x)
            y = self._one(x, self._program)
        if y - y == 0.0:  # finite (NaN and ±inf give NaN here)
            return y  # type: ignore[no-any-return]
        raise self._refusal(x, y)

    def predict_many(self, rows: np.ndarray) -> np.ndarray:
        """float64 (n,) outputs for rows (float64, n × ``n_features``), each equal to :meth:`predict_one` of it."""
        if not isinstance(rows, np.ndarray) or rows.dtype != np.float64 or rows.ndim != 2:
            raise ModelMismatchError(f"{self.name}: rows must be a float64 2-D array, got {_describe(rows)}")
        if rows.shape[1] != self.n_features:
            raise ModelMismatchError(f"{self.name}: rows of width {rows.shape[1]}, the model takes {self.n_features}")
        rows = np.ascontiguousarray(rows)
        out = np.empty(rows.shape[0], dtype=np.float64)
        bad = self._many(rows, self._program, out)
        if bad >= 0:
            row, col = divmod(int(bad), self.n_features)
            raise NonFiniteInputError(f"{self.name}: row {row}, {self._column(col)} is {float(rows[row, col])!r}; "
                                      "the model refuses non-finite input")
        finite = np.isfinite(out)
        if not finite.all():
            row = int(np.argmin(finite))
            raise NonFiniteOutputError(f"{self.name}: output {float(out[row])!r} at row {row} for finite input; "
                                       "never passed on as a signal")
        return out

    def _conform_one(self, x: Any) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.dtype != np.float64 or x.ndim != 1:
            raise ModelMismatchError(f"{self.name}: a feature vector must be a float64 1-D array of length "
                                     f"{self.n_features}, got {_describe(x)}")
        return np.array(x, dtype=np.float64, order="C")  # strided or read-only: a private contiguous copy

    def _refusal(self, x: np.ndarray, y: float) -> Exception:
        if x.shape[0] != self.n_features:
            return ModelMismatchError(f"{self.name}: feature vector of length {x.shape[0]}, the model takes "
                                      f"{self.n_features}")
        finite = np.isfinite(x)
        if not finite.all():
            col = int(np.argmin(finite))
            return NonFiniteInputError(f"{self.name}: {self._column(col)} is {float(x[col])!r}; "
                                       "the model refuses non-finite input")
        return NonFiniteOutputError(f"{self.name}: output {y!r} for a finite feature vector; never passed on as a "
                                    "signal")

    def _column(self, col: int) -> str:
        names = self.meta.feature_names
        return f"feature {col} ({names[col]!r})" if col < len(names) else f"feature {col}"

    # -- saving ------------------------------------------------------------------------------------------------------

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """``({"program": float64 array}, JSON-ready metadata)``: everything :meth:`from_arrays` needs."""
        program = self._program.copy()
        region = D.scratch(program)
        if region is not None:
            program[region] = 0.0  # scratch holds the last call's intermediate values, not the model
        return {"program": program}, msgspec.to_builtins(self.meta)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], metadata: Mapping[str, Any]) -> CompiledModel:
        """Rebuild from :meth:`to_arrays` output; :class:`ModelArtifactError` if anything does not fit."""
        try:
            meta = msgspec.convert(dict(metadata), type=CompiledMeta)
        except msgspec.ValidationError as exc:
            raise ModelArtifactError(f"compiled-model metadata is malformed: {exc}") from None
        if meta.format_version != L.FORMAT_VERSION:
            raise ModelArtifactError(f"compiled-model format version {meta.format_version}; this arbkit reads "
                                     f"version {L.FORMAT_VERSION}")
        program = arrays.get("program")
        if not isinstance(program, np.ndarray) or program.dtype != np.float64 or program.ndim != 1:
            raise ModelArtifactError(f"compiled model {meta.kind}: 'program' must be a float64 1-D array, got "
                                     f"{_describe(program)}")
        digest = program_digest(program)
        if digest != meta.program_sha256:
            raise ModelArtifactError(f"compiled model {meta.kind}: program digest {digest[:12]}… differs from the "
                                     f"recorded {meta.program_sha256[:12]}…; the array file is corrupted")
        try:
            return cls(np.array(program, dtype=np.float64, order="C"), meta)
        except ValueError as exc:
            raise ModelArtifactError(f"compiled model {meta.kind}: {exc}") from None

    def save(self, stem: str | Path) -> tuple[Path, Path]:
        """Write ``<stem>.npz`` (the program, no pickle) and ``<stem>.json`` (metadata); returns both paths."""
        stem = Path(stem)
        arrays, metadata = self.to_arrays()
        npz, meta_path = stem.with_name(stem.name + ".npz"), stem.with_name(stem.name + ".json")
        with npz.open("wb") as handle:
            np.savez(handle, **arrays)
        meta_path.write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n")
        return npz, meta_path

    @classmethod
    def load(cls, stem: str | Path) -> CompiledModel:
        """Read a model written by :meth:`save`; :class:`ModelArtifactError` if missing or corrupted."""
        stem = Path(stem)
        npz, meta_path = stem.with_name(stem.name + ".npz"), stem.with_name(stem.name + ".json")
        try:
            metadata = json.loads(meta_path.read_text())
            with np.load(npz, allow_pickle=False) as files:
                arrays = {name: files[name] for name in files.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise ModelArtifactError(f"cannot read compiled model {stem}: {exc}") from None
        if not isinstance(metadata, dict):
            raise ModelArtifactError(f"{meta_path}: metadata must be a JSON object, got {type(metadata).__name__}")
        return cls.from_arrays(arrays, metadata)


def make_meta(kind: str, output: Output, n_features: int, library: str, estimator: object, *,
              detail: Mapping[str, str | int | float] | None = None,
              feature_names: Sequence[str] | None = None) -> CompiledMeta:
    """Metadata for a fresh program (digest filled in by :class:`CompiledModel`)."""
    import importlib

    version = str(getattr(importlib.import_module(library), "__version__", "unknown"))
    names = tuple(feature_names or ())
    if names and len(names) != n_features:
        raise ModelMismatchError(f"{len(names)} feature names given, the model takes {n_features} features")
    return CompiledMeta(format_version=L.FORMAT_VERSION, kind=kind, output=output, n_features=n_features,
                        library=library, library_version=version, estimator=type(estimator).__name__,
                        detail=dict(detail or {}), feature_names=names)


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    return type(value).__name__
