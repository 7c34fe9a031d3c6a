"""Online scoring of a model's calls against what the market then did, with the batch labels' exact rules.

A shadow (or live) arm feeds every decision point, in time order, to a scorer. Each point is first used
to resolve the calls still waiting for their horizon, then queued as a call of its own. Once resolved, a
call's label is the one the training labels give that row, so precision, recall and F1 measured live are
the figures the model was trained and validated on:

- :class:`ReversionCallScorer`: :func:`arbkit.models.labels.reversion_label` (did the basis close
  ``revert_fraction`` of its gap to the mean known at the call within ``horizon_ns``);
- :class:`DirectionCallScorer`: the sign of :func:`arbkit.models.labels.forward_return` (log return to the
  last price observed at or before ``t0 + horizon_ns``); a positive is an up move.

A call is ``probability >= threshold``. A point whose horizon has not ended is *pending*: it counts in no
figure until a later observation decides it (a reversion hit, or an observation after ``t0 + horizon_ns``).
A batch label is undefined (-1 / NaN) when the horizon runs past the data; the online label is then simply
not resolved yet, except for a reversion hit, which is known the moment it happens.

>>> s = ReversionCallScorer(horizon_ns=2_000, revert_fraction=0.5, threshold=0.5)
>>> for ts, basis, p in [(0, 2.0, 0.9), (1_000, 1.5, 0.2), (2_000, 0.9, 0.7), (5_000, 3.0, None)]:
...     s.observe(ts, basis, 0.0, p)
>>> s.resolved_labels(), (s.precision, s.recall, s.pending)
([(0, 1, 1), (1000, 0, 0), (2000, 0, 1)], (0.5, 1.0, 0))
"""

from __future__ import annotations

import math
from collections import deque
from itertools import islice

import msgspec
import numpy as np

from arbkit.lifecycle.modes import LifecycleError
from arbkit.models.labels import BPS

__all__ = ["CallScores", "DirectionCallScorer", "ReversionCallScorer", "ScoringInputError"]

DEFAULT_LABEL_HISTORY = 100_000
"""Resolved labels kept for :meth:`resolved_labels` (the oldest are dropped past this; counts are never dropped)."""


class ScoringInputError(LifecycleError, ValueError):
    """A scorer was given a non-finite or out-of-range value, a bad parameter, or a time before the last one."""


class CallScores(msgspec.Struct, frozen=True, kw_only=True):
    """Confusion counts and scores of the resolved calls of one scorer.

    Attributes:
        resolved: points whose label is known; pending: points still inside their horizon.
        positive_calls: resolved points the model called (probability >= threshold) = tp + fp.
        tp, fp, fn, tn: confusion counts over resolved points (positive = reverted / went up).
        precision, recall, f1: None while undefined (no call, no positive, or both zero).
    """

    resolved: int
    pending: int
    positive_calls: int
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float | None
    recall: float | None
    f1: float | None


def _finite(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v):
        raise ScoringInputError(f"{name} must be finite, got {value!r}")
    return v


def _probability(value: float | None) -> float | None:
    if value is None:
        return None
    p = _finite("probability", value)
    if not 0.0 <= p <= 1.0:
        raise ScoringInputError(f"probability must be in [0, 1], got {value!r}")
    return p


def _check_horizon(horizon_ns: int) -> int:
    if isinstance(horizon_ns, bool) or not isinstance(horizon_ns, (int, np.integer)):
        raise ScoringInputError(f"horizon_ns must be an integer number of ns, got {horizon_ns!r}")
    if horizon_ns <= 0:
        raise ScoringInputError(f"horizon_ns must be > 0, got {horizon_ns}")
    return int(horizon_ns)


def _check_threshold(threshold: float) -> float:
    t = float(threshold)
    if not 0.0 < t < 1.0:  # NaN fails too
        raise ScoringInputError(f"threshold must be in (0, 1), got {threshold!r}")
    return t


