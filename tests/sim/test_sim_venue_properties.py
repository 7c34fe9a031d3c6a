"""Property tests of the simulated venue over random books and random orders."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.core.messages import Order
from arbkit.sim.events import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected
from simkit import order, trade, venue_with_book

MID = 600_000


@st.composite
def books(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """A book that never crosses: bids strictly below MID, asks at or above MID + 1 (either side may be empty)."""
    bid_gaps = draw(st.lists(st.integers(1, 5), max_size=8))
    ask_gaps = draw(st.lists(st.integers(1, 5), max_size=8))
    bids, asks, price = [], [], MID
    for gap in bid_gaps:
        price -= gap
        bids.append((price, draw(st.integers(1, 40))))
    price = MID
    for gap in ask_gaps:
        price += gap
        asks.append((price, draw(st.integers(1, 40))))
    return bids, asks


@st.composite
def orders(draw: st.DrawFn, n: int) -> Order:
    side = draw(st.sampled_from([Side.BUY, Side.SELL]))
    qty = draw(st.integers(1, 120))
    price = draw(st.none() | st.integers(MID - 30, MID + 30))
    tif = draw(st.sampled_from([TimeInForce.GTC, TimeInForce.IOC]))
    return order(f"o{n}", side, qty, price_ticks=price, tif=tif)


@settings(max_examples=300, deadline=None)
@given(book=books(), data=st.data(), n_orders=st.integers(1, 8))
def test_random_orders_respect_size_limits_displayed_depth_and_end_in_one_state(book, data, n_orders) -> None:  # type: ignore[no-untyped-def]
    bids, asks = book
    venue, _, _ = venue_with_book(bids, asks)
    sent = [data.draw(orders(i)) for i in range(n_orders)]
    for o in sent:
        venue.submit(o)
    events = venue.process(0)

    displayed = {(1, p): s for p, s in bids} | {(-1, p): s for p, s in asks}
    filled: dict[str, int] = defaultdict(int)
    taken_at_level: dict[tuple[int, int], int] = defaultdict(int)
    terminal: dict[str, list[str]] = defaultdict(list)
    by_id = {o.client_order_id: o for o in sent}
    for e in events:
        if isinstance(e, OrderFilled):
            f = e.fill
            o = by_id[f.client_order_id]
            filled[f.client_order_id] += f.qty_lots
            assert f.qty_lots > 0 and e.leaves_lots == o.qty_lots - filled[f.client_order_id]
            book_side = -1 if o.side is Side.BUY else 1
            taken_at_level[(book_side, f.price_ticks)] += f.qty_lots
            if o.price_ticks is not None:
                assert (f.price_ticks <= o.price_ticks) if o.side is Side.BUY else (f.price_ticks >= o.price_ticks)
            if e.leaves_lots == 0:
                terminal[f.client_order_id].append("filled")
        elif isinstance(e, OrderCanceled):
            terminal[e.client_order_id].append("canceled")
            assert e.canceled_lots == by_id[e.client_order_id].qty_lots - filled[e.client_order_id] > 0
        elif isinstance(e, OrderRejected):
            terminal[e.client_order_id].append("rejected")
        else:
            assert isinstance(e, OrderAccepted)

    for level, lots in taken_at_level.items():
        assert level in displayed and lots <= displayed[level], (level, lots)
    resting = {o.client_order_id: o for o in venue.open_orders()}
    for o in sent:
        assert filled[o.client_order_id] <= o.qty_lots
        states = terminal[o.client_order_id] + (["resting"] if o.client_order_id in resting else [])
        assert len(states) == 1, (o, states)
        if states == ["resting"]:
            assert o.order_type is OrderType.LIMIT and o.time_in_force is TimeInForce.GTC
            assert resting[o.client_order_id].filled_lots == filled[o.client_order_id] < o.qty_lots
        if states == ["filled"]:
            assert filled[o.client_order_id] == o.qty_lots

    # A through trade fills resting orders as maker at their own price, never more than its size.
    side = data.draw(st.sampled_from([Side.BUY, Side.SELL]))
    price = data.draw(st.integers(MID - 40, MID + 40))
    size = data.draw(st.integers(1, 200))
    maker = venue.on_trade(trade(price, size, side))
    assert sum(e.fill.qty_lots for e in maker) <= size
    for e in maker:
        o = resting[e.fill.client_order_id]
        assert e.fill.price_ticks == o.price_ticks and o.side is side.opposite
        assert (price < o.price_ticks) if o.side is Side.BUY else (price > o.price_ticks)
        assert e.fill.qty_lots <= o.open_lots
