"""Parse one line of a recorded Binance collector file into a normalised arbkit message.

A line is ``<local receive time, int ns> <raw JSON>``. The JSON is either Binance's combined-stream
envelope ``{"stream": "btcusdt@depth@100ms", "data": {...}}`` or, once per ``*_YYYYMMDD`` file, a bare
REST depth snapshot ``{"lastUpdateId": ..., "bids": [...], "asks": [...]}``.

Exchange times ``E``/``T`` are ms and become ns. Spot ``bookTicker`` has no exchange time, so its
``ts_event`` is the receive time (the recorder's clock, about 1.27 s behind Binance's on the shipped
data: see docs/market-data.md).
"""

from __future__ import annotations

from typing import Any

import orjson

from arbkit.core.enums import Side
from arbkit.core.errors import MalformedMessageError
from arbkit.core.instruments import Instrument
from arbkit.core.messages import BestBidOffer, BookUpdate, Level, Trade
from arbkit.core.time import NANOS_PER_MILLI

KNOWN_STREAM_KINDS = ("depth", "depth@100ms", "depth@0ms", "depth@250ms", "depth@500ms", "bookTicker", "trade")


class RawLine:
    """A split but not yet interpreted line: receive time, the stream name ('' for a snapshot) and data."""

    __slots__ = ("ts_recv", "stream", "data")

    def __init__(self, ts_recv: int, stream: str, data: dict[str, Any]) -> None:
        self.ts_recv = ts_recv
        self.stream = stream
        self.data = data

    @property
    def symbol(self) -> str:
        """Upper-case symbol from the stream name (``btcusdt@trade`` → ``BTCUSDT``); '' for a snapshot."""
        return self.stream.partition("@")[0].upper()

    @property
    def kind(self) -> str:
        """Stream kind after the symbol (``depth@100ms``, ``bookTicker``, ``trade``) or ``snapshot``."""
        return self.stream.partition("@")[2] if self.stream else "snapshot"


def split_line(line: bytes, source: str, line_no: int) -> RawLine:
    """Split ``<ns> <json>`` and decode the JSON; raises :class:`MalformedMessageError` naming source and line."""
    return decode_payload(*split_timestamp(line, source, line_no), source, line_no)


def split_timestamp(line: bytes, source: str, line_no: int) -> tuple[int, bytes]:
    """``(local receive time ns, raw JSON)`` of a ``<ns> <json>`` line, the JSON not decoded; raises
    :class:`MalformedMessageError` naming source and line."""
    ts_text, sep, payload = line.partition(b" ")
    if not sep or not payload.strip():
        raise MalformedMessageError(source, line_no, "expected '<local_ns> <json>'", line.decode("utf-8", "replace"))
    try:
        ts_recv = int(ts_text)
    except ValueError:
        raise MalformedMessageError(source, line_no, f"local timestamp {ts_text[:40]!r} is not an integer",
                                    line.decode("utf-8", "replace")) from None
    return ts_recv, payload


def decode_payload(ts_recv: int, payload: bytes | str, source: str, line_no: int) -> RawLine:
    """Decode one wire message's JSON (a combined-stream envelope or a REST depth snapshot) received at ``ts_recv``
    (int ns, local clock); raises :class:`MalformedMessageError` naming source and message number."""
    if ts_recv <= 0:
        raise MalformedMessageError(source, line_no, f"local timestamp {ts_recv} must be positive ns")
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    try:
        obj = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise MalformedMessageError(source, line_no, f"malformed JSON: {exc}", payload.decode("utf-8", "replace")) from None
    if not isinstance(obj, dict):
        raise MalformedMessageError(source, line_no, f"JSON is a {type(obj).__name__}, expected an object")
    if "stream" in obj:
        stream, data = obj["stream"], obj.get("data")
        if not isinstance(stream, str) or not isinstance(data, dict):
            raise MalformedMessageError(source, line_no, "combined-stream envelope needs a string 'stream' and an object 'data'")
        kind = stream.partition("@")[2]
        if kind not in KNOWN_STREAM_KINDS:
            raise MalformedMessageError(source, line_no, f"unknown stream {stream!r}; known kinds: {', '.join(KNOWN_STREAM_KINDS)}")
        return RawLine(ts_recv, stream, data)
    if "lastUpdateId" in obj:
        return RawLine(ts_recv, "", obj)
    raise MalformedMessageError(source, line_no, "neither a combined-stream message nor a REST depth snapshot",
                                payload.decode("utf-8", "replace"))


