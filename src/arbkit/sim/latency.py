"""Latency models of the simulated venue: how long an order or cancel takes to reach it.

A model is any object with ``order_latency_ns(now_ns) -> int``; swap in a model fitted to measured
round trips without touching the venue.

>>> ConstantLatency(2_000_000).order_latency_ns(now_ns=0)
2000000
"""

from __future__ import annotations

from typing import Protocol

from arbkit.core.errors import ConfigError


class LatencyModel(Protocol):
    """One-way latency from our side to the venue, in ns, for a request sent at ``now_ns``."""

    def order_latency_ns(self, now_ns: int) -> int:
        """Latency in ns (>= 0) of an order or cancel sent at ``now_ns`` (ns since the epoch)."""
        ...


class ConstantLatency:
    """The same latency for every request.

    Args:
        ns: one-way latency in ns, >= 0.
    """

    def __init__(self, ns: int) -> None:
        if not isinstance(ns, int) or ns < 0:
            raise ConfigError(f"latency must be an int >= 0 ns, got {ns!r}")
        self.ns = ns

    def order_latency_ns(self, now_ns: int) -> int:
        """Return the constant latency in ns."""
        return self.ns

    def __repr__(self) -> str:
        return f"ConstantLatency(ns={self.ns})"
