"""The decorator of the feature hot path: compiled, cached, and without reference counting.

Numba counts references to every array passed to a compiled function that it does not inline, with
atomic increments and decrements. On the per-event path — one dispatch calling a kernel per feature,
each taking the state arrays — that cost about 60 ns per call on the 2-core benchmark machine, more
than most kernels themselves (29 features: 1.8 µs per book event with counting, 0.28 µs without).
Nothing on this path allocates or keeps an array, so it is compiled with numba's ``_nrt=False``:
arrays are borrowed from the caller, which owns them for the whole call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba import njit


def kernel(fn: Callable[..., Any]) -> Any:
    """``numba.njit(cache=True)`` without reference counting (see module docs). The function must not allocate."""
    return njit(cache=True, _nrt=False)(fn)
