"""Volatility features of one instrument's mid (natural-log returns), in bps.

- ``ewma_vol``: exponentially weighted realized variance rate, Σ r² decayed by 2^(-dt / halflife_ns),
  times ln 2 / halflife; reported as bps per square-root second. A constant variance rate σ² per
  second reads σ.
- ``realized_vol``: event-time grid of ``bucket_ns``; the mid at the close of each bucket is the last
  one seen in it; output sqrt(Σ r²) over the last ``buckets`` completed buckets, bps over that window
  (``buckets × bucket_ns``). Buckets without an update contribute a zero return.
- ``range_vol``: bars of ``bar_ns`` (open, high, low, close of the mid; bars without any update are
  skipped); outputs Parkinson sqrt(mean((ln H/L)²) / (4 ln 2)) and Garman–Klass
  sqrt(mean(½(ln H/L)² − (2 ln 2 − 1)(ln C/O)²)) over the last ``bars`` completed bars, bps per bar.

Grid and bar boundaries are multiples of their width since the Unix epoch, so a restart lines up.
"""

from __future__ import annotations

import math

from arbkit.features.jit import kernel
from arbkit.features.kernels.common import LN2, buckets_closed, decay, emit, ring_push, ring_sum
from arbkit.features.layout import READY, WARMING_UP

GK_CLOSE = 2.0 * LN2 - 1.0


@kernel
def ewma_vol(f64, i64, po, st, vo, so, dt, elapsed, first, log_mid):  # type: ignore[no-untyped-def]
    """Params [halflife_ns]; state [decayed Σ r², last log mid]."""
    h = f64[po]
    if first:
        f64[st] = 0.0
    else:
        r = log_mid - f64[st + 1]
        f64[st] = f64[st] * decay(dt, h) + r * r
    f64[st + 1] = log_mid
    rate = f64[st] * LN2 / h * 1e9
    emit(f64, i64, vo, so, 0, math.sqrt(rate) * 1e4, READY if elapsed >= h else WARMING_UP)


# realized_vol state slots
_RV_CUR, _RV_LAST, _RV_GRID, _RV_DONE, _RV_POS, _RV_SUM, _RV_RING = 0, 1, 2, 3, 4, 5, 6
RV_STATE = _RV_RING
"""State slots before the ring."""


@kernel
def realized_vol(f64, i64, po, st, vo, so, ts, first, log_mid):  # type: ignore[no-untyped-def]
    """Params [bucket_ns, buckets]; state [bucket, last, grid close, completed, ring position, Σ ring, ring...]."""
    width = int(f64[po])
    n = int(f64[po + 1])
    steps = buckets_closed(f64, st + _RV_CUR, ts, width, first)
    if first:
        f64[st + _RV_GRID] = log_mid
    elif steps > 0:
        r = f64[st + _RV_LAST] - f64[st + _RV_GRID]
        ring_push(f64, st + _RV_RING, n, st + _RV_POS, r * r)
        for _ in range(min(steps - 1, n)):
            ring_push(f64, st + _RV_RING, n, st + _RV_POS, 0.0)
        f64[st + _RV_DONE] += steps
        f64[st + _RV_GRID] = f64[st + _RV_LAST]
        f64[st + _RV_SUM] = ring_sum(f64, st + _RV_RING, n)  # changes only when a bucket closes
    f64[st + _RV_LAST] = log_mid
    emit(f64, i64, vo, so, 0, math.sqrt(f64[st + _RV_SUM]) * 1e4, READY if f64[st + _RV_DONE] >= n else WARMING_UP)


# range_vol state slots
_RG_CUR, _RG_O, _RG_H, _RG_L, _RG_C, _RG_DONE, _RG_POS, _RG_PK, _RG_GK, _RG_RING = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9
RANGE_STATE = _RG_RING
"""State slots before the two rings."""


@kernel
def range_vol(f64, i64, po, st, vo, so, ts, first, log_mid):  # type: ignore[no-untyped-def]
    """Params [bar_ns, bars]; state [bar, open, high, low, close, completed, position, means (2), rings (2 × bars)]."""
    width = int(f64[po])
    n = int(f64[po + 1])
    if buckets_closed(f64, st + _RG_CUR, ts, width, first) > 0 or first:
        if not first:
            hl = f64[st + _RG_H] - f64[st + _RG_L]
            co = f64[st + _RG_C] - f64[st + _RG_O]
            pos = int(f64[st + _RG_POS])
            f64[st + _RG_RING + n + pos] = 0.5 * hl * hl - GK_CLOSE * co * co
            ring_push(f64, st + _RG_RING, n, st + _RG_POS, hl * hl / (4.0 * LN2))
            f64[st + _RG_DONE] += 1.0
            f64[st + _RG_PK] = ring_sum(f64, st + _RG_RING, n) / n  # the means change only when a bar closes
            f64[st + _RG_GK] = ring_sum(f64, st + _RG_RING + n, n) / n
        f64[st + _RG_O] = log_mid
        f64[st + _RG_H] = log_mid
        f64[st + _RG_L] = log_mid
    else:
        if log_mid > f64[st + _RG_H]:
            f64[st + _RG_H] = log_mid
        if log_mid < f64[st + _RG_L]:
            f64[st + _RG_L] = log_mid
    f64[st + _RG_C] = log_mid
    status = READY if f64[st + _RG_DONE] >= n else WARMING_UP
    emit(f64, i64, vo, so, 0, math.sqrt(f64[st + _RG_PK]) * 1e4, status)
    emit(f64, i64, vo, so, 1, math.sqrt(max(f64[st + _RG_GK], 0.0)) * 1e4, status)
