"""Decode one Binance stream's wire messages, as they arrive, into arbkit messages with the diff-chain rules.

The recorded files and a live connection carry the same JSON: combined-stream envelopes
(``{"stream": "btcusdt@depth@0ms", "data": {...}}``) and REST depth snapshots. A
:class:`WireDecoder` turns each one into normalised messages (book updates, trades, book tickers, gaps)
exactly as the file reader does -- the reader decodes every line through one -- so a feed delivered
message by message over a socket or a queue and a recorded file read in one go give identical messages.

>>> from arbkit.adapters.binance.instruments import binance_registry
>>> decoder = WireDecoder(binance_registry().get("BTCUSDT.BINANCE_USDM"), source="wss")
>>> decoder.decode(1_723_161_255_030_314_667, b'{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256299,'
...                b'"T":1723161256298,"s":"BTCUSDT","t":1,"p":"61650.10","q":"0.002","m":true}}')
[Trade(instrument_id='BTCUSDT.BINANCE_USDM', ts_event=1723161256298000000, ts_recv=1723161255030314667, price_ticks=616501, size_lots=2, aggressor=<Side.SELL: -1>, trade_id=1)]
"""

from __future__ import annotations

from arbkit.adapters.binance.instruments import SPOT
from arbkit.adapters.binance.parse import RawLine, decode_payload, parse_book_ticker, parse_depth, parse_snapshot, parse_trade
from arbkit.adapters.binance.sync import ChainPosition, DiffChain
from arbkit.core.errors import MalformedMessageError, MissingSnapshotError
from arbkit.core.instruments import Instrument
from arbkit.core.messages import BestBidOffer, BookGap, BookUpdate, Trade

RecordedMessage = BookUpdate | Trade | BestBidOffer | BookGap

MAX_BUFFERED_DIFFS = 50_000
"""Diffs buffered while waiting for a snapshot before the decoder gives up with MissingSnapshotError."""


class WireCounts:
    """What one decoder has seen, by kind of wire message."""

    __slots__ = ("messages", "snapshots", "diffs", "bbo", "trades")

    def __init__(self) -> None:
        self.messages = 0
        self.snapshots = 0
        self.diffs = 0
        self.bbo = 0
        self.trades = 0


class WireDecoder:
    """One instrument's stream: decode, check the symbol, apply the diff-chain rules.

    Args:
        instrument: the stream's instrument; a message of another symbol is malformed.
        source: a name for error messages (a file name, a URL).
        resume_from: continue a chain that ended elsewhere (a predecessor file) instead of waiting for a snapshot.
    """

    def __init__(self, instrument: Instrument, *, source: str = "feed", resume_from: ChainPosition | None = None) -> None:
        self.instrument = instrument
        self.source = source
        self.futures = instrument.venue != SPOT
        self.chain = DiffChain(instrument.id, self.futures, resume_from)
        self.counts = WireCounts()

    def decode(self, ts_recv: int, payload: bytes | str) -> list[RecordedMessage]:
        """The messages of one wire message received at ``ts_recv`` (int ns, local clock), in order.

        Raises:
            MalformedMessageError: bad JSON, an unknown stream, a bad field, or another symbol's message.
            MissingSnapshotError: over :data:`MAX_BUFFERED_DIFFS` diffs buffered with no snapshot.
        """
        line_no = self.counts.messages + 1
        raw = decode_payload(ts_recv, payload, self.source, line_no)
        if raw.stream and raw.symbol != self.instrument.symbol:
            raise MalformedMessageError(self.source, line_no, f"symbol {raw.symbol!r} on the stream of "
                                        f"{self.instrument.symbol}")
        messages = self.decode_raw(raw, line_no)
        if len(self.chain.buffered) > MAX_BUFFERED_DIFFS:
            raise MissingSnapshotError(f"{self.source}: over {MAX_BUFFERED_DIFFS} diffs of {self.instrument.id} "
                                       "buffered and no REST snapshot arrived; fetch one")
        return messages

    def decode_raw(self, raw: RawLine, line_no: int) -> list[RecordedMessage]:
        """The messages of an already split message (``line_no`` names it in errors)."""
        self.counts.messages += 1
        kind = raw.kind
        instrument, source = self.instrument, self.source
        if kind == "snapshot":
            self.counts.snapshots += 1
            return list(self.chain.on_snapshot(parse_snapshot(raw, instrument, source, line_no), source, line_no))
        if kind.startswith("depth"):
            self.counts.diffs += 1
            return list(self.chain.on_diff(parse_depth(raw, instrument, source, line_no, self.futures), source, line_no))
        if kind == "bookTicker":
            self.counts.bbo += 1
            return [parse_book_ticker(raw, instrument, source, line_no)]
        self.counts.trades += 1
        return [parse_trade(raw, instrument, source, line_no)]
