"""Merge several recorded streams into one deterministic timeline.

Ordering clock: **local receive time** (``ts_recv``), the clock of the machine that recorded (or
receives) the data. All streams of the shipped Binance set were captured by one recorder, whose clock
ran about 1.27 s behind Binance's, so the offset is the same on every stream and cross-venue order is
preserved; ``ts_event`` (exchange time) is kept on every message for absolute alignment.

A message is placed at the time it became usable: its ``ts_recv``, except that diffs buffered before a
book snapshot become usable with the snapshot (a stream's order key is the running maximum of its
``ts_recv``). Ties are broken by the stream's position in the source list, then by file order, so the
timeline is the same on every run.

>>> from arbkit.adapters.binance.instruments import binance_registry
>>> from arbkit.data.sample import sample_path, SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC
>>> replay = Replay.from_binance_files([[sample_path(SAMPLE_SPOT_BTC)], [sample_path(SAMPLE_USDM_BTC)]], binance_registry())
>>> replay.clock
'ts_recv'
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from arbkit.adapters.binance.fast_ingest import ingest_fast, iter_messages
from arbkit.adapters.binance.reader import BinanceRecording, RecordedMessage, ReadStats
from arbkit.adapters.binance.sync import ChainPosition
from arbkit.core.instruments import InstrumentRegistry


class Stream:
    """One instrument's consecutive recorded files, read as one diff chain.

    A clean file is read by the compiled scanner (:func:`~arbkit.adapters.binance.fast_ingest.ingest_fast`),
    anything unusual by the validating reader; both yield the same messages.
    """

    def __init__(self, paths: Sequence[str | Path], instruments: InstrumentRegistry, errors: str = "raise") -> None:
        if not paths:
            raise ValueError("a stream needs at least one file")
        self.paths = [Path(p) for p in paths]
        self.instruments = instruments
        self.errors = errors
        self.stats: list[ReadStats] = []

    def __iter__(self) -> Iterator[RecordedMessage]:
        position: ChainPosition | None = None
        for path in self.paths:
            ingested = ingest_fast(path, self.instruments, resume_from=position)
            if ingested is not None:  # clean file: compiled scan, identical messages
                self.stats.append(ingested.stats)
                yield from iter_messages(ingested)
                position = ingested.end
                continue
            recording = BinanceRecording(path, self.instruments, resume_from=position, errors=self.errors)  # type: ignore[arg-type]
            self.stats.append(recording.stats)
            yield from recording
            position = recording.end_position()


def _keyed(stream: Iterable[RecordedMessage], index: int) -> Iterator[tuple[int, int, int, RecordedMessage]]:
    usable_at = 0
    for seq, message in enumerate(stream):
        if message.ts_recv > usable_at:
            usable_at = message.ts_recv
        yield usable_at, index, seq, message


class Replay:
    """A deterministic merge of streams ordered by local receive time (see module docs)."""

    clock = "ts_recv"
    """The timestamp the replay orders by."""

    def __init__(self, streams: Sequence[Stream]) -> None:
        self.streams = list(streams)

    @classmethod
    def from_binance_files(cls, groups: Sequence[Sequence[str | Path]], instruments: InstrumentRegistry,
                           errors: str = "raise") -> "Replay":
        """A replay of Binance files: each group is one instrument's files in chain order."""
        return cls([Stream(group, instruments, errors) for group in groups])

    def __iter__(self) -> Iterator[RecordedMessage]:
        merged = heapq.merge(*(_keyed(stream, i) for i, stream in enumerate(self.streams)))
        for _, _, _, message in merged:
            yield message

    def timed(self) -> Iterator[tuple[int, RecordedMessage]]:
        """Like iteration, but yields ``(replay time ns, message)`` where replay time never decreases."""
        merged = heapq.merge(*(_keyed(stream, i) for i, stream in enumerate(self.streams)))
        for usable_at, _, _, message in merged:
            yield usable_at, message

    def stats(self) -> list[ReadStats]:
        """Per-file read statistics (complete once iteration has finished)."""
        return [s for stream in self.streams for s in stream.stats]
