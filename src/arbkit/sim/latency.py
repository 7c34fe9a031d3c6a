"""Latency models of the simulated venue: how long a message takes between us and the venue.

The venue uses two, one per direction (see :class:`arbkit.sim.venue.SimulatedVenue`):

- **order entry** (us → venue): an order or cancel sent at ``now_ns`` acts at the venue ``latency_ns(now_ns)``
  later;
- **response** (venue → us): an acknowledgement, fill, cancel or reject that happens at venue time ``t``
  reaches the order path ``latency_ns(t)`` later.

A model is any object with ``latency_ns(now_ns) -> int`` (ns, >= 0); an object with only the older
``order_latency_ns(now_ns)`` is accepted too. A model that also has ``observe(ts_ns)`` is told the
receive time of every market-data message the venue hears of (:class:`ActivityLatency` uses it).

Three models ship:

>>> ConstantLatency(2_000_000).latency_ns(now_ns=0)
2000000
>>> a, b = EmpiricalLatency([1_000, 2_000, 3_000], seed=7), EmpiricalLatency([1_000, 2_000, 3_000], seed=7)
>>> [a.latency_ns(0) for _ in range(5)] == [b.latency_ns(0) for _ in range(5)]
True
>>> busy = ActivityLatency(base_ns=1_000_000, ns_per_message=10_000, window_ns=1_000_000_000)
>>> for ts in range(0, 50_000_000, 1_000_000):  # 50 messages in 50 ms
...     busy.observe(ts)
>>> busy.latency_ns(now_ns=50_000_000)  # 1 ms + 50 × 10 µs
1500000

:func:`arbkit.sim.latency_samples.recorded_latencies_ns` extracts empirical samples from recorded data.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import numpy as np

from arbkit.core.errors import ConfigError


@runtime_checkable
class LatencyModel(Protocol):
    """One-way latency, in ns, of a message sent at ``now_ns``."""

    def latency_ns(self, now_ns: int) -> int:
        """Latency in ns (an int >= 0) of a message sent at ``now_ns`` (ns since the epoch)."""
        ...


def check_latency_value(value: object, what: str) -> int:
    """``value`` as an int >= 0 (ns); a bool, float, negative or other value raises ConfigError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ConfigError(f"{what} {value!r} is not a latency: need an int >= 0 ns")
    return int(value)


def sample_latency_ns(model: object, now_ns: int) -> int:
    """Ask ``model`` for the latency of a message sent at ``now_ns``; a bad answer raises ConfigError.

    Uses ``model.latency_ns`` or, for an older model, ``model.order_latency_ns``. The error names the
    model, the value it returned and the time.
    """
    method = getattr(model, "latency_ns", None) or getattr(model, "order_latency_ns", None)
    if method is None:
        raise ConfigError(f"latency model {model!r} has no latency_ns(now_ns) method")
    value = method(now_ns)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ConfigError(f"latency model {model!r} returned {value!r} ns at {now_ns}; need int >= 0")
    return int(value)


def require_latency_model(model: object, what: str) -> None:
    """Raise ConfigError naming ``model`` unless it has ``latency_ns`` (or the older ``order_latency_ns``)."""
    if not (hasattr(model, "latency_ns") or hasattr(model, "order_latency_ns")):
        raise ConfigError(f"{what} {model!r} is not a latency model: it has no latency_ns(now_ns) method")


def observe_activity(model: object, ts_ns: int) -> None:
    """Tell ``model`` a market-data message arrived at ``ts_ns`` (ns), if it listens (has ``observe``)."""
    observe = getattr(model, "observe", None)
    if observe is not None:
        observe(ts_ns)


class ConstantLatency:
    """The same latency for every message.

    Args:
        ns: one-way latency in ns, an int >= 0.
    """

    def __init__(self, ns: int) -> None:
        self.ns = check_latency_value(ns, "latency")

    def latency_ns(self, now_ns: int) -> int:
        """Return the constant latency in ns."""
        return self.ns

    order_latency_ns = latency_ns  # the name older callers use

    def __repr__(self) -> str:
        return f"ConstantLatency(ns={self.ns})"


