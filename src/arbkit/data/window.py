"""Cut a replay timeline to a time window without losing the books: the state at the start is carried in.

Binance recordings carry one REST snapshot, at the start of the file; a backtest of a later window
(a walk-forward fold, ``[data] start``) still needs the books as they stood when the window opens.
:func:`window_timeline` replays every book message before the window into private books, then opens
the window with one synthetic snapshot per synced book (stamped at the window's first message, built
from every level the book then held, update ids of the last message applied), and passes the
window's messages through unchanged. Trades and book tickers before the window are dropped; a book
that was out of sync (a gap not yet healed by a snapshot) when the window opens gets no snapshot and
syncs at the next real one, as it would have in the full replay.

>>> from arbkit.core.enums import Side
>>> from arbkit.core.messages import BookUpdate, Trade
>>> snap = BookUpdate("X", 1, 1, 10, 10, bids=((100, 5),), asks=((101, 3),), is_snapshot=True)
>>> diff = BookUpdate("X", 2, 2, 11, 11, bids=((100, 7),))
>>> trade = Trade("X", 3, 3, 101, 1, Side.BUY, 1)
>>> out = list(window_timeline([(1, snap), (2, diff), (3, trade)], start_ns=3, end_ns=None))
>>> [(ts, type(m).__name__, getattr(m, "is_snapshot", None)) for ts, m in out]
[(3, 'BookUpdate', True), (3, 'Trade', None)]
>>> out[0][1].bids, out[0][1].last_update_id
(((100, 7),), 11)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from arbkit.adapters.binance.reader import RecordedMessage
from arbkit.book.order_book import OrderBook
from arbkit.core.errors import ConfigError
from arbkit.core.messages import BookGap, BookUpdate


def parse_time_ns(value: str | int, name: str) -> int | None:
    """``value`` as int ns since the epoch (UTC): an int, digits, ISO-8601 text (``2024-08-08T00:03:00Z``), or
    ``""`` for "not set" (None). A naive ISO time is taken as UTC.

    >>> parse_time_ns("2024-08-08T00:00:01Z", "start")
    1723075201000000000
    >>> parse_time_ns("", "end") is None
    True
    """
    if isinstance(value, bool):
        raise ConfigError(f"{name} {value!r} is not a time (ISO-8601 UTC text or int ns)")
    if isinstance(value, int):
        if value < 0:
            raise ConfigError(f"{name} {value} ns is before the epoch")
        return value
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{name} {value!r} is not a time: use ISO-8601 UTC text such as "
                          "'2024-08-08T00:03:00Z' or int ns since the epoch") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds = int(moment.timestamp())
    return seconds * 1_000_000_000 + moment.microsecond * 1_000


def window_timeline(timeline: Iterable[tuple[int, RecordedMessage]], *, start_ns: int | None,
                    end_ns: int | None) -> Iterator[tuple[int, RecordedMessage]]:
    """The messages with ``start_ns <= ts < end_ns`` (None: open), the books' state carried in at the start.

    Raises:
        ConfigError: ``end_ns <= start_ns``.
    """
    if start_ns is not None and end_ns is not None and end_ns <= start_ns:
        raise ConfigError(f"data range is empty: end {end_ns} ns is not after start {start_ns} ns")
    books: dict[str, OrderBook] = {}
    last: dict[str, BookUpdate] = {}
    opened = start_ns is None
    for ts, message in timeline:
        if end_ns is not None and ts >= end_ns:
            break
        if not opened:
            if ts < start_ns:  # type: ignore[operator]
                _carry(message, books, last)
                continue
            opened = True
            for instrument_id, book in books.items():
                yield ts, _snapshot_of(book, last[instrument_id], ts)
        yield ts, message


def _carry(message: RecordedMessage, books: dict[str, OrderBook], last: dict[str, BookUpdate]) -> None:
    """Apply a pre-window message to the private books (only book messages and gaps matter)."""
    if isinstance(message, BookUpdate):
        book = books.get(message.instrument_id)
        if message.is_snapshot:
            if book is None:
                book = books[message.instrument_id] = OrderBook(message.instrument_id)
            book.apply_snapshot(message.bids, message.asks)
        elif book is None:
            return  # not synced yet: a diff before the first snapshot is not usable
        else:
            book.apply(message.bids, message.asks)
        last[message.instrument_id] = message
    elif isinstance(message, BookGap):
        books.pop(message.instrument_id, None)
        last.pop(message.instrument_id, None)


def _snapshot_of(book: OrderBook, last: BookUpdate, ts: int) -> BookUpdate:
    is_bid, prices, sizes = book.all_levels()
    bids = tuple(sorted(((int(p), int(s)) for b, p, s in zip(is_bid, prices, sizes) if b), reverse=True))
    asks = tuple(sorted((int(p), int(s)) for b, p, s in zip(is_bid, prices, sizes) if not b))
    return BookUpdate(last.instrument_id, ts_event=last.ts_event, ts_recv=ts, first_update_id=last.last_update_id,
                      last_update_id=last.last_update_id, bids=bids, asks=asks, is_snapshot=True)
