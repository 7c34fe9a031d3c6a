"""The kill switch: when engaged, the risk gate rejects every intent.

Every engage or release is journaled (kind ``"kill_switch"``) with who did it and why, including
requests that do not change the state. There is no way to bypass it.
"""

from __future__ import annotations

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.time import Clock
from arbkit.risk.errors import RiskError


class KillSwitch:
    """Engaged / released state with an audit trail.

    Args:
        journal: where changes are recorded.
        clock: time source for the journal entries (int ns).
        engaged: initial state (from ``RiskConfig.kill_switch_engaged``).
    """

    def __init__(self, journal: Journal, clock: Clock, engaged: bool = False) -> None:
        self._journal = journal
        self._clock = clock
        self._engaged = bool(engaged)
        self._last_actor = "config" if engaged else ""
        self._last_reason = "engaged in the risk config" if engaged else ""

    @property
    def engaged(self) -> bool:
        """True while every intent must be rejected."""
        return self._engaged

    @property
    def last_change(self) -> tuple[str, str]:
        """``(actor, reason)`` of the last engage or release (empty strings if none)."""
        return self._last_actor, self._last_reason

    def engage(self, actor: str, reason: str) -> None:
        """Reject every intent from now on. ``actor`` (a person or component) and ``reason`` are required."""
        self._set(True, actor, reason)

    def release(self, actor: str, reason: str) -> None:
        """Let intents through the other rules again. ``actor`` and ``reason`` are required."""
        self._set(False, actor, reason)

    def _set(self, engaged: bool, actor: str, reason: str) -> None:
        action = "engage" if engaged else "release"
        if not isinstance(actor, str) or not actor.strip():
            raise RiskError(f"kill switch {action}: actor must be a non-empty str, got {actor!r}")
        if not isinstance(reason, str) or not reason.strip():
            raise RiskError(f"kill switch {action} by {actor!r}: reason must be a non-empty str, got {reason!r}")
        was = self._engaged
        self._journal.append(
            kinds.KILL_SWITCH,
            ts_ns=self._clock.now_ns(),
            payload={"action": action, "engaged": engaged, "was_engaged": was, "actor": actor, "reason": reason},
            actor=actor,
        )
        self._engaged = engaged
        self._last_actor = actor
        self._last_reason = reason
