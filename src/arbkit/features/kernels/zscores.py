"""Z-scores of another feature's output (derived features; updated when their source is).

- ``ewma_zscore``: event-time EWMA mean and variance (weight of an update ``dt`` ns after the previous
  one: 1 − 2^(-dt / halflife_ns)); outputs the z of the new value against the state *before* it (a
  value never explains itself) and the deviation x − mean in the source's unit. ``WARMING_UP`` until
  one half-life has passed and the variance is positive.
- ``rolling_zscore``: the source sampled on an event-time grid of ``bucket_ns`` (the last value seen
  in each bucket, carried through empty buckets); z of the current value against the mean and
  population standard deviation of the last ``buckets`` bucket closes.
"""

from __future__ import annotations

import math

from arbkit.features.jit import kernel
from arbkit.features.kernels.common import buckets_closed, decay, emit, ring_push, ring_sum
from arbkit.features.layout import READY, WARMING_UP


@kernel
def ewma_zscore(f64, i64, po, st, vo, so, dt, elapsed, first, x):  # type: ignore[no-untyped-def]
    """Params [halflife_ns]; state [mean, variance]. Outputs: z, x − mean."""
    h = f64[po]
    if first:
        f64[st] = x
        f64[st + 1] = 0.0
        emit(f64, i64, vo, so, 0, 0.0, WARMING_UP)
        emit(f64, i64, vo, so, 1, 0.0, WARMING_UP)
        return
    mean = f64[st]
    var = f64[st + 1]
    alpha = 1.0 - decay(dt, h)
    diff = x - mean
    incr = alpha * diff
    f64[st] = mean + incr
    f64[st + 1] = (1.0 - alpha) * (var + diff * incr)
    status = READY if elapsed >= h and var > 0.0 else WARMING_UP
    emit(f64, i64, vo, so, 0, diff / math.sqrt(var) if var > 0.0 else 0.0, status)
    emit(f64, i64, vo, so, 1, diff, status)


# rolling_zscore state slots
_RZ_CUR, _RZ_LAST, _RZ_DONE, _RZ_POS, _RZ_MEAN, _RZ_STD, _RZ_RING = 0, 1, 2, 3, 4, 5, 6
ROLLING_STATE = _RZ_RING
"""State slots before the ring."""


@kernel
def rolling_zscore(f64, i64, po, st, vo, so, ts, first, x):  # type: ignore[no-untyped-def]
    """Params [bucket_ns, buckets]; state [bucket, last value, completed, position, mean, std, ring...]."""
    width = int(f64[po])
    n = int(f64[po + 1])
    steps = buckets_closed(f64, st + _RZ_CUR, ts, width, first)
    if steps > 0:
        for _ in range(min(steps, n)):
            ring_push(f64, st + _RZ_RING, n, st + _RZ_POS, f64[st + _RZ_LAST])
        f64[st + _RZ_DONE] += steps
        mean = ring_sum(f64, st + _RZ_RING, n) / n  # mean and deviation change only when a bucket closes
        ss = 0.0
        for i in range(n):
            d = f64[st + _RZ_RING + i] - mean
            ss += d * d
        f64[st + _RZ_MEAN] = mean
        f64[st + _RZ_STD] = math.sqrt(ss / n)
    f64[st + _RZ_LAST] = x
    if f64[st + _RZ_DONE] < n:
        emit(f64, i64, vo, so, 0, 0.0, WARMING_UP)
        return
    std = f64[st + _RZ_STD]
    emit(f64, i64, vo, so, 0, (x - f64[st + _RZ_MEAN]) / std if std > 0.0 else 0.0, READY if std > 0.0 else WARMING_UP)
