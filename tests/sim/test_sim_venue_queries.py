"""The simulated venue answers order queries from its own records (restart and post-trade reconciliation)."""

from __future__ import annotations

from simkit import order, trade, venue_with_book

from arbkit.core.enums import OrderStatus, Side
from arbkit.oms.recovery import VenueOrderReport


def test_an_order_in_flight_is_unknown_and_an_arrived_one_reports_status_and_fills() -> None:
    venue, _, clock = venue_with_book(bids=[(100, 50)], asks=[(102, 30)], latency_ns=1_000)
    venue.submit(order("c1", Side.BUY, 50, price_ticks=102))  # 30 marketable, 20 rest
    assert venue.query_order("c1") is None and venue.client_order_ids() == []
    events = venue.process(1_000)
    report = venue.query_order("c1")
    assert isinstance(report, VenueOrderReport)
    assert report.status is OrderStatus.PARTIALLY_FILLED and [f.qty_lots for f in report.fills] == [30]
    assert venue.filled_lots("c1") == 30 and report.ts_ns == 1_000
    assert [f.fill_id for f in report.fills] == [e.fill.fill_id for e in events if hasattr(e, "fill")]
    venue.on_trade(trade(101, 20, Side.SELL, ts=2_000))  # a sell through our 102 bid fills the rest as maker
    final = venue.query_order("c1")
    assert final is not None and final.status is OrderStatus.FILLED and venue.filled_lots("c1") == 50


def test_canceled_rejected_and_never_received_orders() -> None:
    venue, _, clock = venue_with_book(bids=[(100, 50)], asks=[(102, 30)])
    venue.submit(order("rest", Side.BUY, 10, price_ticks=90))
    venue.submit(order("bad", Side.BUY, 0, price_ticks=90))
    venue.process(0)
    venue.cancel("rest")
    venue.process(0)
    canceled, rejected = venue.query_order("rest"), venue.query_order("bad")
    assert canceled is not None and canceled.status is OrderStatus.CANCELED and canceled.fills == ()
    assert rejected is not None and rejected.status is OrderStatus.REJECTED
    assert rejected.reject_reason == "invalid_order: qty_lots 0 must be > 0"
    assert venue.query_order("never") is None and venue.filled_lots("never") == 0
    assert venue.client_order_ids() == ["rest", "bad"]


def test_a_resent_client_order_id_keeps_the_first_record() -> None:
    venue, _, _ = venue_with_book(bids=[(100, 50)], asks=[(102, 30)])
    venue.submit(order("c1", Side.SELL, 10, price_ticks=100))
    venue.submit(order("c1", Side.SELL, 10, price_ticks=100))  # refused by the venue as a duplicate id
    venue.process(0)
    report = venue.query_order("c1")
    assert report is not None and report.status is OrderStatus.FILLED and venue.filled_lots("c1") == 10
    assert venue.client_order_ids() == ["c1"]
