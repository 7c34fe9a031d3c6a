"""Loss breakers of the risk config: drawdown and daily-loss limits per script and for the account.

The ``[breakers]`` table is optional and every breaker is off while absent. Money is in USD (USDT and
USDC count as USD); PnL is equity since the gate started: realized + unrealized − fees, marked at the
book mids.

>>> config = breakers_section({"account": {"max_daily_loss_usd": 500, "action": "HALTED"},
...                            "scripts": {"basis": {"max_drawdown_usd": "150"}}}, "breakers")
>>> config.for_scope("script:basis").max_drawdown_usd, config.for_scope("script:basis").action
(Decimal('150'), 'REDUCING')
>>> config.for_scope("account").action
'HALTED'
>>> breakers_section({"account": {"action": "REDUCING"}}, "breakers")
Traceback (most recent call last):
...
arbkit.core.errors.ConfigError: breakers: breakers.account sets neither max_drawdown_usd nor max_daily_loss_usd
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from arbkit.core.errors import ConfigError
from arbkit.risk.flow_config import FlowConfigError, flow_section
from arbkit.risk.portfolio_config import exact_decimals

BREAKER_ACTIONS = ("REDUCING", "HALTED")
"""Trading states a tripped breaker may move its scope to."""


class BreakerLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The loss limits of one scope (a script, or the account).

    Attributes:
        max_drawdown_usd: trip when peak PnL − current PnL exceeds this (USD); the peak is the highest
            PnL since the gate started or since a person last set the scope back to ACTIVE.
        max_daily_loss_usd: trip when PnL at the start of the UTC day − current PnL exceeds this (USD).
        action: the trading state a trip moves the scope to: ``REDUCING`` (default; only reducing intents
            pass) or ``HALTED`` (no intent passes; cancels still go out).
    """

    max_drawdown_usd: Decimal | None = None
    max_daily_loss_usd: Decimal | None = None
    action: str = "REDUCING"

    def __post_init__(self) -> None:
        for name in ("max_drawdown_usd", "max_daily_loss_usd"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value <= 0):
                raise FlowConfigError(f"{name} must be a finite decimal > 0 (USD), got {value!r}")
        if self.action not in BREAKER_ACTIONS:
            raise FlowConfigError(f"action must be one of {', '.join(BREAKER_ACTIONS)}, got {self.action!r}")


class BreakersConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Drawdown and daily-loss breakers (rules ``drawdown`` and ``daily_loss``).

    Attributes:
        account: limits of the whole account (all scripts together); None: no account breaker.
        default_script: limits of a script not listed in ``scripts``; None: none.
        scripts: limits by script id.
        check_interval_ms: how often (ms of the engine clock) PnL is marked and the breakers checked, on
            top of a check after every fill (default 100).
    """

    account: BreakerLimits | None = None
    default_script: BreakerLimits | None = None
    scripts: dict[str, BreakerLimits] = msgspec.field(default_factory=dict)
    check_interval_ms: int = 100

    def __post_init__(self) -> None:
        interval = self.check_interval_ms
        if isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0:
            raise FlowConfigError(f"check_interval_ms must be an int > 0 (milliseconds), got {interval!r}")
        named = [("breakers.account", self.account), ("breakers.default_script", self.default_script),
                 *((f"breakers.scripts.{k}", v) for k, v in self.scripts.items())]
        for where, limits in named:
            if limits is not None and limits.max_drawdown_usd is None and limits.max_daily_loss_usd is None:
                raise FlowConfigError(f"{where} sets neither max_drawdown_usd nor max_daily_loss_usd")

    @property
    def enabled(self) -> bool:
        """True when any breaker is configured."""
        return self.account is not None or self.default_script is not None or bool(self.scripts)

    def for_scope(self, scope: str) -> BreakerLimits | None:
        """Limits of ``scope`` (``"account"`` or ``"script:<id>"``), or None when it has no breaker."""
        if scope == "account":
            return self.account
        script_id = scope.removeprefix("script:")
        return self.scripts.get(script_id, self.default_script)


def breakers_section(table: Any, where: str) -> BreakersConfig:
    """Build :class:`BreakersConfig` from a TOML table; raises :class:`ConfigError` naming the field."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table, got {type(table).__name__} {table!r}")
    return flow_section(exact_decimals(table), BreakersConfig, where)
