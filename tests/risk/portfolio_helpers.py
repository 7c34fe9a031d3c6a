"""Builders of the account-level rule tests: a per-script exposure view and a rule context over it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from risk_helpers import MID_BTC_SPOT, T0, StaticMarket
from testkit import SPOT_BTC, registry

from arbkit.core.enums import OrderType, Side
from arbkit.core.messages import OrderIntent
from arbkit.risk.config import InstrumentLimits
from arbkit.risk.context import RuleContext
from arbkit.risk.portfolio_config import PortfolioLimits, portfolio_section

REGISTRY = registry()
ETH_SPOT = "ETHUSDT.BINANCE_SPOT"
MID_ETH_SPOT = 300_000  # 3000.00 USDT in ticks of 0.01
BTC_LOTS_PER_UNIT = REGISTRY.get(SPOT_BTC).size_to_lots("1")
ETH_LOTS_PER_UNIT = REGISTRY.get(ETH_SPOT).size_to_lots("1")


class ScriptExposure:
    """A :class:`~arbkit.risk.rules_portfolio.BookExposure`: positions and working lots per script; the
    account's are the sums over scripts."""

    def __init__(self) -> None:
        self.positions: dict[tuple[str, str], int] = {}
        self.working: dict[tuple[str, str, Side], int] = {}

    def position_lots(self, instrument_id: str) -> int:
        return sum(v for (_, i), v in self.positions.items() if i == instrument_id)

    def open_order_lots(self, instrument_id: str, side: Side) -> int:
        return sum(v for (_, i, s), v in self.working.items() if i == instrument_id and s is side)

    def instrument_ids(self) -> list[str]:
        return sorted({i for (_, i), v in self.positions.items() if v} | {i for (_, i, _), v in self.working.items() if v})

    def script_position_lots(self, script_id: str, instrument_id: str) -> int:
        return self.positions.get((script_id, instrument_id), 0)

    def script_open_order_lots(self, script_id: str, instrument_id: str, side: Side) -> int:
        return self.working.get((script_id, instrument_id, side), 0)

    def hold(self, script_id: str, instrument_id: str, lots: int) -> None:
        self.positions[(script_id, instrument_id)] = self.positions.get((script_id, instrument_id), 0) + lots

    def send(self, script_id: str, instrument_id: str, side: Side, lots: int) -> None:
        key = (script_id, instrument_id, side)
        self.working[key] = self.working.get(key, 0) + lots


def two_mid_market() -> StaticMarket:
    """BTC spot at 60000.00 and ETH spot at 3000.00, both fresh at T0."""
    market = StaticMarket()
    market.mids[SPOT_BTC] = (float(MID_BTC_SPOT), T0)
    market.mids[ETH_SPOT] = (float(MID_ETH_SPOT), T0)
    return market


def order(instrument_id: str, lots: int, side: Side = Side.BUY, script_id: str = "s1", n: int = 1) -> OrderIntent:
    """A market intent (valued at the mark, as every account-level rule values it)."""
    return OrderIntent(intent_id=f"p{n}", script_id=script_id, model_version="m", instrument_id=instrument_id,
                       side=side, order_type=OrderType.MARKET, qty_lots=lots, ts_created=T0)


def context(intent: OrderIntent, exposure: Any, market: StaticMarket | None = None) -> RuleContext:
    """A rule context at T0 over ``exposure`` (limits of every instrument are generous)."""
    limits = InstrumentLimits(max_order_qty=Decimal(1000), max_order_notional_usd=Decimal(10**9),
                              max_position_qty=Decimal(1000), price_collar_bps=Decimal(50), reference_max_age_ms=2_000)
    return RuleContext(instrument_id=intent.instrument_id, now_ns=T0, instruments=REGISTRY,
                       limits={SPOT_BTC: limits, ETH_SPOT: limits}, market=market or two_mid_market(),
                       exposure=exposure)


def limits(**table: object) -> PortfolioLimits:
    """Portfolio limits from a TOML-like table."""
    data: Mapping[str, object] = table
    return portfolio_section(data)
