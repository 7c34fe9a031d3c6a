"""Replay of an :class:`~arbkit.data.events.EventTable` that reads the top-N imbalance at every feed batch.

A **feed batch** is one venue message of the replayed stream that reaches a strategy: a book message
(snapshot or diff, its rows up to the one with ``F_LAST``) or a trade. Book-ticker (``BBO``) rows are
skipped: they change no level and hftbacktest's Binance converter drops them too, so the batches
match the steps of its ``wait_next_feed`` loop one for one (each recorded line has its own local
timestamp). After each batch the depth-weighted imbalance of the top ``n_levels`` of each side
(level i weighs 1 / (i + 1), as :func:`arbkit.book.kernels.weighted_imbalance`) is read straight
from the one-buffer book and added to a checksum.

The loop is one compiled function over the table's columns and the book's ``buf``; it hands back
to Python only when the overflow is full (``FULL``: grow, resume at the same row) or the touch left
the dense window (``RECENTRE``: re-centre, resume after the message), as
:func:`arbkit.book.replay_kernel.replay_book` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from arbkit.book import kernels
from arbkit.book.order_book import OrderBook
from arbkit.data.events import DELTA, F_CLEAR, F_LAST, TRADE

# slots of the int64 state array shared by the kernel and its Python driver
ROWS = 0
"""Book rows applied."""
TRADES = 1
"""Trade rows seen."""
BATCHES = 2
"""Feed batches (messages) after which the imbalance was read."""
PRUNED = 3
"""Levels removed because a whole message left the book crossed."""
LAST_ADD_IS_BID = 4
"""Side of the last level added in the current message (kept here so a FULL hand-back can resume mid-message)."""
LAST_TRADE_PRICE = 5
"""Price in ticks of the last trade (-1 before the first)."""
STATE_SLOTS = 8

# slots of the float64 result array
CHECKSUM = 0
"""Sum of the imbalance read after every batch."""
LAST_IMBALANCE = 1
"""The imbalance read after the last batch."""

_NO_TRACE = np.zeros(0, dtype=np.float64)


@njit(cache=True)
def _replay_imbalance(kind, side, price, size, flags, stream, target, start, buf, n_levels, state, result, trace):  # type: ignore[no-untyped-def]
    """Apply rows from ``start``; returns (next row, status OK / FULL / RECENTRE). Counters live in ``state``.

    ``trace`` (may be empty) receives the imbalance read after batch b at index b, while b < its length.
    """
    n = kind.shape[0]
    last_add_is_bid = state[LAST_ADD_IS_BID] != 0
    checksum = result[CHECKSUM]
    imbalance = result[LAST_IMBALANCE]
    status = kernels.OK
    row = n
    for i in range(start, n):
        k = kind[i]
        if stream[i] != target:
            continue
        if k == DELTA:
            f = flags[i]
            if f & F_CLEAR:
                kernels.clear(buf)
            is_bid = side[i] > 0
            if kernels.set_level(buf, is_bid, price[i], size[i]) == kernels.FULL:
                status = kernels.FULL
                row = i
                break
            if size[i] > 0:
                last_add_is_bid = is_bid
            state[ROWS] += 1
            if f & F_LAST:
                if kernels.is_crossed(buf):
                    state[PRUNED] += kernels.uncross(buf, last_add_is_bid)
                last_add_is_bid = True
                imbalance = kernels.weighted_imbalance(buf, n_levels)
                checksum += imbalance
                b = state[BATCHES]
                if b < trace.shape[0]:
                    trace[b] = imbalance
                state[BATCHES] = b + 1
                if kernels.touch_outside_window(buf):
                    status = kernels.RECENTRE
                    row = i + 1
                    break
        elif k == TRADE:
            state[TRADES] += 1
            state[LAST_TRADE_PRICE] = price[i]
            imbalance = kernels.weighted_imbalance(buf, n_levels)
            checksum += imbalance
            b = state[BATCHES]
            if b < trace.shape[0]:
                trace[b] = imbalance
            state[BATCHES] = b + 1
    state[LAST_ADD_IS_BID] = 1 if last_add_is_bid else 0
    result[CHECKSUM] = checksum
    result[LAST_IMBALANCE] = imbalance
    return row, status


@dataclass(frozen=True)
class ImbalanceReplay:
    """What one replay did: rows applied, trades and batches seen, and the imbalance checksum."""

    book_rows: int
    trades: int
    batches: int
    pruned_levels: int
    checksum: float
    """Sum of the top-N imbalance read after every batch."""
    last_imbalance: float
    last_trade_ticks: int
    """Price of the last trade in ticks (-1 if none)."""

    @property
    def events(self) -> int:
        """Book level changes applied plus trades."""
        return self.book_rows + self.trades


def replay_imbalance(table, stream: int = 0, n_levels: int = 5, book: OrderBook | None = None,  # type: ignore[no-untyped-def]
                     trace: np.ndarray | None = None) -> ImbalanceReplay:
    """Replay the book rows and trades of ``stream``, reading the top-``n_levels`` imbalance at every batch.

    ``book`` (new if None) ends in the final state. ``trace`` (float64, optional) receives the imbalance
    read after each batch, in order, up to its length.
    """
    if n_levels < 1:
        raise ValueError(f"n_levels must be >= 1, got {n_levels}")
    book = book or OrderBook(f"stream {stream}")
    state = np.zeros(STATE_SLOTS, dtype=np.int64)
    state[LAST_ADD_IS_BID] = 1
    state[LAST_TRADE_PRICE] = -1
    result = np.zeros(2, dtype=np.float64)
    trace = _NO_TRACE if trace is None else trace
    columns = (table["kind"], table["side"], table["price"], table["size"], table["flags"], table["stream"], stream)
    row, n = 0, len(table)
    while row < n:
        row, status = _replay_imbalance(*columns, row, book.buf, n_levels, state, result, trace)
        if status == kernels.FULL:
            book.grow_overflow()
        elif status == kernels.RECENTRE:
            book.recentre()
    book.crossed_levels_pruned += int(state[PRUNED])
    return ImbalanceReplay(book_rows=int(state[ROWS]), trades=int(state[TRADES]), batches=int(state[BATCHES]),
                           pruned_levels=int(state[PRUNED]), checksum=float(result[CHECKSUM]),
                           last_imbalance=float(result[LAST_IMBALANCE]), last_trade_ticks=int(state[LAST_TRADE_PRICE]))
