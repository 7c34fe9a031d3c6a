"""The regime board: the current regime label per scope, as the risk gate's regime rule reads it.

Regime monitors (:mod:`arbkit.regime`) emit a :class:`~arbkit.regime.events.RegimeChange` when their
label changes; whoever drives them (the backtest engine today, a paper or live engine later) hands the
change to :meth:`RegimeBoard.apply`, which checks it, journals it (kind ``"regime_change"``), counts it
and makes it the scope's current regime. The board knows nothing of backtests: time comes with each
change (``ts_ns``, int ns), and it never reads a clock.

>>> from arbkit.audit.journal import Journal
>>> from arbkit.regime.events import RegimeChange
>>> with Journal(":memory:") as journal:
...     board = RegimeBoard(journal)
...     board.track("market", "warming_up")
...     board.apply(RegimeChange(ts_ns=5, scope="market", old="warming_up", new="calm", cause="classifier",
...                              detail="p(calm)=0.93"))
...     board.current("market"), board.change_count, journal.count("regime_change")
('calm', 1, 1)
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.regime.events import RegimeChange
from arbkit.risk.errors import RegimeGateError
from arbkit.risk.regime_policy import check_label

REGIME_ACTOR = "regime_monitor"
"""Actor of ``regime_change`` journal entries."""

_INT64_MAX = 2**63 - 1


class RegimeMonitorPort(Protocol):
    """What an engine needs of a regime monitor (:class:`arbkit.regime.monitor.RegimeMonitor` is one)."""

    scope: str
    """The scope its changes are about (an instrument id or ``"market"``)."""

    @property
    def current(self) -> str:
        """The label now."""
        ...

    def update(self, ts_ns: int, mid: float, x: np.ndarray | None = None, *, spread_bps: float | None = None,
               depth: float | None = None) -> RegimeChange | None:
        """Fold one tick (``ts_ns`` int ns, ``mid`` in quote currency, ``spread_bps`` in bps, ``depth`` in lots);
        a change exactly when the label changes. ``x`` is a new feature row for its classifier, or None."""
        ...


class RegimeBoard:
    """Current regime per scope, fed with :class:`RegimeChange` events; every change is journaled.

    Args:
        journal: receives one ``regime_change`` entry per applied change (actor :data:`REGIME_ACTOR`).
    """

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._current: dict[str, str] = {}
        self._changes: dict[str, int] = {}
        self._last: dict[str, RegimeChange] = {}

    # -- state ----------------------------------------------------------------------------------
    def track(self, scope: str, initial: str) -> None:
        """Start tracking ``scope`` with its monitor's label now (usually ``"warming_up"``).

        Raises:
            RegimeGateError: a malformed scope or label, or a scope already tracked with another label.
        """
        check_label(scope, "regime scope")
        check_label(initial, f"initial regime of scope {scope!r}")
        known = self._current.get(scope)
        if known is not None and known != initial:
            raise RegimeGateError(f"regime scope {scope!r} is already tracked with regime {known!r}, not {initial!r}")
        self._current[scope] = initial
        self._changes.setdefault(scope, 0)

    def __contains__(self, scope: object) -> bool:
        return scope in self._current

    @property
    def scopes(self) -> tuple[str, ...]:
        """Tracked scopes, sorted."""
        return tuple(sorted(self._current))

    def current(self, scope: str) -> str | None:
        """The regime label of ``scope`` now, or None if no monitor tracks it."""
        return self._current.get(scope)

    def last_change(self, scope: str) -> RegimeChange | None:
        """The last change applied to ``scope``, or None."""
        return self._last.get(scope)

    @property
    def change_count(self) -> int:
        """Changes applied so far, over all scopes."""
        return sum(self._changes.values())

    def changes_by_scope(self) -> dict[str, int]:
        """Changes applied so far, per tracked scope (0 for a scope that never changed)."""
        return dict(self._changes)

    # -- events ---------------------------------------------------------------------------------
    def apply(self, change: RegimeChange) -> None:
        """Check ``change``, journal it (kind ``"regime_change"``), count it and make ``change.new`` current.

        Raises:
            RegimeGateError: not a :class:`RegimeChange`; ``ts_ns`` not int ns; a malformed label; an untracked
                scope; ``old`` different from the board's current label; or ``new == old`` (not a change).
        """
        if not isinstance(change, RegimeChange):
            raise RegimeGateError(f"expected a RegimeChange, got {type(change).__name__} {change!r}")
        ts_ns = change.ts_ns
        if isinstance(ts_ns, bool) or not isinstance(ts_ns, int) or not 0 <= ts_ns <= _INT64_MAX:
            raise RegimeGateError(f"regime change ts_ns must be int ns in [0, 2**63), got {ts_ns!r}")
        scope = check_label(change.scope, "regime change scope")
        old = check_label(change.old, f"old regime of scope {scope!r}")
        new = check_label(change.new, f"new regime of scope {scope!r}")
        check_label(change.cause, f"cause of the regime change of scope {scope!r}")
        if not isinstance(change.detail, str):
            raise RegimeGateError(f"regime change detail must be a str, got {type(change.detail).__name__} "
                              f"{change.detail!r}")
        if scope not in self._current:
            raise RegimeGateError(f"regime change for untracked scope {scope!r}; tracked: "
                              f"{', '.join(self.scopes) or 'none'}")
        if old != self._current[scope]:
            raise RegimeGateError(f"regime change of scope {scope!r} says old regime {old!r}, but the board has "
                              f"{self._current[scope]!r}")
        if new == old:
            raise RegimeGateError(f"regime change of scope {scope!r} from {old!r} to itself is not a change")
        self._journal.append(kinds.REGIME_CHANGE, ts_ns=ts_ns, payload=change, actor=REGIME_ACTOR)
        self._current[scope] = new
        self._changes[scope] += 1
        self._last[scope] = change
