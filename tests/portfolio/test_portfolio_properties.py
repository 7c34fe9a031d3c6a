"""Property tests: positions add up, and realized PnL of a flat book equals its cash flows exactly."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from itertools import count

from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.core.enums import LiquiditySide, Side
from arbkit.core.messages import Fill
from arbkit.portfolio import Portfolio
from arbkit.portfolio.position import Position
from testkit import COINM_BTC, USDM_BTC, registry

_ids = count(1)

trades = st.lists(
    st.tuples(st.sampled_from([Side.BUY, Side.SELL]), st.integers(500_000, 700_000), st.integers(1, 5_000)),
    min_size=1, max_size=25,
)


def _fill(instrument_id: str, side: Side, price_ticks: int, lots: int) -> Fill:
    return Fill(fill_id=f"P{next(_ids)}", client_order_id="c", script_id="s", model_version="v",
                instrument_id=instrument_id, side=side, price_ticks=price_ticks, qty_lots=lots,
                fee=Decimal("0.01"), liquidity=LiquiditySide.TAKER, ts_event=0)


def _flatten(sequence: list[tuple[Side, int, int]], close_ticks: int) -> list[tuple[Side, int, int]]:
    """``sequence`` plus one fill at ``close_ticks`` that brings the position back to zero (if needed)."""
    net = sum(int(side) * lots for side, _, lots in sequence)
    if net:
        sequence = [*sequence, (Side.SELL if net > 0 else Side.BUY, close_ticks, abs(net))]
    return sequence


@settings(max_examples=300, deadline=None)
@given(sequence=trades, close_ticks=st.integers(500_000, 700_000))
def test_linear_realized_pnl_of_a_flat_book_equals_the_sum_of_signed_cash_flows(sequence, close_ticks) -> None:  # type: ignore[no-untyped-def]
    inst = registry().get(USDM_BTC)
    p = Portfolio(registry())
    running = 0
    cash = Decimal(0)
    for side, price_ticks, lots in _flatten(sequence, close_ticks):
        p.apply_fill(_fill(USDM_BTC, side, price_ticks, lots))
        running += int(side) * lots
        cash -= int(side) * inst.ticks_to_price(price_ticks) * inst.lots_to_size(lots)
        assert p.position_lots(USDM_BTC) == running
    assert running == 0 and p.position_lots(USDM_BTC) == 0
    assert p.realized_pnl(USDM_BTC) == cash
    assert p.fees(USDM_BTC) == Decimal("0.01") * len(_flatten(sequence, close_ticks))
    assert p.equity({}) == cash - p.total_fees()


@settings(max_examples=200, deadline=None)
@given(sequence=trades, close_ticks=st.integers(500_000, 700_000))
def test_inverse_realized_pnl_of_a_flat_book_equals_the_sum_of_coin_flows(sequence, close_ticks) -> None:  # type: ignore[no-untyped-def]
    inst = registry().get(COINM_BTC)
    position = Position(inst)
    coin = Fraction(0)
    for side, price_ticks, lots in _flatten(sequence, close_ticks):
        position.apply(side, price_ticks, lots)
        # buying c contracts at p commits c × 100 / p coin; selling releases it
        coin += int(side) * lots * 100 / Fraction(inst.ticks_to_price(price_ticks))
    assert position.lots == 0 and position.basis == 0
    assert position.realized == coin


@settings(max_examples=200, deadline=None)
@given(sequence=trades, mark=st.integers(500_000, 700_000))
def test_realized_plus_unrealized_equals_cash_flows_plus_marked_position(sequence, mark) -> None:  # type: ignore[no-untyped-def]
    # A partial close at the average cost can realize a non-terminating decimal (reported rounded to
    # 28 digits); equity sums the exact fractions first, so it matches the cash flows exactly.
    inst = registry().get(USDM_BTC)
    p = Portfolio(registry())
    cash = Decimal(0)
    for side, price_ticks, lots in sequence:
        p.apply_fill(_fill(USDM_BTC, side, price_ticks, lots))
        cash -= int(side) * inst.ticks_to_price(price_ticks) * inst.lots_to_size(lots)
    marked = inst.ticks_to_price(mark) * inst.lots_to_size(p.position_lots(USDM_BTC))
    assert p.equity({USDM_BTC: mark}) + p.total_fees() == cash + marked
