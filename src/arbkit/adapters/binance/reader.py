"""Read recorded Binance collector files (``<local_ns> <json>`` lines, gzip or plain) into arbkit messages.

>>> from arbkit.adapters.binance.instruments import binance_registry
>>> from arbkit.data.sample import sample_path
>>> recording = BinanceRecording(sample_path("binance_spot_btcusdt_20240808.gz"), binance_registry())
>>> from arbkit.core.messages import BookUpdate
>>> snapshot = next(m for m in recording if isinstance(m, BookUpdate))  # the REST snapshot comes first
>>> snapshot.is_snapshot, snapshot.instrument_id, len(snapshot.bids)
(True, 'BTCUSDT.BINANCE_SPOT', 1000)
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import msgspec

from arbkit.adapters.binance.instruments import MARKET_OF_FILE_PREFIX, SPOT
from arbkit.adapters.binance.parse import RawLine, split_line
from arbkit.adapters.binance.sync import ChainPosition, DiffChain
from arbkit.adapters.binance.wire import MAX_BUFFERED_DIFFS, RecordedMessage, WireDecoder
from arbkit.core.errors import MalformedMessageError, MissingSnapshotError
from arbkit.core.instruments import Instrument, InstrumentRegistry

_FILE_NAME = re.compile(r"^binance_(?P<market>spot|usdm|coinm)_(?P<symbol>[a-z0-9_]+?)_(?P<day>\d{8})\.gz$")

SNAPSHOT_LOOKAHEAD_LINES = 5_000
"""A file read without a predecessor must show its REST snapshot within this many lines."""



class ReadStats(msgspec.Struct, kw_only=True):
    """What one file held and what the reader did with it."""

    source: str
    lines: int = 0
    snapshots: int = 0
    diffs: int = 0
    diffs_applied: int = 0
    diffs_dropped_stale: int = 0
    diffs_skipped_out_of_sync: int = 0
    bbo: int = 0
    trades: int = 0
    gaps: int = 0
    recv_time_regressions: int = 0
    rejected_lines: list[str] = msgspec.field(default_factory=list)
    first_ts_recv: int = 0
    last_ts_recv: int = 0


def predecessor_name(path: Path) -> str | None:
    """Name of the file a ``binance_<market>_<symbol>_<YYYYMMDD>.gz`` file continues (the day before)."""
    match = _FILE_NAME.match(path.name)
    if not match:
        return None
    day = date(int(match["day"][:4]), int(match["day"][4:6]), int(match["day"][6:]))
    previous = (day - timedelta(days=1)).strftime("%Y%m%d")
    return f"binance_{match['market']}_{match['symbol']}_{previous}.gz"


def _open(path: Path):  # type: ignore[no-untyped-def]
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def recorded_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line) of a gzip or plain file; a corrupt or truncated file raises
    :class:`MalformedMessageError` naming the last line read, never a bare decompression error."""
    line_no = 0
    try:
        with _open(path) as handle:
            for line_no, line in enumerate(handle, start=1):
                yield line_no, line
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise MalformedMessageError(path.name, line_no + 1, f"file is truncated or corrupt after line {line_no}: {exc}") from None


