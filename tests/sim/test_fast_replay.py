"""The compiled backtest kernel (arbkit.sim.fast_replay): queue position, partial fills, shared liquidity,
latency, cancels, post-only, fees, and agreement with replay_imbalance on the real sample.

Hand-built event tables: prices in ticks, sizes in lots, one clock for both ``ts_recv`` and ``ts_event``
unless a test says otherwise. ``decision_every=1`` hands back after every feed batch, so a ``Script``
acts right after the batch it names (batch 1 = the snapshot).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testkit import registry, sample_file

from arbkit.adapters.binance.fast_ingest import ingest_binance_file
from arbkit.book.imbalance_replay import replay_imbalance
from arbkit.book.order_book import OrderBook
from arbkit.core.errors import ConfigError
from arbkit.data.events import COLUMNS, DELTA, F_CLEAR, F_LAST, F_SNAPSHOT, TRADE, EventTable
from arbkit.sim import fast_replay_kernels as fk
from arbkit.sim.fast_replay import BUY, SELL, FastBacktest, FastOrderError

Row = tuple[int, int, int, int, int, int]
"""(ts ns, kind, side, price ticks, size lots, flags)."""


def table(rows: list[Row], event_ts: list[int] | None = None) -> EventTable:
    """An event table of ``rows``; ``event_ts`` overrides the venue clock (default: the local one)."""
    n = len(rows)
    cols = {name: np.zeros(n, dtype=dtype) for name, dtype in COLUMNS}
    for i, (ts, kind, side, price, size, flags) in enumerate(rows):
        cols["ts_recv"][i], cols["kind"][i], cols["side"][i] = ts, kind, side
        cols["price"][i], cols["size"][i], cols["flags"][i] = price, size, flags
    cols["ts_event"][:] = cols["ts_recv"] if event_ts is None else event_ts
    return EventTable(cols)


def snapshot(ts: int, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> list[Row]:
    """One snapshot message: clear, then the levels."""
    levels = [(1, p, q) for p, q in bids] + [(-1, p, q) for p, q in asks]
    rows = [(ts, DELTA, s, p, q, F_SNAPSHOT) for s, p, q in levels]
    rows[0] = rows[0][:5] + (rows[0][5] | F_CLEAR,)
    rows[-1] = rows[-1][:5] + (rows[-1][5] | F_LAST,)
    return rows


def level(ts: int, side: int, price: int, size: int) -> Row:
    """A one-level diff message."""
    return (ts, DELTA, side, price, size, F_LAST)


def trade(ts: int, aggressor: int, price: int, size: int) -> Row:
    return (ts, TRADE, aggressor, price, size, 0)


BOOK = snapshot(1_000, bids=[(100, 5), (99, 7)], asks=[(101, 5), (102, 7)])


class Script:
    """Calls ``actions[b](bt)`` on the decision event after batch ``b``; remembers the ids submit returns."""

    def __init__(self, actions: dict[int, Callable[[FastBacktest], object]]) -> None:
        self.actions = actions
        self.ids: list[object] = []

    def on_decision(self, bt: FastBacktest) -> None:
        action = self.actions.get(bt.batches)
        if action is not None:
            self.ids.append(action(bt))


def run(rows: list[Row], actions: dict[int, Callable[[FastBacktest], object]], event_ts: list[int] | None = None,
        **kwargs: object) -> tuple:  # type: ignore[type-arg]
    bt = FastBacktest(table(rows, event_ts), decision_every=1, **kwargs)  # type: ignore[arg-type]
    script = Script(actions)
    return bt.run(script), script.ids


def fills_of(result, order: int) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(q) for o, q in zip(result.fills[:, fk.X_ORDER], result.fills[:, fk.X_QTY]) if o == order]


def buy(price: int, qty: int) -> Callable[[FastBacktest], int]:
    return lambda bt: bt.submit(BUY, price, qty)


# -- queue position -----------------------------------------------------------------------------------
def test_order_joins_behind_the_displayed_size_and_fills_only_after_the_queue_ahead_trades() -> None:
    rows = BOOK + [trade(2_000, SELL, 100, 3), trade(3_000, SELL, 100, 3), trade(4_000, SELL, 100, 5)]
    result, _ = run(rows, {1: buy(100, 2)})
    assert result.orders[0, fk.O_AHEAD] == 0
    assert fills_of(result, 0) == [1, 1]  # 5 ahead: 3 + 2 of the second trade, then 1 lot of ours; then the last lot
    assert list(result.fills[:, fk.X_ROW]) == [len(BOOK) + 1, len(BOOK) + 2]
    assert result.orders_filled == 1 and result.position_lots == 2


def test_size_decrease_at_our_level_moves_us_up_and_an_increase_does_not_move_us_back() -> None:
    rows = BOOK + [level(2_000, BUY, 100, 2), level(3_000, BUY, 100, 10), trade(4_000, SELL, 100, 3)]
    result, _ = run(rows, {1: buy(100, 4)})
    assert fills_of(result, 0) == [1]  # 2 ahead after the cancel; the 8 that joined are behind us


def test_without_the_decrease_the_same_trade_does_not_reach_us() -> None:
    rows = BOOK + [level(3_000, BUY, 100, 10), trade(4_000, SELL, 100, 3)]
    result, _ = run(rows, {1: buy(100, 4)})
    assert result.fill_count == 0 and result.orders[0, fk.O_AHEAD] == 2


def test_through_only_queue_ignores_trades_at_our_price_but_fills_on_trades_through_it() -> None:
    rows = BOOK + [trade(2_000, SELL, 100, 50), trade(3_000, SELL, 99, 1)]
    result, _ = run(rows, {1: buy(100, 2)}, queue_model="through_only")
    assert fills_of(result, 0) == [1]
    assert result.fills[0, fk.X_ROW] == len(BOOK) + 1


# -- partial fills and shared liquidity -----------------------------------------------------------------
def test_partial_fills_leave_the_rest_resting_until_the_order_is_filled() -> None:
    rows = BOOK + [trade(2_000, SELL, 99, 2), trade(3_000, SELL, 98, 10)]
    result, _ = run(rows, {1: buy(100, 5)})
    assert fills_of(result, 0) == [2, 3]
    assert result.orders[0, fk.O_STATUS] == fk.FILLED and result.orders[0, fk.O_DONE_NS] == 3_000
    assert result.orders_filled == 1 and result.orders_open == 0


def test_one_trade_through_our_price_cannot_fill_two_orders_beyond_its_size() -> None:
    rows = BOOK + [trade(2_000, SELL, 99, 4)]
    result, _ = run(rows, {1: lambda bt: (bt.submit(BUY, 100, 3), bt.submit(BUY, 100, 3))})
    assert fills_of(result, 0) == [3] and fills_of(result, 1) == [1]
    assert result.filled_lots == 4


def test_at_our_price_the_newer_order_stands_behind_the_lots_the_older_one_took() -> None:
    rows = snapshot(1_000, [(100, 1)], [(101, 5)]) + [trade(2_000, SELL, 100, 4), trade(3_000, SELL, 100, 4)]
    result, _ = run(rows, {1: lambda bt: (bt.submit(BUY, 100, 3), bt.submit(BUY, 100, 3))})
    # queue: 1 public lot, our 3, our 3. First trade: 1 public + 3 of the older order; the newer gets none.
    assert fills_of(result, 0) == [3]
    assert fills_of(result, 1) == [3]  # second trade: nothing ahead any more, 3 of its 4 lots fill it
    assert list(result.fills[:, fk.X_ROW]) == [2, 3]


def test_book_reaching_our_price_fills_the_order_in_full() -> None:
    rows = BOOK + [level(2_000, SELL, 100, 1)]
    result, _ = run(rows, {1: buy(100, 3)})
    assert fills_of(result, 0) == [3] and result.orders_filled == 1


# -- latency and cancels --------------------------------------------------------------------------------
def test_order_rests_only_from_send_time_plus_entry_latency() -> None:
    rows = BOOK + [trade(1_400, SELL, 99, 1), trade(1_500, SELL, 99, 1)]
    result, _ = run(rows, {1: buy(100, 2)}, entry_latency_ns=500)
    assert result.orders[0, fk.O_SENT_NS] == 1_000 and result.orders[0, fk.O_ARRIVE_NS] == 1_500
    assert fills_of(result, 0) == [1] and result.fills[0, fk.X_EVENT_NS] == 1_500


def test_queue_position_is_the_displayed_size_when_the_order_arrives_not_when_it_was_sent() -> None:
    rows = BOOK + [level(1_200, BUY, 100, 9), trade(1_600, SELL, 100, 9), trade(1_700, SELL, 100, 1)]
    result, _ = run(rows, {1: buy(100, 1)}, entry_latency_ns=500)
    assert fills_of(result, 0) == [1] and result.fills[0, fk.X_EVENT_NS] == 1_700  # 9 ahead on arrival, not 5


def test_matching_uses_the_venue_clock_of_each_row() -> None:
    rows = BOOK + [trade(1_900, SELL, 99, 1), trade(2_000, SELL, 99, 1)]
    venue = [r[0] for r in BOOK] + [1_400, 1_600]  # received late: the first trade happened before arrival
    result, _ = run(rows, {1: buy(100, 2)}, event_ts=venue, entry_latency_ns=500)
    assert fills_of(result, 0) == [1] and result.fills[0, fk.X_RECV_NS] == 2_000


def test_a_cancel_takes_effect_after_the_cancel_latency_and_fills_before_it_still_count() -> None:
    rows = BOOK + [level(2_000, BUY, 99, 8), trade(2_200, SELL, 99, 1), trade(2_400, SELL, 99, 1)]
    result, ids = run(rows, {1: buy(100, 5), 2: lambda bt: bt.cancel(0)}, cancel_latency_ns=300)
    assert ids == [0, True]
    assert fills_of(result, 0) == [1]  # the trade at 2,200 came before the cancel took effect at 2,300
    assert result.orders[0, fk.O_STATUS] == fk.CANCELLED_STATUS and result.orders[0, fk.O_DONE_NS] == 2_300
    assert result.orders_cancelled == 1 and result.orders_open == 0


def test_cancel_of_a_closed_order_is_refused_and_unknown_orders_raise() -> None:
    rows = BOOK + [trade(2_000, SELL, 99, 5), level(3_000, BUY, 99, 8)]
    result, ids = run(rows, {1: buy(100, 1), 3: lambda bt: bt.cancel(0)})
    assert ids == [0, False] and result.orders_filled == 1 and result.orders_cancelled == 0
    with pytest.raises(FastOrderError, match="order 7 is unknown"):
        run(rows, {1: lambda bt: bt.cancel(7)})


def test_post_only_order_that_would_cross_on_arrival_is_rejected() -> None:
    rows = BOOK + [trade(2_000, SELL, 99, 1)]
    result, _ = run(rows, {1: buy(101, 1)})
    assert result.orders_rejected == 1 and result.fill_count == 0
    assert result.orders[0, fk.O_STATUS] == fk.REJECTED_STATUS


def test_maker_fee_is_charged_on_the_notional_of_each_fill() -> None:
    rows = BOOK + [trade(2_000, SELL, 99, 2)]
    result, _ = run(rows, {1: buy(100, 2)}, maker_fee_bps=10.0, tick_size=0.1, lot_size=0.001)
    assert result.fees == pytest.approx(100 * 0.1 * 2 * 0.001 * 10 / 10_000)
    assert result.cash_ticks_lots == -200 and result.position_lots == 2


def test_sell_orders_mirror_buys() -> None:
    rows = BOOK + [trade(2_000, BUY, 101, 6), trade(3_000, BUY, 102, 1)]
    result, _ = run(rows, {1: lambda bt: bt.submit(SELL, 101, 2)})
    assert fills_of(result, 0) == [1, 1] and result.position_lots == -2 and result.cash_ticks_lots == 202


@pytest.mark.parametrize("kwargs, match", [
    ({"entry_latency_ns": -1}, "entry_latency_ns -1"), ({"cancel_latency_ns": -5}, "cancel_latency_ns -5"),
    ({"decision_every": 0}, "decision_every 0"), ({"levels": 0}, "levels 0"),
    ({"queue_model": "fifo"}, "queue_model 'fifo'"), ({"maker_fee_bps": float("nan")}, "maker_fee_bps"),
])
def test_bad_configuration_raises_a_config_error_naming_the_value(kwargs: dict, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=match):
        FastBacktest(table(BOOK), **kwargs)


@pytest.mark.parametrize("side, price, qty, match", [(0, 100, 1, "side 0"), (BUY, 0, 1, "price 0"),
                                                     (BUY, 100, 0, "size 0 lots")])
def test_bad_orders_raise(side: int, price: int, qty: int, match: str) -> None:
    with pytest.raises(FastOrderError, match=match):
        run(BOOK, {1: lambda bt: bt.submit(side, price, qty)})


def test_order_and_fill_arrays_grow_on_the_decision_path() -> None:
    rows = BOOK + [trade(2_000 + i, SELL, 99, 1) for i in range(6)]
    actions = {b: buy(100, 1) for b in range(1, 7)}
    result, ids = run(rows, actions, order_capacity=1, fill_capacity=1)
    assert ids == list(range(6)) and result.orders_submitted == 6 and result.fill_count == 6


# -- agreement with replay_imbalance on the real sample ---------------------------------------------------
@pytest.fixture(scope="module")
def sample_table() -> EventTable:
    return ingest_binance_file(sample_file("binance_usdm_btcusdt_20240808.gz"), registry()).table


class EveryOther:
    """Submit one lot at the best bid on odd decisions, cancel it on even ones (the bench strategy)."""

    def __init__(self) -> None:
        self.order = -1

    def on_decision(self, bt: FastBacktest) -> None:
        if bt.decisions % 2 == 1:
            self.order = bt.submit(BUY, bt.best_bid_ticks, 1)
        elif self.order >= 0:
            bt.cancel(self.order)


def test_kernel_reads_the_same_imbalance_as_replay_imbalance_at_every_batch_on_the_sample(sample_table) -> None:  # type: ignore[no-untyped-def]
    book = OrderBook("reference")
    ours, theirs = np.full(27_861, np.nan), np.zeros(27_861)
    reference = replay_imbalance(sample_table, n_levels=5, book=book, trace=theirs)
    bt = FastBacktest(sample_table, decision_every=30, entry_latency_ns=5_000_000)
    result = bt.run(EveryOther(), trace=ours)
    assert np.array_equal(ours, theirs)
    assert (result.book_rows, result.trades, result.batches) == (reference.book_rows, reference.trades, reference.batches)
    assert result.checksum == reference.checksum and result.last_imbalance == reference.last_imbalance
    assert bt.book.best_bid() == book.best_bid() and bt.book.best_ask() == book.best_ask()
    assert result.decisions == 27_861 // 30 and result.orders_submitted == (result.decisions + 1) // 2
    assert result.orders_submitted == (result.orders_filled + result.orders_cancelled + result.orders_rejected
                                       + result.orders_open)
    assert 0 < result.orders_filled < result.orders_submitted and result.position_lots == result.filled_lots


# -- property: fills never exceed the order nor the volume traded at or through its price -------------------
events = st.lists(st.tuples(st.sampled_from(["trade", "level"]), st.sampled_from([BUY, SELL]),
                            st.integers(97, 104), st.integers(0, 6)), min_size=1, max_size=40)
orders = st.lists(st.tuples(st.integers(1, 40), st.sampled_from([BUY, SELL]), st.integers(97, 104),
                            st.integers(1, 5)), max_size=8)


@settings(max_examples=60, deadline=None)
@given(events=events, orders=orders, latency=st.integers(0, 3))
def test_fills_never_exceed_order_size_nor_volume_traded_at_or_through_the_price(events, orders, latency) -> None:  # type: ignore[no-untyped-def]
    rows = snapshot(0, [(100, 3), (99, 3)], [(101, 3), (102, 3)])
    for t, (what, side, price, size) in enumerate(events, start=1):
        rows.append(trade(t, side, price, max(size, 1)) if what == "trade" else level(t, side, price, size))
    actions: dict[int, Callable[[FastBacktest], object]] = {}
    for batch, side, price, qty in orders:
        previous = actions.get(batch)
        actions[batch] = (lambda bt, s=side, p=price, q=qty, prev=previous:
                          (prev(bt) if prev else None, bt.submit(s, p, q)))
    result, _ = run(rows, actions, entry_latency_ns=latency)
    kind, tside, tprice, tsize = (np.asarray(table(rows)[c]) for c in ("kind", "side", "price", "size"))
    filled = np.zeros(len(result.orders), dtype=np.int64)
    for o, qty in zip(result.fills[:, fk.X_ORDER], result.fills[:, fk.X_QTY]):
        filled[o] += qty
    assert np.all(filled == result.orders[:, fk.O_FILLED]) and np.all(filled <= result.orders[:, fk.O_QTY])
    for row in np.unique(result.fills[:, fk.X_ROW]):
        at_row = result.fills[result.fills[:, fk.X_ROW] == row]
        if kind[row] == TRADE:  # one trade's size is shared by all our fills it caused
            assert at_row[:, fk.X_QTY].sum() <= tsize[row]
    for o in range(len(result.orders)):  # all fills from trades came from trades at or through the price
        side, price = result.orders[o, fk.O_SIDE], result.orders[o, fk.O_PRICE]
        from_trades = result.fills[(result.fills[:, fk.X_ORDER] == o) & (kind[result.fills[:, fk.X_ROW]] == TRADE)]
        reaching = (kind == TRADE) & (tside == -side) & ((tprice <= price) if side > 0 else (tprice >= price))
        assert from_trades[:, fk.X_QTY].sum() <= tsize[reaching].sum()
        assert np.all(from_trades[:, fk.X_EVENT_NS] >= result.orders[o, fk.O_ARRIVE_NS])


# -- no allocation per event ------------------------------------------------------------------------------
ALLOCATION_PROBE = """
from numba.core.runtime import rtsys
from arbkit.adapters.binance.fast_ingest import ingest_binance_file
from arbkit.adapters.binance.instruments import binance_registry
from arbkit.data.sample import SAMPLE_USDM_BTC, sample_path
from arbkit.sim.fast_replay import BUY, FastBacktest

class EveryOther:
    order = -1
    def on_decision(self, bt):
        if bt.decisions % 2 == 1:
            self.order = bt.submit(BUY, bt.best_bid_ticks, 1)
        elif self.order >= 0:
            bt.cancel(self.order)

table = ingest_binance_file(sample_path(SAMPLE_USDM_BTC), binance_registry()).table
bt = FastBacktest(table, decision_every=30, entry_latency_ns=1_000_000)
bt.run(EveryOther())  # compiles
before = rtsys.get_allocation_stats().alloc
result = bt.run(EveryOther())
print(rtsys.get_allocation_stats().alloc - before, result.events, result.decisions, result.fill_count)
"""


def test_a_run_allocates_per_hand_back_never_per_event() -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_NRT_STATS="1")  # numba counts its allocations only when started with this
    out = subprocess.run([sys.executable, "-c", ALLOCATION_PROBE], env=env, capture_output=True, text=True, check=True)
    allocations, events, decisions, fills = (int(v) for v in out.stdout.split())
    assert events == 466_575 and decisions == 928 and fills > 0
    # each call into compiled code wraps its ~16 array arguments once: allocations follow the hand-backs
    assert allocations <= 20 * (decisions + 10)
    assert allocations < events // 20
