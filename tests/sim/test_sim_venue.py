"""Simulated venue: book walks, resting and maker fills, IOC, latency, consumed liquidity, cancels, fees."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from arbkit.book.order_book import OrderBook
from arbkit.core.enums import LiquiditySide, OrderStatus, Side, TimeInForce
from arbkit.core.errors import ConfigError
from arbkit.core.time import SimulatedClock
from arbkit.sim import (
    CancelRejected,
    ConstantLatency,
    FeeSchedule,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    SimulatedVenue,
    SimVenueConfig,
    VenueReason,
    load_sim_config,
)
from simkit import fills, order, trade, venue_with_book
from testkit import COINM_BTC, SPOT_BTC, USDM_BTC, registry

BIDS = [(599990, 1000), (599980, 2000), (599970, 4000)]
ASKS = [(600000, 1000), (600010, 2000), (600020, 4000)]


def test_market_buy_walks_three_levels_and_fills_partially_at_the_last() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.BUY, 4500))
    events = venue.process(0)
    assert isinstance(events[0], OrderAccepted)
    assert fills(events) == [(600000, 1000), (600010, 2000), (600020, 1500)]
    assert [e.leaves_lots for e in events if isinstance(e, OrderFilled)] == [3500, 1500, 0]
    assert all(e.fill.liquidity is LiquiditySide.TAKER for e in events if isinstance(e, OrderFilled))
    assert venue.open_orders() == []


def test_market_sell_walks_bids_best_first() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.SELL, 2500))
    assert fills(venue.process(0)) == [(599990, 1000), (599980, 1500)]


def test_market_order_beyond_the_book_fills_what_exists_and_cancels_the_rest_with_a_reason() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.BUY, 8000))
    events = venue.process(0)
    assert sum(lots for _, lots in fills(events)) == 7000
    canceled = events[-1]
    assert isinstance(canceled, OrderCanceled)
    assert canceled.reason is VenueReason.BOOK_SIDE_EXHAUSTED and canceled.canceled_lots == 1000
    assert "8000" in canceled.detail


def test_market_order_on_an_empty_side_is_canceled_with_a_reason() -> None:
    venue, _, _ = venue_with_book(BIDS, [])
    venue.submit(order("c1", Side.BUY, 10))
    events = venue.process(0)
    assert [type(e) for e in events] == [OrderAccepted, OrderCanceled]
    assert events[1].reason is VenueReason.BOOK_SIDE_EXHAUSTED and events[1].canceled_lots == 10


def test_limit_partially_marketable_rests_then_fills_as_maker_on_a_through_trade() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.BUY, 4000, price_ticks=600010))
    events = venue.process(0)
    assert fills(events) == [(600000, 1000), (600010, 2000)]
    (resting,) = venue.open_orders()
    assert resting.status is OrderStatus.PARTIALLY_FILLED and resting.filled_lots == 3000
    assert resting.open_lots == 1000

    assert venue.on_trade(trade(600010, 500, Side.SELL, ts=5)) == []  # at our price: queue unknown
    assert venue.on_trade(trade(600005, 500, Side.BUY, ts=6)) == []  # buy aggressor cannot hit our bid
    assert venue.on_trade(trade(600005, 500, Side.SELL, ts=7, instrument_id=SPOT_BTC)) == []

    first = venue.on_trade(trade(600005, 400, Side.SELL, ts=8))
    (maker,) = first
    assert isinstance(maker, OrderFilled)
    assert (maker.fill.price_ticks, maker.fill.qty_lots, maker.leaves_lots) == (600010, 400, 600)
    assert maker.fill.liquidity is LiquiditySide.MAKER and maker.fill.ts_event == 8
    assert maker.fill.fee == Decimal("60001.0") * Decimal("0.4") * 2 / 10000  # maker 2 bps

    second = venue.on_trade(trade(600000, 5000, Side.SELL, ts=9))
    assert [(e.fill.qty_lots, e.leaves_lots) for e in second] == [(600, 0)]
    assert venue.open_orders() == []


def test_through_trade_fills_our_orders_best_price_first_up_to_the_trade_size() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("low", Side.SELL, 300, price_ticks=600100))
    venue.submit(order("high", Side.SELL, 300, price_ticks=600200))
    venue.submit(order("low2", Side.SELL, 300, price_ticks=600100))
    venue.process(0)
    events = venue.on_trade(trade(600300, 500, Side.BUY, ts=1))
    assert [(e.fill.client_order_id, e.fill.qty_lots) for e in events] == [("low", 300), ("low2", 200)]


def test_ioc_limit_fills_marketable_part_and_cancels_the_remainder() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.SELL, 5000, price_ticks=599980, tif=TimeInForce.IOC))
    events = venue.process(0)
    assert fills(events) == [(599990, 1000), (599980, 2000)]
    assert isinstance(events[-1], OrderCanceled)
    assert events[-1].reason is VenueReason.IOC_REMAINDER and events[-1].canceled_lots == 2000
    assert venue.open_orders() == []


def test_non_marketable_gtc_limit_rests_untouched() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.BUY, 100, price_ticks=599995))
    events = venue.process(0)
    assert [type(e) for e in events] == [OrderAccepted]
    (resting,) = venue.open_orders(USDM_BTC)
    assert resting.status is OrderStatus.NEW and resting.open_lots == 100
    assert venue.open_orders(SPOT_BTC) == []


def test_order_does_nothing_before_arrival_and_fills_against_the_book_at_arrival() -> None:
    venue, book, clock = venue_with_book(BIDS, ASKS, latency_ns=1_000, start_ns=10_000)
    venue.submit(order("c1", Side.BUY, 1500))
    assert venue.in_flight_count() == 1 and venue.next_arrival_ns() == 11_000
    assert venue.process(10_999) == []

    clock.advance_to(10_500)  # the book moves up while the order is on the wire
    book.apply(asks=[(600000, 0), (600010, 0), (600050, 800), (600060, 900)])
    venue.on_book_update(USDM_BTC)
    assert venue.process(10_500) == []

    events = venue.process(11_000)
    assert fills(events) == [(600020, 1500)]
    assert all(e.fill.ts_event == 11_000 for e in events if isinstance(e, OrderFilled))
    assert events[0] == OrderAccepted(client_order_id="c1", ts_ns=11_000)
    assert venue.in_flight_count() == 0 and venue.next_arrival_ns() is None


def test_a_custom_latency_model_is_used_and_requests_keep_their_send_order() -> None:
    class Shrinking:
        def __init__(self) -> None:
            self.values = [5_000, 1_000]

        def order_latency_ns(self, now_ns: int) -> int:
            return self.values.pop(0)

    book = OrderBook(USDM_BTC)
    book.apply_snapshot(bids=BIDS, asks=ASKS)
    clock = SimulatedClock(0)
    venue = SimulatedVenue(registry(), {USDM_BTC: book}, SimVenueConfig(), clock, latency=Shrinking())
    venue.submit(order("c1", Side.BUY, 10, price_ticks=599000))
    venue.cancel("c1")  # 1 µs latency, but it cannot overtake the order sent before it
    assert venue.process(4_999) == []
    events = venue.process(5_000)
    assert [type(e) for e in events] == [OrderAccepted, OrderCanceled]


def test_two_orders_in_one_book_state_cannot_take_the_same_level() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("a", Side.BUY, 800))
    venue.submit(order("b", Side.BUY, 800))
    events = venue.process(0)
    by_order: dict[str, list[tuple[int, int]]] = {}
    for e in events:
        if isinstance(e, OrderFilled):
            by_order.setdefault(e.fill.client_order_id, []).append((e.fill.price_ticks, e.fill.qty_lots))
    assert by_order == {"a": [(600000, 800)], "b": [(600000, 200), (600010, 600)]}

    venue.submit(order("c", Side.BUY, 300, price_ticks=600000))  # the level is used up in this state
    assert fills(venue.process(0)) == []

    venue.on_book_update(USDM_BTC)  # a new recorded state: the level shows its size again
    venue.submit(order("d", Side.BUY, 300, price_ticks=600000))
    assert fills(venue.process(0)) == [(600000, 300)]


def test_consumed_liquidity_of_one_instrument_does_not_reset_on_another_instruments_update() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("a", Side.SELL, 1000))
    venue.process(0)
    venue.on_book_update(SPOT_BTC)
    venue.submit(order("b", Side.SELL, 100))
    assert fills(venue.process(0)) == [(599980, 100)]


def test_cancel_sent_before_arrival_takes_effect_after_the_order_arrives() -> None:
    venue, _, clock = venue_with_book(BIDS, ASKS, latency_ns=1_000)
    venue.submit(order("c1", Side.BUY, 100, price_ticks=599995))
    clock.advance_to(200)
    venue.cancel("c1")
    assert venue.process(999) == []
    events = venue.process(1_200)
    assert events == [
        OrderAccepted(client_order_id="c1", ts_ns=1_000),
        OrderCanceled(client_order_id="c1", ts_ns=1_200, reason=VenueReason.CANCELED_BY_CLIENT, canceled_lots=100),
    ]
    assert venue.open_orders() == []
    assert venue.on_trade(trade(599000, 1000, Side.SELL, ts=1_300)) == []


def test_cancel_of_a_resting_order_removes_its_unfilled_rest() -> None:
    venue, _, clock = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.BUY, 1000, price_ticks=599995))
    venue.process(0)
    venue.on_trade(trade(599990, 250, Side.SELL))
    venue.cancel("c1")
    (canceled,) = venue.process(0)
    assert isinstance(canceled, OrderCanceled) and canceled.canceled_lots == 750


def test_cancel_of_a_filled_or_unknown_order_is_rejected_as_an_event() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.BUY, 10))
    venue.cancel("c1")
    venue.cancel("nope")
    events = venue.process(0)
    rejected = [e for e in events if isinstance(e, CancelRejected)]
    assert [(e.client_order_id, e.reason) for e in rejected] == [
        ("c1", VenueReason.UNKNOWN_ORDER), ("nope", VenueReason.UNKNOWN_ORDER)]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (order("u", Side.BUY, 10, instrument_id="NOPE.NOWHERE"), VenueReason.UNKNOWN_INSTRUMENT),
        (order("n", Side.BUY, 10, instrument_id=SPOT_BTC), VenueReason.NO_BOOK),
        (order("z", Side.BUY, 0), VenueReason.INVALID_ORDER),
        (order("p", Side.BUY, 10, price_ticks=0), VenueReason.INVALID_ORDER),
    ],
)
def test_invalid_orders_are_rejected_with_a_reason_code(bad, reason) -> None:  # type: ignore[no-untyped-def]
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(bad)
    (rejected,) = venue.process(0)
    assert isinstance(rejected, OrderRejected)
    assert rejected.reason is reason and rejected.client_order_id == bad.client_order_id and rejected.detail


def test_a_reused_client_order_id_is_rejected() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.BUY, 10, price_ticks=599000))
    venue.submit(order("c1", Side.BUY, 10, price_ticks=599000))
    events = venue.process(0)
    assert [type(e) for e in events] == [OrderAccepted, OrderRejected]
    assert events[1].reason is VenueReason.DUPLICATE_ORDER_ID
    assert len(venue.open_orders()) == 1


def test_fills_carry_deterministic_ids_and_the_orders_script_and_model_version() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.BUY, 1500))
    venue.submit(order("c2", Side.SELL, 500))
    got = [e.fill for e in venue.process(0) if isinstance(e, OrderFilled)]
    assert [f.fill_id for f in got] == ["F1", "F2", "F3"]
    assert {(f.script_id, f.model_version) for f in got} == {("basis_v1", "m-7")}


def test_fee_arithmetic_is_exact_for_taker_maker_rebate_spot_and_inverse() -> None:
    venue, _, _ = venue_with_book(BIDS, [(618002, 1500)])
    venue.submit(order("c1", Side.BUY, 1500))
    (filled,) = [e for e in venue.process(0) if isinstance(e, OrderFilled)]
    assert filled.fill.fee == Decimal("46.35015")  # 61800.2 × 1.5 × 5 / 10000 USDT, USDⓈ-M taker

    spot_lots = registry().get(SPOT_BTC).size_to_lots("0.00123")  # whatever the spot lot size is
    maker_lots = registry().get(SPOT_BTC).size_to_lots("0.001")
    spot = OrderBook(SPOT_BTC)
    spot.apply_snapshot(bids=[], asks=[(6180023, spot_lots)])  # 61800.23 × 0.00123 BTC
    coinm = OrderBook(COINM_BTC)
    coinm.apply_snapshot(bids=[(600000, 50)], asks=[])  # 50 contracts × 100 USD
    config = SimVenueConfig(order_latency_ns=0, fees={
        "BINANCE_SPOT": FeeSchedule(maker_fee_bps=Decimal("-0.5"), taker_fee_bps=Decimal("7.5")),
        "BINANCE_COINM": FeeSchedule(maker_fee_bps=Decimal("-1"), taker_fee_bps=Decimal("5"))})
    venue = SimulatedVenue(registry(), {SPOT_BTC: spot, COINM_BTC: coinm}, config, SimulatedClock(0))
    venue.submit(order("s", Side.BUY, spot_lots, instrument_id=SPOT_BTC))
    venue.submit(order("i", Side.SELL, 20, instrument_id=COINM_BTC))
    venue.submit(order("m", Side.BUY, maker_lots, price_ticks=6180000, instrument_id=SPOT_BTC))
    got = {e.fill.client_order_id: e.fill.fee for e in venue.process(0) if isinstance(e, OrderFilled)}
    assert got == {"s": Decimal("61800.23") * Decimal("0.00123") * Decimal("7.5") / 10000,
                   "i": Decimal("1.0")}  # inverse: 20 contracts × 100 USD × 5 bps, in USD
    assert got["s"] == Decimal("0.0570107121750")
    (maker,) = venue.on_trade(trade(6179999, maker_lots, Side.SELL, instrument_id=SPOT_BTC))
    assert maker.fill.fee == Decimal("-0.00309")  # rebate: 61800 × 0.001 × 0.5 / 10000


def test_config_defaults_validation_and_toml_loading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = SimVenueConfig()
    assert config.order_latency_ns == 5_000_000
    assert config.fees_for("BINANCE_SPOT") == FeeSchedule(maker_fee_bps=Decimal(10), taker_fee_bps=Decimal(10))
    assert config.fees_for("BINANCE_COINM") == FeeSchedule(maker_fee_bps=Decimal(2), taker_fee_bps=Decimal(5))
    with pytest.raises(ConfigError, match="-1"):
        SimVenueConfig(order_latency_ns=-1)
    with pytest.raises(ConfigError, match="taker_fee_bps 5000"):
        FeeSchedule(maker_fee_bps=Decimal(0), taker_fee_bps=Decimal(5000))
    with pytest.raises(ConfigError, match="-3"):
        ConstantLatency(-3)

    path = tmp_path / "sim.toml"
    path.write_text('order_latency_ns = 250000\n[fees.BINANCE_USDM]\nmaker_fee_bps = "-0.5"\ntaker_fee_bps = "4"\n')
    loaded = load_sim_config(path)
    assert loaded.order_latency_ns == 250_000
    assert loaded.fees_for("BINANCE_USDM").maker_fee_bps == Decimal("-0.5")
    path.write_text("order_latency_ms = 1\n")
    with pytest.raises(ConfigError, match="order_latency_ms"):
        load_sim_config(path)


def test_venue_events_round_trip_through_msgspec_json() -> None:
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("c1", Side.BUY, 8000))
    events = venue.process(0)
    from arbkit.sim.events import VenueEvent

    decoded = msgspec.json.decode(msgspec.json.encode(events), type=list[VenueEvent])
    assert decoded == events
