"""One scope's regime: an online classifier and a dislocation guard combined into one label.

The label (:attr:`RegimeMonitor.current`) is, in this order of precedence:

1. ``"dislocated"`` while the guard is tripped;
2. ``"warming_up"`` while the classifier or the guard is warming up (after the start, or after a
   time gap reset either of them);
3. the classifier's regime name (``"calm"``, ``"volatile"``, ...), or ``"orderly"`` without a classifier.

:meth:`RegimeMonitor.update` returns a :class:`~arbkit.regime.events.RegimeChange` exactly when that
label changes. Call it per tick with the mid; pass ``x`` only when a new feature row is ready (per
bar, at the cadence the classifier was fitted on) and ``None`` in between: the guard sees every
tick, the classifier every row.

Bad input never raises and never changes the label: a NaN or infinite mid, a mid <= 0, a feature
row with NaN or infinity, a negative spread or depth, or a ``ts_ns`` earlier than the last accepted
is refused as a whole (no component sees any of it), counted in :attr:`RegimeMonitor.invalid_count`,
and :attr:`RegimeMonitor.status` says why.

>>> from arbkit.regime.guard import DislocationGuard, GuardConfig
>>> monitor = RegimeMonitor("BTCUSDT.BINANCE_SPOT", guard=DislocationGuard(GuardConfig(warmup_ns=0,
...                         warmup_events=3, cooldown_ns=1_000_000_000)))
>>> changes = [monitor.update(t * 100_000_000, m) for t, m in enumerate([100.0, 100.01, 100.0, 100.01, 97.0])]
>>> [(c.old, c.new, c.cause) for c in changes if c]
[('warming_up', 'orderly', 'warmup'), ('orderly', 'dislocated', 'dislocation_guard')]
>>> monitor.update(1_500_000_000, 97.0).cause, monitor.current
('guard_cleared', 'orderly')
"""

from __future__ import annotations

import math

import numpy as np

from arbkit.regime.errors import RegimeError
from arbkit.regime.events import (
    CAUSE_GAP_RESET,
    CAUSE_GUARD,
    CAUSE_GUARD_CLEARED,
    CAUSE_WARMUP,
    DISLOCATED,
    ORDERLY,
    WARMING_UP,
    RegimeChange,
)
from arbkit.regime.guard import CLEARED_NOW, RESET_NOW, DislocationGuard
from arbkit.regime.online import OnlineRegimeClassifier
from arbkit.regime.status import UpdateStatus

__all__ = ["DISLOCATED", "ORDERLY", "WARMING_UP", "RegimeMonitor"]


def _finite_nonneg(value: float | None) -> bool:
    return value is None or (math.isfinite(value) and value >= 0.0)


