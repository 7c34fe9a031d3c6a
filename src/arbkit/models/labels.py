"""Training labels computed from the future of a series (so used offline only, never live).

Every labeller reads event times as int ns (non-decreasing) and returns, per row, the end ``t1`` of
the interval its label depends on: the label uses no price after ``t1``, and purged cross-validation
(:mod:`arbkit.models.validation`) removes training rows whose ``[t0, t1]`` overlaps a test row's.

- :func:`forward_return`: log return in bps over a horizon of event time.
- :func:`reversion_labels` / :func:`reversion_label`: did the basis close part of its gap to its mean
  within a horizon.
- :func:`~arbkit.models.label_barrier.triple_barrier`: de Prado's triple barrier, with meta-labels.

>>> import numpy as np
>>> ts = np.array([0, 1, 2, 3], dtype=np.int64) * 1_000_000_000
>>> basis = np.array([2.0, 1.5, 0.9, 3.0])          # bps
>>> mean = np.array([0.0, 0.0, 0.0, 0.0])           # EWMA mean before each row
>>> reversion_label(ts, basis, mean, horizon_ns=2_000_000_000, revert_fraction=0.5).tolist()
[1, 0, -1, -1]
>>> fwd = forward_return(ts, np.array([100.0, 101.0, 100.0, 102.0]), horizon_ns=1_000_000_000)
>>> np.round(fwd.value, 1).tolist(), fwd.label.tolist(), (fwd.t1 // 1_000_000_000).tolist()
([99.5, -99.5, 198.0, nan], [1.0, -1.0, 1.0, nan], [1, 2, 3, 4])
"""

from __future__ import annotations

import numpy as np
from numba import njit

from arbkit.models.errors import LabelInputError
from arbkit.models.label_barrier import (
    BARRIER_NONE,
    BARRIER_PROFIT_TAKE,
    BARRIER_STOP_LOSS,
    BARRIER_VERTICAL,
    triple_barrier,
)
from arbkit.models.label_set import LabelSet, checked_events, checked_positive_ns, checked_times, checked_values

__all__ = [
    "BARRIER_NONE",
    "BARRIER_PROFIT_TAKE",
    "BARRIER_STOP_LOSS",
    "BARRIER_VERTICAL",
    "UNDEFINED",
    "LabelSet",
    "forward_return",
    "reversion_label",
    "reversion_labels",
    "triple_barrier",
]

UNDEFINED = -1
"""Label of a row whose horizon runs past the end of the data (in :func:`reversion_label`'s int8 output)."""

BPS = 1e4
"""Basis points per unit of log return."""


def forward_return(ts_ns: np.ndarray, price: np.ndarray, horizon_ns: int,
                   events_idx: np.ndarray | None = None) -> LabelSet:
    """Log return in bps from each event row to the last price at or before ``t0 + horizon_ns``.

    ``value = 1e4 · ln(p[j] / p[i])`` where ``j`` is the last row with ``ts[j] <= ts[i] + horizon_ns``
    (later rows at the same ns count: file order is event order). The price at ``t0 + horizon_ns`` is
    the last one observed by then, so nothing after the horizon is read. ``label = sign(value)``
    (-1, 0, +1). ``t1 = t0 + horizon_ns``. A row whose ``t0 + horizon_ns`` is after the last row's
    time is undefined (``label``/``value`` NaN): the data cannot say what the price was then.

    Args:
        ts_ns: event time of each price row, int ns, non-decreasing.
        price: price of each row, finite and > 0 (any currency; only ratios are used).
        horizon_ns: look-ahead in ns of event time, > 0.
        events_idx: rows to label (strictly increasing positions); all rows when None.

    Raises:
        LabelInputError: empty input, decreasing or non-integer times, a price that is NaN/inf/<= 0,
            a horizon <= 0, or event rows out of range.
    """
    ts = checked_times(ts_ns)
    p = checked_values(price, len(ts), "price", positive=True)
    horizon = checked_positive_ns(horizon_ns, "horizon_ns")
    events = checked_events(events_idx, len(ts))
    t0 = ts[events]
    t1 = t0 + horizon
    end = np.searchsorted(ts, t1, side="right") - 1
    value = BPS * (np.log(p[end]) - np.log(p[events]))
    value[t1 > ts[-1]] = np.nan
    return LabelSet(t0=t0, t1=t1, label=np.sign(value), value=value, index=events,
                    definition={"name": "forward_return", "version": 1, "horizon_ns": horizon,
                                "value_unit": "log return, bps", "price_at_horizon": "last at or before t0 + horizon"})


