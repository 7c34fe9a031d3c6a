"""One-intent overrides: a named approver lets one intent id past named rules, once, before a deadline.

An override:

- covers exactly one ``intent_id`` of one script;
- names the rules it lets the intent past (never ``kill_switch``; ``trading_state`` only while the state
  is REDUCING, never HALTED — the gate enforces that at use);
- needs an approver (non-empty, distinct from the script id) and a reason;
- expires at ``expires_ns`` (gate clock, int ns) and is consumed by the first evaluation of its intent;
- is journaled (kind ``"config"``) when granted, used and expired.
"""

from __future__ import annotations

import msgspec

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.time import Clock
from arbkit.risk.errors import RiskError

NEVER_OVERRIDDEN = frozenset({"kill_switch"})
"""Rules no override names."""


class Override(msgspec.Struct, frozen=True, kw_only=True):
    """A granted override.

    Attributes:
        intent_id: the one intent it covers.
        script_id: the script that intent must come from.
        rules: names of the rules it lets the intent past (see ``RiskGate.rule_names``).
        approver: who approved it (a person, not the script).
        reason: why.
        granted_ns, expires_ns: gate clock times (int ns); it is usable while ``now < expires_ns``.
    """

    intent_id: str
    script_id: str
    rules: tuple[str, ...]
    approver: str
    reason: str
    granted_ns: int
    expires_ns: int


class OverrideBook:
    """Pending overrides by intent id, with their audit trail (kept by the gate)."""

    def __init__(self, journal: Journal, clock: Clock) -> None:
        self._journal = journal
        self._clock = clock
        self._pending: dict[str, Override] = {}

    @property
    def pending(self) -> dict[str, Override]:
        """Granted overrides neither used nor expired, by intent id."""
        return dict(self._pending)

    def grant(self, *, intent_id: str, script_id: str, rules: tuple[str, ...] | list[str], approver: str,
              reason: str, expires_ns: int, known_rules: tuple[str, ...]) -> Override:
        """Record an override; raises :class:`RiskError` naming the bad value and the allowed ones."""
        now_ns = self._clock.now_ns()
        for name, value in (("intent_id", intent_id), ("script_id", script_id), ("approver", approver),
                            ("reason", reason)):
            if not isinstance(value, str) or not value.strip():
                raise RiskError(f"grant_override: {name} must be a non-empty str, got {value!r}")
        if approver == script_id:
            raise RiskError(f"grant_override: approver {approver!r} must differ from the script id {script_id!r}")
        names = tuple(rules) if isinstance(rules, (tuple, list)) else ()
        allowed = [r for r in known_rules if r not in NEVER_OVERRIDDEN]
        bad = [r for r in names if r not in allowed]
        if not names or bad:
            raise RiskError(f"grant_override: rules {list(names)!r} must be a non-empty list of overridable rules; "
                            f"{bad[0] if bad else 'none given'!r} is not one (allowed: {', '.join(allowed)})")
        if isinstance(expires_ns, bool) or not isinstance(expires_ns, int) or expires_ns <= now_ns:
            raise RiskError(f"grant_override: expires_ns must be an int ns later than now ({now_ns}), "
                            f"got {expires_ns!r}")
        if intent_id in self._pending:
            raise RiskError(f"grant_override: intent {intent_id!r} already has a pending override "
                            f"(approver {self._pending[intent_id].approver!r})")
        override = Override(intent_id=intent_id, script_id=script_id, rules=names, approver=approver,
                            reason=reason, granted_ns=now_ns, expires_ns=expires_ns)
        self._record("override_granted", override, approver)
        self._pending[intent_id] = override
        return override

    def expire(self, now_ns: int) -> None:
        """Drop (and journal) every override whose ``expires_ns`` is at or before ``now_ns``."""
        if not self._pending:
            return
        for intent_id, override in list(self._pending.items()):
            if override.expires_ns <= now_ns:
                del self._pending[intent_id]
                self._record("override_expired", override, override.approver)

    def take(self, intent_id: object, script_id: object) -> Override | None:
        """The live override of ``intent_id`` from ``script_id``, removed from the pending set; None if none."""
        override = self._pending.get(intent_id) if isinstance(intent_id, str) else None
        if override is None or override.script_id != script_id:
            return None
        del self._pending[override.intent_id]
        return override

    def record_use(self, override: Override, overridden: list[str], approved: bool) -> None:
        """Journal that ``override`` was consumed, naming the rules it let the intent past."""
        self._record("override_used", override, override.approver,
                     {"overridden_rules": list(overridden), "approved": approved})

    def _record(self, action: str, override: Override, actor: str, extra: dict[str, object] | None = None) -> None:
        payload: dict[str, object] = {"action": action, "override": override}
        payload.update(extra or {})
        self._journal.append(kinds.CONFIG, ts_ns=self._clock.now_ns(), actor=actor, payload=payload)
