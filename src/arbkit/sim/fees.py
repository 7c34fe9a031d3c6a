"""Exact fee arithmetic: fee = notional in quote currency × rate in bps / 10 000.

>>> from decimal import Decimal
>>> from arbkit.adapters.binance.instruments import binance_registry
>>> btc = binance_registry().get("BTCUSDT.BINANCE_USDM")
>>> fee_quote(btc, price_ticks=618002, qty_lots=1500, fee_bps=Decimal(5))  # 92700.3 USDT at 5 bps
Decimal('46.35015000')
"""

from __future__ import annotations

from decimal import Context, Decimal, Inexact

from arbkit.core.instruments import Instrument

_EXACT = Context(prec=200, traps=[Inexact])
"""Wide enough that a product of two exchange decimals never rounds; rounding would raise."""


def fee_quote(instrument: Instrument, price_ticks: int, qty_lots: int, fee_bps: Decimal) -> Decimal:
    """Fee in the instrument's quote currency (USDT, or USD for inverse contracts), exactly.

    For inverse contracts the notional is the USD face value (contracts × multiplier); the venue
    charges the same value in the base coin at the fill price, which the portfolio converts.
    A negative ``fee_bps`` gives a negative fee (a rebate).
    """
    notional = instrument.notional_quote(price_ticks, qty_lots)
    return _EXACT.multiply(notional, fee_bps).scaleb(-4, _EXACT)
