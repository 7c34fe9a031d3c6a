"""Event-time exponentially weighted mean, variance and z-score.

The decay between two observations depends on the time between them, not on the number of rows:
an observation ``dt`` ns after the previous one gets weight ``1 - exp(-dt * ln 2 / halflife_ns)``.
One compiled step function serves both the streaming object (one call per tick) and the batch
function (a loop over history), so training and production see the same numbers bit for bit.

>>> z = EwmaZScore(halflife_ns=1_000_000_000)
>>> [round(z.update(t * 500_000_000, x), 6) for t, x in enumerate([1.0, 2.0, 3.0, 2.0])]
[0.0, 0.0, 3.751142, 0.239146]
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# state slots
MEAN = 0
VAR = 1
LAST_TS = 2
COUNT = 3
STATE_SIZE = 4


@njit(cache=True)
def ewma_step(state, ts_ns, x, halflife_ns):  # type: ignore[no-untyped-def]
    """Fold ``x`` observed at ``ts_ns`` into ``state``; returns the z-score of ``x`` against the prior state.

    The z-score compares ``x`` with the mean and variance *before* ``x`` is folded in (so a value never
    explains itself). It is 0.0 until the variance is positive. ``state`` is a float64[STATE_SIZE].
    """
    if state[COUNT] == 0.0:
        state[MEAN] = x
        state[VAR] = 0.0
        state[LAST_TS] = ts_ns
        state[COUNT] = 1.0
        return 0.0
    dt = ts_ns - state[LAST_TS]
    if dt < 0.0:
        dt = 0.0
    alpha = 1.0 - math.exp(-dt * math.log(2.0) / halflife_ns)
    mean = state[MEAN]
    var = state[VAR]
    z = 0.0
    if var > 0.0:
        z = (x - mean) / math.sqrt(var)
    diff = x - mean
    incr = alpha * diff
    state[MEAN] = mean + incr
    state[VAR] = (1.0 - alpha) * (var + diff * incr)
    state[LAST_TS] = ts_ns
    state[COUNT] += 1.0
    return z


@njit(cache=True)
def ewma_batch(ts_ns, x, halflife_ns, out_z, out_mean):  # type: ignore[no-untyped-def]
    """Batch twin of :func:`ewma_step`: fills ``out_z`` (z before the update) and ``out_mean`` (mean before)."""
    state = np.zeros(STATE_SIZE)
    for i in range(x.shape[0]):
        out_mean[i] = state[MEAN] if state[COUNT] > 0.0 else x[i]
        out_z[i] = ewma_step(state, ts_ns[i], x[i], halflife_ns)


class EwmaZScore:
    """Streaming event-time EWMA z-score. ``update`` returns the z of the new value against the past.

    Args:
        halflife_ns: half-life of the weights, in ns of event time.
    """

    def __init__(self, halflife_ns: int) -> None:
        if halflife_ns <= 0:
            raise ValueError(f"halflife_ns must be > 0, got {halflife_ns}")
        self.halflife_ns = float(halflife_ns)
        self.state = np.zeros(STATE_SIZE)

    def update(self, ts_ns: int, x: float) -> float:
        """Fold in ``x`` observed at ``ts_ns``; returns its z-score against the state before it."""
        return float(ewma_step(self.state, float(ts_ns), x, self.halflife_ns))

    @property
    def mean(self) -> float:
        """Current EWMA mean (after the last update)."""
        return float(self.state[MEAN])

    @property
    def std(self) -> float:
        """Current EWMA standard deviation."""
        return math.sqrt(max(float(self.state[VAR]), 0.0))