class _Confusion:
    """Counts, label history and the time-order check shared by both scorers."""

    def __init__(self, threshold: float, label_history: int) -> None:
        self.threshold = _check_threshold(threshold)
        if label_history < 0:
            raise ScoringInputError(f"label_history must be >= 0, got {label_history}")
        self.tp = self.fp = self.fn = self.tn = 0
        self._labels: deque[tuple[int, int, int, int]] = deque(maxlen=label_history)
        self._last_ts: int | None = None
        self._seq = 0

    def _check_ts(self, ts_ns: int) -> int:
        if isinstance(ts_ns, bool) or not isinstance(ts_ns, (int, np.integer)):
            raise ScoringInputError(f"ts_ns must be an integer number of ns, got {ts_ns!r}")
        ts = int(ts_ns)
        if self._last_ts is not None and ts < self._last_ts:
            raise ScoringInputError(f"ts_ns must be non-decreasing: got {ts} ns after {self._last_ts} ns")
        self._last_ts = ts
        return ts

    def _record(self, seq: int, ts_ns: int, positive: bool, predicted: bool, label: int) -> None:
        if predicted:
            if positive:
                self.tp += 1
            else:
                self.fp += 1
        elif positive:
            self.fn += 1
        else:
            self.tn += 1
        self._labels.append((seq, ts_ns, label, int(predicted)))

    @property
    def resolved(self) -> int:
        """Points whose label is known."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def positive_calls(self) -> int:
        """Resolved points the model called (probability >= threshold)."""
        return self.tp + self.fp

    @property
    def precision(self) -> float | None:
        """tp / (tp + fp); None before a resolved call."""
        called = self.tp + self.fp
        return self.tp / called if called else None

    @property
    def recall(self) -> float | None:
        """tp / (tp + fn); None before a resolved positive."""
        actual = self.tp + self.fn
        return self.tp / actual if actual else None

    @property
    def f1(self) -> float | None:
        """2 tp / (2 tp + fp + fn) (0.0 when both precision and recall are 0); None while either is undefined."""
        if self.tp + self.fp == 0 or self.tp + self.fn == 0:
            return None
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)

    @property
    def pending(self) -> int:  # overridden
        raise NotImplementedError

    def resolved_labels(self) -> list[tuple[int, int, int]]:
        """``(ts_ns, label, predicted)`` of the resolved points kept, in the order they were observed.

        ``label`` is the batch label (reversion 1/0; direction -1/0/+1), ``predicted`` 1 for a call, else 0.
        """
        return [(ts, label, predicted) for _, ts, label, predicted in sorted(self._labels)]

    def resolved_since(self, n_resolved: int) -> list[tuple[int, int, int]]:
        """``(ts_ns, label, predicted)`` of the calls resolved after the first ``n_resolved``, in resolution order.

        O(new labels), for a consumer that keeps its own count (``seen = scorer.resolved`` after each call);
        labels already dropped from the history (more than ``label_history`` ago) are not returned.

        Raises:
            ScoringInputError: ``n_resolved`` < 0 or more than :attr:`resolved`.
        """
        total = self.resolved
        if not 0 <= n_resolved <= total:
            raise ScoringInputError(f"n_resolved must be in [0, {total}] (calls resolved so far), got {n_resolved}")
        new = min(total - n_resolved, len(self._labels))
        out = [(ts, label, predicted) for _, ts, label, predicted in islice(reversed(self._labels), new)]
        out.reverse()
        return out

    def resolved_indices(self) -> list[int]:
        """Observation index (0 for the first :meth:`observe` call) of each of :meth:`resolved_labels`' rows."""
        return sorted(seq for seq, _, _, _ in self._labels)

    def scores(self) -> CallScores:
        """The counts and scores now, as one record."""
        return CallScores(resolved=self.resolved, pending=self.pending, positive_calls=self.positive_calls,
                          tp=self.tp, fp=self.fp, fn=self.fn, tn=self.tn, precision=self.precision,
                          recall=self.recall, f1=self.f1)


