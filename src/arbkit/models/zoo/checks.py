"""Input and output checks shared by every model of the zoo; each error names the value and the limit.

The per-tick checks allocate nothing: :func:`first_nonfinite` is compiled and returns an index.

>>> first_nonfinite(np.array([1.0, float("nan"), 2.0]))
1
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from arbkit.models.errors import ModelMismatchError, NonFiniteInputError, NonFiniteOutputError


@njit(cache=True)
def first_nonfinite(x):  # type: ignore[no-untyped-def]
    """Index of the first NaN/inf of a 1-d float64 array, or -1 when all are finite."""
    for i in range(x.shape[0]):
        if not math.isfinite(x[i]):
            return i
    return -1


def check_row(who: str, x: np.ndarray, names: tuple[str, ...]) -> None:
    """Refuse one feature vector of the wrong shape or dtype, or holding NaN/inf.

    Args:
        who: the model's name in messages (its version).
        x: the feature vector, float64 (k,).
        names: the k feature names the model was trained on.
    """
    if not isinstance(x, np.ndarray) or x.ndim != 1 or x.dtype != np.float64:
        shape = getattr(x, "shape", None)
        dtype = getattr(x, "dtype", type(x).__name__)
        raise ModelMismatchError(f"{who}: a feature vector must be a 1-d float64 array of {len(names)} values, got "
                                 f"shape {shape} dtype {dtype}")
    if x.shape[0] != len(names):
        raise ModelMismatchError(f"{who}: {x.shape[0]} features given, the model takes {len(names)}")
    bad = first_nonfinite(x)
    if bad >= 0:
        raise NonFiniteInputError(f"{who}: feature {names[bad]!r} (column {bad}) is {float(x[bad])!r}; the model "
                                  "refuses non-finite input")


def check_rows(who: str, x: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Refuse a batch of the wrong width or with NaN/inf; returns it as C-contiguous float64 (n, k)."""
    arr = np.asarray(x)
    if arr.ndim != 2 or arr.shape[1] != len(names):
        raise ModelMismatchError(f"{who}: rows of shape {arr.shape} given, the model takes (n, {len(names)})")
    if not np.issubdtype(arr.dtype, np.number):
        raise ModelMismatchError(f"{who}: rows must be numbers, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        row, col = map(int, np.argwhere(~finite)[0])
        count = int((~finite).sum())
        value = float(arr[row, col])
        raise NonFiniteInputError(f"{who}: feature {names[col]!r} (column {col}) of row {row} is {value!r} "
                                  f"({count} non-finite values in all); the model refuses non-finite input")
    return arr


def check_output(who: str, value: float) -> float:
    """Refuse a non-finite prediction; returns it as a Python float."""
    if not math.isfinite(value):
        raise NonFiniteOutputError(f"{who}: the model produced {value!r} for a finite input; no signal is given")
    return float(value)


def check_outputs(who: str, values: np.ndarray) -> np.ndarray:
    """Refuse a batch of predictions holding NaN/inf; returns it as float64 (n,)."""
    out = np.asarray(values, dtype=np.float64).reshape(-1)
    finite = np.isfinite(out)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise NonFiniteOutputError(f"{who}: the model produced {float(out[row])!r} for row {row} "
                                   f"({int((~finite).sum())} non-finite outputs in all); no signal is given")
    return out


def check_training(kind: str, x: np.ndarray, y: np.ndarray, names: tuple[str, ...], task: str) -> tuple[np.ndarray,
                                                                                                       np.ndarray]:
    """Refuse training data of inconsistent shapes, non-finite values or (classification) labels not 0/1."""
    xa = np.asarray(x)
    ya = np.asarray(y)
    if xa.ndim != 2 or ya.ndim != 1 or xa.shape[0] != ya.shape[0] or xa.shape[1] != len(names):
        raise ModelMismatchError(f"{kind}: x has shape {xa.shape}, y {ya.shape} and there are {len(names)} feature "
                                 "names; expected x (n, k), y (n,) and k names")
    if xa.shape[0] < 2:
        raise ModelMismatchError(f"{kind}: {xa.shape[0]} training rows; at least 2 are needed")
    xa = check_rows(f"{kind} (training)", xa, names)
    ya = np.ascontiguousarray(ya, dtype=np.float64)
    if not np.isfinite(ya).all():
        row = int(np.flatnonzero(~np.isfinite(ya))[0])
        raise NonFiniteInputError(f"{kind}: target of row {row} is {float(ya[row])!r}; targets must be finite")
    if task == "classification":
        classes = np.unique(ya)
        if not np.isin(classes, (0.0, 1.0)).all() or len(classes) != 2:
            raise ModelMismatchError(f"{kind}: classification targets must be 0 and 1 (both present), got classes "
                                     f"{classes[:10].tolist()}")
    return xa, ya
