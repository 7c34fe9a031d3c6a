"""Trading states per script and for the account: ACTIVE, REDUCING, HALTED.

- ``ACTIVE``: intents go on to the other rules.
- ``REDUCING``: only an intent that moves the worst-case position towards zero without crossing it
  passes (the test of :func:`arbkit.risk.rules.is_reducing`, as the ``regime`` rule applies it).
- ``HALTED``: no new intent passes. Cancels are never refused by the gate, so they still go out.

A script's effective state is the more restrictive of its own state and the account's. A scope is
``"account"`` or ``"script:<script id>"``; a scope never set is ``ACTIVE``. States change only through
:meth:`arbkit.risk.gate.RiskGate.set_trading_state`, which journals who, why, old and new.

>>> states = TradingStates()
>>> previous = states.set("script:basis", TradingState.REDUCING)
>>> states.effective("basis").value, states.effective("other").value
('REDUCING', 'ACTIVE')
"""

from __future__ import annotations

from arbkit.core.messages import OrderIntent, RiskCheck
from arbkit.risk.context import RuleContext
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.reducing import judge_reducing
from arbkit.risk.states import (
    ACCOUNT_SCOPE,
    SCRIPT_PREFIX,
    STATE_RANK,
    TradingState,
    check_scope,
    check_state,
    script_scope,
)

__all__ = ["ACCOUNT_SCOPE", "SCRIPT_PREFIX", "TradingState", "TradingStateRule", "TradingStates", "check_scope",
           "check_state", "script_scope"]


class TradingStates:
    """Current trading state per scope (mutated only by the gate, which journals each change)."""

    def __init__(self) -> None:
        self._states: dict[str, TradingState] = {}

    def get(self, scope: str) -> TradingState:
        """State of ``scope`` (``ACTIVE`` if never set)."""
        return self._states.get(check_scope(scope), TradingState.ACTIVE)

    def set(self, scope: str, state: TradingState) -> TradingState:
        """Set ``scope`` to ``state``; returns the previous state. The gate journals the change."""
        scope, state = check_scope(scope), check_state(state)
        old = self._states.get(scope, TradingState.ACTIVE)
        if state is TradingState.ACTIVE:
            self._states.pop(scope, None)
        else:
            self._states[scope] = state
        return old

    def effective(self, script_id: str) -> TradingState:
        """The more restrictive of the account's state and ``script_id``'s."""
        own = self._states.get(script_scope(script_id), TradingState.ACTIVE)
        account = self._states.get(ACCOUNT_SCOPE, TradingState.ACTIVE)
        return own if STATE_RANK[own] >= STATE_RANK[account] else account

    def governing(self, script_id: str) -> tuple[str, TradingState]:
        """``(scope, state)`` that sets ``script_id``'s effective state (the account on a tie)."""
        own = self._states.get(script_scope(script_id), TradingState.ACTIVE)
        account = self._states.get(ACCOUNT_SCOPE, TradingState.ACTIVE)
        if STATE_RANK[own] > STATE_RANK[account]:
            return script_scope(script_id), own
        return ACCOUNT_SCOPE, account

    def as_dict(self) -> dict[str, str]:
        """Every scope not ``ACTIVE``, with its state value (``{"script:basis": "REDUCING"}``)."""
        return {scope: state.value for scope, state in sorted(self._states.items())}


class TradingStateRule:
    """Rejects every intent in ``HALTED`` and every non-reducing intent in ``REDUCING`` (reason ``TRADING_STATE``)."""

    name = "trading_state"
    reason = ReasonCode.TRADING_STATE

    def __init__(self, states: TradingStates) -> None:
        self._states = states

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        script_id = intent.script_id if isinstance(intent.script_id, str) else ""
        scope, state = self._states.governing(script_id)
        if state is TradingState.ACTIVE:
            return RiskCheck(rule=self.name, passed=True, value="ACTIVE", limit="ACTIVE or a reducing intent")
        if state is TradingState.HALTED:
            return RiskCheck(rule=self.name, passed=False, value=f"{scope} is HALTED",
                             limit="ACTIVE (REDUCING for reducing intents)")
        reducing, why = judge_reducing(intent, ctx)
        return RiskCheck(rule=self.name, passed=reducing, value=f"{scope} is REDUCING; {why}",
                         limit="a reducing intent (worst-case position towards zero, not crossing it)")
