"""Compiled (numba) kernels for an L2 book held in sorted integer arrays.

Layout: each side is a pair of arrays ``keys[cap]`` and ``sizes[cap]`` sorted ascending by key,
with the best level at index ``count - 1`` so updates near the touch move few elements. Bid keys are
prices in ticks; ask keys are *negated* prices in ticks, so one set of kernels serves both sides.
``counts`` is an ``int64[2]`` array: ``counts[0]`` bid levels, ``counts[1]`` ask levels.

A level update that would cross the book (a bid at or above the best ask, or an ask at or below the
best bid) removes the crossed levels of the other side first, as a matching engine would have; the
number of levels so removed is returned so callers can report it. After any update the book is
therefore never crossed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

BID = 0
ASK = 1

FULL = -1
"""Returned by :func:`set_level` when a side has no room for a new level."""


@njit(cache=True, inline="always")
def _search(keys, count, key):  # type: ignore[no-untyped-def]
    """Index of the first element >= key in keys[:count] (binary search)."""
    lo = 0
    hi = count
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _set_side(keys, sizes, counts, side, key, size):  # type: ignore[no-untyped-def]
    """Set (size > 0) or delete (size == 0) the level ``key`` on one side. Returns 0, or FULL."""
    count = counts[side]
    pos = _search(keys, count, key)
    found = pos < count and keys[pos] == key
    if size == 0:
        if found:
            for i in range(pos, count - 1):
                keys[i] = keys[i + 1]
                sizes[i] = sizes[i + 1]
            counts[side] = count - 1
        return 0
    if found:
        sizes[pos] = size
        return 0
    if count == keys.shape[0]:
        return FULL
    for i in range(count, pos, -1):
        keys[i] = keys[i - 1]
        sizes[i] = sizes[i - 1]
    keys[pos] = key
    sizes[pos] = size
    counts[side] = count + 1
    return 0


@njit(cache=True)
def set_level(bid_keys, bid_sizes, ask_keys, ask_sizes, counts, is_bid, price, size):  # type: ignore[no-untyped-def]
    """Set one level (size 0 deletes it), first pruning crossed levels of the other side.

    Args:
        is_bid: True for the bid side, False for the ask side.
        price: price in ticks; size: size in lots (>= 0).

    Returns:
        The number of opposite levels pruned (>= 0), or FULL if this side is out of capacity.
    """
    pruned = 0
    if is_bid:
        if size > 0:
            # asks are stored as -price ascending; the best ask is the last one
            while counts[ASK] > 0 and -ask_keys[counts[ASK] - 1] <= price:
                counts[ASK] -= 1
                pruned += 1
        status = _set_side(bid_keys, bid_sizes, counts, BID, price, size)
    else:
        if size > 0:
            while counts[BID] > 0 and bid_keys[counts[BID] - 1] >= price:
                counts[BID] -= 1
                pruned += 1
        status = _set_side(ask_keys, ask_sizes, counts, ASK, -price, size)
    if status == FULL:
        return FULL
    return pruned


@njit(cache=True)
def apply_levels(bid_keys, bid_sizes, ask_keys, ask_sizes, counts, is_bid, prices, sizes, start, stop):  # type: ignore[no-untyped-def]
    """Apply rows ``start:stop`` of parallel arrays (is_bid, prices, sizes) to the book.

    Returns:
        (next_row, pruned): ``next_row == stop`` when all rows were applied; otherwise the row that
        did not fit (its side is full) so the caller can grow the arrays and resume there.
    """
    pruned = 0
    for row in range(start, stop):
        result = set_level(bid_keys, bid_sizes, ask_keys, ask_sizes, counts, is_bid[row], prices[row], sizes[row])
        if result == FULL:
            return row, pruned
        pruned += result
    return stop, pruned


@njit(cache=True)
def clear(counts):  # type: ignore[no-untyped-def]
    """Remove every level of both sides."""
    counts[BID] = 0
    counts[ASK] = 0


@njit(cache=True)
def weighted_imbalance(bid_sizes, ask_sizes, counts, n_levels):  # type: ignore[no-untyped-def]
    """Depth-weighted order-book imbalance over the top ``n_levels`` of each side, in [-1, 1].

    Level i (0 = best) has weight 1 / (i + 1). Returns (W_bid - W_ask) / (W_bid + W_ask) where W is
    the weighted sum of sizes in lots; 0.0 for an empty book.
    """
    wb = 0.0
    wa = 0.0
    nb = counts[BID]
    na = counts[ASK]
    for i in range(min(n_levels, nb)):
        wb += bid_sizes[nb - 1 - i] / (i + 1.0)
    for i in range(min(n_levels, na)):
        wa += ask_sizes[na - 1 - i] / (i + 1.0)
    total = wb + wa
    if total == 0.0:
        return 0.0
    return (wb - wa) / total


def new_side(capacity: int) -> tuple[np.ndarray, np.ndarray]:
    """Allocate the (keys, sizes) arrays of one side with ``capacity`` levels."""
    return np.zeros(capacity, dtype=np.int64), np.zeros(capacity, dtype=np.int64)
