"""Builders for the simulated-venue tests: orders, trades, a venue over hand-built books."""

from __future__ import annotations

from typing import Any

from arbkit.book.order_book import OrderBook
from arbkit.core.enums import OrderStatus, OrderType, Side, TimeInForce
from arbkit.core.messages import BookUpdate, Order, Trade
from arbkit.core.time import SimulatedClock
from arbkit.sim.config import SimVenueConfig
from arbkit.sim.events import OrderFilled, VenueEvent
from arbkit.sim.venue import SimulatedVenue
from testkit import USDM_BTC, registry


def order(
    client_order_id: str,
    side: Side,
    qty_lots: int,
    price_ticks: int | None = None,
    tif: TimeInForce = TimeInForce.GTC,
    instrument_id: str = USDM_BTC,
) -> Order:
    """A market order when ``price_ticks`` is None, else a limit order."""
    return Order(
        client_order_id=client_order_id, intent_id=f"i-{client_order_id}", script_id="basis_v1",
        model_version="m-7", instrument_id=instrument_id, side=side,
        order_type=OrderType.MARKET if price_ticks is None else OrderType.LIMIT, qty_lots=qty_lots,
        time_in_force=tif, status=OrderStatus.PENDING_NEW, ts_sent=0, ts_last=0, price_ticks=price_ticks,
    )


def trade(price_ticks: int, size_lots: int, aggressor: Side, ts: int = 0, instrument_id: str = USDM_BTC) -> Trade:
    """A public trade print at ``ts`` (both clocks)."""
    return Trade(instrument_id=instrument_id, ts_event=ts, ts_recv=ts, price_ticks=price_ticks, size_lots=size_lots,
                 aggressor=aggressor, trade_id=1)


def venue_with_book(
    bids: list[tuple[int, int]], asks: list[tuple[int, int]], latency_ns: int = 0, start_ns: int = 0,
    instrument_id: str = USDM_BTC, **config: Any,
) -> tuple[SimulatedVenue, OrderBook, SimulatedClock]:
    """A venue over one hand-built book of ``instrument_id``, with constant latency and default fees.

    ``config`` adds :class:`SimVenueConfig` fields (``queue_model="risk_averse"``, ``response_latency_ns``...).
    """
    book = OrderBook(instrument_id)
    book.apply_snapshot(bids=bids, asks=asks)
    clock = SimulatedClock(start_ns=start_ns)
    venue = SimulatedVenue(registry(), {instrument_id: book}, SimVenueConfig(order_latency_ns=latency_ns, **config),
                           clock)
    return venue, book, clock


def book_update(book: OrderBook, ts: int = 0, bids: tuple[tuple[int, int], ...] = (),
                asks: tuple[tuple[int, int], ...] = ()) -> BookUpdate:
    """Apply a diff to ``book`` and return it as the recorded message the engine would pass on."""
    book.apply(bids, asks)
    return BookUpdate(instrument_id=book.instrument_id, ts_event=ts, ts_recv=ts, first_update_id=1,
                      last_update_id=1, bids=bids, asks=asks)


def fills(events: list[VenueEvent]) -> list[tuple[int, int]]:
    """(price ticks, lots) of every fill in ``events``, in order."""
    return [(e.fill.price_ticks, e.fill.qty_lots) for e in events if isinstance(e, OrderFilled)]
