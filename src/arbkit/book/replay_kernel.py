"""Book-only replay of an :class:`~arbkit.data.events.EventTable` in one compiled loop.

Used by benchmarks and by research code that needs the best prices after every message without
Python overhead. Each venue message (rows up to one with ``F_LAST``) is applied whole, exactly as
:meth:`arbkit.book.OrderBook.apply_arrays` does.
"""

from __future__ import annotations

import msgspec
import numpy as np
from numba import njit

from arbkit.book import kernels
from arbkit.book.order_book import OrderBook
from arbkit.data.events import DELTA, F_CLEAR, F_LAST


@njit(cache=True)
def _replay(kind, side, price, size, flags, stream, target, start, buf, best_bid_out, best_ask_out, crossed_rows,
            counters):  # type: ignore[no-untyped-def]
    """Apply rows from ``start``. Returns (next row, status): status FULL or RECENTRE hands back to Python.

    ``counters``: [rows applied, messages done, levels pruned, crossed messages, invalid rows skipped], updated
    in place (a row with price <= 0 or size < 0 is skipped and counted, never applied);
    ``crossed_rows`` gets the last row of each message after which the book was crossed (before the
    kernel uncrossed it).
    """
    n = kind.shape[0]
    last_add_is_bid = True
    for i in range(start, n):
        if kind[i] != DELTA or stream[i] != target:
            continue
        if flags[i] & F_CLEAR:
            kernels.clear(buf)
        if price[i] <= 0 or size[i] < 0:
            counters[4] += 1  # not a book level (the quality checks name these rows); never applied
        else:
            is_bid = side[i] > 0
            if kernels.set_level(buf, is_bid, price[i], size[i]) == kernels.FULL:
                return i, kernels.FULL
            if size[i] > 0:
                last_add_is_bid = is_bid
            counters[0] += 1
        if flags[i] & F_LAST:
            pruned_before = counters[2]
            status = kernels.end_of_message(buf, last_add_is_bid, counters[1:])
            if counters[2] > pruned_before:
                crossed_rows[counters[3]] = i
                counters[3] += 1
            m = counters[1]
            best_bid_out[m] = kernels.best_bid_price(buf)
            best_ask_out[m] = kernels.best_ask_price(buf)
            counters[1] = m + 1
            if status == kernels.RECENTRE:
                return i + 1, kernels.RECENTRE
    return n, kernels.OK


class ReplayResult(msgspec.Struct, kw_only=True):
    """What a book-only replay of one stream produced.

    Attributes:
        rows: book rows applied.
        best_bid, best_ask: best prices in ticks after every message (-1 where a side is empty).
        pruned: levels removed because a message left the book crossed.
        crossed_rows: last row of each message after which the book was crossed (before uncrossing).
        invalid_rows: rows skipped because price <= 0 or size < 0.
    """

    rows: int
    best_bid: np.ndarray
    best_ask: np.ndarray
    pruned: int
    crossed_rows: np.ndarray
    invalid_rows: int


def replay_columns(kind: np.ndarray, side: np.ndarray, price: np.ndarray, size: np.ndarray, flags: np.ndarray,
                   stream_of_row: np.ndarray, stream: int, book: OrderBook | None = None) -> ReplayResult:
    """Replay the DELTA rows of ``stream`` from parallel columns; ``book`` (new if None) ends in the final state."""
    book = book or OrderBook(f"stream {stream}")
    n_messages = int(np.count_nonzero((kind == DELTA) & (stream_of_row == stream) & ((flags & F_LAST) > 0)))
    best_bid = np.zeros(n_messages, dtype=np.int64)
    best_ask = np.zeros(n_messages, dtype=np.int64)
    crossed = np.zeros(n_messages, dtype=np.int64)
    counters = np.zeros(5, dtype=np.int64)  # rows applied, messages, levels pruned, crossed messages, invalid rows
    row, n = 0, len(kind)
    target = stream_of_row.dtype.type(stream)
    while row < n:
        row, status = _replay(kind, side, price, size, flags, stream_of_row, target, row, book.buf, best_bid, best_ask,
                              crossed, counters)
        if status == kernels.FULL:
            book.grow_overflow()
        elif status == kernels.RECENTRE:
            book.recentre()
    book.crossed_levels_pruned += int(counters[2])
    return ReplayResult(rows=int(counters[0]), best_bid=best_bid[: counters[1]], best_ask=best_ask[: counters[1]],
                        pruned=int(counters[2]), crossed_rows=crossed[: counters[3]], invalid_rows=int(counters[4]))


def replay_book(table, stream: int = 0, book: OrderBook | None = None) -> tuple[int, np.ndarray, np.ndarray, int]:  # type: ignore[no-untyped-def]
    """Replay the book rows of ``stream``; returns (rows applied, best bid per message, best ask per message, pruned).

    Best prices are in ticks (-1 where a side is empty). ``book`` (new if None) ends in the final state.
    """
    result = replay_columns(table["kind"], table["side"], table["price"], table["size"], table["flags"],
                            table["stream"], stream, book)
    return result.rows, result.best_bid, result.best_ask, result.pruned
