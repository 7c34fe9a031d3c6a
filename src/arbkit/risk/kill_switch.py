"""The kill switch: while engaged for a scope, the risk gate rejects every new intent in that scope.

A scope is ``"all"`` (everything), ``"script:<script id>"``, ``"venue:<venue>"`` or
``"instrument:<instrument id>"``. Several scopes may be engaged at once; an intent is blocked when any
engaged scope covers it. Every new intent in scope is refused, risk-reducing ones included: the kill
switch is the emergency stop, and a person releases it (or sets the narrower REDUCING trading state)
to unwind. Cancels are never refused. Cancelling the open orders in scope is the order path's part
(:meth:`arbkit.system.order_path.OrderPath.kill`).

Every engage or release is journaled (kind ``"kill_switch"``) with scope, who did it and why, including
requests that do not change the state. There is no way to bypass it.
"""

from __future__ import annotations

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.time import Clock
from arbkit.risk.errors import RiskError

ALL_SCOPE = "all"
"""The scope of everything."""

SCOPE_KINDS = ("script", "venue", "instrument")
"""Kinds of a narrower scope, written ``"<kind>:<id>"``."""


def check_kill_scope(scope: object) -> str:
    """Return ``scope`` if valid (``"all"`` or ``"<kind>:<non-empty id>"``); else :class:`RiskError`."""
    if scope == ALL_SCOPE:
        return ALL_SCOPE
    if isinstance(scope, str):
        kind, sep, ident = scope.partition(":")
        if sep and kind in SCOPE_KINDS and ident:
            return scope
    raise RiskError(f"kill switch scope {scope!r} is not valid; allowed: {ALL_SCOPE!r}, "
                    f"{', '.join(repr(k + ':<id>') for k in SCOPE_KINDS)}")


def scope_covers(scope: str, script_id: str, venue: str | None, instrument_id: str) -> bool:
    """True when ``scope`` covers an order of ``script_id`` on ``instrument_id`` at ``venue``."""
    if scope == ALL_SCOPE:
        return True
    kind, _, ident = scope.partition(":")
    return {"script": script_id, "venue": venue, "instrument": instrument_id}.get(kind) == ident


class KillSwitch:
    """Engaged scopes with an audit trail.

    Args:
        journal: where changes are recorded.
        clock: time source for the journal entries (int ns).
        engaged: initial state of the ``"all"`` scope (from ``RiskConfig.kill_switch_engaged``).
    """

    def __init__(self, journal: Journal, clock: Clock, engaged: bool = False) -> None:
        self._journal = journal
        self._clock = clock
        self._scopes: dict[str, tuple[str, str]] = {}
        if engaged:
            self._scopes[ALL_SCOPE] = ("config", "engaged in the risk config")
        self._last_actor = "config" if engaged else ""
        self._last_reason = "engaged in the risk config" if engaged else ""

    @property
    def engaged(self) -> bool:
        """True while the ``"all"`` scope is engaged (every intent rejected)."""
        return ALL_SCOPE in self._scopes

    @property
    def engaged_scopes(self) -> dict[str, tuple[str, str]]:
        """Every engaged scope with ``(actor, reason)`` of its engagement."""
        return dict(self._scopes)

    @property
    def last_change(self) -> tuple[str, str]:
        """``(actor, reason)`` of the last engage or release (empty strings if none)."""
        return self._last_actor, self._last_reason

    def blocking(self, script_id: str, venue: str | None, instrument_id: str) -> tuple[str, str, str] | None:
        """``(scope, actor, reason)`` of an engaged scope covering the order (``"all"`` first), or None."""
        if not self._scopes:
            return None
        for scope in sorted(self._scopes, key=lambda s: s != ALL_SCOPE):
            if scope_covers(scope, script_id, venue, instrument_id):
                actor, reason = self._scopes[scope]
                return scope, actor, reason
        return None

    def engage(self, actor: str, reason: str, scope: str = ALL_SCOPE) -> None:
        """Reject every new intent in ``scope`` from now on. ``actor`` (a person or component) and ``reason`` are required."""
        self._set(True, actor, reason, scope)

    def release(self, actor: str, reason: str, scope: str = ALL_SCOPE) -> None:
        """Stop blocking ``scope`` (other engaged scopes stay). ``actor`` and ``reason`` are required."""
        self._set(False, actor, reason, scope)

    def _set(self, engaged: bool, actor: str, reason: str, scope: str) -> None:
        action = "engage" if engaged else "release"
        if not isinstance(actor, str) or not actor.strip():
            raise RiskError(f"kill switch {action}: actor must be a non-empty str, got {actor!r}")
        if not isinstance(reason, str) or not reason.strip():
            raise RiskError(f"kill switch {action} by {actor!r}: reason must be a non-empty str, got {reason!r}")
        scope = check_kill_scope(scope)
        was = scope in self._scopes
        self._journal.append(
            kinds.KILL_SWITCH,
            ts_ns=self._clock.now_ns(),
            payload={"action": action, "engaged": engaged, "was_engaged": was, "actor": actor, "reason": reason,
                     "scope": scope},
            actor=actor,
        )
        if engaged:
            self._scopes[scope] = (actor, reason)
        else:
            self._scopes.pop(scope, None)
        self._last_actor = actor
        self._last_reason = reason
