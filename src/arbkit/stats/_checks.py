"""Input checks shared by the statistics modules. Each raises :class:`StatsError` naming value and limit."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from arbkit.stats.errors import StatsError


def finite_1d(name: str, values: Any, *, min_len: int = 1) -> np.ndarray:
    """``values`` as a 1-D float64 array after checking it is 1-D, finite and at least ``min_len`` long."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise StatsError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size < min_len:
        raise StatsError(f"{name} has {arr.size} observations; at least {min_len} are needed")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise StatsError(f"{name} must be finite: index {i} is {arr[i]}")
    return arr


def positive(name: str, value: float) -> float:
    """``value`` as a float after checking it is finite and > 0."""
    v = float(value)
    if not math.isfinite(v) or v <= 0.0:
        raise StatsError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def finite(name: str, value: float) -> float:
    """``value`` as a float after checking it is finite."""
    v = float(value)
    if not math.isfinite(v):
        raise StatsError(f"{name} must be finite, got {value!r}")
    return v


def int_at_least(name: str, value: int, minimum: int) -> int:
    """``value`` as an int after checking it is an integer >= ``minimum``."""
    try:
        v = operator.index(value)
    except TypeError:
        raise StatsError(f"{name} must be an integer, got {value!r}") from None
    if v < minimum:
        raise StatsError(f"{name} must be >= {minimum}, got {v}")
    return v
