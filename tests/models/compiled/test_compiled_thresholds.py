"""Each library's split test equals ``x <= T`` with the rewritten threshold, for every double x."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from arbkit.models.compiled import layout as L
from arbkit.models.compiled.thresholds import (
    below_or_equal_f32,
    lightgbm_threshold,
    sklearn_threshold,
    xgboost_threshold,
)

F32_MAX = float(np.finfo(np.float32).max)
ANY_DOUBLE = st.floats(allow_nan=False, allow_infinity=True)
F32_VALUE = st.floats(width=32, allow_nan=False, allow_infinity=False)


def f32(x: float) -> float:
    with np.errstate(over="ignore"):
        return float(np.float32(x))


def near(t: float) -> list[float]:
    """Doubles at and around ``t`` and around the float32 neighbours' midpoints, where a cast flips."""
    out = [t]
    for base in (t, f32(t)):
        for direction in (-math.inf, math.inf):
            y = base
            for _ in range(3):
                y = math.nextafter(y, direction)
                out.append(y)
    up = float(np.nextafter(np.float32(f32(t)), np.float32(np.inf)))
    down = float(np.nextafter(np.float32(f32(t)), np.float32(-np.inf)))
    for other in (up, down):
        if math.isfinite(other):
            mid = (f32(t) + other) / 2
            out += [mid, math.nextafter(mid, -math.inf), math.nextafter(mid, math.inf)]
    return [v for v in out if not math.isnan(v)]


@given(F32_VALUE)
def test_below_or_equal_f32_is_the_exact_boundary(f: float) -> None:
    t = below_or_equal_f32(np.float32(f))
    assert f32(t) <= f
    assert f32(math.nextafter(t, math.inf)) > f


def test_below_or_equal_f32_at_the_ends_of_the_float32_range() -> None:
    top = below_or_equal_f32(np.float32(F32_MAX))
    assert f32(top) == F32_MAX and f32(math.nextafter(top, math.inf)) == math.inf
    assert below_or_equal_f32(np.float32(np.inf)) == math.inf
    bottom = below_or_equal_f32(np.float32(-np.inf))
    assert f32(bottom) == -math.inf and f32(math.nextafter(bottom, math.inf)) == -F32_MAX


@given(st.floats(-1e30, 1e30, allow_nan=False), st.lists(ANY_DOUBLE, max_size=5))
def test_sklearn_rewrite_equals_float32_cast_then_compare(t: float, extra: list[float]) -> None:
    big_t = sklearn_threshold(t)
    for x in near(t) + extra:
        assert (x <= big_t) == (f32(x) <= t), (x, t)


@given(F32_VALUE, st.lists(ANY_DOUBLE, max_size=5))
def test_xgboost_rewrite_equals_float32_cast_then_strict_compare(s: float, extra: list[float]) -> None:
    big_t = xgboost_threshold(s)
    for x in near(s) + extra:
        assert (x <= big_t) == (f32(x) < s), (x, s)


def lightgbm_reads(x: float) -> float:
    return 0.0 if abs(x) <= L.LGBM_ZERO else x


@given(st.one_of(st.floats(-1e-30, 1e-30), st.floats(allow_nan=False, allow_infinity=False),
                 st.sampled_from([0.0, -0.0, L.LGBM_ZERO, -L.LGBM_ZERO, 5e-36, -5e-36])),
       st.lists(st.floats(-1e-30, 1e-30), max_size=5))
def test_lightgbm_rewrite_equals_zero_band_then_compare(t: float, extra: list[float]) -> None:
    big_t = lightgbm_threshold(t)
    band = [0.0, -0.0, L.LGBM_ZERO, -L.LGBM_ZERO, math.nextafter(L.LGBM_ZERO, 1), math.nextafter(-L.LGBM_ZERO, -1)]
    for x in near(t) + band + extra:
        assert (x <= big_t) == (lightgbm_reads(x) <= t), (x, t)


def test_lightgbm_zero_band_is_the_float_1e_35_widened_to_double() -> None:
    assert L.LGBM_ZERO == float(np.float32(1e-35))
