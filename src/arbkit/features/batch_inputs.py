"""Build :class:`~arbkit.features.engine.FeatureInputs` from an event table in compiled loops.

Each instrument stream's book is replayed by a compiled loop that, at the end of every venue message
(the row flagged ``F_LAST``), writes the book fields with the same
:func:`~arbkit.features.book_inputs.fill_book_fields` the streaming engine uses. Trades become trade
events. Events keep the table's row order (the replay timeline), and carry the ``ts_event`` of the
message's last row. BBO rows are not feature events (book features read the L2 book).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec
import numpy as np
from numba import njit

from arbkit.book import kernels
from arbkit.book.order_book import OrderBook
from arbkit.core.errors import ConfigError
from arbkit.core.messages import BestBidOffer, BookGap, BookUpdate
from arbkit.data.events import DELTA, F_CLEAR, F_LAST, TRADE, EventTable
from arbkit.features.book_inputs import fill_book_fields, fill_trade_fields
from arbkit.features.engine import FeatureInputs
from arbkit.features.feature_set import FeatureSet
from arbkit.features.jit import kernel
from arbkit.features.layout import EV_BOOK, EV_GAP, EV_TRADE, N_FIELDS


@kernel
def _book_events(kind, side, price, size, flags, stream, target, start, buf, n_levels, scratch, out_rows, out_fields,
                 counters):  # type: ignore[no-untyped-def]
    """Apply DELTA rows of ``target`` from ``start``; at each message end write its row index and book fields.

    Returns (next row, status): FULL or RECENTRE hand back to Python, which grows or re-centres the book.
    ``counters``: [messages written, invalid rows skipped, scratch for end_of_message (2)].
    """
    n = kind.shape[0]
    last_add_is_bid = True
    # The row loop mirrors arbkit.book.replay_kernel._replay on purpose: a shared per-row helper (inlined
    # or not) slowed that replay from about 29 M to 20 M events/s, so the few lines are kept twice.
    for i in range(start, n):
        if kind[i] != DELTA or stream[i] != target:
            continue
        if flags[i] & F_CLEAR:
            kernels.clear(buf)
        if price[i] <= 0 or size[i] < 0:
            counters[1] += 1
        else:
            is_bid = side[i] > 0
            if kernels.set_level(buf, is_bid, price[i], size[i]) == kernels.FULL:
                return i, kernels.FULL
            if size[i] > 0:
                last_add_is_bid = is_bid
        if flags[i] & F_LAST:
            status = kernels.end_of_message(buf, last_add_is_bid, counters[2:])
            m = counters[0]
            out_rows[m] = i
            fill_book_fields(buf, n_levels, scratch[:n_levels], scratch[n_levels:], out_fields[m])
            counters[0] = m + 1
            if status == kernels.RECENTRE:
                return i + 1, kernels.RECENTRE
    return n, kernels.OK


@njit(cache=True)
def _trade_fields(price, size, side, rows, out_fields):  # type: ignore[no-untyped-def]
    for m in range(rows.shape[0]):
        i = rows[m]
        fill_trade_fields(float(price[i]), float(size[i]), float(side[i]), out_fields[m])


def book_events(table: EventTable, stream: int, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """(row index of each message end, book fields after it) for one stream's DELTA rows."""
    kind, flags, stream_col = table["kind"], table["flags"], table["stream"]
    ends = int(np.count_nonzero((kind == DELTA) & (stream_col == stream) & ((flags & F_LAST) > 0)))
    rows = np.zeros(ends, dtype=np.int64)
    fields = np.zeros((ends, N_FIELDS))
    book = OrderBook(f"stream {stream}")
    scratch = np.zeros(2 * n_levels, dtype=np.int64)
    counters = np.zeros(4, dtype=np.int64)
    row, n = 0, len(kind)
    target = stream_col.dtype.type(stream)
    while row < n:
        row, status = _book_events(kind, table["side"], table["price"], table["size"], flags, stream_col, target, row,
                                   book.buf, n_levels, scratch, rows, fields, counters)
        if status == kernels.FULL:
            book.grow_overflow()
        elif status == kernels.RECENTRE:
            book.recentre()
    return rows[: counters[0]], fields[: counters[0]]


