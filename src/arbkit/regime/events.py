"""The regime-change event and the labels every monitor can produce besides its classifier's.

>>> change = RegimeChange(ts_ns=1_723_161_501_000_000_000, scope="BTCUSDT.BINANCE_SPOT", old="calm",
...                       new=DISLOCATED, cause=CAUSE_GUARD, detail="mid moved 11.9 bps in 100 ms")
>>> change.new, change.cause
('dislocated', 'dislocation_guard')
"""

from __future__ import annotations

import msgspec

WARMING_UP = "warming_up"
"""Label while a component has not seen enough history since its (re)start (or after a time gap)."""
DISLOCATED = "dislocated"
"""Label while the dislocation guard is tripped; it overrides every classifier label."""
ORDERLY = "orderly"
"""Label of a monitor with a guard but no classifier, while the guard is warm and not tripped."""

CAUSE_GUARD = "dislocation_guard"
CAUSE_GUARD_CLEARED = "guard_cleared"
CAUSE_GAP_RESET = "gap_reset"
CAUSE_WARMUP = "warmup"
CLASSIFIER_CAUSES = ("hmm", "gmm", "kmeans")
"""A change decided by a classifier has the classifier's kind as its cause."""


class RegimeChange(msgspec.Struct, frozen=True, kw_only=True):
    """The regime label of ``scope`` changed from ``old`` to ``new`` at event time ``ts_ns``.

    Attributes:
        ts_ns: event time of the input that caused the change, int ns since the Unix epoch (UTC).
        scope: an instrument id (``BTCUSDT.BINANCE_SPOT``) or ``"market"``.
        old, new: regime labels (a classifier's names, ``warming_up``, ``orderly`` or ``dislocated``).
        cause: ``"hmm"``, ``"gmm"``, ``"kmeans"`` (a classifier decided; another classifier's ``kind``, or
            ``"classifier"`` if it has none), ``"dislocation_guard"`` (the
            guard fired), ``"guard_cleared"`` (its cooldown ended), ``"gap_reset"`` (a time gap restarted
            the warm-up) or ``"warmup"`` (a guard-only monitor finished warming up).
        detail: human-readable numbers behind the decision, with units.
    """

    ts_ns: int
    scope: str
    old: str
    new: str
    cause: str
    detail: str
