"""Each library's split test rewritten as ``x <= T`` on the raw float64 feature.

A split test is monotone in the feature value, so the rows it sends left are all doubles up to some
largest one, ``T``. Computing ``T`` once at export time lets one compiled walk serve every library,
bit for bit, with no float32 cast per node:

- scikit-learn casts the row to float32 and tests ``float32(x) <= t`` (``t`` a float64);
- XGBoost casts to float32 and tests ``float32(x) < s`` (``s`` a float32);
- LightGBM reads ``|x| <= 1e-35f`` as exactly 0 before it tests ``x <= t`` in float64.

>>> import numpy as np
>>> t = below_or_equal_f32(np.float32(0.5))  # the largest double whose float32 rounding is <= 0.5
>>> float(np.float32(t)) <= 0.5 < float(np.float32(np.nextafter(t, np.inf)))
True
"""

from __future__ import annotations

import math

import numpy as np

from arbkit.models.compiled import layout as L

_TWO_128 = 2.0**128  # the float32 grid continued past its largest value: the neighbour of ±max is ±2**128


def below_or_equal_f32(f: np.float32) -> float:
    """The largest double ``d`` with ``float32(d) <= f`` (round to nearest, ties to even); ``f`` may be ±inf."""
    f = np.float32(f)
    if math.isnan(f):
        raise ValueError("a split threshold is NaN")
    if f == np.inf:
        return math.inf
    with np.errstate(over="ignore"):  # the neighbour of the largest float32 is inf, and so is the cast of 2**128
        up = np.nextafter(f, np.float32(np.inf))
        low = -_TWO_128 if f == -np.inf else float(f)
        high = _TWO_128 if up == np.inf else float(up)
        mid = (low + high) / 2.0  # exact: two neighbouring float32 values and their midpoint fit in a double
        return mid if np.float32(mid) <= f else math.nextafter(mid, -math.inf)


def sklearn_threshold(t: float) -> float:
    """``T`` with ``x <= T`` iff ``float32(x) <= t``: scikit-learn's test on a float64 threshold ``t``."""
    f = np.float32(t)
    if float(f) > t:
        f = np.nextafter(f, np.float32(-np.inf))
    return below_or_equal_f32(f)


def xgboost_threshold(s: float) -> float:
    """``T`` with ``x <= T`` iff ``float32(x) < s``: XGBoost's test on a float32 split value ``s``."""
    with np.errstate(over="ignore"):
        below = np.nextafter(np.float32(s), np.float32(-np.inf))
    return below_or_equal_f32(below)


def lightgbm_threshold(t: float) -> float:
    """``T`` with ``x <= T`` iff ``z(x) <= t``, where ``z`` maps ``|x| <= 1e-35f`` to 0 (LightGBM's zero band)."""
    k = L.LGBM_ZERO
    if t >= k or t < -k:
        return t
    if t >= 0.0:
        return k
    return math.nextafter(-k, -math.inf)
