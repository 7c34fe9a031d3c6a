"""Order latencies of a run: order entry (sent → accepted by the venue) and first fill (sent → first fill).

Both are differences of event times on the run's clock, in ns: ``ts_accepted_ns - ts_sent_ns`` for the
orders the venue accepted, ``ts_first_fill_ns - ts_sent_ns`` for the orders that filled at all.

>>> from arbkit.report.model import OrderRow
>>> rows = [OrderRow(client_order_id=f"O{i}", script_id="s", instrument_id="X", side="buy", status="filled",
...                  ts_sent_ns=0, ts_accepted_ns=1_000 * i, ts_first_fill_ns=2_000 * i) for i in (1, 2, 3)]
>>> s = latency_stats(rows)
>>> (s.entry.n, s.entry.p50_us, s.fill.max_us)
(3, 2.0, 6.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from arbkit.report.model import OrderRow, ReportInputError
from arbkit.stats.result import StatsResult

NANOS_PER_MICRO = 1_000


class LatencySummary(StatsResult, frozen=True, kw_only=True):
    """Distribution of one latency over orders, in µs (NaN quantiles when ``n == 0``).

    Attributes:
        n: orders measured; mean_us, p50_us, p90_us, p99_us, max_us: mean, quantiles (linear
            interpolation) and maximum, in microseconds.
    """

    n: int
    mean_us: float
    p50_us: float
    p90_us: float
    p99_us: float
    max_us: float


class LatencyStats(StatsResult, frozen=True, kw_only=True):
    """Order-entry latency (sent → accepted at the venue) and fill latency (sent → first fill), µs."""

    entry: LatencySummary
    fill: LatencySummary


def latencies_ns(orders: Sequence[OrderRow]) -> tuple[np.ndarray, np.ndarray]:
    """``(entry_ns, fill_ns)``: int64 arrays of the order-entry and first-fill latencies, in order of ``orders``.

    Raises:
        ReportInputError: an order accepted or filled before it was sent.
    """
    entry: list[int] = []
    fill: list[int] = []
    for row in orders:
        for name, ts, out in (("accepted", row.ts_accepted_ns, entry), ("first fill", row.ts_first_fill_ns, fill)):
            if ts is None:
                continue
            if ts < row.ts_sent_ns:
                raise ReportInputError(f"order {row.client_order_id!r}: {name} at {ts} ns is before it was sent "
                                       f"at {row.ts_sent_ns} ns")
            out.append(ts - row.ts_sent_ns)
    return np.asarray(entry, dtype=np.int64), np.asarray(fill, dtype=np.int64)


def summarise_ns(values_ns: np.ndarray) -> LatencySummary:
    """:class:`LatencySummary` of latencies given in ns."""
    us = np.asarray(values_ns, dtype=np.float64) / NANOS_PER_MICRO
    if us.size == 0:
        nan = float("nan")
        return LatencySummary(n=0, mean_us=nan, p50_us=nan, p90_us=nan, p99_us=nan, max_us=nan)
    p50, p90, p99 = (float(q) for q in np.percentile(us, [50.0, 90.0, 99.0]))
    return LatencySummary(n=int(us.size), mean_us=float(us.mean()), p50_us=p50, p90_us=p90, p99_us=p99,
                          max_us=float(us.max()))


def latency_stats(orders: Sequence[OrderRow]) -> LatencyStats:
    """:class:`LatencyStats` of ``orders``."""
    entry, fill = latencies_ns(orders)
    return LatencyStats(entry=summarise_ns(entry), fill=summarise_ns(fill))
