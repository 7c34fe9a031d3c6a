"""One compiled call per event: validate the input, update the instrument block, run the touched features.

:func:`run_event` is the only entry point of the compiled feature path. The streaming engine calls it
once per event; the batch functions call it in a compiled loop over history. Both therefore compute
the same numbers bit for bit.

Per event, in order:

1. a book event is validated (both sides present, prices > 0, bid < ask, finite, sizes > 0) and
   copied into the instrument block; a bad one marks the instrument ``INVALID_INPUT`` and is
   counted; an empty side marks it ``NO_INPUT``;
2. a trade event with a price or quantity that is not a finite number > 0, or a side other than ±1,
   is counted and dropped: no feature sees it;
3. each feature reading the event's instrument (or whose source output was just updated) runs, in
   declaration order. A feature that needs a book gets its instrument's status instead of a number
   while the book is unusable, and keeps its state. A feature whose previous update is more than
   ``max_gap_ns`` before this event is reset (``WARMING_UP`` again).

Event time is made non-decreasing per feature: an event older than the feature's last update counts
as simultaneous with it (``dt = 0``).
"""

from __future__ import annotations

import math

from arbkit.features.jit import kernel

from arbkit.features.kernels import book as kb
from arbkit.features.kernels import cross as kc
from arbkit.features.kernels import trades as kt
from arbkit.features.kernels import volatility as kv
from arbkit.features.kernels import zscores as kz
from arbkit.features.kernels.common import emit_all
from arbkit.features.layout import (ASK_DEPTH_LOTS, ASK_LOTS, ASK_TICKS, BID_DEPTH_LOTS, BID_LOTS, BID_TICKS, EV_BOOK,
                                    EV_GAP, EV_TRADE, F_A, F_B, F_COUNT, F_FIRST_TS, F_KIND, F_LAST_TS, F_MASK,
                                    F_NEEDS_BOOK, F_NOUT, F_NSTATE, F_OUT, F_PARAM, F_SRC_FEATURE, F_SRC_OUT, F_STATE,
                                    F_TOUCHED, FREC, H_BAD_BOOK, H_BAD_TRADE, H_EVENTS, H_MAX_GAP_NS, H_N_FEATURES,
                                    H_N_INSTRUMENTS, H_PARAM_OFF, H_STATE_OFF, H_STATUS_OFF, H_VALUE_OFF, HDR, I_FIELDS,
                                    I_LOG_MID, I_LOT, I_MID, I_MID_TICKS, I_OK, I_STATUS, I_TICK, IB, INVALID_INPUT,
                                    NO_INPUT, READY, TRADE_LOTS, TRADE_SIDE, TRADE_TICKS)

# feature kinds (codes stored in the program; names in arbkit.features.declarations)
K_IMBALANCE_L1 = 1
K_IMBALANCE_TOP_N = 2
K_MICROPRICE = 3
K_SPREAD = 4
K_BOOK_SLOPE = 5
K_TRADE_FLOW = 6
K_VWAP_DEVIATION = 7
K_TRADE_INTENSITY = 8
K_EWMA_VOL = 9
K_REALIZED_VOL = 10
K_RANGE_VOL = 11
K_BASIS = 12
K_LEAD_LAG = 13
K_EWMA_ZSCORE = 14
K_ROLLING_ZSCORE = 15
K_EWMA_COVARIANCE = 16


