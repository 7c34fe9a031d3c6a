"""A/B on split order flow: two live versions of a script, each signal's new risk routed to one of them.

The unit of routing is a *signal*: every intent a version's script sends at one decision time
(``<script>:<decision ts ns>``), so both legs of a spread trade and both versions' wishes at the same
instant get the same answer. The split rule (:class:`~arbkit.lifecycle.split.SplitRule`: hash of the
signal id, alternating, or by instrument) assigns each signal to arm A or arm B; an intent that would
increase the position of the arm the signal was *not* assigned to is refused here with reason code
``AB_SPLIT`` (never sent, returned to the script like a risk refusal, journaled with the intent). Intents
that reduce an arm's position always pass, so each arm can always exit what it holds. Every signal's
assignment is journaled (kind ``ab_route``, action ``assigned``; refusals: action ``refused``). The mid
price of the instrument when each routed intent was sent is kept, so slippage per arm is measured against
the exact arrival mid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import Side
from arbkit.core.messages import OrderIntent, RiskDecision
from arbkit.lifecycle.split import SplitRule

if TYPE_CHECKING:
    from arbkit.lifecycle.arm import Arm

AB_SPLIT = "AB_SPLIT"
"""Reason code of an intent refused because its signal was routed to the other arm."""


class ABRouter:
    """Routes two live arms' risk-increasing intents by ``rule`` (see module docs).

    Args:
        arm_a, arm_b: the two live versions.
        rule: the split rule; rule_name: how it is described in the journal and report.
        journal: the audit journal (kind ``ab_route``).
        mid_price: current mid of an instrument in quote currency per unit, None without a two-sided book.
    """

    def __init__(self, arm_a: Arm, arm_b: Arm, rule: SplitRule, rule_name: str, journal: Journal,
                 mid_price: Callable[[str], float | None]) -> None:
        self.arms = {"a": arm_a, "b": arm_b}
        self.rule = rule
        self.rule_name = rule_name
        self._journal = journal
        self._mid_price = mid_price
        self._signal: tuple[str, str] | None = None
        self.signals = {"a": 0, "b": 0}
        self.refused: list[tuple[OrderIntent, RiskDecision]] = []
        """Intents refused because their signal was the other arm's, with the refusal."""
        self.arrival_mid: dict[str, float] = {}
        """Mid price (quote per unit) when each routed intent was sent, by intent id."""

    def key_of(self, arm: Arm) -> str:
        """``"a"`` or ``"b"``."""
        return "a" if arm is self.arms["a"] else "b"

    def route(self, arm: Arm, intent: OrderIntent) -> RiskDecision | None:
        """None if ``intent`` may go on to the risk gate; a refusal (``AB_SPLIT``) if its signal is the other arm's."""
        signed = intent.qty_lots if intent.side is Side.BUY else -intent.qty_lots
        position = arm.position_lots(intent.instrument_id)
        if abs(position + signed) <= abs(position):
            self._note_mid(intent)
            return None  # reducing: always the arm's own business
        assigned = self._assign(arm, intent)
        if assigned == self.key_of(arm):
            self._note_mid(intent)
            return None
        other = self.arms[assigned]
        refusal = RiskDecision(intent_id=intent.intent_id, script_id=intent.script_id,
                            instrument_id=intent.instrument_id, ts=intent.ts_created, approved=False,
                            reason_code=AB_SPLIT,
                            detail=f"signal {arm.base_script_id}:{intent.ts_created} routed to arm {assigned} "
                                   f"({other.version}) by the {self.rule_name} split")
        self.refused.append((intent, refusal))
        self._journal.append(kinds.AB_ROUTE, intent.ts_created, {
            "action": "refused", "signal_id": f"{arm.base_script_id}:{intent.ts_created}", "arm": self.key_of(arm),
            "intent": intent, "decision": refusal}, actor="ab_router")
        return refusal

    def _assign(self, arm: Arm, intent: OrderIntent) -> str:
        signal_id = f"{arm.base_script_id}:{intent.ts_created}"
        if self._signal is not None and self._signal[0] == signal_id:
            return self._signal[1]
        assigned = self.rule.assign(signal_id, intent.instrument_id)
        self._signal = (signal_id, assigned)
        self.signals[assigned] += 1
        self._journal.append(kinds.AB_ROUTE, intent.ts_created, {
            "action": "assigned", "signal_id": signal_id, "instrument_id": intent.instrument_id, "arm": assigned,
            "version": self.arms[assigned].version, "rule": self.rule_name}, actor="ab_router")
        return assigned

    def _note_mid(self, intent: OrderIntent) -> None:
        mid = self._mid_price(intent.instrument_id)
        if mid is not None:
            self.arrival_mid[intent.intent_id] = mid
