"""Compiled (numba) kernels for an L2 book held in ONE preallocated ``int64`` buffer.

Why one buffer: numba reference-counts every array passed to a function, and on the per-level path
those atomic counter updates cost more than the book update itself. With the whole book in one
array, each kernel call passes exactly one.

Layout of the buffer (all ``int64``; slots named by the constants below):

- header ``[0, HEADER)``: ``base`` (price in ticks of window index 0), ``span`` (window width in
  ticks), best bid window index (-1 if none), best ask window index (``span`` if none), window level
  counts, overflow level counts and the overflow capacity ``ocap``;
- the dense **window** (the fixed-range array book of hftbacktest): bid sizes then ask sizes in lots,
  indexed by ``price_ticks - base``, so setting a level near the touch is O(1);
- the sorted **overflow** for levels outside the window: bid prices ascending, their sizes, ask
  prices *negated* ascending, their sizes (best level last in each).

The best bid is the larger of the window's best and the bid overflow's last price (and conversely
for asks), so the window is only a speed-up: correctness never depends on where the market is. When
the touch leaves the window the kernels say so and :class:`arbkit.book.OrderBook` re-centres it.

A venue message is applied whole (its levels may cross the book transiently: Binance can send the
new bid before the deletion of the ask it replaced). If the book is still crossed after the whole
message the data was inconsistent: the crossed levels of the side opposite the message's last added
level are removed and counted, so callers can report it. After any update the book is never crossed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

BASE = 0
SPAN = 1
BEST_BID = 2
BEST_ASK = 3
N_BIDS = 4
N_ASKS = 5
N_OB = 6
N_OA = 7
OCAP = 8
HEADER = 16

OK = 0
FULL = 1
"""An overflow side has no room: the caller grows the buffer and resumes."""
RECENTRE = 2
"""After the message the touch lies outside the window: the caller re-centres it."""
INVALID = 3
"""The level was refused: price <= 0 or size < 0 is not a book level (the book stays as it was)."""

NO_PRICE = -1


def new_book(base: int, span: int, overflow_capacity: int) -> np.ndarray:
    """Buffer of an empty book whose window covers prices ``[base, base + span)`` in ticks."""
    buf = np.zeros(HEADER + 2 * span + 4 * overflow_capacity, dtype=np.int64)
    buf[BASE] = base
    buf[SPAN] = span
    buf[BEST_BID] = -1
    buf[BEST_ASK] = span
    buf[OCAP] = overflow_capacity
    return buf


@njit(cache=True, inline="always")
def _ob_px(buf):  # type: ignore[no-untyped-def]
    return HEADER + 2 * buf[SPAN]


@njit(cache=True, inline="always")
def _oa_px(buf):  # type: ignore[no-untyped-def]
    return HEADER + 2 * buf[SPAN] + 2 * buf[OCAP]


@njit(cache=True)
def _set_sorted(buf, px, count_slot, key, size):  # type: ignore[no-untyped-def]
    """Set/delete ``key`` in the sorted overflow run starting at ``px`` (sizes at ``px + ocap``)."""
    cap = buf[OCAP]
    sz = px + cap
    count = buf[count_slot]
    lo = 0
    hi = count
    while lo < hi:
        mid = (lo + hi) >> 1
        if buf[px + mid] < key:
            lo = mid + 1
        else:
            hi = mid
    pos = lo
    found = pos < count and buf[px + pos] == key
    if size == 0:
        if found:
            for i in range(pos, count - 1):
                buf[px + i] = buf[px + i + 1]
                buf[sz + i] = buf[sz + i + 1]
            buf[count_slot] = count - 1
        return OK
    if found:
        buf[sz + pos] = size
        return OK
    if count == cap:
        return FULL
    for i in range(count, pos, -1):
        buf[px + i] = buf[px + i - 1]
        buf[sz + i] = buf[sz + i - 1]
    buf[px + pos] = key
    buf[sz + pos] = size
    buf[count_slot] = count + 1
    return OK


@njit(cache=True)
def set_level(buf, is_bid, price, size):  # type: ignore[no-untyped-def]
    """Set one level (size 0 deletes it); price in ticks, size in lots. Returns OK, FULL or INVALID."""
    if size < 0 or price <= 0:
        return INVALID
    span = buf[SPAN]
    idx = price - buf[BASE]
    if idx < 0 or idx >= span:
        if is_bid:
            return _set_sorted(buf, _ob_px(buf), N_OB, price, size)
        return _set_sorted(buf, _oa_px(buf), N_OA, -price, size)
    if is_bid:
        at = HEADER + idx
        old = buf[at]
        buf[at] = size
        if size > 0:
            if old == 0:
                buf[N_BIDS] += 1
            if idx > buf[BEST_BID]:
                buf[BEST_BID] = idx
        elif old > 0:
            buf[N_BIDS] -= 1
            if idx == buf[BEST_BID]:
                j = -1
                if buf[N_BIDS] > 0:
                    j = idx - 1
                    while j >= 0 and buf[HEADER + j] == 0:
                        j -= 1
                buf[BEST_BID] = j
    else:
        asks = HEADER + span
        at = asks + idx
        old = buf[at]
        buf[at] = size
        if size > 0:
            if old == 0:
                buf[N_ASKS] += 1
            if idx < buf[BEST_ASK]:
                buf[BEST_ASK] = idx
        elif old > 0:
            buf[N_ASKS] -= 1
            if idx == buf[BEST_ASK]:
                j = span
                if buf[N_ASKS] > 0:
                    j = idx + 1
                    while j < span and buf[asks + j] == 0:
                        j += 1
                buf[BEST_ASK] = j
    return OK


@njit(cache=True)
def best_bid_price(buf):  # type: ignore[no-untyped-def]
    """Best bid in ticks, or NO_PRICE."""
    best = NO_PRICE
    if buf[N_BIDS] > 0:
        best = buf[BASE] + buf[BEST_BID]
    n = buf[N_OB]
    if n > 0:
        over = buf[_ob_px(buf) + n - 1]
        if over > best:
            best = over
    return best


@njit(cache=True)
def best_ask_price(buf):  # type: ignore[no-untyped-def]
    """Best ask in ticks, or NO_PRICE."""
    best = NO_PRICE
    if buf[N_ASKS] > 0:
        best = buf[BASE] + buf[BEST_ASK]
    n = buf[N_OA]
    if n > 0:
        over = -buf[_oa_px(buf) + n - 1]
        if best == NO_PRICE or over < best:
            best = over
    return best


@njit(cache=True)
def size_at(buf, is_bid, price):  # type: ignore[no-untyped-def]
    """Size in lots resting at ``price`` on one side (0 if none)."""
    span = buf[SPAN]
    idx = price - buf[BASE]
    if 0 <= idx < span:
        return buf[HEADER + idx] if is_bid else buf[HEADER + span + idx]
    px = _ob_px(buf) if is_bid else _oa_px(buf)
    n = buf[N_OB] if is_bid else buf[N_OA]
    key = price if is_bid else -price
    for i in range(n - 1, -1, -1):
        if buf[px + i] == key:
            return buf[px + buf[OCAP] + i]
    return 0


@njit(cache=True)
def is_crossed(buf):  # type: ignore[no-untyped-def]
    """True if both sides have levels and best bid >= best ask."""
    bid = best_bid_price(buf)
    ask = best_ask_price(buf)
    return bid != NO_PRICE and ask != NO_PRICE and bid >= ask


@njit(cache=True)
def touch_outside_window(buf):  # type: ignore[no-untyped-def]
    """True if the best bid or best ask lies outside the dense window."""
    base = buf[BASE]
    top = base + buf[SPAN]
    bid = best_bid_price(buf)
    ask = best_ask_price(buf)
    if bid != NO_PRICE and (bid < base or bid >= top):
        return True
    return ask != NO_PRICE and (ask < base or ask >= top)


@njit(cache=True)
def uncross(buf, keep_bids):  # type: ignore[no-untyped-def]
    """Remove the levels that make the book crossed; returns how many were removed.

    ``keep_bids`` True removes asks at or below the best bid (the bid update was the newer one);
    False removes bids at or above the best ask.
    """
    pruned = 0
    while is_crossed(buf):
        if keep_bids:
            set_level(buf, False, best_ask_price(buf), 0)
        else:
            set_level(buf, True, best_bid_price(buf), 0)
        pruned += 1
    return pruned


@njit(cache=True)
def end_of_message(buf, last_add_is_bid, out):  # type: ignore[no-untyped-def]
    """Checks after a whole message: uncross (count added to ``out[1]``); returns OK or RECENTRE."""
    if is_crossed(buf):
        out[1] += uncross(buf, last_add_is_bid)
    if touch_outside_window(buf):
        return RECENTRE
    return OK


@njit(cache=True)
def apply_levels(buf, is_bid, prices, sizes, start, stop, out):  # type: ignore[no-untyped-def]
    """Apply rows ``start:stop`` of parallel arrays (is_bid, prices, sizes) as one venue message.

    Writes ``out[0]`` = next row (``stop`` when done) and ``out[1]`` = levels pruned, and returns a
    status: OK, FULL (the overflow is full at row ``out[0]``; grow and resume) or RECENTRE (done,
    but the touch left the window).
    """
    last_add_is_bid = True
    out[1] = 0
    for row in range(start, stop):
        if set_level(buf, is_bid[row], prices[row], sizes[row]) == FULL:
            out[0] = row
            return FULL
        if sizes[row] > 0:
            last_add_is_bid = is_bid[row]
    out[0] = stop
    return end_of_message(buf, last_add_is_bid, out)


@njit(cache=True)
def clear(buf):  # type: ignore[no-untyped-def]
    """Remove every level of both sides (window and overflow)."""
    span = buf[SPAN]
    j = buf[BEST_BID]
    while j >= 0 and buf[N_BIDS] > 0:
        if buf[HEADER + j] != 0:
            buf[HEADER + j] = 0
            buf[N_BIDS] -= 1
        j -= 1
    j = buf[BEST_ASK]
    while j < span and buf[N_ASKS] > 0:
        if buf[HEADER + span + j] != 0:
            buf[HEADER + span + j] = 0
            buf[N_ASKS] -= 1
        j += 1
    buf[BEST_BID] = -1
    buf[BEST_ASK] = span
    buf[N_BIDS] = 0
    buf[N_ASKS] = 0
    buf[N_OB] = 0
    buf[N_OA] = 0


@njit(cache=True)
def top_levels(buf, is_bid, n, out_prices, out_sizes):  # type: ignore[no-untyped-def]
    """Write up to ``n`` best levels of one side (best first) into the out arrays; returns how many."""
    base = buf[BASE]
    span = buf[SPAN]
    cap = buf[OCAP]
    k = 0
    if is_bid:
        px = _ob_px(buf)
        o = buf[N_OB] - 1
        while o >= 0 and buf[px + o] >= base + span and k < n:  # overflow above the window
            out_prices[k] = buf[px + o]
            out_sizes[k] = buf[px + cap + o]
            k += 1
            o -= 1
        j = buf[BEST_BID] if buf[N_BIDS] > 0 else -1
        while j >= 0 and k < n:
            if buf[HEADER + j] > 0:
                out_prices[k] = base + j
                out_sizes[k] = buf[HEADER + j]
                k += 1
            j -= 1
        while o >= 0 and k < n:  # overflow below the window
            out_prices[k] = buf[px + o]
            out_sizes[k] = buf[px + cap + o]
            k += 1
            o -= 1
    else:
        px = _oa_px(buf)
        o = buf[N_OA] - 1
        while o >= 0 and -buf[px + o] < base and k < n:  # overflow below the window
            out_prices[k] = -buf[px + o]
            out_sizes[k] = buf[px + cap + o]
            k += 1
            o -= 1
        j = buf[BEST_ASK] if buf[N_ASKS] > 0 else span
        while j < span and k < n:
            if buf[HEADER + span + j] > 0:
                out_prices[k] = base + j
                out_sizes[k] = buf[HEADER + span + j]
                k += 1
            j += 1
        while o >= 0 and k < n:  # overflow above the window
            out_prices[k] = -buf[px + o]
            out_sizes[k] = buf[px + cap + o]
            k += 1
            o -= 1
    return k


@njit(cache=True, inline="always")
def _bid_weight(buf, n_levels):  # type: ignore[no-untyped-def]
    """Sum over the best ``n_levels`` bids of size / (i + 1); the walk of :func:`top_levels`, no scratch."""
    base = buf[BASE]
    top = base + buf[SPAN]
    px = HEADER + 2 * buf[SPAN]
    cap = buf[OCAP]
    w = 0.0
    k = 0
    o = buf[N_OB] - 1
    while o >= 0 and buf[px + o] >= top and k < n_levels:  # overflow above the window
        w += buf[px + cap + o] / (k + 1.0)
        k += 1
        o -= 1
    if buf[N_BIDS] > 0:
        j = HEADER + buf[BEST_BID]
        while j >= HEADER and k < n_levels:
            s = buf[j]
            if s > 0:
                w += s / (k + 1.0)
                k += 1
            j -= 1
    while o >= 0 and k < n_levels:  # overflow below the window
        w += buf[px + cap + o] / (k + 1.0)
        k += 1
        o -= 1
    return w


@njit(cache=True, inline="always")
def _ask_weight(buf, n_levels):  # type: ignore[no-untyped-def]
    """Sum over the best ``n_levels`` asks of size / (i + 1)."""
    base = buf[BASE]
    span = buf[SPAN]
    px = HEADER + 2 * span + 2 * buf[OCAP]
    cap = buf[OCAP]
    w = 0.0
    k = 0
    o = buf[N_OA] - 1
    while o >= 0 and -buf[px + o] < base and k < n_levels:  # overflow below the window
        w += buf[px + cap + o] / (k + 1.0)
        k += 1
        o -= 1
    if buf[N_ASKS] > 0:
        j = HEADER + span + buf[BEST_ASK]
        end = HEADER + 2 * span
        while j < end and k < n_levels:
            s = buf[j]
            if s > 0:
                w += s / (k + 1.0)
                k += 1
            j += 1
    while o >= 0 and k < n_levels:  # overflow above the window
        w += buf[px + cap + o] / (k + 1.0)
        k += 1
        o -= 1
    return w


@njit(cache=True, inline="always")
def weighted_imbalance(buf, n_levels):  # type: ignore[no-untyped-def]
    """Depth-weighted order-book imbalance over the top ``n_levels`` of each side, in [-1, 1].

    Level i (0 = best) has weight 1 / (i + 1). Returns (W_bid - W_ask) / (W_bid + W_ask) where W is
    the weighted sum of sizes in lots; 0.0 for an empty book. Reads the buffer directly (no scratch).
    """
    wb = _bid_weight(buf, n_levels)
    wa = _ask_weight(buf, n_levels)
    total = wb + wa
    if total == 0.0:
        return 0.0
    return (wb - wa) / total
