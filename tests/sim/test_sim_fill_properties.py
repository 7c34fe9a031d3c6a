"""Property tests of the composed venue: random orders, trades, book changes and latencies in both directions,
under every queue model. Filled lots never exceed order size; our fills at a level never exceed what the
trades and the displayed size allow; every order's events arrive in a legal order, each after it happened."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.book.order_book import OrderBook
from arbkit.core.enums import LiquiditySide, Side, TimeInForce
from arbkit.core.messages import BookUpdate, Order, Trade
from arbkit.core.time import SimulatedClock
from arbkit.sim import (
    CancelRejected,
    LatencyConfig,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    SimulatedVenue,
    SimVenueConfig,
    VenueEvent,
)
from arbkit.sim.queue import QUEUE_MODEL_NAMES
from simkit import order, trade
from testkit import USDM_BTC, registry

MID = 600_000
BID_PRICES = list(range(MID - 6, MID + 1))
ASK_PRICES = list(range(MID + 1, MID + 8))


def _levels(book: OrderBook) -> dict[tuple[int, int], int]:
    """(book side, price) → displayed lots."""
    out = {(1, p): s for p, s in book.levels(1, 100)}
    out.update({(-1, p): s for p, s in book.levels(-1, 100)})
    return out


action = st.one_of(
    st.tuples(st.just("order"), st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 60),
              st.none() | st.integers(MID - 8, MID + 9), st.sampled_from([TimeInForce.GTC, TimeInForce.IOC])),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("trade"), st.sampled_from([Side.BUY, Side.SELL]), st.integers(MID - 7, MID + 8),
              st.integers(1, 50)),
    st.tuples(st.just("update"), st.booleans(), st.integers(0, 6), st.integers(0, 40)),
)


@settings(max_examples=250, deadline=None)
@given(
    model=st.sampled_from(QUEUE_MODEL_NAMES),
    bids=st.lists(st.integers(0, 40), min_size=7, max_size=7),
    asks=st.lists(st.integers(0, 40), min_size=7, max_size=7),
    order_latency=st.integers(0, 3),
    response_samples=st.lists(st.integers(0, 6), min_size=1, max_size=4),
    seed=st.integers(0, 1_000),
    steps=st.lists(st.tuples(st.integers(0, 3), action), min_size=1, max_size=40),
    power=st.floats(0.25, 4.0),
)
def test_composed_venue_invariants(  # type: ignore[no-untyped-def]
        model, bids, asks, order_latency, response_samples, seed, steps, power) -> None:
    book = OrderBook(USDM_BTC)
    book.apply_snapshot(bids=[(p, s) for p, s in zip(BID_PRICES, bids) if s],
                        asks=[(p, s) for p, s in zip(ASK_PRICES, asks) if s])
    clock = SimulatedClock(0)
    config = SimVenueConfig(order_latency_ns=order_latency, queue_model=model, queue_power=power,
                            response_latency=LatencyConfig(model="empirical", samples_ns=response_samples, seed=seed))
    venue = SimulatedVenue(registry(), {USDM_BTC: book}, config, clock)

    delivered: list[tuple[int, VenueEvent]] = []
    states: list[dict[tuple[int, int], int]] = [_levels(book)]  # displayed levels after each book change
    trades: list[Trade] = []
    sent: dict[str, Order] = {}

    met_state: dict[str, int] = {}  # client order id → index in ``states`` of the book it met at arrival

    def drain(until: int) -> None:
        arrival = venue.next_arrival_ns()
        while arrival is not None and arrival <= until:
            clock.advance_to(max(arrival, clock.now_ns()))
            known = len(venue.client_order_ids())
            delivered.extend((clock.now_ns(), e) for e in venue.process(clock.now_ns()))
            met_state.update((cid, len(states) - 1) for cid in venue.client_order_ids()[known:])
            arrival = venue.next_arrival_ns()

    t = 0
    for dt, (kind, *args) in steps:
        t += dt
        drain(t)
        clock.advance_to(t)
        if kind == "order":
            side, qty, price, tif = args
            o = order(f"o{len(sent)}", side, qty, price_ticks=price, tif=tif)
            sent[o.client_order_id] = o
            venue.submit(o)
        elif kind == "cancel" and sent:
            venue.cancel(f"o{args[0] % len(sent)}")
        elif kind == "trade":
            side, price, size = args
            tr = trade(price, size, side, ts=t)
            trades.append(tr)
            delivered.extend((t, e) for e in venue.on_trade(tr))
        elif kind == "update":
            is_bid, index, size = args
            level = ((BID_PRICES if is_bid else ASK_PRICES)[index], size)
            update = BookUpdate(instrument_id=USDM_BTC, ts_event=t, ts_recv=t, first_update_id=1, last_update_id=1,
                                bids=(level,) if is_bid else (), asks=() if is_bid else (level,))
            book.apply(update.bids, update.asks)
            venue.on_book_update(USDM_BTC, update)
            states.append(_levels(book))
    drain(t + 1_000)
    assert venue.undelivered_count() == 0 and venue.in_flight_count() == 0

    # Delivery: in production order, never before the event happened at the venue.
    times = [d for d, _ in delivered]
    assert times == sorted(times)
    for at, event in delivered:
        happened = event.fill.ts_event if isinstance(event, OrderFilled) else event.ts_ns
        assert happened <= at

    # Per order: a legal sequence of events, fills within the order size, the venue's records agree.
    by_order: dict[str, list[VenueEvent]] = defaultdict(list)
    for _, event in delivered:
        cid = event.fill.client_order_id if isinstance(event, OrderFilled) else event.client_order_id
        by_order[cid].append(event)
    resting = {o.client_order_id for o in venue.open_orders()}
    for cid, o in sent.items():
        events = [e for e in by_order[cid] if not isinstance(e, CancelRejected)]
        assert events, cid
        first, rest = events[0], events[1:]
        if isinstance(first, OrderRejected):
            assert rest == [] or all(isinstance(e, OrderRejected) for e in rest)  # a reused id: refused again
            continue
        assert isinstance(first, OrderAccepted)
        filled, done = 0, False
        for e in rest:
            assert not done, (cid, events)
            if isinstance(e, OrderFilled):
                filled += e.fill.qty_lots
                assert 0 < e.fill.qty_lots and e.leaves_lots == o.qty_lots - filled >= 0
                done = e.leaves_lots == 0
            else:
                assert isinstance(e, OrderCanceled) and e.canceled_lots == o.qty_lots - filled > 0
                done = True
        assert filled <= o.qty_lots and filled == venue.filled_lots(cid)
        assert done != (cid in resting)

    fills = [e.fill for _, e in delivered if isinstance(e, OrderFilled)]

    # Maker fills: at our own price, from a trade at or through it, never more than the trades' size.
    maker_by_ts: dict[int, int] = defaultdict(int)
    for f in fills:
        if f.liquidity is not LiquiditySide.MAKER:
            continue
        o = sent[f.client_order_id]
        assert f.price_ticks == o.price_ticks
        at_ts = [tr for tr in trades if tr.ts_recv == f.ts_event and tr.aggressor is o.side.opposite]
        assert at_ts, f
        if model == "through_only":
            assert any((tr.price_ticks < f.price_ticks) if o.side is Side.BUY else (tr.price_ticks > f.price_ticks)
                       for tr in at_ts)
        else:
            assert any((tr.price_ticks <= f.price_ticks) if o.side is Side.BUY else (tr.price_ticks >= f.price_ticks)
                       for tr in at_ts)
        maker_by_ts[f.ts_event] += f.qty_lots
    for ts, lots in maker_by_ts.items():
        assert lots <= sum(tr.size_lots for tr in trades if tr.ts_recv == ts)

    # Taker fills: within one book state, never more at a level than it displayed.
    taken: dict[tuple[int, int, int], int] = defaultdict(int)
    for f in fills:
        if f.liquidity is not LiquiditySide.TAKER:
            continue
        state = met_state[f.client_order_id]
        book_side = -1 if f.side is Side.BUY else 1
        taken[(state, book_side, f.price_ticks)] += f.qty_lots
    for (state, book_side, price), lots in taken.items():
        assert lots <= states[state].get((book_side, price), 0), (state, book_side, price, lots)


@settings(max_examples=300, deadline=None)
@given(
    model=st.sampled_from(QUEUE_MODEL_NAMES),
    levels=st.lists(st.integers(0, 30), min_size=3, max_size=3),
    resting=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 30)), min_size=1, max_size=6),
    events=st.lists(st.one_of(
        st.tuples(st.just("trade"), st.integers(MID - 3, MID), st.integers(1, 60)),
        st.tuples(st.just("level"), st.integers(0, 2), st.integers(0, 40))), min_size=1, max_size=25),
)
def test_one_trade_never_fills_us_beyond_its_size_or_past_the_queue_ahead(  # type: ignore[no-untyped-def]
        model, levels, resting, events) -> None:
    prices = [MID - 2, MID - 1, MID]
    book = OrderBook(USDM_BTC)
    book.apply_snapshot(bids=[(p, s) for p, s in zip(prices, levels) if s], asks=[(MID + 1, 100)])
    clock = SimulatedClock(0)
    venue = SimulatedVenue(registry(), {USDM_BTC: book}, SimVenueConfig(order_latency_ns=0, queue_model=model), clock)
    for i, (level, qty) in enumerate(resting):
        venue.submit(order(f"r{i}", Side.BUY, qty, price_ticks=prices[level]))
    venue.process(0)
    for t, (kind, a, b) in enumerate(events, start=1):
        if kind == "level":
            update = BookUpdate(instrument_id=USDM_BTC, ts_event=t, ts_recv=t, first_update_id=1, last_update_id=1,
                                bids=((prices[a], b),))
            book.apply(update.bids)
            venue.on_book_update(USDM_BTC, update)
            continue
        price, size = a, b
        before = {o.client_order_id: (o.price_ticks, o.open_lots, venue.queue_ahead_lots(o.client_order_id))
                  for o in venue.open_orders()}
        got = venue.on_trade(trade(price, size, Side.SELL, ts=t))
        filled: dict[str, int] = defaultdict(int)
        for e in got:
            assert isinstance(e, OrderFilled) and e.fill.liquidity is LiquiditySide.MAKER
            filled[e.fill.client_order_id] += e.fill.qty_lots
        assert sum(filled.values()) <= size
        for cid, lots in filled.items():
            own_price, open_lots, ahead = before[cid]
            assert lots <= open_lots and own_price is not None and own_price >= price
            if own_price == price:  # at our price: only a queue model, and only what got past the queue ahead
                assert model != "through_only" and ahead is not None
                older = sum(o for c, (p, o, _) in before.items() if p == price and int(c[1:]) < int(cid[1:]))
                assert lots <= size - ahead - older + 1e-9