class BookGapAt(msgspec.Struct, frozen=True):
    """A sequence gap of one stream, placed in an event table: it came after ``rows_before`` table rows.

    Event tables hold no gap rows (a gap carries no level); :func:`gaps_in` finds them in the message
    stream that was tabulated so that the batch twin sees them where the streaming engine did.
    """

    rows_before: int
    stream: int
    ts_ns: int
    """The gap's receive time (a gap has no exchange time), ns."""


def gaps_in(messages: Iterable[object], stream_of: dict[str, int]) -> list[BookGapAt]:
    """The :class:`BookGap` messages of ``messages`` placed as :meth:`EventTable.from_messages` lays out rows."""
    rows = 0
    gaps = []
    for message in messages:
        if isinstance(message, BookGap):
            if message.instrument_id in stream_of:
                gaps.append(BookGapAt(rows, stream_of[message.instrument_id], message.ts_recv))
        elif isinstance(message, BookUpdate):
            rows += len(message.bids) + len(message.asks)
        elif isinstance(message, BestBidOffer):
            rows += 2
        else:
            rows += 1
    return gaps


def inputs_from_events(table: EventTable, feature_set: FeatureSet, stream_aliases: dict[int, str],
                       ts_column: str = "ts_event", gaps: Sequence[BookGapAt] = ()) -> FeatureInputs:
    """Feature events of ``table`` in row order; ``stream_aliases`` maps stream index → instrument alias.

    Streams not in the map are ignored. ``gaps`` (from :func:`gaps_in`) become ``EV_GAP`` events at
    their place, so a recording with sequence gaps gives the same features as the streaming engine.
    """
    aliases = list(feature_set.instruments)
    for stream, alias in stream_aliases.items():
        if alias not in aliases:
            raise ConfigError(f"stream {stream} mapped to alias {alias!r}, which feature set {feature_set.name!r} "
                              f"does not declare ({', '.join(aliases)})")
    ts_all = table[ts_column]
    parts_rows, parts_inst, parts_kind, parts_fields = [], [], [], []
    for stream, alias in stream_aliases.items():
        index = aliases.index(alias)
        rows, fields = book_events(table, stream, feature_set.book_levels)
        parts_rows.append(rows)
        parts_fields.append(fields)
        parts_kind.append(np.full(len(rows), EV_BOOK, dtype=np.int64))
        parts_inst.append(np.full(len(rows), index, dtype=np.int64))
        trade_rows = np.flatnonzero((table["kind"] == TRADE) & (table["stream"] == stream)).astype(np.int64)
        trade_fields = np.zeros((len(trade_rows), N_FIELDS))
        _trade_fields(table["price"], table["size"], table["side"], trade_rows, trade_fields)
        parts_rows.append(trade_rows)
        parts_fields.append(trade_fields)
        parts_kind.append(np.full(len(trade_rows), EV_TRADE, dtype=np.int64))
        parts_inst.append(np.full(len(trade_rows), index, dtype=np.int64))
    mapped = [g for g in gaps if g.stream in stream_aliases]
    keys = np.concatenate([2 * np.concatenate(parts_rows),  # a gap sorts between the rows before and after it
                           np.array([2 * g.rows_before - 1 for g in mapped], dtype=np.int64)])
    ts = np.concatenate([ts_all[np.concatenate(parts_rows)].astype(np.int64),
                         np.array([g.ts_ns for g in mapped], dtype=np.int64)])
    parts_inst.append(np.array([aliases.index(stream_aliases[g.stream]) for g in mapped], dtype=np.int64))
    parts_kind.append(np.full(len(mapped), EV_GAP, dtype=np.int64))
    parts_fields.append(np.full((len(mapped), N_FIELDS), np.nan))
    order = np.argsort(keys, kind="stable")
    return FeatureInputs(ts_ns=ts[order], instrument=np.concatenate(parts_inst)[order],
                         kind=np.concatenate(parts_kind)[order], fields=np.concatenate(parts_fields)[order])