class _Fields:
    """Typed field access that turns every problem into a MalformedMessageError with file and line."""

    __slots__ = ("data", "source", "line_no", "instrument")

    def __init__(self, data: dict[str, Any], source: str, line_no: int, instrument: Instrument) -> None:
        self.data = data
        self.source = source
        self.line_no = line_no
        self.instrument = instrument

    def fail(self, reason: str) -> MalformedMessageError:
        return MalformedMessageError(self.source, self.line_no, reason)

    def int_(self, key: str) -> int:
        value = self.data.get(key)
        if value is None:
            raise self.fail(f"missing field {key!r}")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"field {key!r} = {value!r} is not an integer")
        if value < 0:
            raise self.fail(f"field {key!r} = {value} is negative")
        return value

    def ms_as_ns(self, key: str) -> int:
        return self.int_(key) * NANOS_PER_MILLI

    def price(self, key: str) -> int:
        return self._price_text(self.data.get(key), key)

    def size(self, key: str) -> int:
        return self._size_text(self.data.get(key), key)

    def _price_text(self, text: Any, what: str) -> int:
        if not isinstance(text, str):
            raise self.fail(f"{what} {text!r} is not a decimal string")
        try:
            ticks = self.instrument.price_parser.parse(text)
        except ValueError as exc:
            raise self.fail(f"{self.instrument.id}: {what}: {exc} (tick size {self.instrument.tick_size})") from None
        if ticks <= 0:
            raise self.fail(f"{what} {text!r} is not positive")
        return ticks

    def _size_text(self, text: Any, what: str) -> int:
        if not isinstance(text, str):
            raise self.fail(f"{what} {text!r} is not a decimal string")
        if text.startswith("-"):
            raise self.fail(f"{what} {text!r} is negative")
        try:
            lots = self.instrument.size_parser.parse(text)
        except ValueError as exc:
            raise self.fail(f"{self.instrument.id}: {what}: {exc} (lot size {self.instrument.lot_size})") from None
        return lots

    def levels(self, key: str) -> tuple[Level, ...]:
        rows = self.data.get(key)
        if not isinstance(rows, list):
            raise self.fail(f"field {key!r} is missing or not a list of [price, qty]")
        price_of = self.instrument.price_parser.parse
        size_of = self.instrument.size_parser.parse
        try:
            # a row that is not a list (e.g. the string "12", whose [0] and [1] are digits) is left out,
            # so the length check below sends it to the row-by-row check that rejects it
            out = tuple([(price_of(row[0]), size_of(row[1])) for row in rows if row.__class__ is list])
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            out = ()  # fall through to the row-by-row check below, which names the bad row
        if len(out) == len(rows) and all(price > 0 for price, _ in out):
            return out
        checked = []
        for row in rows:
            if not isinstance(row, list) or len(row) < 2:
                raise self.fail(f"level {row!r} in {key!r} is not [price, qty]")
            checked.append((self._price_text(row[0], f"{key} price"), self._size_text(row[1], f"{key} qty")))
        return tuple(checked)


def parse_depth(raw: RawLine, instrument: Instrument, source: str, line_no: int, futures: bool) -> BookUpdate:
    """A ``depthUpdate`` diff as a :class:`BookUpdate` (``prev_update_id`` = ``pu`` on futures, -1 on spot)."""
    f = _Fields(raw.data, source, line_no, instrument)
    first, last = f.int_("U"), f.int_("u")
    if first > last:
        raise f.fail(f"first update id U={first} is after last update id u={last}")
    ts_event = f.ms_as_ns("T") if futures and "T" in raw.data else f.ms_as_ns("E")
    return BookUpdate(
        instrument_id=instrument.id, ts_event=ts_event, ts_recv=raw.ts_recv,
        first_update_id=first, last_update_id=last, prev_update_id=f.int_("pu") if futures else -1,
        bids=f.levels("b"), asks=f.levels("a"),
    )


def parse_snapshot(raw: RawLine, instrument: Instrument, source: str, line_no: int) -> BookUpdate:
    """The REST depth snapshot as a :class:`BookUpdate` with ``is_snapshot=True``.

    Spot snapshots carry no exchange time, so ``ts_event`` is the receive time; futures use ``T``.
    """
    f = _Fields(raw.data, source, line_no, instrument)
    last = f.int_("lastUpdateId")
    ts_event = f.ms_as_ns("T") if "T" in raw.data else raw.ts_recv
    return BookUpdate(
        instrument_id=instrument.id, ts_event=ts_event, ts_recv=raw.ts_recv,
        first_update_id=last, last_update_id=last, bids=f.levels("bids"), asks=f.levels("asks"), is_snapshot=True,
    )


def parse_book_ticker(raw: RawLine, instrument: Instrument, source: str, line_no: int) -> BestBidOffer:
    """A ``bookTicker`` as :class:`BestBidOffer`; ``ts_event`` is ``T`` (futures) or the receive time (spot)."""
    f = _Fields(raw.data, source, line_no, instrument)
    ts_event = f.ms_as_ns("T") if "T" in raw.data else raw.ts_recv
    return BestBidOffer(
        instrument_id=instrument.id, ts_event=ts_event, ts_recv=raw.ts_recv,
        bid_ticks=f.price("b"), bid_lots=f.size("B"), ask_ticks=f.price("a"), ask_lots=f.size("A"),
        update_id=f.int_("u"),
    )


def parse_trade(raw: RawLine, instrument: Instrument, source: str, line_no: int) -> Trade:
    """A ``trade`` as :class:`Trade`; ``m`` true (buyer is maker) means the seller was the aggressor."""
    f = _Fields(raw.data, source, line_no, instrument)
    maker_is_buyer = raw.data.get("m")
    if not isinstance(maker_is_buyer, bool):
        raise f.fail(f"field 'm' = {maker_is_buyer!r} is not a boolean")
    size = f.size("q")
    if size == 0:
        raise f.fail("trade quantity 'q' is zero")
    return Trade(
        instrument_id=instrument.id, ts_event=f.ms_as_ns("T"), ts_recv=raw.ts_recv,
        price_ticks=f.price("p"), size_lots=size,
        aggressor=Side.SELL if maker_is_buyer else Side.BUY, trade_id=f.int_("t"),
    )
