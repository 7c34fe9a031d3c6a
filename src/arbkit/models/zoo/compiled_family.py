"""Families served by :mod:`arbkit.models.compiled`: both predictions run the same flat program.

``predict_one`` is the program's per-row kernel and ``predict_many`` its batch kernel over each row,
so the two are equal bit for bit; the library's own prediction (``native_predict_many``) is kept for
comparison while the training estimator is in memory. A family's files are either the library's
native model (LightGBM, XGBoost: compiled again on load) or the program itself (scikit-learn: a
no-pickle ``program.npz`` plus ``program.json`` metadata, read back without scikit-learn's estimator).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import msgspec
import numpy as np

from arbkit.models.errors import ModelArtifactError
from arbkit.models.zoo.artifacts import npz_arrays, npz_bytes
from arbkit.models.zoo.base import ZooBase

COMPILERS = {"linear": "compile_linear", "logistic": "compile_linear", "decision_tree": "compile_sklearn",
             "random_forest": "compile_sklearn", "mlp": "compile_mlp", "lightgbm": "compile_lightgbm",
             "xgboost": "compile_xgboost"}
"""Entry point of :mod:`arbkit.models.compiled` for each kind."""
CHECK_ROWS = 256
"""Training rows (evenly spaced) the compiler checks against the library, besides its own probe rows."""


def compile_fitted(kind: str, estimator: Any, feature_names: tuple[str, ...], x: np.ndarray | None = None) -> Any:
    """The :class:`~arbkit.models.compiled.CompiledModel` of a fitted estimator of ``kind``.

    The compiler verifies the program against the library's own prediction on its probe rows and on
    up to :data:`CHECK_ROWS` rows of ``x`` (the training rows, when given), and raises
    ModelConfigError for a model it cannot serve.
    """
    from arbkit.models import compiled

    rows = None
    if x is not None and len(x):
        rows = x[np.unique(np.linspace(0, len(x) - 1, min(CHECK_ROWS, len(x))).astype(np.int64))]
    return getattr(compiled, COMPILERS[kind])(estimator, feature_names=list(feature_names), check_rows=rows)


class CompiledFamily(ZooBase):
    """A model whose predictions are those of a compiled program (``compiled_``)."""

    stores_program: ClassVar[bool] = True
    """True: the files are the program; False: the library's native model (see :meth:`_native_files`)."""

    def _compile(self, estimator: Any, names: tuple[str, ...], x: np.ndarray | None = None) -> None:
        self.compiled_ = compile_fitted(self.kind, estimator, names, x)

    def _predict_one(self, x: np.ndarray) -> float:
        return self.compiled_.predict_one(x)  # type: ignore[no-any-return]

    def _predict_many(self, x: np.ndarray) -> np.ndarray:
        return self.compiled_.predict_many(x)  # type: ignore[no-any-return]

    def _files(self) -> dict[str, bytes]:
        if not self.stores_program:
            return self._native_files()
        arrays, metadata = self.compiled_.to_arrays()
        return {"program.npz": npz_bytes(arrays),
                "program.json": msgspec.json.format(msgspec.json.encode(metadata, order="sorted"))}

    def _restore(self, files: dict[str, bytes], details: dict[str, Any], where: Path) -> None:
        if not self.stores_program:
            self._restore_native(files, details, where)
            return
        from arbkit.models.compiled import CompiledModel

        arrays = npz_arrays(files["program.npz"], f"{where}/program.npz")
        try:
            metadata = msgspec.json.decode(files["program.json"], type=dict)
        except msgspec.DecodeError as exc:
            raise ModelArtifactError(f"{where}/program.json: not valid JSON: {exc}") from None
        try:
            program = CompiledModel.from_arrays(arrays, metadata)
        except ModelArtifactError as exc:
            raise ModelArtifactError(f"{where}: {exc}") from None
        if program.kind != self.kind or program.n_features != len(self.feature_names_):
            raise ModelArtifactError(f"{where}/program.json: a {program.kind} program of {program.n_features} "
                                     f"features, but model.json holds a {self.kind} model of "
                                     f"{len(self.feature_names_)} features")
        self.compiled_ = program

    def _native_files(self) -> dict[str, bytes]:
        raise NotImplementedError

    def _restore_native(self, files: dict[str, bytes], details: dict[str, Any], where: Path) -> None:
        raise NotImplementedError