class ReversionCallScorer(_Confusion):
    """Precision, recall and F1 of reversion calls, labelled as :func:`~arbkit.models.labels.reversion_label`.

    Args:
        horizon_ns: look-ahead of the label, ns of event time (the model config's ``horizon_ms`` × 1e6).
        revert_fraction: share of the gap |basis − mean| that must close, in (0, 1].
        threshold: probability at or above which the model calls a reversion, in (0, 1).
        label_history: resolved labels kept for :meth:`resolved_labels` (counts cover all of them).
    """

    def __init__(self, horizon_ns: int, revert_fraction: float, threshold: float,
                 *, label_history: int = DEFAULT_LABEL_HISTORY) -> None:
        super().__init__(threshold, label_history)
        self.horizon_ns = _check_horizon(horizon_ns)
        fraction = float(revert_fraction)
        if not 0.0 < fraction <= 1.0:
            raise ScoringInputError(f"revert_fraction must be in (0, 1], got {revert_fraction!r}")
        self.revert_fraction = fraction
        # pending calls in observation order: (seq, ts_ns, mean_bps, target_bps, predicted)
        self._pending: deque[tuple[int, int, float, float, bool]] = deque()

    @property
    def pending(self) -> int:
        """Queued points whose horizon has neither ended nor seen a reversion."""
        return len(self._pending)

    def observe(self, ts_ns: int, basis_bps: float, mean_bps: float, probability: float | None,
                candidate: bool = True) -> None:
        """Resolve pending calls with this decision point, then queue it if it is a scored candidate.

        Call at every decision point in time order, candidates or not: every point's basis can close an
        earlier call's gap, as in the batch label.

        Args:
            ts_ns: decision time, int ns, not before the previous call's.
            basis_bps: basis now, bps; mean_bps: the mean known before this tick, bps (both finite).
            probability: the model's P(reversion) at this point, or None when it made no prediction.
            candidate: False for points the model is not scored on (e.g. |z| below the entry filter).

        Raises:
            ScoringInputError: non-finite basis, mean or probability, a probability outside [0, 1], or a
                time before the previous one (nothing is changed then).
        """
        basis = _finite("basis_bps", basis_bps)
        mean = _finite("mean_bps", mean_bps)
        p = _probability(probability)
        ts = self._check_ts(ts_ns)
        horizon = self.horizon_ns
        pending = self._pending
        while pending and pending[0][1] + horizon < ts:
            seq, t0, _, _, predicted = pending.popleft()
            self._record(seq, t0, False, predicted, 0)
        if pending:
            kept: deque[tuple[int, int, float, float, bool]] = deque()
            for call in pending:
                if abs(basis - call[2]) <= call[3]:
                    self._record(call[0], call[1], True, call[4], 1)
                else:
                    kept.append(call)
            self._pending = kept
        if candidate and p is not None:
            target = abs(basis - mean) * (1.0 - self.revert_fraction)
            self._pending.append((self._seq, ts, mean, target, p >= self.threshold))
        self._seq += 1


class DirectionCallScorer(_Confusion):
    """Precision, recall and F1 of up-calls, labelled by the sign of :func:`~arbkit.models.labels.forward_return`.

    The outcome of a point at ``t0`` is ``sign(ln p_end − ln p_0)`` with ``p_end`` the last price observed
    at or before ``t0 + horizon_ns``; it is known at the first observation after that time. A call is
    ``probability >= threshold`` (the model says "up"); a positive is an outcome of +1 (a flat price is not
    up, so an up-call on a flat price is a false positive).

    Args:
        horizon_ns: look-ahead, ns of event time, > 0.
        threshold: probability at or above which the model calls "up", in (0, 1).
        label_history: resolved labels kept for :meth:`resolved_labels`.
    """

    def __init__(self, horizon_ns: int, threshold: float, *, label_history: int = DEFAULT_LABEL_HISTORY) -> None:
        super().__init__(threshold, label_history)
        self.horizon_ns = _check_horizon(horizon_ns)
        self._pending: deque[tuple[int, int, float, bool]] = deque()  # (seq, ts_ns, price, predicted)
        self._last_price = float("nan")
        self._returns: deque[float] = deque(maxlen=label_history)

    @property
    def pending(self) -> int:
        """Queued points whose horizon has not ended."""
        return len(self._pending)

    def observe(self, ts_ns: int, price: float, probability: float | None, candidate: bool = True) -> None:
        """Resolve the calls whose horizon ended before ``ts_ns``, then queue this point if it is a candidate.

        Args:
            ts_ns: decision time, int ns, not before the previous call's.
            price: the price the label is on (e.g. the perp mid), finite and > 0, any currency.
            probability: the model's P(up), or None when it made no prediction.
            candidate: False for points the model is not scored on.

        Raises:
            ScoringInputError: a non-finite or non-positive price, a bad probability, or a time before the
                previous one (nothing is changed then).
        """
        px = _finite("price", price)
        if px <= 0.0:
            raise ScoringInputError(f"price must be > 0, got {price!r}")
        p = _probability(probability)
        ts = self._check_ts(ts_ns)
        pending = self._pending
        if pending and pending[0][1] + self.horizon_ns < ts:
            log_end = np.log(self._last_price)
            while pending and pending[0][1] + self.horizon_ns < ts:
                seq, t0, p0, predicted = pending.popleft()
                value = BPS * (log_end - np.log(p0))
                label = int(np.sign(value))
                self._returns.append(float(value))
                self._record(seq, t0, label > 0, predicted, label)
        self._last_price = px
        if candidate and p is not None:
            pending.append((self._seq, ts, px, p >= self.threshold))
        self._seq += 1

    def resolved_returns_bps(self) -> np.ndarray:
        """Forward log returns in bps of the resolved points kept, in resolution order (= observation order)."""
        return np.asarray(self._returns, dtype=np.float64)
