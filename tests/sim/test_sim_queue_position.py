"""Queue position of resting limit orders: join behind the displayed size, trades and cancels move us up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from arbkit.core.enums import LiquiditySide, Side
from arbkit.core.errors import ConfigError
from arbkit.sim import FeeSchedule, OrderFilled, ProbQueue, RiskAverseQueue, ThroughOnlyQueue, queue_model
from simkit import book_update, fills, order, trade, venue_with_book

BID, ASK = 599990, 600000
TRACKING = ["risk_averse", "probabilistic"]


def resting_buy(model: str, level_lots: int = 30, qty: int = 10, **config: object):  # type: ignore[no-untyped-def]
    """A venue whose bid level BID displays ``level_lots``, with our buy of ``qty`` resting there."""
    venue, book, clock = venue_with_book([(BID, level_lots), (BID - 10, 100)], [(ASK, 40)], queue_model=model,
                                         **config)
    venue.submit(order("q", Side.BUY, qty, price_ticks=BID))
    venue.process(0)
    return venue, book, clock


@pytest.mark.parametrize("model", TRACKING)
def test_join_behind_30_a_20_lot_trade_does_not_fill_the_next_15_lot_trade_fills_5(model: str) -> None:
    venue, _, _ = resting_buy(model)
    assert venue.queue_ahead_lots("q") == 30
    assert venue.on_trade(trade(BID, 20, Side.SELL, ts=1)) == []
    assert venue.queue_ahead_lots("q") == 10
    events = venue.on_trade(trade(BID, 15, Side.SELL, ts=2))
    (filled,) = events
    assert isinstance(filled, OrderFilled)
    assert (filled.fill.price_ticks, filled.fill.qty_lots, filled.leaves_lots) == (BID, 5, 5)
    assert filled.fill.liquidity is LiquiditySide.MAKER and filled.fill.ts_event == 2
    assert venue.queue_ahead_lots("q") == 0
    assert fills(venue.on_trade(trade(BID, 3, Side.SELL, ts=3))) == [(BID, 3)]  # at the front: every lot reaches us


def test_through_only_never_fills_at_our_price_only_through_it() -> None:
    venue, _, _ = resting_buy("through_only")
    assert venue.queue_ahead_lots("q") is None  # no queue tracked
    for ts in range(1, 5):
        assert venue.on_trade(trade(BID, 1_000, Side.SELL, ts=ts)) == []
    assert fills(venue.on_trade(trade(BID - 1, 4, Side.SELL, ts=9))) == [(BID, 4)]


@pytest.mark.parametrize("model", ["through_only", *TRACKING])
def test_trades_on_the_wrong_side_or_another_price_do_not_touch_the_queue(model: str) -> None:
    venue, _, _ = resting_buy(model)
    assert venue.on_trade(trade(BID, 50, Side.BUY, ts=1)) == []  # a buy aggressor does not hit bids
    assert venue.on_trade(trade(BID + 5, 50, Side.SELL, ts=2)) == []  # above our bid: not at or through it
    assert venue.queue_ahead_lots("q") == (None if model == "through_only" else 30)


def _grow_then_cancel(model: str):  # type: ignore[no-untyped-def]
    venue, book, _ = resting_buy(model)
    venue.on_book_update(book.instrument_id, book_update(book, ts=1, bids=((BID, 50),)))  # 20 join behind us
    assert venue.queue_ahead_lots("q") == 30
    venue.on_book_update(book.instrument_id, book_update(book, ts=2, bids=((BID, 40),)))  # 10 cancel, no trade
    return venue


def test_cancels_move_us_up_under_probabilistic() -> None:
    venue = _grow_then_cancel("probabilistic")
    p_behind = 20**2 / (20**2 + 30**2)
    assert venue.queue_ahead_lots("q") == pytest.approx(30 - (1 - p_behind) * 10)  # 23.08 lots
    assert fills(venue.on_trade(trade(BID, 28, Side.SELL, ts=3))) == [(BID, 4)]


def test_cancels_do_not_move_us_up_under_risk_averse() -> None:
    venue = _grow_then_cancel("risk_averse")
    assert venue.queue_ahead_lots("q") == 30
    assert venue.on_trade(trade(BID, 28, Side.SELL, ts=3)) == []
    assert venue.queue_ahead_lots("q") == 2


def test_risk_averse_never_keeps_more_ahead_than_the_level_displays() -> None:
    venue, book, _ = resting_buy("risk_averse")
    venue.on_book_update(book.instrument_id, book_update(book, ts=1, bids=((BID, 12),)))
    assert venue.queue_ahead_lots("q") == 12


@pytest.mark.parametrize("model", TRACKING)
def test_the_book_update_that_shows_a_trade_does_not_move_us_up_a_second_time(model: str) -> None:
    venue, book, _ = resting_buy(model)
    venue.on_trade(trade(BID, 20, Side.SELL, ts=1))
    venue.on_book_update(book.instrument_id, book_update(book, ts=2, bids=((BID, 10),)))  # the 20 traded away
    assert venue.queue_ahead_lots("q") == pytest.approx(10)
    assert fills(venue.on_trade(trade(BID, 15, Side.SELL, ts=3))) == [(BID, 5)]


def test_without_the_update_message_the_venue_rereads_the_level_from_the_book() -> None:
    venue, book, _ = resting_buy("risk_averse")
    book.apply(bids=[(BID, 7)])
    venue.on_book_update(book.instrument_id)  # the old call form still works
    assert venue.queue_ahead_lots("q") == 7


@pytest.mark.parametrize("model", TRACKING)
def test_partial_fills_over_several_trades_and_our_own_orders_keep_time_priority(model: str) -> None:
    venue, _, _ = venue_with_book([(BID, 5)], [(ASK, 40)], queue_model=model)
    venue.submit(order("a", Side.BUY, 10, price_ticks=BID))
    venue.submit(order("b", Side.BUY, 10, price_ticks=BID))
    venue.process(0)
    first = venue.on_trade(trade(BID, 12, Side.SELL, ts=1))  # 5 ahead, then 7 of a; b is behind a
    assert [(e.fill.client_order_id, e.fill.qty_lots, e.leaves_lots) for e in first] == [("a", 7, 3)]
    second = venue.on_trade(trade(BID, 10, Side.SELL, ts=2))
    assert [(e.fill.client_order_id, e.fill.qty_lots, e.leaves_lots) for e in second] == [("a", 3, 0), ("b", 7, 3)]
    third = venue.on_trade(trade(BID, 50, Side.SELL, ts=3))
    assert [(e.fill.client_order_id, e.fill.qty_lots, e.leaves_lots) for e in third] == [("b", 3, 0)]
    assert venue.open_orders() == []


@pytest.mark.parametrize("model", TRACKING)
def test_a_through_trade_fills_first_and_clears_the_queue_of_the_level_it_swept(model: str) -> None:
    venue, _, _ = venue_with_book([(BID, 30), (BID - 10, 30)], [(ASK, 40)], queue_model=model)
    venue.submit(order("hi", Side.BUY, 10, price_ticks=BID))
    venue.submit(order("lo", Side.BUY, 10, price_ticks=BID - 10))
    venue.process(0)
    events = venue.on_trade(trade(BID - 10, 35, Side.SELL, ts=1))  # through "hi", at "lo" (30 ahead of it)
    assert [(e.fill.client_order_id, e.fill.qty_lots) for e in events] == [("hi", 10), ("lo", 5)]
    assert venue.queue_ahead_lots("lo") == 0


def test_a_maker_rebate_is_a_negative_fee_on_a_queue_position_fill() -> None:
    rebate = {"BINANCE_USDM": FeeSchedule(maker_fee_bps=Decimal("-0.5"), taker_fee_bps=Decimal("4"))}
    venue, _, _ = resting_buy("risk_averse", fees=rebate)
    (filled,) = venue.on_trade(trade(BID, 35, Side.SELL, ts=1))
    assert isinstance(filled, OrderFilled) and filled.fill.qty_lots == 5
    assert filled.fill.fee == Decimal("59999.0") * Decimal("0.005") * Decimal("-0.5") / 10000
    assert filled.fill.fee == Decimal("-0.01499975")


def test_a_taker_then_a_maker_fill_at_the_same_level_do_not_use_the_same_displayed_lots() -> None:
    """Our market buy took 30 of the 50 lots at ASK; the recorded trades still print against those 30 lots,
    so our sell resting at ASK stays behind all 50: the 40-lot print does not reach it, 15 more fill 5."""
    for model in TRACKING:
        venue, _, _ = venue_with_book([(BID, 10)], [(ASK, 50), (ASK + 10, 100)], queue_model=model)
        venue.submit(order("take", Side.BUY, 30))
        venue.submit(order("make", Side.SELL, 20, price_ticks=ASK))
        assert fills(venue.process(0)) == [(ASK, 30)]
        assert venue.queue_ahead_lots("make") == 50
        assert venue.on_trade(trade(ASK, 40, Side.BUY, ts=1)) == []
        assert fills(venue.on_trade(trade(ASK, 15, Side.BUY, ts=2))) == [(ASK, 5)]


@pytest.mark.parametrize("model", TRACKING)
def test_a_maker_fill_then_a_taker_at_the_same_level_do_not_use_the_same_displayed_lots(model: str) -> None:
    """A print that went through the 30 lots ahead of our bid used them: a later market sell of ours cannot
    hit them again before the book shows the level anew."""
    venue, book, _ = venue_with_book([(BID, 30), (BID - 10, 100)], [(ASK, 40)], queue_model=model)
    venue.submit(order("make", Side.BUY, 10, price_ticks=BID))
    venue.process(0)
    assert fills(venue.on_trade(trade(BID, 35, Side.SELL, ts=1))) == [(BID, 5)]
    venue.submit(order("take", Side.SELL, 40))
    assert fills(venue.process(1)) == [(BID - 10, 40)]
    venue.on_book_update(book.instrument_id, book_update(book, ts=2, bids=((BID, 30),)))
    venue.submit(order("take2", Side.SELL, 40))
    assert fills(venue.process(2)) == [(BID, 30), (BID - 10, 10)]  # a new book state: the level is there again


def test_through_only_keeps_the_old_taker_behaviour_after_public_trades() -> None:
    venue, _, _ = venue_with_book([(BID, 30), (BID - 10, 100)], [(ASK, 40)])
    venue.on_trade(trade(BID, 35, Side.SELL, ts=1))
    venue.submit(order("take", Side.SELL, 40))
    assert fills(venue.process(1)) == [(BID, 30), (BID - 10, 10)]


def test_queue_model_names_and_power_are_validated() -> None:
    assert isinstance(queue_model("through_only"), ThroughOnlyQueue)
    assert isinstance(queue_model("risk_averse"), RiskAverseQueue)
    assert queue_model("probabilistic", 3.0).power == 3.0  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="'fifo'"):
        queue_model("fifo")
    for bad in (0, -1.5, float("nan"), float("inf"), True):
        with pytest.raises(ConfigError, match="queue_power"):
            ProbQueue(bad)  # type: ignore[arg-type]


def test_probabilistic_split_follows_the_power_function() -> None:
    model = ProbQueue(power=1.0)
    assert model.prob_behind(front=30, back=10) == pytest.approx(0.25)
    assert ProbQueue(power=3.0).prob_behind(front=30, back=10) == pytest.approx(1 / 28)
    assert model.prob_behind(front=0, back=0) == 1.0
    pos = model.join(level_lots=40)  # joined behind 40; nobody behind us
    model.on_level(pos, new_level_lots=30)  # 10 canceled: all of it must have been ahead
    assert pos.ahead_lots == pytest.approx(30)
    pos = model.join(level_lots=40)
    model.on_level(pos, new_level_lots=60)
    model.on_level(pos, new_level_lots=10)  # 50 canceled: p = 20 / 60 of it behind us, 2/3 ahead
    assert pos.ahead_lots == pytest.approx(40 - 50 * 2 / 3)
    cubic = ProbQueue(power=3.0)
    pos = cubic.join(level_lots=10)
    cubic.on_level(pos, new_level_lots=40)
    cubic.on_level(pos, new_level_lots=5)  # 35 canceled, p·35 = 33.75 > the 30 behind: the excess was ahead too
    p = 30**3 / (30**3 + 10**3)
    assert pos.ahead_lots == pytest.approx(10 - (1 - p) * 35 + (30 - p * 35)) == pytest.approx(5)
