"""Risk limits: frozen, typed config loaded from TOML.

Decimals may be written in TOML as strings (``"0.5"``) or numbers (``0.5``, ``10``); both become exact
:class:`~decimal.Decimal` (floats are read from their TOML text, never through binary floating point).

>>> config = RiskConfig.from_toml_dict({"instruments": {"BTCUSDT.BINANCE_SPOT": {
...     "max_order_qty": "0.5", "max_order_notional_usd": 50000, "max_position_qty": "2",
...     "price_collar_bps": 50, "reference_max_age_ms": 2000}}})
>>> config.instruments["BTCUSDT.BINANCE_SPOT"].max_order_qty
Decimal('0.5')
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from arbkit.core.errors import ConfigError
from arbkit.core.toml_file import read_toml
from arbkit.risk.errors import RiskError
from arbkit.risk.kill_switch import check_kill_scope
from arbkit.risk.states import check_scope, check_state
from arbkit.risk.breaker_config import BreakersConfig, breakers_section
from arbkit.risk.flow_config import DuplicatesConfig, MessagesConfig, RestrictionsConfig, ThrottleConfig, flow_section
from arbkit.risk.post_trade_config import PostTradeConfig
from arbkit.risk.portfolio_config import PortfolioLimits, exact_decimals, portfolio_section

_DECIMAL_FIELDS = ("max_order_qty", "max_order_notional_usd", "max_position_qty", "price_collar_bps")


class InstrumentLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Pre-trade limits of one instrument. Every limit must be finite and > 0.

    Attributes:
        max_order_qty: largest single order, in base units (spot, linear perp) or contracts (inverse perp).
        max_order_notional_usd: largest single order value in USD (USDT and USDC count as USD); limit
            orders are valued at their limit price, market orders at the reference mid, inverse contracts
            at their face value (contracts × multiplier).
        max_position_qty: largest absolute worst-case position (filled + same-side working orders +
            this order), in base units or contracts.
        price_collar_bps: largest distance of a limit price from the reference mid, in basis points.
        reference_max_age_ms: oldest usable reference mid, in ms of the gate's clock.
    """

    max_order_qty: Decimal
    max_order_notional_usd: Decimal
    max_position_qty: Decimal
    price_collar_bps: Decimal
    reference_max_age_ms: int

    def __post_init__(self) -> None:
        for name in _DECIMAL_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise ConfigError(f"{name} must be a finite decimal > 0, got {value!r}")
        age = self.reference_max_age_ms
        if isinstance(age, bool) or not isinstance(age, int) or age <= 0:
            raise ConfigError(f"reference_max_age_ms must be an int > 0 (milliseconds), got {age!r}")


class RiskConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Limits of every tradable instrument, keyed by instrument id (``"BTCUSDT.BINANCE_SPOT"``).

    An instrument absent from ``instruments`` is rejected (``NO_LIMITS``), never unlimited.

    The flow sections are optional; their defaults are in :mod:`arbkit.risk.flow_config`.

    Attributes:
        instruments: limits by instrument id.
        kill_switch_engaged: start with the kill switch engaged (every intent rejected).
        restrictions: restricted instruments and per-instrument permitted scripts and venues.
        duplicates: the duplicate-intent window.
        messages: message limits per script and per venue.
        throttle: fills per script that disable it until a person re-enables it.
        portfolio: account-level limits (:mod:`arbkit.risk.portfolio_config`); every one off while absent.
        breakers: drawdown and daily-loss breakers (:mod:`arbkit.risk.breaker_config`); off while absent.
        post_trade: continuous reconciliation of positions against fills (:mod:`arbkit.risk.post_trade_config`).
        kill_switch_scopes: scopes engaged at start besides ``"all"`` (``"script:<id>"``, ``"venue:<venue>"``,
            ``"instrument:<id>"``); the gate journals each engagement with actor ``risk_config``.
        trading_states: initial trading state by scope (``"account"`` or ``"script:<id>"`` → ``ACTIVE``,
            ``REDUCING`` or ``HALTED``); the gate journals each one it sets.
    """

    instruments: dict[str, InstrumentLimits] = msgspec.field(default_factory=dict)
    kill_switch_engaged: bool = False
    restrictions: RestrictionsConfig = msgspec.field(default_factory=RestrictionsConfig)
    duplicates: DuplicatesConfig = msgspec.field(default_factory=DuplicatesConfig)
    messages: MessagesConfig = msgspec.field(default_factory=MessagesConfig)
    throttle: ThrottleConfig = msgspec.field(default_factory=ThrottleConfig)
    portfolio: PortfolioLimits = msgspec.field(default_factory=PortfolioLimits)
    breakers: BreakersConfig = msgspec.field(default_factory=BreakersConfig)
    post_trade: PostTradeConfig = msgspec.field(default_factory=PostTradeConfig)
    kill_switch_scopes: list[str] = msgspec.field(default_factory=list)
    trading_states: dict[str, str] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        for scope in self.kill_switch_scopes:
            try:
                check_kill_scope(scope)
            except RiskError as exc:
                raise ConfigError(f"risk config: kill_switch_scopes: {exc}") from None
        for scope, state in self.trading_states.items():
            try:
                check_scope(scope)
                check_state(state)
            except RiskError as exc:
                raise ConfigError(f"risk config: trading_states[{scope!r}]: {exc}") from None

    @classmethod
    def from_toml_dict(cls, data: Mapping[str, Any]) -> RiskConfig:
        """Build from a parsed TOML table; raises :class:`ConfigError` naming the bad field."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"risk config must be a table, got {type(data).__name__}")
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise ConfigError(f"risk config: unknown field {unknown[0]!r} (allowed: {', '.join(_FIELDS)})")
        kill = data.get("kill_switch_engaged", False)
        if not isinstance(kill, bool):
            raise ConfigError(f"risk config: kill_switch_engaged must be true or false, got {kill!r}")
        tables = data.get("instruments", {})
        if not isinstance(tables, Mapping):
            raise ConfigError(f"risk config: instruments must be a table of tables, got {type(tables).__name__}")
        instruments = {}
        for instrument_id, table in tables.items():
            instruments[instrument_id] = limits_from_dict(table, where=f"instruments.{instrument_id!r}")
        flows = {name: flow_section(data[name], kind, where=name) for name, kind in _FLOW_SECTIONS.items()
                 if name in data}
        if "portfolio" in data:
            flows["portfolio"] = portfolio_section(data["portfolio"], where="portfolio")
        if "breakers" in data:
            flows["breakers"] = breakers_section(data["breakers"], where="breakers")
        scopes = data.get("kill_switch_scopes", [])
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise ConfigError(f"risk config: kill_switch_scopes must be a list of scope strings, got {scopes!r}")
        states = data.get("trading_states", {})
        if not isinstance(states, Mapping) or not all(isinstance(v, str) for v in states.values()):
            raise ConfigError(f"risk config: trading_states must be a table of scope = \"STATE\", got {states!r}")
        return cls(instruments=instruments, kill_switch_engaged=kill, kill_switch_scopes=list(scopes),
                   trading_states=dict(states), **flows)


_FLOW_SECTIONS: dict[str, type] = {"restrictions": RestrictionsConfig, "duplicates": DuplicatesConfig,
                                   "messages": MessagesConfig, "throttle": ThrottleConfig,
                                   "post_trade": PostTradeConfig}
_FIELDS = ("instruments", "kill_switch_engaged", "kill_switch_scopes", "trading_states", *_FLOW_SECTIONS, "portfolio",
           "breakers")


def limits_from_dict(table: Any, where: str = "limits") -> InstrumentLimits:
    """Build :class:`InstrumentLimits` from a mapping; raises :class:`ConfigError` naming ``where`` and the field."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table, got {type(table).__name__} {table!r}")
    exact = exact_decimals(table)
    try:
        return msgspec.convert(exact, InstrumentLimits)
    except msgspec.ValidationError as exc:
        message = str(exc).replace("`$.", f"`{where}.").replace("`$`", f"`{where}`")
        raise ConfigError(f"{where}: {message}") from exc
    except ConfigError as exc:
        raise ConfigError(f"{where}.{exc}") from exc


def load_risk_config(path: str | Path) -> RiskConfig:
    """Read a TOML file (top-level ``kill_switch_engaged``, ``[instruments."ID"]`` tables and the optional
    ``[restrictions]``, ``[duplicates]``, ``[messages]``, ``[throttle]`` tables)."""
    path = Path(path)
    data = read_toml(path, "risk config")
    try:
        return RiskConfig.from_toml_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path.name}: {exc}") from exc
