"""Book fields of one event, read from an order-book buffer by one compiled function.

The streaming engine calls :func:`fill_book_fields` on the live :class:`~arbkit.book.OrderBook` after
each venue message; the batch builder (:mod:`arbkit.features.batch_inputs`) calls the same function
inside its compiled replay. So training and production see the same numbers bit for bit.

Fields written (see :mod:`arbkit.features.layout`): best bid/ask price (ticks) and size (lots), the
depth-weighted imbalance of the top ``n_levels``, the summed size and the deepest price of those
levels per side. An empty side gives NaN prices and sizes and a summed size of 0 (the engine reports
``NO_INPUT``); a NaN anywhere else is bad input (``INVALID_INPUT``).
"""

from __future__ import annotations

import numpy as np
from arbkit.features.jit import kernel

from arbkit.book import kernels
from arbkit.features.layout import (ASK_DEPTH_LOTS, ASK_FAR_TICKS, ASK_LOTS, ASK_TICKS, BID_DEPTH_LOTS, BID_FAR_TICKS,
                                    BID_LOTS, BID_TICKS, IMB_N, TRADE_LOTS, TRADE_SIDE, TRADE_TICKS)


@kernel
def _side_fields(buf, is_bid, n_levels, scratch_px, scratch_sz, row, px_slot, lots_slot, depth_slot, far_slot):  # type: ignore[no-untyped-def]
    """Fill one side's fields; returns its weighted size sum (level i weighs 1 / (i + 1))."""
    k = kernels.top_levels(buf, is_bid, n_levels, scratch_px, scratch_sz)
    if k == 0:
        row[px_slot] = np.nan
        row[lots_slot] = np.nan
        row[depth_slot] = 0.0  # an empty side: no size (the engine reports NO_INPUT, not INVALID_INPUT)
        row[far_slot] = np.nan
        return 0.0
    weight = 0.0
    depth = 0.0
    for i in range(k):
        weight += scratch_sz[i] / (i + 1.0)
        depth += scratch_sz[i]
    row[px_slot] = scratch_px[0]
    row[lots_slot] = scratch_sz[0]
    row[depth_slot] = depth
    row[far_slot] = scratch_px[k - 1]
    return weight


@kernel
def fill_book_fields(buf, n_levels, scratch_px, scratch_sz, row):  # type: ignore[no-untyped-def]
    """Write the book fields of ``buf`` (a book kernel buffer) into ``row``; trade fields become NaN.

    ``scratch_px`` / ``scratch_sz`` are int64 arrays of at least ``n_levels`` elements.
    """
    wb = _side_fields(buf, True, n_levels, scratch_px, scratch_sz, row, BID_TICKS, BID_LOTS, BID_DEPTH_LOTS,
                      BID_FAR_TICKS)
    wa = _side_fields(buf, False, n_levels, scratch_px, scratch_sz, row, ASK_TICKS, ASK_LOTS, ASK_DEPTH_LOTS,
                      ASK_FAR_TICKS)
    total = wb + wa
    row[IMB_N] = (wb - wa) / total if total > 0.0 else 0.0
    row[TRADE_TICKS] = np.nan
    row[TRADE_LOTS] = np.nan
    row[TRADE_SIDE] = np.nan


@kernel
def fill_trade_fields(price_ticks, qty_lots, side, row):  # type: ignore[no-untyped-def]
    """Write a trade into ``row`` (book fields become NaN): price in ticks, quantity in lots, side ±1."""
    for i in range(TRADE_TICKS):
        row[i] = np.nan
    row[TRADE_TICKS] = price_ticks
    row[TRADE_LOTS] = qty_lots
    row[TRADE_SIDE] = side
