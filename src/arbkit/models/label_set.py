"""What every labeller returns, and the input checks they share.

A :class:`LabelSet` holds one row per labelled event: the event time ``t0``, the time ``t1`` at which
the label is known (the end of the label's interval, what purged cross-validation needs), the label
and its underlying value, the row of the input series it starts at, and a ``definition`` dict (name and
parameters) that a model registry records for lineage.

Undefined rows (the data end before the label is known) stay in the set with ``label`` and ``value``
NaN, so they line up with the input rows; :meth:`LabelSet.defined_only` drops them. Feeding a NaN
label to :func:`arbkit.models.validation.cross_validate` is an error, never a silent result.
"""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np

from arbkit.models.errors import LabelInputError


class LabelSet(msgspec.Struct, frozen=True, kw_only=True):
    """Labels of a series, one row per event.

    Attributes:
        t0: event time of each row, int64 ns (non-decreasing).
        t1: end of each label's interval, int64 ns, ``t1 >= t0``: the label uses no price after ``t1``.
        label: float64 class or target (e.g. -1/0/+1, or 0/1); NaN where undefined.
        value: float64 underlying value (e.g. a log return in bps); NaN where undefined.
        index: int64 row of the input series each label starts at (``x[labels.index]`` aligns features).
        definition: name and parameters of the labeller (JSON-ready), for lineage.
        barrier: int8 barrier code per row for the triple barrier (see :mod:`arbkit.models.label_barrier`),
            None for other labellers.
    """

    t0: np.ndarray
    t1: np.ndarray
    label: np.ndarray
    value: np.ndarray
    index: np.ndarray
    definition: dict[str, Any]
    barrier: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.t0)

    @property
    def defined(self) -> np.ndarray:
        """Boolean mask of the rows whose label is known from the data."""
        return ~np.isnan(self.label)

    def select(self, rows: np.ndarray) -> LabelSet:
        """The rows ``rows`` (a boolean mask or integer positions) of this set, same definition."""
        return LabelSet(t0=self.t0[rows], t1=self.t1[rows], label=self.label[rows], value=self.value[rows],
                        index=self.index[rows], definition=self.definition,
                        barrier=None if self.barrier is None else self.barrier[rows])

    def defined_only(self) -> LabelSet:
        """The rows with a defined label."""
        return self.select(self.defined)


# -- input checks shared by the labellers ----------------------------------------------------------------------------


def checked_times(ts_ns: np.ndarray, what: str = "ts_ns", allow_empty: bool = False) -> np.ndarray:
    """``ts_ns`` as int64 after checking it is integer, 1-D, non-empty and non-decreasing."""
    ts = np.asarray(ts_ns)
    if ts.ndim != 1:
        raise LabelInputError(f"{what} must be 1-D, got shape {ts.shape}")
    if len(ts) == 0:
        if allow_empty:
            return ts.astype(np.int64)
        raise LabelInputError(f"{what} is empty: there is nothing to label")
    if ts.dtype.kind not in "iu":
        raise LabelInputError(f"{what} must hold integer ns of event time, got dtype {ts.dtype}")
    ts = ts.astype(np.int64)
    back = np.flatnonzero(np.diff(ts) < 0)
    if len(back):
        i = int(back[0]) + 1
        raise LabelInputError(f"{what} must be non-decreasing: row {i} is {int(ts[i])} ns, after "
                              f"{int(ts[i - 1])} ns at row {i - 1}")
    return ts


def checked_values(values: np.ndarray, n: int, what: str, positive: bool = False) -> np.ndarray:
    """``values`` as float64 after checking length ``n`` and that every entry is finite (and > 0 if asked)."""
    out = np.asarray(values, dtype=np.float64)
    if out.shape != (n,):
        raise LabelInputError(f"{what} has shape {out.shape}; expected ({n},), one value per row of ts_ns")
    bad = ~np.isfinite(out) | (out <= 0.0) if positive else ~np.isfinite(out)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        need = "finite and > 0" if positive else "finite"
        raise LabelInputError(f"{what}[{i}] is {float(out[i])!r}; every value must be {need} "
                              f"({int(bad.sum())} of {n} rows are not)")
    return out


def checked_positive_ns(value: int, what: str) -> int:
    """``value`` as int after checking it is an integer number of ns > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise LabelInputError(f"{what} must be an int number of ns, got {value!r}")
    if value <= 0:
        raise LabelInputError(f"{what} must be > 0 ns, got {value}")
    return int(value)


def checked_events(events_idx: np.ndarray | None, n: int) -> np.ndarray:
    """Event rows as int64: all rows when None, else strictly increasing positions in ``[0, n)``."""
    if events_idx is None:
        return np.arange(n, dtype=np.int64)
    events = np.asarray(events_idx)
    if events.ndim != 1 or len(events) == 0:
        raise LabelInputError(f"events_idx must be a non-empty 1-D array of row positions, got shape {events.shape}")
    if events.dtype.kind not in "iu":
        raise LabelInputError(f"events_idx must hold integer row positions, got dtype {events.dtype}")
    events = events.astype(np.int64)
    if events[0] < 0 or events[-1] >= n or (len(events) > 1 and (np.diff(events) <= 0).any()):
        bad = np.flatnonzero((events < 0) | (events >= n))
        where = (f"row {int(events[bad[0]])} is outside [0, {n})" if len(bad)
                 else "they must be strictly increasing (sorted, no repeats)")
        raise LabelInputError(f"events_idx: {where}")
    return events
