"""Sliding-window event counts for the flow controls (messages, fills).

An event at ``t`` counts at ``now`` while ``now - window_ns < t <= now``: it drops out exactly
``window_ns`` after it happened.

>>> w = SlidingWindowCount(window_ns=1_000)
>>> for t in (0, 400, 999):
...     w.add(t)
>>> w.count(999), w.count(1_000), w.count(1_400)
(3, 2, 1)
"""

from __future__ import annotations

from collections import deque

from arbkit.risk.errors import RiskError


class SlidingWindowCount:
    """Count of events in the last ``window_ns`` ns; times must be added in non-decreasing order.

    Args:
        window_ns: window length in ns (> 0).
    """

    __slots__ = ("_times", "window_ns")

    def __init__(self, window_ns: int) -> None:
        if isinstance(window_ns, bool) or not isinstance(window_ns, int) or window_ns <= 0:
            raise RiskError(f"window_ns must be an int > 0, got {window_ns!r}")
        self.window_ns = window_ns
        self._times: deque[int] = deque()

    def add(self, ts_ns: int) -> None:
        """Record one event at ``ts_ns`` (int ns, not earlier than the last one added)."""
        if self._times and ts_ns < self._times[-1]:
            raise RiskError(f"event at {ts_ns} ns is earlier than the last one at {self._times[-1]} ns; "
                            "the gate clock must not go backwards")
        self._times.append(ts_ns)

    def count(self, now_ns: int) -> int:
        """Events with ``now_ns - window_ns < t <= now_ns``; forgets those that can no longer count."""
        times = self._times
        if not times:
            return 0
        horizon = now_ns - self.window_ns
        while times and times[0] <= horizon:
            times.popleft()
        return sum(1 for t in times if t <= now_ns) if times and times[-1] > now_ns else len(times)

    def clear(self) -> None:
        """Forget every event."""
        self._times.clear()
