"""Book features: stateless functions of the instrument's current top of book.

Units: imbalances in [-1, 1]; microprice deviation and spread in bps of the mid; spread also in
ticks (an exact integer); book slope in base units per bps of distance from the mid.
"""

from __future__ import annotations

from arbkit.features.jit import kernel
from arbkit.features.kernels.common import emit
from arbkit.features.layout import (ASK_DEPTH_LOTS, ASK_FAR_TICKS, ASK_LOTS, ASK_TICKS, BID_DEPTH_LOTS, BID_FAR_TICKS,
                                    BID_LOTS, BID_TICKS, I_FIELDS, I_LOT, I_MID_TICKS, IMB_N, READY)


@kernel
def imbalance_l1(f64, i64, ib, vo, so):  # type: ignore[no-untyped-def]
    """(bid size − ask size) / (bid size + ask size) at the best level."""
    b = f64[ib + I_FIELDS + BID_LOTS]
    a = f64[ib + I_FIELDS + ASK_LOTS]
    emit(f64, i64, vo, so, 0, (b - a) / (b + a), READY)


@kernel
def imbalance_top_n(f64, i64, ib, vo, so):  # type: ignore[no-untyped-def]
    """Depth-weighted imbalance of the top ``book_levels`` levels (level i weighs 1 / (i + 1))."""
    emit(f64, i64, vo, so, 0, f64[ib + I_FIELDS + IMB_N], READY)


@kernel
def microprice(f64, i64, ib, vo, so):  # type: ignore[no-untyped-def]
    """Size-weighted mid (bid × ask size + ask × bid size) / (bid size + ask size), as bps from the mid."""
    bid = f64[ib + I_FIELDS + BID_TICKS]
    ask = f64[ib + I_FIELDS + ASK_TICKS]
    bs = f64[ib + I_FIELDS + BID_LOTS]
    as_ = f64[ib + I_FIELDS + ASK_LOTS]
    mid = f64[ib + I_MID_TICKS]
    micro = (bid * as_ + ask * bs) / (bs + as_)
    emit(f64, i64, vo, so, 0, (micro - mid) / mid * 1e4, READY)


@kernel
def spread(f64, i64, ib, vo, so):  # type: ignore[no-untyped-def]
    """Outputs: spread in ticks (exact), spread in bps of the mid."""
    bid = f64[ib + I_FIELDS + BID_TICKS]
    ask = f64[ib + I_FIELDS + ASK_TICKS]
    emit(f64, i64, vo, so, 0, ask - bid, READY)
    emit(f64, i64, vo, so, 1, (ask - bid) / f64[ib + I_MID_TICKS] * 1e4, READY)


@kernel
def book_slope(f64, i64, ib, vo, so):  # type: ignore[no-untyped-def]
    """Outputs: mean slope of both sides, and (bid slope − ask slope) / (bid slope + ask slope).

    A side's slope is its summed size over the top ``book_levels`` (base units) divided by the
    distance in bps from the mid to the deepest of those levels.
    """
    mid = f64[ib + I_MID_TICKS]
    lot = f64[ib + I_LOT]
    bid_dist = (mid - f64[ib + I_FIELDS + BID_FAR_TICKS]) / mid * 1e4
    ask_dist = (f64[ib + I_FIELDS + ASK_FAR_TICKS] - mid) / mid * 1e4
    sb = f64[ib + I_FIELDS + BID_DEPTH_LOTS] * lot / bid_dist
    sa = f64[ib + I_FIELDS + ASK_DEPTH_LOTS] * lot / ask_dist
    emit(f64, i64, vo, so, 0, 0.5 * (sb + sa), READY)
    emit(f64, i64, vo, so, 1, (sb - sa) / (sb + sa), READY)
