"""A feed that plays recorded Binance files back as wire messages, at recorded pace, faster, or flat out.

The recorded files hold the wire JSON each message arrived with and its local receive time
(``<local_ns> <json>`` lines). :class:`ReplayFeed` delivers those messages, merged across streams in
the order they arrived (each stream's running-maximum receive time, ties by stream position then file
order -- the order :class:`arbkit.data.replay.Replay` uses), to an asyncio consumer through a bounded
queue: a producer task reads and paces, the consumer decodes and trades. ``speed`` 1.0 keeps the
recorded gaps between messages, 10.0 plays ten times faster, 0 plays as fast as the consumer takes them.

>>> import asyncio
>>> from arbkit.data.sample import SAMPLE_USDM_BTC, sample_path
>>> async def first_three():
...     return [m async for m in ReplayFeed([[sample_path(SAMPLE_USDM_BTC)]], limit=3)]
>>> [m.payload.split(b'"')[3] for m in asyncio.run(first_three())]
[b'btcusdt@depth@0ms', b'btcusdt@bookTicker', b'btcusdt@trade']
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import msgspec

from arbkit.adapters.binance.parse import split_timestamp
from arbkit.adapters.binance.reader import recorded_lines
from arbkit.core.errors import ConfigError

QUEUE_DEPTH = 4_096
"""Messages the producer may run ahead of the consumer."""


class WireMessage(msgspec.Struct, frozen=True, array_like=True):
    """One message as it came off the wire: its stream's position, local receive time (int ns) and raw JSON."""

    stream: int
    ts_recv: int
    payload: bytes


def _stream_lines(index: int, paths: Sequence[Path]) -> Iterator[tuple[int, int, int, WireMessage]]:
    """``(arrival key, stream, seq, message)`` of one stream's files in chain order; key = running max ts."""
    arrival = 0
    seq = 0
    for path in paths:
        for line_no, line in recorded_lines(path):
            if not line.strip():
                continue
            ts_recv, payload = split_timestamp(line, path.name, line_no)
            arrival = max(arrival, ts_recv)
            seq += 1
            yield arrival, index, seq, WireMessage(index, ts_recv, payload.rstrip(b"\r\n"))


class ReplayFeed:
    """Recorded streams as an async iterator of :class:`WireMessage` (see module docs).

    Args:
        groups: one list of files per stream, each in chain order (a day's file, then the next day's).
        speed: 1.0 = recorded pace, k = k times faster, 0 = no pacing.
        limit: stop after this many messages (None: all).
    """

    def __init__(self, groups: Sequence[Sequence[str | Path]], *, speed: float = 0.0, limit: int | None = None) -> None:
        if not groups or any(not group for group in groups):
            raise ConfigError(f"a replay feed needs at least one file per stream, got {groups!r}")
        if not speed >= 0.0:
            raise ConfigError(f"replay speed {speed} must be >= 0 (0 = as fast as possible)")
        self.groups = [[Path(p) for p in group] for group in groups]
        self.speed = speed
        self.limit = limit
        self.delivered = 0

    def arrivals(self) -> Iterator[WireMessage]:
        """Every message in arrival order, unpaced (what the producer paces)."""
        merged = heapq.merge(*(_stream_lines(i, group) for i, group in enumerate(self.groups)))
        for n, (_, _, _, message) in enumerate(merged):
            if self.limit is not None and n >= self.limit:
                return
            yield message

    async def _produce(self, queue: asyncio.Queue[WireMessage | None]) -> None:
        started = time.monotonic_ns()
        first: int | None = None
        try:
            for message in self.arrivals():
                if self.speed > 0.0:
                    first = message.ts_recv if first is None else first
                    due = started + (message.ts_recv - first) / self.speed
                    wait = (due - time.monotonic_ns()) / 1e9
                    if wait > 0:
                        await asyncio.sleep(wait)
                await queue.put(message)
        finally:
            await queue.put(None)

    async def __aiter__(self) -> AsyncIterator[WireMessage]:
        queue: asyncio.Queue[WireMessage | None] = asyncio.Queue(QUEUE_DEPTH)
        producer = asyncio.create_task(self._produce(queue))
        try:
            while True:
                message = await queue.get()
                if message is None:
                    break
                self.delivered += 1
                yield message
            await producer  # surfaces a read error of the producer
        finally:
            if not producer.done():
                producer.cancel()