@njit(cache=True)
def _reversion(ts_ns, basis, mean, horizon_ns, revert_fraction, out, t1_out):  # type: ignore[no-untyped-def]
    n = ts_ns.shape[0]
    last_ts = ts_ns[n - 1] if n > 0 else 0
    for i in range(n):
        t1_out[i] = ts_ns[i] + horizon_ns
        if ts_ns[i] + horizon_ns > last_ts:
            out[i] = UNDEFINED
            continue
        gap = abs(basis[i] - mean[i])
        target = gap * (1.0 - revert_fraction)
        hit = 0
        j = i + 1
        while j < n and ts_ns[j] <= ts_ns[i] + horizon_ns:
            if abs(basis[j] - mean[i]) <= target:
                hit = 1
                t1_out[i] = ts_ns[j]
                break
            j += 1
        out[i] = hit


def _check_reversion_parameters(horizon_ns: int, revert_fraction: float) -> None:
    if not 0.0 < revert_fraction <= 1.0:
        raise LabelInputError(f"revert_fraction must be in (0, 1], got {revert_fraction}")
    if horizon_ns <= 0:
        raise LabelInputError(f"horizon_ns must be > 0, got {horizon_ns}")


def _run_reversion(ts: np.ndarray, basis_bps: np.ndarray, mean_bps: np.ndarray, horizon_ns: int,
                   revert_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    basis = checked_values(basis_bps, len(ts), "basis_bps")
    mean = checked_values(mean_bps, len(ts), "mean_bps")
    out = np.zeros(len(ts), dtype=np.int8)
    t1 = np.zeros(len(ts), dtype=np.int64)
    _reversion(ts, basis, mean, int(horizon_ns), float(revert_fraction), out, t1)
    return out, t1


def reversion_label(ts_ns: np.ndarray, basis_bps: np.ndarray, mean_bps: np.ndarray, horizon_ns: int,
                    revert_fraction: float = 0.5) -> np.ndarray:
    """1 if the basis closes ``revert_fraction`` of its gap to the mean within ``horizon_ns``, else 0.

    Args:
        ts_ns: decision times, int ns, non-decreasing.
        basis_bps: basis at each decision, in bps (finite).
        mean_bps: the EWMA mean known at each decision (before that tick), in bps (finite).
        horizon_ns: look-ahead window in ns of event time.
        revert_fraction: share of the gap |basis − mean| that must close (0.5 = half).

    Returns:
        int8 array: 1, 0, or :data:`UNDEFINED` (-1) where the horizon passes the end of the data.
        Empty input gives an empty array. :func:`reversion_labels` gives the same labels with ``t1``.

    Raises:
        LabelInputError (a ``ValueError``): bad fraction or horizon, decreasing times, NaN/inf basis or mean.
    """
    _check_reversion_parameters(horizon_ns, revert_fraction)
    ts = np.asarray(ts_ns, dtype=np.int64)
    if len(ts) > 1 and (np.diff(ts) < 0).any():
        i = int(np.flatnonzero(np.diff(ts) < 0)[0]) + 1
        raise LabelInputError(f"ts_ns must be non-decreasing: row {i} is {int(ts[i])} ns, after {int(ts[i - 1])} ns")
    return _run_reversion(ts, basis_bps, mean_bps, horizon_ns, revert_fraction)[0]


def reversion_labels(ts_ns: np.ndarray, basis_bps: np.ndarray, mean_bps: np.ndarray, horizon_ns: int,
                     revert_fraction: float = 0.5) -> LabelSet:
    """:func:`reversion_label` as a :class:`LabelSet` with each row's ``t1``.

    ``label`` (= ``value``) is 1.0 or 0.0, NaN where ``t0 + horizon_ns`` is past the last row (even if the
    basis already reverted: the same rule as :func:`reversion_label`). ``t1`` is the time of the first
    row that closes the gap, else ``t0 + horizon_ns``.

    Raises:
        LabelInputError: as :func:`reversion_label`, and also for empty or non-integer times.
    """
    _check_reversion_parameters(horizon_ns, revert_fraction)
    ts = checked_times(ts_ns)
    out, t1 = _run_reversion(ts, basis_bps, mean_bps, horizon_ns, revert_fraction)
    label = np.where(out == UNDEFINED, np.nan, out.astype(np.float64))
    return LabelSet(t0=ts, t1=t1, label=label, value=label.copy(), index=np.arange(len(ts), dtype=np.int64),
                    definition={"name": "basis_reversion", "version": 1, "horizon_ns": int(horizon_ns),
                                "revert_fraction": float(revert_fraction), "value_unit": "1 = reverted, 0 = not"})
