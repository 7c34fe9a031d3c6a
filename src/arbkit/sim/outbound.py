"""The venue → us direction: venue events wait here until the response latency has passed.

An event that happens at venue time ``t`` (ns) is delivered at ``t + latency``, in the order the venue
produced it: like requests, responses travel over one connection, so an event is never delivered
before one produced earlier (delivery = max(t + latency, previous delivery)). With zero latency
every event is due at once.

>>> from arbkit.sim.events import OrderAccepted
>>> from arbkit.sim.latency import ConstantLatency
>>> out = Outbound(ConstantLatency(500))
>>> out.push([OrderAccepted(client_order_id="c1", ts_ns=1_000)], venue_ts_ns=1_000)
>>> out.next_delivery_ns(), out.pop_due(1_499), len(out.pop_due(1_500))
(1500, [], 1)
"""

from __future__ import annotations

from collections import deque

from arbkit.sim.events import VenueEvent
from arbkit.sim.latency import sample_latency_ns


class Outbound:
    """FIFO of venue events with their delivery times (ns).

    Args:
        latency: response latency model (venue → us), sampled once per event at the event's venue time.
    """

    def __init__(self, latency: object) -> None:
        self.latency = latency
        self._queue: deque[tuple[int, VenueEvent]] = deque()
        self._last_delivery_ns: int | None = None

    def push(self, events: list[VenueEvent], venue_ts_ns: int) -> None:
        """Queue ``events``, which happened at ``venue_ts_ns`` (ns), for delivery after the response latency."""
        for event in events:
            delivery = venue_ts_ns + sample_latency_ns(self.latency, venue_ts_ns)
            if self._last_delivery_ns is not None and delivery < self._last_delivery_ns:
                delivery = self._last_delivery_ns
            self._last_delivery_ns = delivery
            self._queue.append((delivery, event))

    def pop_due(self, now_ns: int) -> list[VenueEvent]:
        """Every queued event due at or before ``now_ns`` (ns), in production order."""
        due: list[VenueEvent] = []
        queue = self._queue
        while queue and queue[0][0] <= now_ns:
            due.append(queue.popleft()[1])
        return due

    def next_delivery_ns(self) -> int | None:
        """Delivery time (ns) of the oldest queued event, or None when nothing waits."""
        return self._queue[0][0] if self._queue else None

    def __len__(self) -> int:
        return len(self._queue)
