"""Compiled scanner of the Binance collector format: raw bytes → message and row arrays.

This is the fast path of :mod:`arbkit.adapters.binance.fast_ingest`. It reads well-formed files only:
at the first thing it does not understand (a malformed line, an unknown stream, a price off the tick
grid, another symbol) it stops and returns an error code with the line number, and the caller falls
back to the validating Python reader, which raises or records the precise typed error. So the two
paths never disagree on what a file means: the fast one just refuses anything unusual.

Each line is walked once: a minimal JSON object walker records where the known keys' values start,
then the values are parsed in place (integers, decimal strings scaled exactly to ticks and lots,
booleans, and the ``[["price","qty"], ...]`` level arrays).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# message kinds
M_SNAPSHOT = 0
M_DEPTH = 1
M_BBO = 2
M_TRADE = 3

# error codes (0 = ok)
E_OK = 0
E_SYNTAX = 1
E_STREAM = 2
E_SYMBOL = 3
E_NUMBER = 4
E_GRID = 5
E_MISSING = 6
E_CAPACITY = 7

# known keys
K_STREAM, K_DATA, K_E, K_T, K_UU, K_U, K_PU, K_B, K_A, K_BB, K_AA, K_TT, K_P, K_Q, K_M, K_LAST, K_BIDS, K_ASKS = range(18)
N_KEYS = 18

QUOTE = 34  # "
COLON = 58
COMMA = 44
LBRACE = 123
RBRACE = 125
LBRACK = 91
RBRACK = 93
SPACE = 32
NEWLINE = 10
DOT = 46
ZERO = 48
NINE = 57
BACKSLASH = 92


@njit(cache=True, inline="always")
def _ws(buf, pos, end):  # type: ignore[no-untyped-def]
    while pos < end and (buf[pos] == SPACE or buf[pos] == 9 or buf[pos] == 13):
        pos += 1
    return pos


@njit(cache=True)
def _key_id(buf, start, stop):  # type: ignore[no-untyped-def]
    """Id of the key bytes buf[start:stop] (without quotes), or -1 if not a key we use."""
    n = stop - start
    c = buf[start]
    if n == 1:
        if c == 69:  # E
            return K_E
        if c == 84:  # T
            return K_T
        if c == 85:  # U
            return K_UU
        if c == 117:  # u
            return K_U
        if c == 98:  # b
            return K_B
        if c == 97:  # a
            return K_A
        if c == 66:  # B
            return K_BB
        if c == 65:  # A
            return K_AA
        if c == 116:  # t
            return K_TT
        if c == 112:  # p
            return K_P
        if c == 113:  # q
            return K_Q
        if c == 109:  # m
            return K_M
        return -1
    if n == 2 and c == 112 and buf[start + 1] == 117:  # pu
        return K_PU
    if n == 4:
        if c == 100 and buf[start + 1] == 97 and buf[start + 2] == 116 and buf[start + 3] == 97:  # data
            return K_DATA
        if c == 98 and buf[start + 1] == 105 and buf[start + 2] == 100 and buf[start + 3] == 115:  # bids
            return K_BIDS
        if c == 97 and buf[start + 1] == 115 and buf[start + 2] == 107 and buf[start + 3] == 115:  # asks
            return K_ASKS
        return -1
    if n == 6 and c == 115 and buf[start + 1] == 116 and buf[start + 2] == 114:  # stream
        return K_STREAM
    if n == 12 and c == 108 and buf[start + 4] == 85 and buf[start + 10] == 73:  # lastUpdateId
        return K_LAST
    return -1


@njit(cache=True, inline="always")
def _skip_string(buf, pos, end):  # type: ignore[no-untyped-def]
    """Position after the string whose opening quote is at ``pos``; -1 if it does not close."""
    pos += 1
    while pos < end:
        c = buf[pos]
        if c == QUOTE:
            return pos + 1
        pos += 2 if c == BACKSLASH else 1
    return -1


@njit(cache=True)
def _skip_value(buf, pos, end):  # type: ignore[no-untyped-def]
    """Position after the JSON value starting at ``pos`` (string, number, literal, array, object); -1 on error."""
    if pos >= end:
        return -1
    c = buf[pos]
    if c == QUOTE:
        return _skip_string(buf, pos, end)
    if c == LBRACK or c == LBRACE:
        depth = 0
        while pos < end:
            c = buf[pos]
            if c == QUOTE:
                pos = _skip_string(buf, pos, end)
                if pos < 0:
                    return -1
                continue
            if c == LBRACK or c == LBRACE:
                depth += 1
            elif c == RBRACK or c == RBRACE:
                depth -= 1
                if depth == 0:
                    return pos + 1
            pos += 1
        return -1
    while pos < end and buf[pos] != COMMA and buf[pos] != RBRACE and buf[pos] != RBRACK:
        pos += 1
    return pos


@njit(cache=True)
def count_bytes(buf, a, b):  # type: ignore[no-untyped-def]
    """(occurrences of byte ``a``, occurrences of byte ``b``) in one pass."""
    na = 0
    nb = 0
    for i in range(buf.shape[0]):
        c = buf[i]
        if c == a:
            na += 1
        elif c == b:
            nb += 1
    return na, nb


# slots of the level-parsing context array
C_PDEC, C_PSTEP, C_SDEC, C_SSTEP, C_ROW, C_ERR, C_ASKS_SEEN, C_BIDS_ROW0, C_ASKS_ROW0 = range(9)


@njit(cache=True)
def _walk_object(buf, pos, end, slots, ctx, sides, prices, sizes, tmp):  # type: ignore[no-untyped-def]
    """Walk one JSON object: record in ``slots[key id]`` where each known key's value starts.

    Level arrays (``b``/``a``/``bids``/``asks`` whose value is an array) are parsed into the row
    arrays as they are met, so a line is read once. Returns the position after '}' or -1
    (``ctx[C_ERR]`` then says why if a level array was at fault).
    """
    pos = _ws(buf, pos, end)
    if pos >= end or buf[pos] != LBRACE:
        return -1
    pos = _ws(buf, pos + 1, end)
    if pos < end and buf[pos] == RBRACE:
        return pos + 1
    while pos < end:
        if buf[pos] != QUOTE:
            return -1
        key_start = pos + 1
        key_end = key_start
        while key_end < end and buf[key_end] != QUOTE:
            key_end += 1
        if key_end >= end or key_end == key_start:
            return -1
        pos = _ws(buf, key_end + 1, end)
        if pos >= end or buf[pos] != COLON:
            return -1
        pos = _ws(buf, pos + 1, end)
        key = _key_id(buf, key_start, key_end)
        if key >= 0:
            slots[key] = pos
        if (key == K_B or key == K_A or key == K_BIDS or key == K_ASKS) and buf[pos] == LBRACK:
            is_bid = key == K_B or key == K_BIDS
            if is_bid and ctx[C_ASKS_SEEN] != 0:
                ctx[C_ERR] = E_SYNTAX  # asks before bids: leave it to the validating reader
                return -1
            if not is_bid:
                ctx[C_ASKS_SEEN] = 1
            row, err, pos = _levels_at(buf, pos, end, is_bid, ctx[C_PDEC], ctx[C_PSTEP], ctx[C_SDEC], ctx[C_SSTEP],
                                       sides, prices, sizes, ctx[C_ROW], tmp)
            ctx[C_ROW] = row
            if err != E_OK:
                ctx[C_ERR] = err
                return -1
        elif key == K_DATA and buf[pos] == LBRACE:
            return -2  # the caller walks the inner object itself (no recursion in compiled code)
        else:
            pos = _skip_value(buf, pos, end)
            if pos < 0:
                return -1
        pos = _ws(buf, pos, end)
        if pos < end and buf[pos] == COMMA:
            pos = _ws(buf, pos + 1, end)
            continue
        if pos < end and buf[pos] == RBRACE:
            return pos + 1
        return -1
    return -1


@njit(cache=True)
def _int_at(buf, pos, end):  # type: ignore[no-untyped-def]
    """Non-negative JSON integer at ``pos``; -1 if there is none (negative values are refused)."""
    if pos < 0 or pos >= end or buf[pos] < ZERO or buf[pos] > NINE:
        return -1
    value = 0
    digits = 0
    while pos < end and ZERO <= buf[pos] <= NINE:
        value = value * 10 + (buf[pos] - ZERO)
        pos += 1
        digits += 1
        if digits > 18:
            return -1
    if pos < end and (buf[pos] == DOT or buf[pos] == 101 or buf[pos] == 69):
        return -1  # a float where an integer belongs
    return value


@njit(cache=True)
def _decimal_at(buf, pos, end, decimals, step_units, out):  # type: ignore[no-untyped-def]
    """Parse ``"123.4500"`` at ``pos`` into out[0] = value / step (exact). Returns the position after it, or -1/-2.

    -1: not a plain quoted non-negative decimal; -2: more decimals than allowed, or off the step grid.
    """
    if pos < 0 or pos >= end or buf[pos] != QUOTE:
        return -1
    pos += 1
    value = 0
    digits = 0
    frac = -1
    while pos < end and buf[pos] != QUOTE:
        c = buf[pos]
        if c == DOT:
            if frac >= 0:
                return -1
            frac = 0
        elif ZERO <= c <= NINE:
            if frac >= 0:
                if frac >= decimals:
                    if c != ZERO:
                        return -2
                    pos += 1
                    continue
                frac += 1
            value = value * 10 + (c - ZERO)
            digits += 1
            if digits > 18:
                return -1
        else:
            return -1
        pos += 1
    if pos >= end or digits == 0:
        return -1
    scale = decimals - (frac if frac > 0 else 0)
    for _ in range(scale):
        value *= 10
    if value % step_units != 0:
        return -2
    out[0] = value // step_units
    return pos + 1


@njit(cache=True)
def _levels_at(buf, pos, end, is_bid, pdec, pstep, sdec, sstep, sides, prices, sizes, row, tmp):  # type: ignore[no-untyped-def]
    """Parse ``[["p","q"], ...]`` at ``pos`` into rows from ``row``.

    Returns (next row, error code, position after the array).
    """
    if pos < 0 or pos >= end or buf[pos] != LBRACK:
        return row, E_MISSING, pos
    pos = _ws(buf, pos + 1, end)
    if pos < end and buf[pos] == RBRACK:
        return row, E_OK, pos + 1
    while pos < end:
        if buf[pos] != LBRACK:
            return row, E_SYNTAX, pos
        if row >= prices.shape[0]:
            return row, E_CAPACITY, pos
        pos = _decimal_at(buf, _ws(buf, pos + 1, end), end, pdec, pstep, tmp)
        if pos < 0:
            return row, E_GRID if pos == -2 else E_NUMBER, pos
        price = tmp[0]
        pos = _ws(buf, pos, end)
        if pos >= end or buf[pos] != COMMA:
            return row, E_SYNTAX, pos
        pos = _decimal_at(buf, _ws(buf, pos + 1, end), end, sdec, sstep, tmp)
        if pos < 0:
            return row, E_GRID if pos == -2 else E_NUMBER, pos
        if price <= 0:
            return row, E_NUMBER, pos
        pos = _ws(buf, pos, end)
        if pos >= end or buf[pos] != RBRACK:
            return row, E_SYNTAX, pos
        sides[row] = 1 if is_bid else -1
        prices[row] = price
        sizes[row] = tmp[0]
        row += 1
        pos = _ws(buf, pos + 1, end)
        if pos < end and buf[pos] == COMMA:
            pos = _ws(buf, pos + 1, end)
            continue
        if pos < end and buf[pos] == RBRACK:
            return row, E_OK, pos + 1
        return row, E_SYNTAX, pos
    return row, E_SYNTAX, pos


@njit(cache=True)
def _stream_kind(buf, start, stop, symbol):  # type: ignore[no-untyped-def]
    """Kind of a stream name ``<symbol>@<kind>`` (buf[start:stop] without quotes); -1 unknown, -2 other symbol."""
    n = symbol.shape[0]
    if stop - start <= n or buf[start + n] != 64:  # '@'
        return -2
    for i in range(n):
        if buf[start + i] != symbol[i]:
            return -2
    k = start + n + 1
    rest = stop - k
    if rest >= 5 and buf[k] == 100 and buf[k + 1] == 101 and buf[k + 2] == 112 and buf[k + 3] == 116 and buf[k + 4] == 104:
        return M_DEPTH  # depth, depth@100ms, depth@0ms, ...
    if rest == 10 and buf[k] == 98 and buf[k + 4] == 84:  # bookTicker
        return M_BBO
    if rest == 5 and buf[k] == 116 and buf[k + 1] == 114 and buf[k + 4] == 101:  # trade
        return M_TRADE
    return -1


@njit(cache=True)
def scan(buf, symbol, pdec, pstep, sdec, sstep, futures,  # type: ignore[no-untyped-def]
         m_kind, m_line, m_recv, m_event, m_first, m_last, m_prev, m_row0, m_row1,
         sides, prices, sizes, status):
    """Scan every line of ``buf``. Fills message arrays (m_*) and row arrays; returns the message count.

    ``status`` gets [error code, 1-based line of the error]; error code 0 means the whole buffer was read.
    Row arrays hold, per message: depth/snapshot levels (bids then asks), BBO (bid row then ask row),
    or one trade row (side = aggressor).
    """
    n = buf.shape[0]
    slots = np.full(N_KEYS, -1, dtype=np.int64)
    inner = np.full(N_KEYS, -1, dtype=np.int64)
    tmp = np.zeros(1, dtype=np.int64)
    ctx = np.zeros(9, dtype=np.int64)
    pos = 0
    line = 0
    msg = 0
    row = 0
    while pos < n:
        line += 1
        end = pos
        while end < n and buf[end] != NEWLINE:
            end += 1
        start = pos
        pos = end + 1
        if end == start:
            continue
        status[1] = line
        # receive time
        recv = 0
        p = start
        while p < end and ZERO <= buf[p] <= NINE:
            recv = recv * 10 + (buf[p] - ZERO)
            p += 1
        if p == start or p >= end or buf[p] != SPACE or recv <= 0 or p - start > 19:
            status[0] = E_SYNTAX
            return msg
        if msg >= m_kind.shape[0]:
            status[0] = E_CAPACITY
            return msg
        slots[:] = -1
        ctx[C_PDEC] = pdec
        ctx[C_PSTEP] = pstep
        ctx[C_SDEC] = sdec
        ctx[C_SSTEP] = sstep
        ctx[C_ROW] = row
        ctx[C_ERR] = E_OK
        ctx[C_ASKS_SEEN] = 0
        walked = _walk_object(buf, p + 1, end, slots, ctx, sides, prices, sizes, tmp)
        if walked == -1:
            status[0] = ctx[C_ERR] if ctx[C_ERR] != E_OK else E_SYNTAX
            return msg
        m_line[msg] = line
        m_recv[msg] = recv
        m_prev[msg] = -1
        m_row0[msg] = row
        if slots[K_LAST] >= 0:  # REST snapshot
            last_id = _int_at(buf, slots[K_LAST], end)
            if last_id < 0:
                status[0] = E_NUMBER
                return msg
            m_kind[msg] = M_SNAPSHOT
            m_first[msg] = last_id
            m_last[msg] = last_id
            t = _int_at(buf, slots[K_T], end) if slots[K_T] >= 0 else -1
            m_event[msg] = t * 1_000_000 if t >= 0 else recv
            if walked < 0 or slots[K_BIDS] < 0 or slots[K_ASKS] < 0 or buf[slots[K_BIDS]] != LBRACK \
                    or buf[slots[K_ASKS]] != LBRACK:
                status[0] = E_MISSING
                return msg
            row = ctx[C_ROW]
        else:
            s = slots[K_STREAM]
            if walked != -2 or s < 0 or buf[s] != QUOTE or slots[K_DATA] < 0 or ctx[C_ROW] != row:
                status[0] = E_SYNTAX
                return msg
            s_end = s + 1
            while s_end < end and buf[s_end] != QUOTE:
                s_end += 1
            kind = _stream_kind(buf, s + 1, s_end, symbol)
            if kind < 0:
                status[0] = E_SYMBOL if kind == -2 else E_STREAM
                return msg
            inner[:] = -1
            walked = _walk_object(buf, slots[K_DATA], end, inner, ctx, sides, prices, sizes, tmp)
            if walked < 0:
                status[0] = ctx[C_ERR] if ctx[C_ERR] != E_OK else E_SYNTAX
                return msg
            walked = _ws(buf, walked, end)
            if walked >= end or buf[walked] != RBRACE or (kind != M_DEPTH and ctx[C_ROW] != row):
                status[0] = E_SYNTAX
                return msg
            m_kind[msg] = kind
            if kind == M_DEPTH:
                first = _int_at(buf, inner[K_UU], end)
                last = _int_at(buf, inner[K_U], end)
                if first < 0 or last < 0 or first > last:
                    status[0] = E_NUMBER
                    return msg
                m_first[msg] = first
                m_last[msg] = last
                if futures:
                    prev = _int_at(buf, inner[K_PU], end)
                    if prev < 0:
                        status[0] = E_MISSING
                        return msg
                    m_prev[msg] = prev
                t = _int_at(buf, inner[K_T], end) if (futures and inner[K_T] >= 0) else _int_at(buf, inner[K_E], end)
                if t < 0:
                    status[0] = E_NUMBER
                    return msg
                m_event[msg] = t * 1_000_000
                if inner[K_B] < 0 or inner[K_A] < 0 or buf[inner[K_B]] != LBRACK or buf[inner[K_A]] != LBRACK:
                    status[0] = E_MISSING
                    return msg
                row = ctx[C_ROW]
            elif kind == M_BBO:
                uid = _int_at(buf, inner[K_U], end)
                if uid < 0 or row + 2 > prices.shape[0]:
                    status[0] = E_NUMBER if uid < 0 else E_CAPACITY
                    return msg
                m_first[msg] = uid
                m_last[msg] = uid
                t = _int_at(buf, inner[K_T], end) if inner[K_T] >= 0 else -1
                m_event[msg] = t * 1_000_000 if t >= 0 else recv
                for side, kp, kq in ((1, K_B, K_BB), (-1, K_A, K_AA)):
                    if _decimal_at(buf, inner[kp], end, pdec, pstep, tmp) < 0 or tmp[0] <= 0:
                        status[0] = E_NUMBER
                        return msg
                    prices[row] = tmp[0]
                    if _decimal_at(buf, inner[kq], end, sdec, sstep, tmp) < 0:
                        status[0] = E_NUMBER
                        return msg
                    sizes[row] = tmp[0]
                    sides[row] = side
                    row += 1
            else:
                tid = _int_at(buf, inner[K_TT], end)
                t = _int_at(buf, inner[K_T], end)
                mpos = inner[K_M]
                if tid < 0 or t < 0 or mpos < 0 or row + 1 > prices.shape[0]:
                    status[0] = E_NUMBER if row + 1 <= prices.shape[0] else E_CAPACITY
                    return msg
                if buf[mpos] == 116:  # true: buyer is maker, the seller aggressed
                    sides[row] = -1
                elif buf[mpos] == 102:
                    sides[row] = 1
                else:
                    status[0] = E_NUMBER
                    return msg
                if _decimal_at(buf, inner[K_P], end, pdec, pstep, tmp) < 0 or tmp[0] <= 0:
                    status[0] = E_NUMBER
                    return msg
                prices[row] = tmp[0]
                if _decimal_at(buf, inner[K_Q], end, sdec, sstep, tmp) < 0 or tmp[0] <= 0:
                    status[0] = E_NUMBER
                    return msg
                sizes[row] = tmp[0]
                m_first[msg] = tid
                m_last[msg] = tid
                m_event[msg] = t * 1_000_000
                row += 1
        m_row1[msg] = row
        msg += 1
    status[0] = E_OK
    status[1] = line
    return msg
