"""Builders shared by the label tests: generated series and slow reference labellers written from the docs."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

S = 1_000_000_000
MS = 1_000_000

STEP_NS = st.sampled_from([0, 0, 1, 100 * MS, 700 * MS, S, 3 * S])
"""Bursts at one ns, ordinary steps and gaps."""


@st.composite
def price_series(draw: st.DrawFn, min_size: int = 1, max_size: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """(int64 ns times, float64 prices > 0) with bursts, ties and repeated prices."""
    n = draw(st.integers(min_size, max_size))
    steps = draw(st.lists(STEP_NS, min_size=n, max_size=n))
    ts = np.cumsum(np.array(steps, dtype=np.int64)) + 1_700_000_000 * S
    moves = draw(st.lists(st.sampled_from([-2, -1, 0, 0, 1, 2]) | st.integers(-30, 30), min_size=n, max_size=n))
    price = 100.0 * np.exp(np.cumsum(np.array(moves, dtype=np.float64)) / 1e3)
    return ts, price


def slow_forward_return(ts: list[int], price: list[float], horizon_ns: int) -> list[tuple[int, float]]:
    """(t1, value bps or NaN) per row: the last price at or before t0 + horizon, undefined past the data."""
    out = []
    for i in range(len(ts)):
        end = ts[i] + horizon_ns
        if end > ts[-1]:
            out.append((end, math.nan))
            continue
        j = max(k for k in range(len(ts)) if ts[k] <= end)
        out.append((end, 1e4 * (math.log(price[j]) - math.log(price[i]))))
    return out


def slow_triple_barrier(ts: list[int], log_p: list[float], events: list[int], upper: list[float],
                        lower: list[float], vertical_ns: int, side: list[float]) -> list[tuple[int, float, int]]:
    """(t1, long return bps or NaN, barrier code 0 none / 1 pt / 2 sl / 3 vertical) per event, plainly."""
    out = []
    for k, i in enumerate(events):
        end = ts[i] + vertical_ns
        path = [j for j in range(i + 1, len(ts)) if ts[j] <= end]
        touch = None
        for j in path:
            r = side[k] * 1e4 * (log_p[j] - log_p[i])
            if r >= upper[k]:
                touch = (ts[j], 1e4 * (log_p[j] - log_p[i]), 1)
                break
            if r <= -lower[k]:
                touch = (ts[j], 1e4 * (log_p[j] - log_p[i]), 2)
                break
        if touch is None and end <= ts[-1]:
            last = path[-1] if path else i
            touch = (end, 1e4 * (log_p[last] - log_p[i]), 3)
        out.append(touch if touch is not None else (end, math.nan, 0))
    return out
