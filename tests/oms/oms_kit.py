"""Builders shared by the OMS tests: intents, fills and an order manager on an in-memory journal."""

from __future__ import annotations

from decimal import Decimal

from arbkit.audit.journal import Journal
from arbkit.core.enums import LiquiditySide, OrderType, Side
from arbkit.core.messages import Fill, OrderIntent
from arbkit.core.time import SimulatedClock
from arbkit.oms.order_manager import OrderManager

SPOT = "BTCUSDT.BINANCE_SPOT"
PERP = "BTCUSDT.BINANCE_USDM"
T0 = 1_723_075_200_000_000_000


def an_intent(n: int = 1, qty: int = 10, side: Side = Side.BUY, instrument_id: str = SPOT,
              order_type: OrderType = OrderType.LIMIT, price: int | None = 6_000_000) -> OrderIntent:
    """Intent ``f"i{n}"`` of script ``basis``: a limit buy of ``qty`` lots of spot BTC by default."""
    return OrderIntent(intent_id=f"i{n}", script_id="basis", model_version="m1", instrument_id=instrument_id,
                       side=side, order_type=order_type, qty_lots=qty, price_ticks=price, ts_created=T0)


def a_fill(client_order_id: str, qty: int, n: int = 1, side: Side = Side.BUY, instrument_id: str = SPOT,
           fill_id: str | None = None) -> Fill:
    """Fill ``f"f{n}"`` (or ``fill_id``) of ``qty`` lots at 6,000,000 ticks, at ``T0 + n`` ns."""
    return Fill(fill_id=fill_id or f"f{n}", client_order_id=client_order_id, script_id="basis", model_version="m1",
                instrument_id=instrument_id, side=side, price_ticks=6_000_000, qty_lots=qty, fee=Decimal("0.01"),
                liquidity=LiquiditySide.MAKER, ts_event=T0 + n)


def an_oms(journal: Journal | None = None, id_prefix: str = "O") -> OrderManager:
    """An order manager on a simulated clock at ``T0``, writing to ``journal`` (a new in-memory one if None)."""
    return OrderManager(SimulatedClock(T0), journal if journal is not None else Journal(":memory:"),
                        id_prefix=id_prefix)
