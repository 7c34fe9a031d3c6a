"""Turn one venue's latent mid path into L2 DELTA, BBO and TRADE rows, in one compiled loop. SYNTHETIC DATA ONLY.

The book holds ``depth`` contiguous price levels per side from the touch. At each grid step:

1. with some probability one trade at the touch (buy aggressor at the ask, sell at the bid), which
   takes part of that level's size;
2. one DELTA message: the new touch is ``bid = floor(mid - spread/2 + 1/2)``, ``ask = bid + spread``
   (so the quoted mid is within half a tick of the latent one); levels that left the book are sent
   with size 0 (deletions first, bids then asks), then every level whose size changed or is new;
   an empty diff sends no message;
3. a BBO message (bid row, ask row with ``F_LAST``) when the touch price or size changed, carrying
   the DELTA message's ``update_id``.

The first message is a snapshot (``F_SNAPSHOT`` on every row, ``F_CLEAR`` on the first). The loop
runs twice: once to count rows, once to fill arrays of exactly that length.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from arbkit.data.schema import BBO, DELTA, F_CLEAR, F_LAST, F_SNAPSHOT, TRADE

COLUMNS = ("ts_event", "ts_recv", "kind", "side", "price", "size", "update_id", "flags")
DTYPES = (np.int64, np.int64, np.uint8, np.int8, np.int64, np.int64, np.int64, np.uint16)


@njit(cache=True, inline="always")
def _put(out, write, row, te, tr, kind, side, px, sz, uid, flags):  # type: ignore[no-untyped-def]
    """Write one row (the ``COLUMNS``) at ``out[:, row]`` when ``write``; returns ``row + 1``."""
    if write:
        out[0, row] = te
        out[1, row] = tr
        out[2, row] = kind
        out[3, row] = side
        out[4, row] = px
        out[5, row] = sz
        out[6, row] = uid
        out[7, row] = flags
    return row + 1


@njit(cache=True)
def _emit(times, recv, mid_ticks, spread, trade_u, trade_buy, trade_frac, change_u,  # type: ignore[no-untyped-def]
          change_level, size_pool, depth, trade_probability, change_probability, out, write):
    """Rows of one venue (see module docs) into ``out`` (``COLUMNS`` x rows); returns the row count.

    Writes only when ``write`` (the counting pass passes an empty ``out``).
    """
    n = times.shape[0]
    pool_n = size_pool.shape[0]
    cursor = 0
    bid_sz = np.zeros(depth, dtype=np.int64)
    ask_sz = np.zeros(depth, dtype=np.int64)
    cur_bid = np.zeros(depth, dtype=np.int64)
    cur_ask = np.zeros(depth, dtype=np.int64)
    new_bid = np.zeros(depth, dtype=np.int64)
    new_ask = np.zeros(depth, dtype=np.int64)
    book_seq = 1
    trade_seq = 0

    # snapshot
    bid_px = np.int64(np.floor(mid_ticks[0] - spread[0] / 2.0 + 0.5))
    ask_px = bid_px + spread[0]
    for i in range(depth):
        bid_sz[i] = size_pool[cursor % pool_n]
        ask_sz[i] = size_pool[(cursor + 1) % pool_n]
        cursor += 2
    row = 0
    for i in range(depth):
        flags = F_SNAPSHOT | (F_CLEAR if i == 0 else 0)
        row = _put(out, write, row, times[0], recv[0], DELTA, 1, bid_px - i, bid_sz[i], book_seq, flags)
    for i in range(depth):
        flags = F_SNAPSHOT | (F_LAST if i == depth - 1 else 0)
        row = _put(out, write, row, times[0], recv[0], DELTA, -1, ask_px + i, ask_sz[i], book_seq, flags)
    row = _put(out, write, row, times[0], recv[0], BBO, 1, bid_px, bid_sz[0], book_seq, 0)
    row = _put(out, write, row, times[0], recv[0], BBO, -1, ask_px, ask_sz[0], book_seq, F_LAST)

    for k in range(1, n):
        te = times[k]
        tr = recv[k]
        for i in range(depth):
            cur_bid[i] = bid_sz[i]
            cur_ask[i] = ask_sz[i]

        # 1. a trade at the touch of the published book
        if trade_u[k] < trade_probability:
            level = cur_ask[0] if trade_buy[k] else cur_bid[0]
            if level >= 2:
                qty = 1 + np.int64(trade_frac[k] * (level - 1))
                trade_seq += 1
                if trade_buy[k]:
                    row = _put(out, write, row, te, tr, TRADE, 1, ask_px, qty, trade_seq, F_LAST)
                    cur_ask[0] -= qty
                else:
                    row = _put(out, write, row, te, tr, TRADE, -1, bid_px, qty, trade_seq, F_LAST)
                    cur_bid[0] -= qty

        # 2. the new book: keep sizes at prices that stay, draw sizes for new prices
        nb = np.int64(np.floor(mid_ticks[k] - spread[k] / 2.0 + 0.5))
        na = nb + spread[k]
        for i in range(depth):
            j = bid_px - nb + i
            if 0 <= j < depth:
                new_bid[i] = cur_bid[j]
            else:
                new_bid[i] = size_pool[cursor % pool_n]
                cursor += 1
            j = na + i - ask_px
            if 0 <= j < depth:
                new_ask[i] = cur_ask[j]
            else:
                new_ask[i] = size_pool[cursor % pool_n]
                cursor += 1
        if change_u[k] < change_probability:
            level_index = change_level[k]
            if level_index < depth:
                new_bid[level_index] = size_pool[cursor % pool_n]
            else:
                new_ask[level_index - depth] = size_pool[cursor % pool_n]
            cursor += 1

        # the diff against the published book: deletions first, then new or changed levels
        start = row
        seq = book_seq + 1
        for j in range(depth):
            px = bid_px - j
            if px > nb or px <= nb - depth:
                row = _put(out, write, row, te, tr, DELTA, 1, px, 0, seq, 0)
        for j in range(depth):
            px = ask_px + j
            if px < na or px >= na + depth:
                row = _put(out, write, row, te, tr, DELTA, -1, px, 0, seq, 0)
        for i in range(depth):
            j = bid_px - nb + i
            if j < 0 or j >= depth or bid_sz[j] != new_bid[i]:
                row = _put(out, write, row, te, tr, DELTA, 1, nb - i, new_bid[i], seq, 0)
        for i in range(depth):
            j = na + i - ask_px
            if j < 0 or j >= depth or ask_sz[j] != new_ask[i]:
                row = _put(out, write, row, te, tr, DELTA, -1, na + i, new_ask[i], seq, 0)
        if row == start:
            continue
        if write:
            out[7, row - 1] = F_LAST
        book_seq = seq

        # 3. BBO when the touch changed
        touch_changed = nb != bid_px or na != ask_px or new_bid[0] != bid_sz[0] or new_ask[0] != ask_sz[0]
        for i in range(depth):
            bid_sz[i] = new_bid[i]
            ask_sz[i] = new_ask[i]
        bid_px = nb
        ask_px = na
        if touch_changed:
            row = _put(out, write, row, te, tr, BBO, 1, bid_px, bid_sz[0], book_seq, 0)
            row = _put(out, write, row, te, tr, BBO, -1, ask_px, ask_sz[0], book_seq, F_LAST)
    return row


def venue_rows(times: np.ndarray, recv: np.ndarray, mid_ticks: np.ndarray, draws: dict[str, np.ndarray],
               depth: int, trade_probability: float, change_probability: float) -> dict[str, np.ndarray]:
    """The TICK_SCHEMA numeric columns of one venue (``COLUMNS``), from its mid path and random draws.

    ``draws`` holds ``spread`` (int64 ticks per step), ``trade_u``, ``trade_buy`` (bool), ``trade_frac``,
    ``change_u`` (floats in [0, 1)), ``change_level`` (int64 in [0, 2 * depth)) and ``size_pool``
    (int64 lots, consumed in order and cyclically).
    """
    args = (times, recv, mid_ticks, draws["spread"], draws["trade_u"], draws["trade_buy"], draws["trade_frac"],
            draws["change_u"], draws["change_level"], draws["size_pool"], depth, trade_probability,
            change_probability)
    n_rows = _emit(*args, np.zeros((len(COLUMNS), 0), dtype=np.int64), False)
    out = np.empty((len(COLUMNS), n_rows), dtype=np.int64)
    written = _emit(*args, out, True)
    if written != n_rows:
        raise RuntimeError(f"synthetic book: the writing pass produced {written} rows, the counting pass {n_rows}")
    return {name: out[i].astype(dtype, copy=False) for i, (name, dtype) in enumerate(zip(COLUMNS, DTYPES))}
