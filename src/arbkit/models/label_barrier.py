"""The triple-barrier method and meta-labels (de Prado, *Advances in Financial Machine Learning*, ch. 3).

For an event at row ``i`` (time ``t0``) with target ``σ`` (``volatility_bps[i]``, a log return in bps)
and bet direction ``s`` (``side[i]``, +1 when no side is given), follow the side-adjusted log return
``r_j = s · 1e4 · ln(p[j] / p[i])`` over the later rows ``j > i`` with ``ts[j] <= t0 + vertical_ns``:

- **profit-take** (upper) barrier: the first ``r_j >= pt_mult · σ`` (disabled when ``pt_mult == 0``);
- **stop-loss** (lower) barrier: the first ``r_j <= −sl_mult · σ`` (disabled when ``sl_mult == 0``);
- **vertical** barrier: neither was touched by ``t0 + vertical_ns``; the return is read at the last row
  at or before that time (no price after it is used).

``t1`` is the time of the touching row, or ``t0 + vertical_ns`` for the vertical barrier. ``value`` is
the *long* log return in bps at ``t1`` (``1e4 · ln(p[t1] / p[t0])``, not multiplied by the side), so it
is the return a trade earns for any direction. Without ``side``, ``label`` is +1 (profit-take),
−1 (stop-loss), and for the vertical barrier ``sign(value)`` (``vertical_label="sign"``, de Prado's
preference and ``getBins``) or 0 (``vertical_label="zero"``).

**Meta-labels** (``side`` given, e.g. a primary model's direction): ``label`` is 1 when the bet made
money at the first touch — profit-take, or with ``vertical_label="sign"`` a vertical touch with a
positive side-adjusted return (de Prado's ``bin = 1 if ret > 0``) — else 0. With
``vertical_label="zero"`` the meta-label is 1 exactly when the profit-take barrier was hit first.

An event is **undefined** (``label``/``value`` NaN, ``barrier == BARRIER_NONE``) only when no
horizontal barrier was touched before the data end and ``t0 + vertical_ns`` is after the last row:
its outcome is unknown, and it is never truncated to the last price. (de Prado's code would label it
at the last bar.)

Departures from the book, on purpose: returns are log returns in bps (not simple returns), the
vertical barrier reads the last price at or before ``t0 + vertical_ns`` (the book takes the first bar
at or after it), and a touch needs the barrier reached or crossed (``>=`` / ``<=``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numba import njit

from arbkit.models.errors import LabelInputError
from arbkit.models.label_set import LabelSet, checked_events, checked_positive_ns, checked_times, checked_values

BARRIER_NONE = 0
"""The event is undefined: no barrier was touched before the data end."""
BARRIER_PROFIT_TAKE = 1
"""The profit-take (upper, for the bet's side) barrier was touched first."""
BARRIER_STOP_LOSS = 2
"""The stop-loss (lower, for the bet's side) barrier was touched first."""
BARRIER_VERTICAL = 3
"""Neither horizontal barrier was touched within ``vertical_ns``."""

BPS = 1e4


@njit(cache=True)
def _touches(ts, log_p, events, side, upper, lower, vertical_ns, t1, ret, barrier):  # type: ignore[no-untyped-def]
    n = ts.shape[0]
    last_ts = ts[n - 1]
    for k in range(events.shape[0]):
        i = events[k]
        end = ts[i] + vertical_ns
        j = i + 1
        hit = BARRIER_NONE
        while j < n and ts[j] <= end:
            r = side[k] * BPS * (log_p[j] - log_p[i])
            if r >= upper[k]:
                hit = BARRIER_PROFIT_TAKE
                break
            if r <= -lower[k]:
                hit = BARRIER_STOP_LOSS
                break
            j += 1
        if hit != BARRIER_NONE:
            t1[k] = ts[j]
            ret[k] = BPS * (log_p[j] - log_p[i])
        elif end <= last_ts:
            hit = BARRIER_VERTICAL
            t1[k] = end
            ret[k] = BPS * (log_p[j - 1] - log_p[i])  # row j - 1 >= i is the last at or before the end
        else:
            t1[k] = end
            ret[k] = np.nan
        barrier[k] = hit


def _checked_multiplier(value: float, what: str) -> float:
    if not (np.isfinite(value) and value >= 0.0):
        raise LabelInputError(f"{what} must be finite and >= 0 (0 disables that barrier), got {value!r}")
    return float(value)


def triple_barrier(ts_ns: np.ndarray, price: np.ndarray, *, pt_mult: float, sl_mult: float, vertical_ns: int,
                   volatility_bps: np.ndarray | float, events_idx: np.ndarray | None = None,
                   side: np.ndarray | None = None, vertical_label: Literal["sign", "zero"] = "sign") -> LabelSet:
    """Triple-barrier labels (or meta-labels when ``side`` is given) for the event rows.

    Args:
        ts_ns: event time of each price row, int ns, non-decreasing.
        price: price of each row, finite and > 0.
        pt_mult: profit-take barrier width in units of the target (0 disables it).
        sl_mult: stop-loss barrier width in units of the target (0 disables it).
        vertical_ns: time barrier after each event, ns of event time, > 0.
        volatility_bps: target per row (or one for all rows), a log return in bps, finite and > 0 at every
            event; e.g. the feature library's ``ewma_vol`` (bps per √s) × √(vertical_ns / 1e9).
        events_idx: rows to label (strictly increasing positions); all rows when None.
        side: bet direction per row (+1 long, −1 short), read at the events; gives meta-labels.
        vertical_label: label of a vertical touch: ``"sign"`` of the return, or ``"zero"``.

    Returns:
        A :class:`LabelSet` with ``barrier`` codes (``BARRIER_*``); see the module docstring for the rules.

    Raises:
        LabelInputError: empty input, decreasing or non-integer times, a NaN/inf/<= 0 price, a
            vertical_ns <= 0, a negative or NaN multiplier, a target that is not finite and > 0 at an
            event, a side other than ±1 at an event, or event rows out of range.
    """
    ts = checked_times(ts_ns)
    p = checked_values(price, len(ts), "price", positive=True)
    vertical = checked_positive_ns(vertical_ns, "vertical_ns")
    pt = _checked_multiplier(pt_mult, "pt_mult")
    sl = _checked_multiplier(sl_mult, "sl_mult")
    if vertical_label not in ("sign", "zero"):
        raise LabelInputError(f"vertical_label must be 'sign' or 'zero', got {vertical_label!r}")
    events = checked_events(events_idx, len(ts))
    vol = np.broadcast_to(np.asarray(volatility_bps, dtype=np.float64), (len(ts),)) \
        if np.ndim(volatility_bps) == 0 else np.asarray(volatility_bps, dtype=np.float64)
    if vol.shape != (len(ts),):
        raise LabelInputError(f"volatility_bps has shape {vol.shape}; expected ({len(ts)},) or a scalar")
    target = checked_values(vol[events], len(events), "volatility_bps at the events", positive=True)
    bet = np.ones(len(events))
    if side is not None:
        bet = np.asarray(side, dtype=np.float64)
        if bet.shape != (len(ts),):
            raise LabelInputError(f"side has shape {bet.shape}; expected ({len(ts)},), one direction per row")
        bet = bet[events]
        bad = np.flatnonzero((bet != 1.0) & (bet != -1.0))
        if len(bad):
            row, value = int(events[bad[0]]), float(bet[bad[0]])
            raise LabelInputError(f"side at event row {row} is {value!r}; it must be +1 or -1 at every event "
                                  f"({len(bad)} are not): pass events_idx to label the bets only")
    upper = np.where(pt > 0.0, pt * target, np.inf)
    lower = np.where(sl > 0.0, sl * target, np.inf)
    t1 = np.zeros(len(events), dtype=np.int64)
    value = np.zeros(len(events))
    barrier = np.zeros(len(events), dtype=np.int8)
    _touches(ts, np.log(p), events, bet, upper, lower, vertical, t1, value, barrier)
    vertical_value = np.sign(bet * value) if vertical_label == "sign" else np.zeros(len(events))
    signed = np.select([barrier == BARRIER_PROFIT_TAKE, barrier == BARRIER_STOP_LOSS, barrier == BARRIER_VERTICAL],
                       [np.ones(len(events)), -np.ones(len(events)), vertical_value], np.nan)
    label = np.where(np.isnan(signed), np.nan, (signed > 0).astype(np.float64)) if side is not None else signed
    definition = {"name": "meta_label" if side is not None else "triple_barrier", "version": 1,
                  "pt_mult": pt, "sl_mult": sl, "vertical_ns": vertical, "vertical_label": vertical_label,
                  "value_unit": "long log return at t1, bps", "target_unit": "log return, bps"}
    return LabelSet(t0=ts[events], t1=t1, label=label, value=value, index=events, definition=definition,
                    barrier=barrier)