@kernel
def _load_book(i64, f64, ib, row):  # type: ignore[no-untyped-def]
    """Validate a book row and copy it into the instrument block at ``ib``."""
    if row[BID_DEPTH_LOTS] == 0.0 or row[ASK_DEPTH_LOTS] == 0.0:
        f64[ib + I_OK] = 0.0
        f64[ib + I_STATUS] = NO_INPUT
        return
    for j in range(9):
        if not math.isfinite(row[j]):
            f64[ib + I_OK] = 0.0
            f64[ib + I_STATUS] = INVALID_INPUT
            i64[H_BAD_BOOK] += 1
            return
    bid = row[BID_TICKS]
    ask = row[ASK_TICKS]
    if bid <= 0.0 or ask <= bid or row[BID_LOTS] <= 0.0 or row[ASK_LOTS] <= 0.0:
        f64[ib + I_OK] = 0.0
        f64[ib + I_STATUS] = INVALID_INPUT
        i64[H_BAD_BOOK] += 1
        return
    for j in range(9):
        f64[ib + I_FIELDS + j] = row[j]
    mid_ticks = 0.5 * (bid + ask)
    f64[ib + I_MID_TICKS] = mid_ticks
    f64[ib + I_MID] = mid_ticks * f64[ib + I_TICK]
    f64[ib + I_LOG_MID] = math.log(f64[ib + I_MID])
    f64[ib + I_OK] = 1.0
    f64[ib + I_STATUS] = READY


@kernel
def _book_status(f64, n_instruments, mask):  # type: ignore[no-untyped-def]
    """READY if every instrument in ``mask`` has a usable book, else the worst status among them."""
    status = READY
    for k in range(n_instruments):
        if (mask >> k) & 1 and f64[k * IB + I_OK] == 0.0:
            s = int(f64[k * IB + I_STATUS])
            if s > status:
                status = s
    return status


@kernel
def _run_feature(i64, f64, r, ts, is_trade, row):  # type: ignore[no-untyped-def]
    kind = i64[r + F_KIND]
    n_out = i64[r + F_NOUT]
    vo = i64[H_VALUE_OFF] + i64[r + F_OUT]
    so = i64[H_STATUS_OFF] + i64[r + F_OUT]
    po = i64[H_PARAM_OFF] + i64[r + F_PARAM]
    st = i64[H_STATE_OFF] + i64[r + F_STATE]
    ia = i64[r + F_A] * IB
    x = 0.0
    src = i64[r + F_SRC_OUT]
    if src >= 0:
        s = i64[i64[H_STATUS_OFF] + src]
        if s != READY:
            emit_all(f64, i64, vo, so, n_out, s)
            return
        x = f64[i64[H_VALUE_OFF] + src]
    elif i64[r + F_NEEDS_BOOK] == 1:
        s = _book_status(f64, i64[H_N_INSTRUMENTS], i64[r + F_MASK])
        if s != READY:
            emit_all(f64, i64, vo, so, n_out, s)
            return

    # time: reset after a long gap; event time non-decreasing per feature
    count = i64[r + F_COUNT]
    last = i64[r + F_LAST_TS]
    if count > 0 and ts - last > i64[H_MAX_GAP_NS]:
        for j in range(i64[r + F_NSTATE]):
            f64[st + j] = 0.0
        count = 0
    if count == 0:
        i64[r + F_FIRST_TS] = ts
        last = ts
    now = ts if ts > last else last
    dt = float(now - last)
    elapsed = float(now - i64[r + F_FIRST_TS])
    first = count == 0
    i64[r + F_LAST_TS] = now
    i64[r + F_COUNT] = count + 1

    if kind == K_IMBALANCE_L1:
        kb.imbalance_l1(f64, i64, ia, vo, so)
    elif kind == K_IMBALANCE_TOP_N:
        kb.imbalance_top_n(f64, i64, ia, vo, so)
    elif kind == K_MICROPRICE:
        kb.microprice(f64, i64, ia, vo, so)
    elif kind == K_SPREAD:
        kb.spread(f64, i64, ia, vo, so)
    elif kind == K_BOOK_SLOPE:
        kb.book_slope(f64, i64, ia, vo, so)
    elif kind == K_TRADE_FLOW:
        qty = row[TRADE_LOTS] * f64[ia + I_LOT] if is_trade else 0.0
        kt.trade_flow_imbalance(f64, i64, po, st, vo, so, dt, elapsed, is_trade, qty, row[TRADE_SIDE])
    elif kind == K_TRADE_INTENSITY:
        kt.trade_intensity(f64, i64, po, st, vo, so, dt, elapsed, is_trade)
    elif kind == K_VWAP_DEVIATION:
        price = row[TRADE_TICKS] * f64[ia + I_TICK] if is_trade else 0.0
        qty = row[TRADE_LOTS] * f64[ia + I_LOT] if is_trade else 0.0
        status = _book_status(f64, i64[H_N_INSTRUMENTS], i64[r + F_MASK])
        kt.vwap_deviation(f64, i64, ia, po, st, vo, so, dt, elapsed, is_trade, price, qty, status)
    elif kind == K_EWMA_VOL:
        kv.ewma_vol(f64, i64, po, st, vo, so, dt, elapsed, first, f64[ia + I_LOG_MID])
    elif kind == K_REALIZED_VOL:
        kv.realized_vol(f64, i64, po, st, vo, so, now, first, f64[ia + I_LOG_MID])
    elif kind == K_RANGE_VOL:
        kv.range_vol(f64, i64, po, st, vo, so, now, first, f64[ia + I_LOG_MID])
    elif kind == K_BASIS:
        kc.basis(f64, i64, ia, i64[r + F_B] * IB, vo, so)
    elif kind == K_LEAD_LAG:
        kc.lead_lag(f64, i64, po, st, vo, so, now, first, f64[ia + I_LOG_MID], f64[i64[r + F_B] * IB + I_LOG_MID])
    elif kind == K_EWMA_ZSCORE:
        kz.ewma_zscore(f64, i64, po, st, vo, so, dt, elapsed, first, x)
    elif kind == K_ROLLING_ZSCORE:
        kz.rolling_zscore(f64, i64, po, st, vo, so, now, first, x)
    elif kind == K_EWMA_COVARIANCE:
        kc.ewma_covariance(f64, i64, po, st, vo, so, now, first)


