"""Clocks. Every timestamp in arbkit is an ``int`` of nanoseconds since the Unix epoch (UTC).

Components never read the wall clock themselves: they are handed a :class:`Clock`. Backtests and
tests use :class:`SimulatedClock`, whose time moves only when the replay moves it; paper and live
trading use :class:`LiveClock`.

>>> clock = SimulatedClock(start_ns=1_000)
>>> clock.advance_to(2_500)
>>> clock.now_ns()
2500
"""

from __future__ import annotations

import time
from typing import Protocol

from arbkit.core.errors import ClockError

NANOS_PER_MICRO = 1_000
NANOS_PER_MILLI = 1_000_000
NANOS_PER_SECOND = 1_000_000_000


class Clock(Protocol):
    """Source of the current time in int nanoseconds since the Unix epoch (UTC)."""

    def now_ns(self) -> int:
        """Return the current time in ns."""
        ...


class SimulatedClock:
    """A clock that only moves when told to, and never backwards.

    Args:
        start_ns: initial time in ns since the epoch.
    """

    def __init__(self, start_ns: int = 0) -> None:
        if not isinstance(start_ns, int):
            raise ClockError(f"start_ns must be int nanoseconds, got {type(start_ns).__name__} {start_ns!r}")
        self._now_ns = start_ns

    def now_ns(self) -> int:
        """Return the simulated time in ns."""
        return self._now_ns

    def advance_to(self, ts_ns: int) -> None:
        """Move the clock to ``ts_ns``; raises :class:`ClockError` if that is in the past."""
        if ts_ns < self._now_ns:
            raise ClockError(f"clock cannot move backwards: now {self._now_ns} ns, asked for {ts_ns} ns")
        self._now_ns = ts_ns


class LiveClock:
    """The machine's real-time clock (``time.time_ns``)."""

    def now_ns(self) -> int:
        """Return the wall-clock time in ns since the epoch."""
        return time.time_ns()


def ms_to_ns(ms: int) -> int:
    """Convert integer milliseconds to integer nanoseconds."""
    return ms * NANOS_PER_MILLI
