"""Helpers shared by the feature kernels: writing an output with its status, time decay, rings.

>>> round(decay(1_000_000_000.0, 1_000_000_000.0), 6)   # one half-life later: half the weight left
0.5
"""

from __future__ import annotations

import math

import numpy as np

from arbkit.features.jit import kernel
from arbkit.features.layout import INVALID_INPUT, READY

LN2 = math.log(2.0)


@kernel
def emit(f64, i64, vo, so, j, value, status):  # type: ignore[no-untyped-def]
    """Write output ``j``: the value when ``status`` is READY and the value is finite, else NaN and the status.

    A computed value that is not finite is reported as ``INVALID_INPUT`` (never a NaN marked READY).
    """
    if status == READY and not math.isfinite(value):
        status = INVALID_INPUT
    f64[vo + j] = value if status == READY else np.nan
    i64[so + j] = status


@kernel
def emit_all(f64, i64, vo, so, n, status):  # type: ignore[no-untyped-def]
    """Mark all ``n`` outputs with a non-READY ``status`` (values NaN)."""
    for j in range(n):
        f64[vo + j] = np.nan
        i64[so + j] = status


@kernel
def decay(dt_ns, halflife_ns):  # type: ignore[no-untyped-def]
    """Weight left after ``dt_ns`` of event time for a half-life of ``halflife_ns``: 2^(-dt / halflife)."""
    return math.exp(-dt_ns * LN2 / halflife_ns)


@kernel
def ring_push(f64, ring_off, size, pos_slot, value):  # type: ignore[no-untyped-def]
    """Write ``value`` at the ring's position (slot ``pos_slot`` holds it) and advance it."""
    pos = int(f64[pos_slot])
    f64[ring_off + pos] = value
    pos += 1
    if pos == size:
        pos = 0
    f64[pos_slot] = pos


@kernel
def ring_sum(f64, ring_off, size):  # type: ignore[no-untyped-def]
    """Sum of a ring, recomputed in index order (no drift from running sums)."""
    total = 0.0
    for i in range(size):
        total += f64[ring_off + i]
    return total


@kernel
def buckets_closed(f64, cur_slot, ts, width, first):  # type: ignore[no-untyped-def]
    """Grid buckets of ``width`` ns that an update at ``ts`` closes, and move slot ``cur_slot`` to its bucket.

    Buckets are ``ts // width`` (multiples of the width since the Unix epoch). Returns 0 on the first
    update (which only sets the slot) and for an update inside the current bucket.
    """
    b = ts // width
    if first:
        f64[cur_slot] = b
        return 0
    if b > f64[cur_slot]:
        steps = b - int(f64[cur_slot])
        f64[cur_slot] = b
        return steps
    return 0

