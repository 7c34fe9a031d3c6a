"""A family outside the zoo's catalog, written on ZooBase as docs/model-zoo.md shows, passes the same check."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from numba import njit
from zoo_kit import rows_for

from arbkit.models.errors import ModelArtifactError
from arbkit.models.zoo import ModelSpec
from arbkit.models.zoo.artifacts import npz_arrays, npz_bytes
from arbkit.models.zoo.base import ZooBase
from arbkit.models.zoo.conformance import check_conformance
from arbkit.models.zoo.contract import Task


@njit(cache=False)
def _affine(x, w, b):  # type: ignore[no-untyped-def]
    s = b
    for i in range(x.shape[0]):
        s += w[i] * x[i]
    return s


@njit(cache=False)
def _affine_many(rows, w, b, out):  # type: ignore[no-untyped-def]
    for r in range(rows.shape[0]):
        out[r] = _affine(rows[r], w, b)


class RidgeModel(ZooBase):
    """Ridge regression by the normal equations (numpy), served by a compiled loop."""

    kind: ClassVar[str] = "numpy_ridge"
    tasks: ClassVar[tuple[Task, ...]] = ("regression",)
    library_name: ClassVar[str] = "numpy"

    @classmethod
    def allowed_params(cls, task: Task) -> dict[str, Any]:
        return {"l2": 1.0}

    @classmethod
    def library_version(cls) -> str:
        return str(np.__version__)

    def _fit(self, x: np.ndarray, y: np.ndarray) -> None:
        design = np.hstack([x, np.ones((len(x), 1))])
        gram = design.T @ design + float(self.spec.params.get("l2", 1.0)) * np.eye(design.shape[1])
        weights = np.linalg.solve(gram, design.T @ y)
        self.w_, self.b_ = np.ascontiguousarray(weights[:-1]), float(weights[-1])

    def _predict_one(self, x: np.ndarray) -> float:
        return _affine(x, self.w_, self.b_)  # type: ignore[no-any-return]

    def _predict_many(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(x.shape[0])
        _affine_many(x, self.w_, self.b_, out)
        return out

    def _files(self) -> dict[str, bytes]:
        return {"weights.npz": npz_bytes({"w": self.w_, "b": np.array([self.b_])})}

    def _restore(self, files: dict[str, bytes], details: dict[str, Any], where: Path) -> None:
        arrays = npz_arrays(files["weights.npz"], f"{where}/weights.npz")
        self.w_, self.b_ = arrays["w"], float(arrays["b"][0])


def test_own_family_on_zoo_base_passes_the_conformance_check(tmp_path: Path) -> None:
    x, y, names, digest = rows_for("linear", "regression")
    spec = ModelSpec(kind="numpy_ridge", task="regression", params={"l2": 10.0})
    report = check_conformance(spec, x, y, names, digest, tmp_path, build=RidgeModel, load=RidgeModel.load)
    assert report.passed, report.summary()
    assert {check.name for check in report.checks if check.skipped} == {"native_agreement"}


def test_own_family_refuses_a_folder_of_another_kind(tmp_path: Path) -> None:
    from zoo_kit import fitted

    folder = fitted("lightgbm").save(tmp_path / "m")
    with pytest.raises(ModelArtifactError, match="holds a 'lightgbm' model, not a 'numpy_ridge' one"):
        RidgeModel.load(folder, feature_digest=None)