class BinanceRecording:
    """One recorded file: iterate it to get normalised messages in file order, chain rules applied.

    Diffs that arrive before the REST snapshot are buffered and emitted right after it (those that
    the snapshot already covers are dropped and counted). A broken update-id chain yields a
    :class:`BookGap` naming the file and line; diffs after it are skipped and counted until a snapshot.

    Args:
        path: the recorded file (``.gz`` or plain text).
        instruments: registry to resolve the file's instrument.
        venue: venue code; inferred from a ``binance_<market>_...`` file name when omitted.
        resume_from: the chain position at the end of this file's predecessor (for ``*_20240809``
            files, which carry no snapshot). Without it such a file raises :class:`MissingSnapshotError`.
        errors: ``"raise"`` stops at the first malformed line with :class:`MalformedMessageError`;
            ``"record"`` skips the line and records the error in :attr:`stats` (never silently).
    """

    def __init__(self, path: str | Path, instruments: InstrumentRegistry, *, venue: str | None = None,
                 resume_from: ChainPosition | None = None, errors: Literal["raise", "record"] = "raise") -> None:
        self.path = Path(path)
        self.instruments = instruments
        self.venue = venue or self._venue_from_name()
        self.resume_from = resume_from
        self.errors = errors
        self.stats = ReadStats(source=self.path.name)
        self.instrument: Instrument | None = None
        self.chain: DiffChain | None = None
        self._decoder: WireDecoder | None = None

    def _venue_from_name(self) -> str:
        match = _FILE_NAME.match(self.path.name)
        if not match:
            raise MalformedMessageError(self.path.name, 0, "cannot infer the venue from the file name "
                                        "(expected binance_<spot|usdm|coinm>_<symbol>_<YYYYMMDD>.gz); pass venue=")
        return MARKET_OF_FILE_PREFIX[match["market"]]

    @property
    def futures(self) -> bool:
        """True for USDⓈ-M and COIN-M files (the ``pu`` chain rule)."""
        return self.venue != SPOT

    def end_position(self) -> ChainPosition | None:
        """Where the diff chain stood at the end of the file (after iteration), for a continuation file."""
        return self.chain.position(self.path.name) if self.chain else None

    # -- iteration ------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[RecordedMessage]:
        if self.resume_from is None:
            self._require_snapshot()
        source = self.path.name
        stats = self.stats
        lines = recorded_lines(self.path)
        while True:
            try:
                line_no, line = next(lines)
            except StopIteration:
                break
            except MalformedMessageError as exc:  # truncated or corrupt file: nothing more can be read
                if self.errors == "raise":
                    raise
                stats.rejected_lines.append(str(exc))
                break
            stats.lines += 1
            if not line.strip():
                continue
            try:
                raw = split_line(line, source, line_no)
                messages = self._handle(raw, source, line_no)
            except MalformedMessageError as exc:
                if self.errors == "raise":
                    raise
                stats.rejected_lines.append(str(exc))
                continue
            if raw.ts_recv < stats.last_ts_recv:
                stats.recv_time_regressions += 1
            else:
                stats.last_ts_recv = raw.ts_recv
            if not stats.first_ts_recv:
                stats.first_ts_recv = raw.ts_recv
            yield from messages
        chain = self.chain
        if chain is not None:
            if chain.buffered:
                raise MissingSnapshotError(self._missing_snapshot_text(f"{len(chain.buffered)} diffs were buffered"))
            stats.diffs_applied = chain.applied
            stats.diffs_dropped_stale = chain.dropped_stale
            stats.diffs_skipped_out_of_sync = chain.skipped_out_of_sync
            stats.gaps = len(chain.gaps)

    def _handle(self, raw: RawLine, source: str, line_no: int) -> list[RecordedMessage]:
        kind = raw.kind
        symbol = (raw.data.get("symbol") or self._only_symbol(source, line_no)) if kind == "snapshot" else raw.symbol
        decoder = self._decoder_for(self._instrument_for(symbol, source, line_no))
        messages = decoder.decode_raw(raw, line_no)
        if kind == "snapshot":
            self.stats.snapshots += 1
        elif kind.startswith("depth"):
            self.stats.diffs += 1
            if len(decoder.chain.buffered) > MAX_BUFFERED_DIFFS:
                raise MissingSnapshotError(self._missing_snapshot_text(f"over {MAX_BUFFERED_DIFFS} diffs buffered"))
        elif kind == "bookTicker":
            self.stats.bbo += 1
        else:
            self.stats.trades += 1
        return messages

    def _only_symbol(self, source: str, line_no: int) -> str:
        if self.instrument is None:
            match = _FILE_NAME.match(self.path.name)
            if match:
                return match["symbol"].upper()
            raise MalformedMessageError(source, line_no, "snapshot line names no symbol and none was seen before it")
        return self.instrument.symbol

    def _instrument_for(self, symbol: str, source: str, line_no: int) -> Instrument:
        if self.instrument is not None:
            if symbol != self.instrument.symbol:
                raise MalformedMessageError(source, line_no, f"symbol {symbol!r} in a file of {self.instrument.symbol}: "
                                            "one recorded file holds one instrument")
            return self.instrument
        named = _FILE_NAME.match(self.path.name)
        if named and named["symbol"].upper() != symbol:
            raise MalformedMessageError(source, line_no, f"the file name says {named['symbol'].upper()} but the data "
                                        f"is {symbol}: a file for the wrong instrument")
        instrument_id = f"{symbol}.{self.venue}"
        if instrument_id not in self.instruments:
            raise MalformedMessageError(source, line_no, f"unknown instrument {instrument_id!r}; add it to the registry")
        self.instrument = self.instruments.get(instrument_id)
        if self.resume_from is not None and self.resume_from.instrument_id != instrument_id:
            raise MissingSnapshotError(f"{source}: holds {instrument_id} but the chain to resume is "
                                       f"{self.resume_from.instrument_id} from {self.resume_from.source}")
        return self.instrument

    def _decoder_for(self, instrument: Instrument) -> WireDecoder:
        if self._decoder is None:
            self._decoder = WireDecoder(instrument, source=self.path.name, resume_from=self.resume_from)
            self.chain = self._decoder.chain
        return self._decoder

    def _require_snapshot(self) -> None:
        for line_no, line in recorded_lines(self.path):
            if b'"lastUpdateId"' in line[:200]:
                return
            if line_no > SNAPSHOT_LOOKAHEAD_LINES:
                break
        raise MissingSnapshotError(self._missing_snapshot_text(f"no REST snapshot in its first {SNAPSHOT_LOOKAHEAD_LINES} lines"))

    def _missing_snapshot_text(self, what: str) -> str:
        previous = predecessor_name(self.path)
        hint = (f"it continues {previous}: read that file first, e.g. read_recordings([{previous!r}, {self.path.name!r}])"
                if previous else "give it the chain position of the file it continues (resume_from=)")
        return f"{self.path.name}: {what} and no predecessor chain was given; {hint}"


def read_recordings(paths: Sequence[str | Path], instruments: InstrumentRegistry, *,
                    errors: Literal["raise", "record"] = "raise") -> Iterator[RecordedMessage]:
    """Read consecutive files of one instrument as one chain (``*_20240808`` then ``*_20240809``)."""
    position: ChainPosition | None = None
    for path in paths:
        recording = BinanceRecording(path, instruments, resume_from=position, errors=errors)
        yield from recording
        position = recording.end_position()
