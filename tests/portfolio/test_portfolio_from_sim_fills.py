"""The portfolio consumes the simulated venue's fills unchanged."""

from __future__ import annotations

from decimal import Decimal

from arbkit.book.order_book import OrderBook
from arbkit.core.enums import OrderStatus, OrderType, Side, TimeInForce
from arbkit.core.messages import Order
from arbkit.core.time import SimulatedClock
from arbkit.portfolio import Portfolio
from arbkit.sim import OrderFilled, SimulatedVenue, SimVenueConfig
from testkit import USDM_BTC, registry


def _market(cid: str, side: Side, lots: int) -> Order:
    return Order(client_order_id=cid, intent_id=cid, script_id="s", model_version="v", instrument_id=USDM_BTC,
                 side=side, order_type=OrderType.MARKET, qty_lots=lots, time_in_force=TimeInForce.IOC,
                 status=OrderStatus.PENDING_NEW, ts_sent=0, ts_last=0)


def test_round_trip_through_the_simulated_venue_costs_the_spread_and_the_taker_fees() -> None:
    book = OrderBook(USDM_BTC)
    book.apply_snapshot(bids=[(600000, 5000)], asks=[(600001, 5000)])
    venue = SimulatedVenue(registry(), {USDM_BTC: book}, SimVenueConfig(order_latency_ns=0), SimulatedClock(0))
    portfolio = Portfolio(registry())
    venue.submit(_market("b", Side.BUY, 2000))
    venue.submit(_market("s", Side.SELL, 2000))
    for event in venue.process(0):
        if isinstance(event, OrderFilled):
            portfolio.apply_fill(event.fill)
    assert portfolio.position_lots(USDM_BTC) == 0
    assert portfolio.realized_pnl(USDM_BTC) == Decimal("-0.2")  # 0.1 USDT spread × 2 BTC
    assert portfolio.total_fees() == (Decimal("60000.1") + Decimal("60000.0")) * 2 * 5 / 10000
    assert portfolio.equity({}) == Decimal("-0.2") - portfolio.total_fees()
