"""Support-vector machines (scikit-learn ``SVC`` / ``SVR``) served by a compiled decision function.

Training standardises the columns (mean, scale), fits the SVM on them and keeps only arrays: support
vectors, dual coefficients, intercept, the resolved ``gamma``, the kernel and the standardisation. The
decision function is

    f(x) = b + Σᵢ αᵢ K(svᵢ, z),   z_j = (x_j − mean_j) · inv_scale_j,
    K = exp(−γ ‖svᵢ − z‖²) (rbf)  or  ⟨svᵢ, z⟩ (linear),

evaluated by one compiled function for one row; ``predict_many`` runs the same function over each
row, so the two are bit-identical. A regressor outputs ``f(x)``. A classifier outputs a Platt
probability ``P(class 1) = 1 / (1 + exp(A·f(x) + B))``, with A and B fitted by an unregularised
logistic regression of the labels on the training decision values (in-sample: probabilities of a
model that overfits are over-confident; judge them on held-out data). Only these two kernels are
served; the others are refused at build time.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numba import njit

from arbkit.models.errors import ModelArtifactError
from arbkit.models.zoo.artifacts import npz_arrays, npz_bytes
from arbkit.models.zoo.base import ZooBase
from arbkit.models.zoo.contract import ModelSpec, Task
from arbkit.models.zoo.params import SEED_REASON, check_choice, estimator_params

LINEAR = 0
RBF = 1
KERNELS = {"linear": LINEAR, "rbf": RBF}
ARRAYS = ("support", "dual", "mean", "inv_scale", "scalars")


@njit(cache=True)
def _decision(x, support, dual, mean, inv_scale, scalars):  # type: ignore[no-untyped-def]
    """f(x) for one row; ``scalars`` = [intercept, gamma, kernel code, platt A, platt B, is classifier]."""
    f = scalars[0]
    gamma = scalars[1]
    rbf = scalars[2] == RBF
    k = x.shape[0]
    for i in range(support.shape[0]):
        acc = 0.0
        if rbf:
            for j in range(k):
                d = (x[j] - mean[j]) * inv_scale[j] - support[i, j]
                acc += d * d
            f += dual[i] * math.exp(-gamma * acc)
        else:
            for j in range(k):
                acc += (x[j] - mean[j]) * inv_scale[j] * support[i, j]
            f += dual[i] * acc
    if scalars[5] == 0.0:
        return f
    s = scalars[3] * f + scalars[4]  # P(1) = 1 / (1 + exp(s))
    if s <= 0.0:
        return 1.0 / (1.0 + math.exp(s))
    e = math.exp(-s)
    return e / (1.0 + e)


@njit(cache=True)
def _decision_many(x, support, dual, mean, inv_scale, scalars, out):  # type: ignore[no-untyped-def]
    for r in range(x.shape[0]):
        out[r] = _decision(x[r], support, dual, mean, inv_scale, scalars)


class SvmModel(ZooBase):
    """``SVC`` (classification, Platt probability) or ``SVR`` (regression) with an rbf or linear kernel."""

    kind: ClassVar[str] = "svm"
    tasks: ClassVar[tuple[Task, ...]] = ("classification", "regression")
    library_name: ClassVar[str] = "sklearn"

    @staticmethod
    def _factory(task: Task) -> Any:
        from sklearn.svm import SVC, SVR

        return SVC if task == "classification" else SVR

    @classmethod
    def allowed_params(cls, task: Task) -> dict[str, Any]:
        return estimator_params(cls._factory(task))

    @classmethod
    def reserved_params(cls) -> dict[str, str]:
        return {"random_state": SEED_REASON, "probability": "replaced by the zoo's Platt calibration",
                "verbose": "fixed by the zoo (quiet)"}

    @classmethod
    def check_param_values(cls, spec: ModelSpec) -> None:
        check_choice(cls.kind, spec.params, "kernel", tuple(KERNELS))

    @classmethod
    def library_version(cls) -> str:
        import sklearn

        return str(sklearn.__version__)

    def _fit(self, x: np.ndarray, y: np.ndarray) -> None:
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        inv_scale = 1.0 / np.where(scale > 0, scale, 1.0)
        z = (x - mean) * inv_scale
        factory = self._factory(self.spec.task)
        extra = {"random_state": self.spec.seed} if self.spec.task == "classification" else {}
        svm = factory(**self.spec.params, **extra).fit(z, y)
        kernel = KERNELS[svm.kernel]
        scalars = np.array([float(svm.intercept_[0]), float(getattr(svm, "_gamma", 0.0)), float(kernel), 0.0, 0.0,
                            0.0])
        self.arrays_ = {"support": np.ascontiguousarray(svm.support_vectors_, dtype=np.float64),
                        "dual": np.ascontiguousarray(svm.dual_coef_[0], dtype=np.float64),
                        "mean": mean, "inv_scale": inv_scale, "scalars": scalars}
        self.svm_ = svm
        if self.spec.task == "classification":
            a, b = _platt(self._decision_values(x), y)
            scalars[3], scalars[4], scalars[5] = a, b, 1.0

    def _decision_values(self, x: np.ndarray) -> np.ndarray:
        """f(x) of every row before the Platt mapping (the classifier flag off)."""
        a = self.arrays_
        scalars = a["scalars"].copy()
        scalars[5] = 0.0
        out = np.empty(x.shape[0])
        _decision_many(x, a["support"], a["dual"], a["mean"], a["inv_scale"], scalars, out)
        return out

    def _predict_one(self, x: np.ndarray) -> float:
        a = self.arrays_
        return _decision(x, a["support"], a["dual"], a["mean"], a["inv_scale"], a["scalars"])  # type: ignore[no-any-return]

    def _predict_many(self, x: np.ndarray) -> np.ndarray:
        a = self.arrays_
        out = np.empty(x.shape[0])
        _decision_many(x, a["support"], a["dual"], a["mean"], a["inv_scale"], a["scalars"], out)
        return out

    def native_predict_many(self, x: np.ndarray) -> np.ndarray | None:
        """scikit-learn's own ``decision_function`` (regression: ``predict``), Platt-mapped for a classifier."""
        svm = getattr(self, "svm_", None)
        if svm is None:
            return None
        a = self.arrays_
        z = (np.asarray(x, dtype=np.float64) - a["mean"]) * a["inv_scale"]
        if self.spec.task == "regression":
            return np.asarray(svm.predict(z), dtype=np.float64)
        s = a["scalars"][3] * svm.decision_function(z) + a["scalars"][4]
        return 1.0 / (1.0 + np.exp(s))  # type: ignore[no-any-return]

    def _files(self) -> dict[str, bytes]:
        return {"svm.npz": npz_bytes(self.arrays_)}

    def _restore(self, files: dict[str, bytes], details: dict[str, Any], where: Path) -> None:
        arrays = npz_arrays(files["svm.npz"], f"{where}/svm.npz")
        missing = [name for name in ARRAYS if name not in arrays]
        if missing:
            raise ModelArtifactError(f"{where}/svm.npz: arrays {missing} missing")
        n_sv, k = arrays["support"].shape
        if arrays["dual"].shape != (n_sv,) or arrays["mean"].shape != (k,) or arrays["inv_scale"].shape != (k,) \
                or arrays["scalars"].shape != (6,):
            raise ModelArtifactError(f"{where}/svm.npz: inconsistent array shapes "
                                     f"{ {name: arrays[name].shape for name in ARRAYS} }")
        self.arrays_ = {name: np.ascontiguousarray(arrays[name], dtype=np.float64) for name in ARRAYS}


def _platt(f: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(A, B) of ``P(1) = 1 / (1 + exp(A f + B))`` by unregularised logistic regression of ``y`` on ``f``."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e12, max_iter=1000).fit(f.reshape(-1, 1), y.astype(np.int64))
    return -float(fit.coef_[0, 0]), -float(fit.intercept_[0])