class RegimeMonitor:
    """Regime label of one ``scope`` (an instrument id or ``"market"``); see module docs.

    Args:
        scope: what the label is about; copied into every :class:`RegimeChange`.
        classifier: a fitted online classifier (:meth:`RegimeModel.online`), or None.
        guard: a :class:`DislocationGuard`, or None. At least one of the two is required.
    """

    def __init__(self, scope: str, classifier: OnlineRegimeClassifier | None = None,
                 guard: DislocationGuard | None = None) -> None:
        if classifier is None and guard is None:
            raise RegimeError(f"regime monitor {scope!r}: needs a classifier, a guard or both; got neither")
        if classifier is not None and set(classifier.regimes) & {WARMING_UP, DISLOCATED, ORDERLY}:
            raise RegimeError(f"regime monitor {scope!r}: classifier regimes {classifier.regimes} reuse a reserved "
                              f"label ({WARMING_UP}, {DISLOCATED}, {ORDERLY})")
        self.scope = scope
        self.classifier = classifier
        self.guard = guard
        self._class_label = -1
        self._class_ready = classifier is None
        self._current = WARMING_UP
        self._last_ts: int | None = None
        self._status = UpdateStatus.WARMING_UP
        self.invalid_count = 0
        """Updates refused as a whole (bad values or time going backwards)."""

    @property
    def current(self) -> str:
        """The current regime label (see module docs)."""
        return self._current

    @property
    def regimes(self) -> tuple[str, ...]:
        """Every label this monitor can produce."""
        middle = self.classifier.regimes if self.classifier is not None else (ORDERLY,)
        return (WARMING_UP, *middle) + ((DISLOCATED,) if self.guard is not None else ())

    @property
    def status(self) -> UpdateStatus:
        """What the last update did: ``OK``, ``WARMING_UP``, ``INVALID_INPUT``, ``TIME_BACKWARDS`` or ``GAP_RESET``."""
        return self._status

    def _refuse(self, status: UpdateStatus) -> None:
        self.invalid_count += 1
        self._status = status

    def update(self, ts_ns: int, mid: float, x: np.ndarray | None = None, *, spread_bps: float | None = None,
               depth: float | None = None) -> RegimeChange | None:
        """Fold one event; a :class:`RegimeChange` when the label changed, else None.

        Args:
            ts_ns: event time, int ns since the Unix epoch (one clock for all calls).
            mid: mid price in quote currency.
            x: a new feature row for the classifier (its ``feature_names`` order), or None.
            spread_bps: the spread in bps, for the guard's spread test (optional).
            depth: a depth figure (lots or notional, the caller's unit), for the guard's depth test (optional).
        """
        row = None
        if x is not None:
            if self.classifier is None:
                raise RegimeError(f"regime monitor {self.scope!r}: a feature row was given but there is no classifier")
            try:
                row = np.asarray(x, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise RegimeError(f"regime monitor {self.scope!r}: feature row {x!r} is not numeric: {exc}") from None
            if not np.isfinite(row).all():
                self._refuse(UpdateStatus.INVALID_INPUT)
                return None
        if not (math.isfinite(mid) and mid > 0.0) or not (_finite_nonneg(spread_bps) and _finite_nonneg(depth)):
            self._refuse(UpdateStatus.INVALID_INPUT)
            return None
        if self._last_ts is not None and ts_ns < self._last_ts:
            self._refuse(UpdateStatus.TIME_BACKWARDS)
            return None
        statuses = []
        if self.classifier is not None and row is not None:  # first: a row of the wrong width raises before any
            label = self.classifier.update(ts_ns, row)       # component has changed
            statuses.append(_classifier_status(self.classifier, label))
            self._class_ready = label >= 0
            if label >= 0:
                self._class_label = label
        guard_change = 0
        if self.guard is not None:
            statuses.append(self.guard.update(ts_ns, mid, spread_bps, depth))
            guard_change = self.guard.change
        self._last_ts = ts_ns
        self._status = _combine(statuses)
        return self._relabel(ts_ns, guard_change)

    def _label(self) -> str:
        if self.guard is not None and self.guard.tripped:
            return DISLOCATED
        if not self._class_ready or (self.guard is not None and not self.guard.warm):
            return WARMING_UP
        if self.classifier is None:
            return ORDERLY
        return self.classifier.regimes[self._class_label]

    def _relabel(self, ts_ns: int, guard_change: int) -> RegimeChange | None:
        old, new = self._current, self._label()
        if new == old:
            return None
        self._current = new
        if new == DISLOCATED:
            cause, detail = CAUSE_GUARD, self.guard.explain() if self.guard is not None else ""
        elif old == DISLOCATED and guard_change == CLEARED_NOW:
            cause = CAUSE_GUARD_CLEARED
            detail = (f"no condition for {self.guard.config.cooldown_ns / 1e9:.3f} s (cooldown_ns)"
                      if self.guard is not None else "")
        elif new == WARMING_UP or guard_change == RESET_NOW or self._status == UpdateStatus.GAP_RESET:
            cause, detail = CAUSE_GAP_RESET, "a time gap longer than max_gap_ns restarted the warm-up"
        elif self.classifier is None:
            cause, detail = CAUSE_WARMUP, "dislocation guard warmed up (warmup_ns and warmup_events reached)"
        else:
            cause = str(getattr(self.classifier, "kind", "classifier"))
            probs = self.classifier.probabilities
            detail = ", ".join(f"p({name})={p:.3f}" for name, p in zip(self.classifier.regimes, probs))
        return RegimeChange(ts_ns=ts_ns, scope=self.scope, old=old, new=new, cause=cause, detail=detail)


def _classifier_status(classifier: OnlineRegimeClassifier, label: int) -> UpdateStatus:
    status = getattr(classifier, "status", None)
    if isinstance(status, UpdateStatus):
        return status
    return UpdateStatus.OK if label >= 0 else UpdateStatus.WARMING_UP


def _combine(statuses: list[UpdateStatus]) -> UpdateStatus:
    """The most telling status of the components: a gap reset, then a refusal, then a warm-up, then OK."""
    for status in (UpdateStatus.GAP_RESET, UpdateStatus.INVALID_INPUT, UpdateStatus.TIME_BACKWARDS,
                   UpdateStatus.WARMING_UP):
        if status in statuses:
            return status
    return UpdateStatus.OK
