"""Inference latency of a deployed model: cheap per-call recording, percentiles in µs on demand.

A :class:`LatencyRecorder` appends each duration (int ns) to a preallocated int64 buffer that doubles when
full, up to ``max_samples``; past that it keeps the most recent ``max_samples`` (a ring), so a rollback
guard reads the recent p99, not the all-time one, and memory stays bounded in a long live run. The
percentiles and the summary reuse :func:`arbkit.report.latency.summarise_ns` (the report's definition:
linear interpolation, µs).

>>> rec = LatencyRecorder()
>>> for ns in (1_000, 2_000, 3_000, 4_000):
...     rec.record(ns)
>>> rec.count, rec.p50_us, rec.percentile_us(100)
(4, 2.5, 4.0)
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from arbkit.lifecycle.modes import LifecycleError
from arbkit.report.latency import NANOS_PER_MICRO, LatencySummary, summarise_ns

__all__ = ["LatencyInputError", "LatencyRecorder"]


class LatencyInputError(LifecycleError, ValueError):
    """A negative duration, a bad percentile or a bad recorder size."""


class LatencyRecorder:
    """Durations in ns; percentiles over the last ``max_samples`` of them, in µs.

    Args:
        initial_capacity: first buffer size (doubles when full), >= 1.
        max_samples: most durations kept; older ones are overwritten first, >= ``initial_capacity``.
    """

    def __init__(self, initial_capacity: int = 1_024, max_samples: int = 1_000_000) -> None:
        if initial_capacity < 1:
            raise LatencyInputError(f"initial_capacity must be >= 1, got {initial_capacity}")
        if max_samples < initial_capacity:
            raise LatencyInputError(f"max_samples must be >= initial_capacity ({initial_capacity}), got {max_samples}")
        self.max_samples = int(max_samples)
        self._initial = int(initial_capacity)
        self.reset()

    def reset(self) -> None:
        """Forget every duration (the buffer goes back to ``initial_capacity``)."""
        self._buf = np.empty(self._initial, dtype=np.int64)
        self._n = 0          # durations ever recorded since the last reset
        self._held = 0       # durations in the buffer (<= max_samples)

    def record(self, duration_ns: int) -> None:
        """Add one duration, int ns >= 0 (amortised O(1), no allocation except when the buffer doubles).

        Raises:
            LatencyInputError: a negative duration.
        """
        if duration_ns < 0:
            raise LatencyInputError(f"duration_ns must be >= 0, got {duration_ns}")
        buf = self._buf
        if self._held < buf.shape[0]:
            buf[self._held] = duration_ns
            self._held += 1
        elif buf.shape[0] < self.max_samples:
            grown = np.empty(min(2 * buf.shape[0], self.max_samples), dtype=np.int64)
            grown[: self._held] = buf
            grown[self._held] = duration_ns
            self._buf = grown
            self._held += 1
        else:  # full ring: overwrite the oldest
            buf[self._n % self.max_samples] = duration_ns
        self._n += 1

    @contextmanager
    def measure(self) -> Iterator[None]:
        """Record the wall time of the ``with`` block (``time.perf_counter_ns``), even when it raises."""
        start = time.perf_counter_ns()
        try:
            yield
        finally:
            self.record(time.perf_counter_ns() - start)

    @property
    def count(self) -> int:
        """Durations recorded since construction or the last :meth:`reset` (including overwritten ones)."""
        return self._n

    @property
    def held(self) -> int:
        """Durations the percentiles are computed over (the last ``min(count, max_samples)``)."""
        return self._held

    def samples_ns(self) -> np.ndarray:
        """A copy of the durations held, int64 ns (ring order once full, which percentiles ignore)."""
        return self._buf[: self._held].copy()

    def percentile_us(self, q: float) -> float | None:
        """The ``q``-th percentile (0–100, linear interpolation) of the durations held, µs; None when empty.

        Raises:
            LatencyInputError: ``q`` outside [0, 100] or NaN.
        """
        qf = float(q)
        if math.isnan(qf) or not 0.0 <= qf <= 100.0:
            raise LatencyInputError(f"percentile q must be in [0, 100], got {q!r}")
        if self._held == 0:
            return None
        return float(np.percentile(self._buf[: self._held] / NANOS_PER_MICRO, qf))

    @property
    def p50_us(self) -> float | None:
        """Median duration, µs; None when empty."""
        return self.percentile_us(50.0)

    @property
    def p99_us(self) -> float | None:
        """99th percentile, µs; None when empty."""
        return self.percentile_us(99.0)

    def summary(self) -> LatencySummary:
        """Mean, p50, p90, p99 and max in µs of the durations held (the report's :class:`LatencySummary`)."""
        return summarise_ns(self._buf[: self._held])
