"""Empirical latency samples from recorded market data: ``ts_recv - ts_event`` of every message.

Each recorded message carries the venue's stamp (``ts_event``, ms resolution on Binance) and the
recorder's receive stamp (``ts_recv``). Their difference is the feed's one-way latency *plus the offset
between the two clocks*, which are not synchronised: on the shipped sample the recorder's clock runs
about 1.27 s behind Binance's, so every raw difference is negative. The offset is removed by taking the
smallest difference as zero latency (the fastest message), so what remains is the latency above the
best case: its spread and tail, in ns. Pass ``clock_offset_ns`` when the offset is known.

Messages whose ``ts_event`` is the receive time (Binance spot ``bookTicker`` and REST snapshots carry no
exchange time) and gaps (no ``ts_event``) tell nothing and are skipped.

>>> from arbkit.core.messages import Trade
>>> from arbkit.core.enums import Side
>>> lags = [3_000, 500, 9_000]  # ns above a clock offset of -1.27 s
>>> msgs = [Trade(instrument_id="X", ts_event=1_000_000 * k, ts_recv=1_000_000 * k - 1_270_000_000 + lag,
...               price_ticks=1, size_lots=1, aggressor=Side.BUY, trade_id=k) for k, lag in enumerate(lags)]
>>> recorded_latencies_ns(msgs).tolist()
[2500, 0, 8500]
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from arbkit.core.errors import ConfigError
from arbkit.core.instruments import InstrumentRegistry


def raw_differences_ns(messages: Iterable[object]) -> np.ndarray:
    """``ts_recv - ts_event`` (ns, int64) of every message that has a distinct exchange stamp, in order.

    ``messages`` may also be a replay's ``(replay ts, message)`` pairs (``Replay.timed()``).
    """
    diffs = []
    for item in messages:
        message = item[1] if isinstance(item, tuple) and len(item) == 2 else item
        ts_event = getattr(message, "ts_event", None)
        ts_recv = getattr(message, "ts_recv", None)
        if ts_event is None or ts_recv is None or ts_event == ts_recv:
            continue
        diffs.append(ts_recv - ts_event)
    return np.asarray(diffs, dtype=np.int64)


def recorded_latencies_ns(messages: Iterable[object], clock_offset_ns: int | None = None) -> np.ndarray:
    """Latency samples in ns (int64, >= 0) from recorded messages, clock offset removed.

    Args:
        messages: recorded messages (``BookUpdate``, ``Trade``, ``BestBidOffer``; others are skipped), or a
            replay's ``(replay ts, message)`` pairs.
        clock_offset_ns: ``ts_recv - ts_event`` of a zero-latency message (recorder clock minus venue
            clock, ns); None takes the smallest observed difference.

    Raises ConfigError when no message has an exchange stamp, or when ``clock_offset_ns`` is larger
    than some difference (a negative latency).
    """
    diffs = raw_differences_ns(messages)
    if diffs.size == 0:
        raise ConfigError("no recorded message carries an exchange time (ts_event != ts_recv): "
                          "cannot measure latency")
    offset = int(diffs.min()) if clock_offset_ns is None else clock_offset_ns
    latencies = diffs - offset
    if latencies.min() < 0:
        raise ConfigError(f"clock_offset_ns {clock_offset_ns} is larger than the smallest recorded difference "
                          f"{int(diffs.min())} ns: latencies would be negative")
    return latencies


def recording_latencies_ns(path: str | Path, instruments: InstrumentRegistry,
                           clock_offset_ns: int | None = None) -> np.ndarray:
    """Latency samples (ns) of every message of a recorded Binance file (see :func:`recorded_latencies_ns`)."""
    from arbkit.adapters.binance.reader import BinanceRecording  # the sim layer reads files only on request

    return recorded_latencies_ns(BinanceRecording(path, instruments), clock_offset_ns)
