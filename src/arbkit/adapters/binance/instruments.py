"""Binance instrument definitions for the markets arbkit ships readers for.

Tick and lot sizes are Binance's exchange filters (``PRICE_FILTER.tickSize``, ``LOT_SIZE.stepSize``)
as of 2024-08, except that spot lot sizes are the 8-decimal precision Binance publishes book and
trade sizes in (orders resting since older, finer step sizes show up in the book). COIN-M quantities are contracts: 100 USD each for BTCUSD_PERP, 10 USD for ETHUSD_PERP.
"""

from __future__ import annotations

from decimal import Decimal

from arbkit.core.enums import InstrumentKind
from arbkit.core.instruments import Instrument, InstrumentRegistry

SPOT = "BINANCE_SPOT"
USDM = "BINANCE_USDM"
COINM = "BINANCE_COINM"

MARKET_OF_FILE_PREFIX = {"spot": SPOT, "usdm": USDM, "coinm": COINM}
"""Recorded file names start ``binance_<market>_``; this maps ``<market>`` to the venue code."""

BINANCE_INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(venue=SPOT, symbol="BTCUSDT", base="BTC", quote="USDT", kind=InstrumentKind.SPOT,
               tick_size=Decimal("0.01"), lot_size=Decimal("0.00000001")),
    Instrument(venue=SPOT, symbol="ETHUSDT", base="ETH", quote="USDT", kind=InstrumentKind.SPOT,
               tick_size=Decimal("0.01"), lot_size=Decimal("0.00000001")),
    Instrument(venue=USDM, symbol="BTCUSDT", base="BTC", quote="USDT", kind=InstrumentKind.LINEAR_PERP,
               tick_size=Decimal("0.1"), lot_size=Decimal("0.001")),
    Instrument(venue=USDM, symbol="ETHUSDT", base="ETH", quote="USDT", kind=InstrumentKind.LINEAR_PERP,
               tick_size=Decimal("0.01"), lot_size=Decimal("0.001")),
    Instrument(venue=COINM, symbol="BTCUSD_PERP", base="BTC", quote="USD", kind=InstrumentKind.INVERSE_PERP,
               tick_size=Decimal("0.1"), lot_size=Decimal("1"), contract_multiplier=Decimal("100")),
    Instrument(venue=COINM, symbol="ETHUSD_PERP", base="ETH", quote="USD", kind=InstrumentKind.INVERSE_PERP,
               tick_size=Decimal("0.01"), lot_size=Decimal("1"), contract_multiplier=Decimal("10")),
)


def binance_registry() -> InstrumentRegistry:
    """A registry holding every Binance instrument above."""
    return InstrumentRegistry(BINANCE_INSTRUMENTS)
