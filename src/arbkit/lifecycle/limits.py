"""The risk limits a deployed version trades under, set on the engine's one risk gate as its mode changes.

- canary: a gross-notional cap of ``[canary] capital_usd`` on the version's script id (the gate's
  ``portfolio.scripts`` limit: position plus open orders, so exposure never exceeds it) and a drawdown
  breaker of ``[canary] max_drawdown_usd`` on ``script:<id>``;
- live: the script's own limits (the canary cap and breaker removed);
- retired: trading state REDUCING on ``script:<id>`` (only orders that reduce what it holds pass);
- restored to live by a rollback: trading state ACTIVE again.

Each change goes through the gate's runtime API, so it is journaled there with who and why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.policy import PromotionPolicy
from arbkit.risk.breaker_config import BreakerLimits
from arbkit.risk.gate import RiskGate
from arbkit.risk.states import TradingState

if TYPE_CHECKING:
    from arbkit.lifecycle.arm import Arm

ACTOR = "lifecycle"


class CanaryLimits:
    """Sets and lifts a version's mode-dependent limits on ``gate`` (see module docs)."""

    def __init__(self, gate: RiskGate, policy: PromotionPolicy) -> None:
        self._gate = gate
        self._policy = policy
        self._breakers_before: dict[str, BreakerLimits | None] = {}
        """Per canary scope, the breaker it had before (restored when it leaves canary)."""

    def apply(self, arm: Arm, old: DeploymentMode, new: DeploymentMode) -> None:
        """Move ``arm``'s limits from those of ``old`` to those of ``new``."""
        scope = f"script:{arm.script_id}"
        if new is DeploymentMode.CANARY:
            canary = self._policy.canary
            if canary is None:
                raise ValueError("the promotion policy has no [canary] section: a canary needs capital_usd")
            self._set_cap(arm.script_id, str(canary.capital_usd), f"canary {arm.version}: capital cap")
            if canary.max_drawdown_usd is not None:
                self._breakers_before[scope] = self._gate.config.breakers.scripts.get(
                    arm.script_id, self._gate.config.breakers.default_script)
                self._gate.set_breaker_limits(scope, {"max_drawdown_usd": str(canary.max_drawdown_usd),
                                                      "action": "REDUCING"},
                                              ACTOR, f"canary {arm.version}: drawdown breaker")
        elif old is DeploymentMode.CANARY:
            self._set_cap(arm.script_id, None, f"{arm.version} left canary for {new.value}")
            if scope in self._breakers_before:  # back to the breaker it had: its own, the default one, or none
                self._gate.set_breaker_limits(scope, self._breakers_before.pop(scope),
                                              ACTOR, f"{arm.version} left canary for {new.value}")
        if new is DeploymentMode.RETIRED:
            self._gate.set_trading_state(scope, TradingState.REDUCING, ACTOR,
                                         f"{arm.version} retired: only orders that reduce its position")
        elif old is DeploymentMode.RETIRED:
            self._gate.set_trading_state(scope, TradingState.ACTIVE, ACTOR, f"{arm.version} restored to {new.value}")

    def _set_cap(self, script_id: str, capital_usd: str | None, reason: str) -> None:
        table = msgspec.to_builtins(self._gate.config.portfolio)
        scripts = dict(table.get("scripts") or {})
        if capital_usd is None:
            scripts.pop(script_id, None)
        else:
            scripts[script_id] = capital_usd
        table["scripts"] = scripts
        self._gate.set_risk_section("portfolio", table, ACTOR, reason)