@kernel
def run_event(i64, f64, ts, inst, kind, row):  # type: ignore[no-untyped-def]
    """Apply one event (``kind`` EV_BOOK, EV_TRADE or EV_GAP of instrument index ``inst`` at ``ts`` ns).

    Returns 1 if the event was used, 0 if it was rejected (counted in the header).
    """
    i64[H_EVENTS] += 1
    ib = inst * IB
    is_trade = False
    if kind == EV_BOOK:
        _load_book(i64, f64, ib, row)
    elif kind == EV_TRADE:
        px = row[TRADE_TICKS]
        qty = row[TRADE_LOTS]
        side = row[TRADE_SIDE]
        if not (math.isfinite(px) and px > 0.0 and math.isfinite(qty) and qty > 0.0 and (side == 1.0 or side == -1.0)):
            i64[H_BAD_TRADE] += 1
            return 0
        is_trade = True
    elif kind == EV_GAP:
        f64[ib + I_OK] = 0.0
        f64[ib + I_STATUS] = NO_INPUT
    else:
        return 0
    bit = 1 << inst
    for f in range(i64[H_N_FEATURES]):
        r = HDR + f * FREC
        i64[r + F_TOUCHED] = 0
        src_feature = i64[r + F_SRC_FEATURE]
        if src_feature >= 0:
            if i64[HDR + src_feature * FREC + F_TOUCHED] == 0:
                continue
        elif (i64[r + F_MASK] & bit) == 0 or (is_trade and i64[r + F_NEEDS_BOOK] == 1):
            continue  # not this instrument's, or a book feature (a trade leaves the book as it was)
        i64[r + F_TOUCHED] = 1
        _run_feature(i64, f64, r, ts, is_trade, row)
    return 1


@kernel
def run_batch(i64, f64, ts, inst, kind, fields, out_values, out_status):  # type: ignore[no-untyped-def]
    """:func:`run_event` over every row; copies all outputs after each event into the out matrices."""
    n_out = i64[1]
    vo = i64[H_VALUE_OFF]
    so = i64[H_STATUS_OFF]
    for e in range(ts.shape[0]):
        run_event(i64, f64, ts[e], inst[e], kind[e], fields[e])
        for j in range(n_out):
            out_values[e, j] = f64[vo + j]
            out_status[e, j] = i64[so + j]

