"""Trade features: exponentially weighted in event time, decayed on every event of the instrument.

A trade ``dt`` ns after the feature's previous update finds the earlier sums multiplied by
2^(-dt / halflife_ns). Each feature is ``WARMING_UP`` until one half-life of event time has passed.

Units: trade-flow imbalance in [-1, 1] (signed over total traded base quantity); VWAP deviation in
bps ((mid − VWAP) / VWAP); trade intensity in trades per second (a constant rate λ reads λ).
"""

from __future__ import annotations

from arbkit.features.jit import kernel
from arbkit.features.kernels.common import LN2, decay, emit, emit_all
from arbkit.features.layout import I_MID, READY, WARMING_UP


@kernel
def trade_flow_imbalance(f64, i64, po, st, vo, so, dt, elapsed, is_trade, qty, side):  # type: ignore[no-untyped-def]
    """Params [halflife_ns]; state [signed quantity, total quantity]."""
    h = f64[po]
    d = decay(dt, h)
    signed = f64[st] * d
    total = f64[st + 1] * d
    if is_trade:
        signed += side * qty
        total += qty
    f64[st] = signed
    f64[st + 1] = total
    status = READY if elapsed >= h and total > 0.0 else WARMING_UP
    emit(f64, i64, vo, so, 0, signed / total if total > 0.0 else 0.0, status)


@kernel
def trade_intensity(f64, i64, po, st, vo, so, dt, elapsed, is_trade):  # type: ignore[no-untyped-def]
    """Params [halflife_ns]; state [decayed trade count]. Output: trades per second."""
    h = f64[po]
    count = f64[st] * decay(dt, h)
    if is_trade:
        count += 1.0
    f64[st] = count
    emit(f64, i64, vo, so, 0, count * LN2 / h * 1e9, READY if elapsed >= h else WARMING_UP)


@kernel
def vwap_deviation(f64, i64, ib, po, st, vo, so, dt, elapsed, is_trade, price, qty, book_status):  # type: ignore[no-untyped-def]
    """Params [halflife_ns]; state [Σ price × qty, Σ qty] (decayed); price in quote currency.

    Trades keep accumulating while the book is unusable; the output then reports the book's status.
    """
    h = f64[po]
    d = decay(dt, h)
    pq = f64[st] * d
    q = f64[st + 1] * d
    if is_trade:
        pq += price * qty
        q += qty
    f64[st] = pq
    f64[st + 1] = q
    if book_status != READY:
        emit_all(f64, i64, vo, so, 1, book_status)
        return
    if elapsed < h or q <= 0.0:
        emit_all(f64, i64, vo, so, 1, WARMING_UP)
        return
    vwap = pq / q
    emit(f64, i64, vo, so, 0, (f64[ib + I_MID] - vwap) / vwap * 1e4, READY)
