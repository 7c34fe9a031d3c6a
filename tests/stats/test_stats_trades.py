"""Trade records from fills, FIFO round trips, trade statistics and PnL attribution, against hand computations."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.core.enums import LiquiditySide, Side
from arbkit.core.errors import InstrumentError
from arbkit.core.messages import Fill
from arbkit.stats import (
    StatsError,
    TradeRecord,
    match_fifo,
    profit_factor,
    trade_record_from_fill,
    trade_records_from_fills,
    trade_stats,
)

BUY, SELL = Side.BUY, Side.SELL


def rec(side: Side, price: float, qty: float, ts: int, fee: float = 0.0, *, script: str = "s",
        instrument: str = "X.V1", venue: str = "V1", mid: float | None = None, multiplier: float = 1.0) -> TradeRecord:
    return TradeRecord(instrument_id=instrument, venue=venue, script_id=script, side=side, price=price, qty=qty,
                       fee_usd=fee, ts_ns=ts, arrival_mid=mid, multiplier=multiplier)


def fill(instrument: str, side: Side, ticks: int, lots: int, fee: str = "0", order: str = "c1") -> Fill:
    return Fill(fill_id="f-" + order, client_order_id=order, script_id="basis", model_version="v1",
                instrument_id=instrument, side=side, price_ticks=ticks, qty_lots=lots, fee=Decimal(fee),
                liquidity=LiquiditySide.MAKER, ts_event=42)


# -- converter ---------------------------------------------------------------------------------
def test_fill_is_converted_with_its_instrument() -> None:
    registry = binance_registry()
    r = trade_record_from_fill(fill("ETHUSDT.BINANCE_SPOT", SELL, 260_012, 150_000_000, "-0.39"), registry, 2600.0)
    assert (r.price, r.qty, r.fee_usd, r.venue, r.script_id) == (2600.12, 1.5, -0.39, "BINANCE_SPOT", "basis")
    assert (r.side, r.ts_ns, r.multiplier, r.fill_id) == (SELL, 42, 1.0, "f-c1")
    assert r.slippage_bps() == pytest.approx(-0.12 / 2600 * 1e4)  # sold above the mid: a gain


def test_arrival_mids_are_keyed_by_client_order_id() -> None:
    fills = [fill("BTCUSDT.BINANCE_USDM", BUY, 600_000, 1, order="a"),
             fill("BTCUSDT.BINANCE_USDM", BUY, 600_000, 1, order="b")]
    a, b = trade_records_from_fills(fills, binance_registry(), {"a": 59_990.0})
    assert a.arrival_mid == 59_990.0 and b.arrival_mid is None
    assert math.isnan(b.slippage_bps())


def test_inverse_unknown_and_empty_fills_are_refused() -> None:
    registry = binance_registry()
    with pytest.raises(StatsError, match="BTCUSD_PERP.BINANCE_COINM is an inverse contract"):
        trade_record_from_fill(fill("BTCUSD_PERP.BINANCE_COINM", BUY, 600_000, 1), registry)
    with pytest.raises(InstrumentError, match="unknown instrument 'NOPE.X'"):
        trade_record_from_fill(fill("NOPE.X", BUY, 1, 1), registry)
    with pytest.raises(StatsError, match="qty_lots 0 must both be > 0"):
        trade_record_from_fill(fill("BTCUSDT.BINANCE_USDM", BUY, 600_000, 0), registry)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"qty": 0.0}, "qty must be a finite number > 0, got 0.0"),
    ({"qty": -1.0}, "qty must be .* got -1.0"),
    ({"price": math.nan}, "price must be a finite number > 0, got nan"),
    ({"fee_usd": math.inf}, "fee_usd must be finite, got inf"),
    ({"side": 0}, "side must be \\+1 \\(buy\\) or -1 \\(sell\\), got 0"),
    ({"multiplier": 0.0}, "multiplier must be"),
    ({"arrival_mid": -3.0}, "arrival_mid must be None or a finite number > 0, got -3.0"),
])
def test_malformed_trade_record_is_refused(kwargs: dict[str, object], match: str) -> None:
    base: dict[str, object] = dict(instrument_id="X.V1", venue="V1", script_id="s", side=BUY, price=1.0, qty=1.0,
                                   fee_usd=0.0, ts_ns=0)
    base.update(kwargs)
    with pytest.raises(StatsError, match=match):
        TradeRecord(**base)  # type: ignore[arg-type]


# -- FIFO round trips --------------------------------------------------------------------------
def test_flip_through_zero_closes_a_trip_and_opens_the_other_side() -> None:
    book = match_fifo([
        rec(BUY, 100.0, 1.0, 0, fee=1.0),
        rec(SELL, 110.0, 3.0, 10, fee=3.0),  # closes 1 (a trip), opens short 2 with 2/3 of its fee
        rec(BUY, 105.0, 2.0, 30),  # closes the short 2
    ])
    long_trip, short_trip = book.round_trips
    assert (long_trip.direction, long_trip.qty, long_trip.entry_price, long_trip.exit_price) == (1, 1.0, 100.0, 110.0)
    assert (long_trip.gross_pnl_usd, long_trip.fees_usd, long_trip.net_pnl_usd) == (10.0, 2.0, 8.0)
    assert (long_trip.entry_ns, long_trip.exit_ns, long_trip.holding_ns) == (0, 10, 10.0)
    assert (short_trip.direction, short_trip.qty, short_trip.entry_price) == (-1, 2.0, 110.0)
    assert short_trip.gross_pnl_usd == pytest.approx(10.0)
    assert short_trip.fees_usd == pytest.approx(2.0)
    assert short_trip.holding_ns == 20.0
    assert book.open_lots == ()


def test_fifo_closes_the_oldest_lot_first() -> None:
    book = match_fifo([rec(BUY, 100.0, 1.0, 0), rec(BUY, 200.0, 1.0, 5), rec(SELL, 150.0, 1.0, 9)])
    [trip] = book.round_trips
    assert (trip.entry_price, trip.gross_pnl_usd, trip.holding_ns) == (100.0, 50.0, 9.0)  # LIFO would lose 50
    [lot] = book.open_lots
    assert (lot.direction, lot.qty, lot.price, lot.ts_ns) == (1, 1.0, 200.0, 5)


def test_scripts_and_instruments_are_matched_separately_and_in_time_order() -> None:
    book = match_fifo([
        rec(SELL, 12.0, 1.0, 20, script="a"),  # given out of order: sorted by time
        rec(BUY, 10.0, 1.0, 0, script="a"),
        rec(SELL, 11.0, 1.0, 5, script="b"),  # another script: opens a short, does not close a's long
        rec(BUY, 10.0, 1.0, 7, script="a", instrument="Y.V1"),
    ])
    assert [(t.script_id, t.instrument_id, t.gross_pnl_usd) for t in book.round_trips] == [("a", "X.V1", 2.0)]
    assert sorted((lot.script_id, lot.instrument_id, lot.direction) for lot in book.open_lots) == [
        ("a", "Y.V1", 1), ("b", "X.V1", -1)]


def test_float_quantities_that_sum_to_the_position_leave_it_flat() -> None:
    book = match_fifo([rec(BUY, 10.0, 0.1, 0), rec(BUY, 10.0, 0.2, 1), rec(SELL, 11.0, 0.3, 2)])
    assert book.open_lots == ()
    assert book.round_trips[0].gross_pnl_usd == pytest.approx(0.3)


# -- statistics and attribution ----------------------------------------------------------------
def _attribution_records() -> list[TradeRecord]:
    return [
        rec(BUY, 100.0, 2.0, 0, fee=0.2, script="a"),
        rec(SELL, 105.0, 2.0, 10, fee=0.2, script="a"),  # a: +10 gross, 0.4 fees
        rec(SELL, 50.0, 1.0, 5, fee=0.1, script="b", instrument="Y.V2", venue="V2", multiplier=2.0),
        rec(BUY, 52.0, 1.0, 15, fee=0.1, script="b", instrument="Y.V2", venue="V2", multiplier=2.0),  # -4 gross
        rec(BUY, 104.0, 1.0, 20, fee=0.1, script="b"),  # left open
    ]


def test_trade_statistics_by_hand() -> None:
    s = trade_stats(_attribution_records(), capital_usd=1_000.0, marks={"X.V1": 106.0})
    assert (s.n_fills, s.n_round_trips, s.n_winning, s.n_losing) == (5, 2, 1, 1)
    assert s.hit_rate == 0.5
    assert s.gross_profit_usd == pytest.approx(9.6) and s.gross_loss_usd == pytest.approx(4.2)
    assert s.profit_factor == pytest.approx(9.6 / 4.2)
    assert s.avg_trade_usd == pytest.approx((9.6 - 4.2) / 2)
    assert s.avg_holding_ns == 10.0
    assert s.traded_notional_usd == pytest.approx(200 + 210 + 100 + 104 + 104)
    assert s.turnover == pytest.approx(0.718)
    assert s.fees_usd == pytest.approx(0.7)
    assert (s.realized_usd, s.unrealized_usd) == (pytest.approx(6.0), pytest.approx(2.0))
    assert s.net_usd == pytest.approx(5.3) and s.total_usd == pytest.approx(7.3)


def test_pnl_attribution_per_script_instrument_and_venue() -> None:
    s = trade_stats(_attribution_records(), capital_usd=1_000.0, marks={"X.V1": 106.0})
    expected = {
        ("script", "a"): (10.0, 0.4, 9.6, 0.0, 9.6),
        ("script", "b"): (-4.0, 0.3, -4.3, 2.0, -2.3),
        ("instrument", "X.V1"): (10.0, 0.5, 9.5, 2.0, 11.5),
        ("instrument", "Y.V2"): (-4.0, 0.2, -4.2, 0.0, -4.2),
        ("venue", "V1"): (10.0, 0.5, 9.5, 2.0, 11.5),
        ("venue", "V2"): (-4.0, 0.2, -4.2, 0.0, -4.2),
    }
    groups = {"script": s.by_script, "instrument": s.by_instrument, "venue": s.by_venue}
    for (kind, key), want in expected.items():
        b = groups[kind][key]
        got = (b.realized_usd, b.fees_usd, b.net_usd, b.unrealized_usd, b.total_usd)
        assert got == pytest.approx(want), (kind, key)
    assert s.by_script["b"].n_fills == 3 and s.by_script["b"].n_round_trips == 1
    assert set(s.by_venue) == {"V1", "V2"}


def test_open_position_without_a_mark_has_nan_unrealized_pnl() -> None:
    s = trade_stats(_attribution_records(), capital_usd=1_000.0)
    assert math.isnan(s.unrealized_usd) and math.isnan(s.total_usd)
    assert s.net_usd == pytest.approx(5.3)  # the closed-trade result stays defined
    assert s.by_script["a"].unrealized_usd == 0.0  # flat: nothing to mark
    assert json.loads(s.to_json())["by_script"]["b"]["unrealized_usd"] is None


def test_slippage_is_signed_cost_weighted_by_notional() -> None:
    s = trade_stats([
        rec(BUY, 100.5, 1.0, 0, mid=100.0),  # +50 bps cost, notional 100.5
        rec(SELL, 99.0, 2.0, 1, mid=100.0),  # +100 bps cost, notional 198
        rec(SELL, 101.0, 1.0, 2),  # no mid: left out
    ], capital_usd=100.0)
    assert s.n_fills_with_mid == 2
    assert s.slippage_bps == pytest.approx((100.5 * 50 + 198 * 100) / (100.5 + 198))
    assert s.slippage_usd == pytest.approx(0.5 + 2.0)
    gain = trade_stats([rec(SELL, 101.0, 1.0, 0, mid=100.0)], capital_usd=100.0)
    assert gain.slippage_bps == pytest.approx(-100.0)


def test_profit_factor_limits() -> None:
    assert profit_factor([3.0, -1.0, 2.0, -4.0]) == pytest.approx(1.0)
    assert profit_factor([1.0, 2.0]) == math.inf
    assert math.isnan(profit_factor([]))
    assert math.isnan(profit_factor([0.0, 0.0]))
    assert profit_factor([-1.0]) == 0.0


def test_no_trades_gives_zero_counts_and_nan_ratios() -> None:
    s = trade_stats([], capital_usd=1_000.0)
    assert (s.n_fills, s.n_round_trips, s.traded_notional_usd, s.turnover, s.fees_usd) == (0, 0, 0.0, 0.0, 0.0)
    assert all(math.isnan(x) for x in (s.hit_rate, s.profit_factor, s.avg_holding_ns, s.slippage_bps))
    assert s.by_script == {}


def test_only_winning_trips_give_infinite_profit_factor() -> None:
    s = trade_stats([rec(BUY, 10.0, 1.0, 0), rec(SELL, 11.0, 1.0, 1)], capital_usd=10.0)
    assert s.profit_factor == math.inf and s.hit_rate == 1.0


def test_bad_capital_and_marks_are_refused() -> None:
    with pytest.raises(StatsError, match="capital_usd must be a finite number > 0, got 0"):
        trade_stats([], capital_usd=0)
    with pytest.raises(StatsError, match="mark for X.V1 must be a finite number > 0, got nan"):
        trade_stats([], capital_usd=1.0, marks={"X.V1": math.nan})
