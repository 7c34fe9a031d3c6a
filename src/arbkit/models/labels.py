"""Training labels computed from the future of a series (so used offline only, never live).

>>> import numpy as np
>>> ts = np.array([0, 1, 2, 3], dtype=np.int64) * 1_000_000_000
>>> basis = np.array([2.0, 1.5, 0.9, 3.0])          # bps
>>> mean = np.array([0.0, 0.0, 0.0, 0.0])           # EWMA mean before each row
>>> reversion_label(ts, basis, mean, horizon_ns=2_000_000_000, revert_fraction=0.5).tolist()
[1, 0, -1, -1]
"""

from __future__ import annotations

import numpy as np
from numba import njit

UNDEFINED = -1
"""Label of a row whose horizon runs past the end of the data."""


@njit(cache=True)
def _reversion(ts_ns, basis, mean, horizon_ns, revert_fraction, out):  # type: ignore[no-untyped-def]
    n = ts_ns.shape[0]
    last_ts = ts_ns[n - 1] if n > 0 else 0
    for i in range(n):
        if ts_ns[i] + horizon_ns > last_ts:
            out[i] = UNDEFINED
            continue
        gap = abs(basis[i] - mean[i])
        target = gap * (1.0 - revert_fraction)
        hit = 0
        j = i + 1
        while j < n and ts_ns[j] <= ts_ns[i] + horizon_ns:
            if abs(basis[j] - mean[i]) <= target:
                hit = 1
                break
            j += 1
        out[i] = hit


def reversion_label(ts_ns: np.ndarray, basis_bps: np.ndarray, mean_bps: np.ndarray, horizon_ns: int,
                    revert_fraction: float = 0.5) -> np.ndarray:
    """1 if the basis closes ``revert_fraction`` of its gap to the mean within ``horizon_ns``, else 0.

    Args:
        ts_ns: decision times, int ns, non-decreasing.
        basis_bps: basis at each decision, in bps.
        mean_bps: the EWMA mean known at each decision (before that tick), in bps.
        horizon_ns: look-ahead window in ns of event time.
        revert_fraction: share of the gap |basis − mean| that must close (0.5 = half).

    Returns:
        int8 array: 1, 0, or :data:`UNDEFINED` (-1) where the horizon passes the end of the data.
    """
    if not 0.0 < revert_fraction <= 1.0:
        raise ValueError(f"revert_fraction must be in (0, 1], got {revert_fraction}")
    if horizon_ns <= 0:
        raise ValueError(f"horizon_ns must be > 0, got {horizon_ns}")
    ts = np.asarray(ts_ns, dtype=np.int64)
    if len(ts) > 1 and (np.diff(ts) < 0).any():
        raise ValueError("ts_ns must be non-decreasing")
    out = np.zeros(len(ts), dtype=np.int8)
    _reversion(ts, np.asarray(basis_bps, dtype=np.float64), np.asarray(mean_bps, dtype=np.float64),
               int(horizon_ns), float(revert_fraction), out)
    return out