class EmpiricalLatency:
    """Latency drawn at random (with replacement) from measured samples, reproducibly from ``seed``.

    Build it from recorded ``ts_recv - ts_event`` differences with
    :func:`arbkit.sim.latency_samples.recorded_latencies_ns` (clock offset removed), or from measured
    round trips halved.

    Args:
        samples_ns: latencies in ns, each an int >= 0; at least one.
        seed: seed of the model's own random generator (numpy PCG64): the same seed and the same
            sequence of calls give the same latencies.
    """

    def __init__(self, samples_ns: Iterable[int] | np.ndarray, seed: int = 0) -> None:
        if isinstance(samples_ns, np.ndarray):
            if samples_ns.dtype.kind not in "iu":
                raise ConfigError(f"empirical latency samples of dtype {samples_ns.dtype} are not latencies: "
                                  "need ints >= 0 ns")
            values = samples_ns.astype(np.int64)
        else:
            values = np.asarray([check_latency_value(v, "empirical latency sample") for v in samples_ns],
                                dtype=np.int64)
        if values.size == 0:
            raise ConfigError("empirical latency needs at least one sample, got none")
        if values.min() < 0:
            raise ConfigError(f"empirical latency sample {int(values.min())} is not a latency: need an int >= 0 ns "
                              "(remove the clock offset first: recorded_latencies_ns does)")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"empirical latency seed {seed!r} must be an int")
        self.samples_ns = values.astype(np.int64)
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    def latency_ns(self, now_ns: int) -> int:
        """One latency in ns, drawn uniformly from the samples."""
        return int(self.samples_ns[self._rng.integers(self.samples_ns.size)])

    order_latency_ns = latency_ns

    def __repr__(self) -> str:
        return (f"EmpiricalLatency({self.samples_ns.size} samples, median {int(np.median(self.samples_ns))} ns, "
                f"seed={self.seed})")


class ActivityLatency:
    """Latency that grows with market activity: ``base_ns + ns_per_message × messages in the last window``.

    Busy markets slow gateways and matching engines down; this is the simplest model of it. The venue
    calls :meth:`observe` with the receive time of every market-data message (book update or trade)
    it hears of.

    Args:
        base_ns: latency in ns of a quiet market, int >= 0.
        ns_per_message: ns added per market-data message seen in the trailing window, int >= 0.
        window_ns: length of the trailing window in ns, int > 0 (1 s: the count is the message rate per s).
        max_ns: cap in ns (int >= base_ns), or None for no cap.
    """

    def __init__(self, base_ns: int, ns_per_message: int, window_ns: int = 1_000_000_000,
                 max_ns: int | None = None) -> None:
        self.base_ns = check_latency_value(base_ns, "activity latency base_ns")
        self.ns_per_message = check_latency_value(ns_per_message, "activity latency ns_per_message")
        self.window_ns = check_latency_value(window_ns, "activity latency window_ns")
        if self.window_ns == 0:
            raise ConfigError("activity latency window_ns 0 must be > 0 ns")
        self.max_ns = None if max_ns is None else check_latency_value(max_ns, "activity latency max_ns")
        if self.max_ns is not None and self.max_ns < self.base_ns:
            raise ConfigError(f"activity latency max_ns {self.max_ns} is below base_ns {self.base_ns}")
        self._seen: deque[int] = deque()

    def observe(self, ts_ns: int) -> None:
        """A market-data message arrived at ``ts_ns`` (ns)."""
        self._seen.append(ts_ns)

    def recent_messages(self, now_ns: int) -> int:
        """Messages observed after ``now_ns - window_ns`` (ns); older ones are forgotten (times only grow)."""
        seen, start = self._seen, now_ns - self.window_ns
        while seen and seen[0] <= start:
            seen.popleft()
        return len(seen)

    def latency_ns(self, now_ns: int) -> int:
        """``base_ns + ns_per_message × recent_messages(now_ns)``, capped at ``max_ns``."""
        value = self.base_ns + self.ns_per_message * self.recent_messages(now_ns)
        return value if self.max_ns is None else min(value, self.max_ns)

    order_latency_ns = latency_ns

    def __repr__(self) -> str:
        return (f"ActivityLatency(base_ns={self.base_ns}, ns_per_message={self.ns_per_message}, "
                f"window_ns={self.window_ns}, max_ns={self.max_ns})")
