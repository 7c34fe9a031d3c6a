"""A post-trade control that checks on a fixed interval of the engine clock, and after fills."""

from __future__ import annotations

from typing import Generic, TypeVar

from arbkit.core.messages import Fill

_R = TypeVar("_R")


class IntervalCheck(Generic[_R]):
    """Calls :meth:`check` when ``interval_ns`` of the engine clock has passed since the last check.

    Subclasses implement :meth:`check` (which must call :meth:`_schedule`) and choose what a fill does.
    """

    def __init__(self) -> None:
        self._next_check_ns: int | None = None
        self.checks = 0

    @property
    def next_check_ns(self) -> int | None:
        """When the next interval check is due (engine clock, int ns); None before the first check, so the
        order path calls :meth:`on_time` on every clock move until then."""
        return self._next_check_ns

    def on_time(self, now_ns: int) -> list[_R]:
        """Check if the interval has passed since the last check (int ns of the engine clock)."""
        if self._next_check_ns is not None and now_ns < self._next_check_ns:
            return []
        return self.check(now_ns)

    def on_fill(self, fill: Fill, now_ns: int) -> list[_R]:
        """A fill was applied; by default checked on the interval like any other moment."""
        return self.on_time(now_ns)

    def check(self, now_ns: int) -> list[_R]:
        """Run the check now."""
        raise NotImplementedError

    def _schedule(self, now_ns: int, interval_ns: int) -> None:
        """Record a check at ``now_ns``; the next one is due ``interval_ns`` later."""
        self._next_check_ns = now_ns + interval_ns
        self.checks += 1
