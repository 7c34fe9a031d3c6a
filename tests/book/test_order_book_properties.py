"""Property tests of the L2 book against a plain reference, and the compiled replay against the book.

The reference is two dicts price → size. A message sets its bid levels, then its ask levels (size 0
deletes). The book's documented rule for a message that leaves it crossed: remove the crossed levels
of the side opposite the message's last added level (bids if no level was added).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.adapters.binance.reader import BinanceRecording
from arbkit.book.order_book import OrderBook
from arbkit.book.replay_kernel import replay_book
from arbkit.core.messages import BookUpdate
from arbkit.data.events import COLUMNS, EventTable
from arbkit.data.sample import SAMPLE_USDM_BTC
from testkit import registry, sample_file

Levels = list[tuple[int, int]]


class ReferenceBook:
    """Two dicts and the documented uncross rule; slow and obviously right."""

    def __init__(self) -> None:
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}

    def copy(self) -> "ReferenceBook":
        other = ReferenceBook()
        other.bids, other.asks = dict(self.bids), dict(self.asks)
        return other

    def set_levels(self, bids: Levels, asks: Levels) -> None:
        for side, rows in ((self.bids, bids), (self.asks, asks)):
            for price, size in rows:
                if size:
                    side[price] = size
                else:
                    side.pop(price, None)

    def is_crossed(self) -> bool:
        return bool(self.bids) and bool(self.asks) and max(self.bids) >= min(self.asks)

    def apply(self, bids: Levels, asks: Levels) -> int:
        """Apply one message with the documented uncross rule; returns the levels pruned."""
        self.set_levels(bids, asks)
        added = [True for _, size in bids if size] + [False for _, size in asks if size]
        keep_bids = added[-1] if added else True
        pruned = 0
        while self.is_crossed():
            if keep_bids:
                del self.asks[min(self.asks)]
            else:
                del self.bids[max(self.bids)]
            pruned += 1
        return pruned

    def top(self, is_bid: bool, n: int) -> Levels:
        side = self.bids if is_bid else self.asks
        return sorted(side.items(), reverse=is_bid)[:n]


def assert_same(book: OrderBook, ref: ReferenceBook) -> None:
    assert not book.is_crossed()
    assert book.best_bid() == (ref.top(True, 1)[0] if ref.bids else None)
    assert book.best_ask() == (ref.top(False, 1)[0] if ref.asks else None)
    assert (book.bid_count, book.ask_count) == (len(ref.bids), len(ref.asks))
    assert book.levels(+1, 10) == ref.top(True, 10)
    assert book.levels(-1, 10) == ref.top(False, 10)
    assert book.levels(+1, book.bid_count) == ref.top(True, len(ref.bids))
    assert book.levels(-1, book.ask_count) == ref.top(False, len(ref.asks))


SIZES = st.one_of(st.just(0), st.integers(1, 10**12))
CENTRES = st.one_of(st.sampled_from([618_000, 26_800, 100]), st.integers(50, 3_000_000))


def bid_prices(centre: int) -> st.SearchStrategy[int]:
    """Near the touch (a few ticks either side of ``centre``) or far below it."""
    return st.one_of(st.integers(max(1, centre - 40), centre + 3), st.integers(1, max(1, centre - 1)))


def ask_prices(centre: int) -> st.SearchStrategy[int]:
    """Near the touch or far above it (up to 4× the centre: outside any dense window)."""
    return st.one_of(st.integers(max(1, centre - 3), centre + 40), st.integers(centre + 1, 4 * centre + 10))


@st.composite
def message(draw: st.DrawFn, ref: ReferenceBook, centre: int) -> tuple[Levels, Levels]:
    bids = draw(st.lists(st.tuples(bid_prices(centre), SIZES), max_size=6))
    asks = draw(st.lists(st.tuples(ask_prices(centre), SIZES), max_size=6))
    # delete some existing levels too (best ones most often), so the touch moves
    for rows, side, is_bid in ((bids, ref.bids, True), (asks, ref.asks, False)):
        if side:
            prices = sorted(side, reverse=is_bid)
            rows += [(prices[min(i, len(prices) - 1)], 0) for i in draw(st.lists(st.integers(0, 8), max_size=3))]
    return bids, asks


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_book_equals_reference_for_messages_that_keep_it_uncrossed(data: st.DataObject) -> None:
    book = OrderBook("X")
    ref = ReferenceBook()
    centre = data.draw(CENTRES, label="centre")
    for _ in range(data.draw(st.integers(1, 15), label="messages")):
        if data.draw(st.integers(0, 7), label="jump") == 0:
            # the market jumps: every level is deleted and new ones come in around a new centre
            centre = data.draw(CENTRES, label="new centre")
            bids, asks = data.draw(message(ReferenceBook(), centre))
            bids = [(p, 0) for p in ref.bids] + bids
            asks = [(p, 0) for p in ref.asks] + asks
        else:
            bids, asks = data.draw(message(ref, centre))
        after = ref.copy()
        after.set_levels(bids, asks)
        if after.is_crossed():
            continue  # this test keeps to consistent venue data; the next one covers crossing messages
        assert book.apply(bids, asks) == 0
        ref = after
        assert_same(book, ref)
    assert book.crossed_levels_pruned == 0


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_book_is_never_crossed_and_follows_the_documented_uncross_rule(data: st.DataObject) -> None:
    book = OrderBook("X")
    ref = ReferenceBook()
    centre = data.draw(CENTRES, label="centre")
    total_pruned = 0
    for _ in range(data.draw(st.integers(1, 15), label="messages")):
        if data.draw(st.integers(0, 7), label="jump") == 0:
            centre = data.draw(CENTRES, label="new centre")  # crossing messages are likely after a jump
        bids, asks = data.draw(message(ref, centre))
        pruned = book.apply(bids, asks)
        assert not book.is_crossed()
        assert pruned == ref.apply(bids, asks)
        total_pruned += pruned
        assert_same(book, ref)
    assert book.crossed_levels_pruned == total_pruned


@settings(max_examples=100, deadline=None)
@given(snapshots=st.lists(st.tuples(st.lists(st.tuples(st.integers(1, 500), st.integers(1, 9)), max_size=10),
                                    st.lists(st.tuples(st.integers(501, 10**6), st.integers(1, 9)), max_size=10)),
                          min_size=1, max_size=4))
def test_each_snapshot_replaces_the_whole_book(snapshots: list[tuple[Levels, Levels]]) -> None:
    book = OrderBook("X")
    for bids, asks in snapshots:
        book.apply_snapshot(bids, asks)
        ref = ReferenceBook()
        ref.set_levels(bids, asks)
        assert_same(book, ref)


# -- compiled replay over an EventTable -----------------------------------------------------------
@pytest.fixture(scope="module")
def usdm_messages() -> list[object]:
    """The shipped USDⓈ-M BTC sample, read once (snapshot, diffs, bookTicker, trades)."""
    return list(BinanceRecording(sample_file(SAMPLE_USDM_BTC), registry()))


@pytest.fixture(scope="module")
def usdm_table(usdm_messages: list[object]) -> EventTable:
    return EventTable.from_messages(usdm_messages)


def test_replay_book_matches_order_book_after_every_message_on_real_data(
    usdm_messages: list[object], usdm_table: EventTable
) -> None:
    rows, best_bids, best_asks, pruned = replay_book(usdm_table, stream=0)

    book = OrderBook("BTCUSDT.BINANCE_USDM")
    want_bids, want_asks, want_rows = [], [], 0
    for message in usdm_messages:
        if not isinstance(message, BookUpdate) or not (message.bids or message.asks):
            continue  # a message without levels has no rows in the table
        if message.is_snapshot:
            book.apply_snapshot(message.bids, message.asks)
        else:
            book.apply(message.bids, message.asks)
        want_rows += len(message.bids) + len(message.asks)
        want_bids.append(book.best_bid()[0] if book.best_bid() else -1)
        want_asks.append(book.best_ask()[0] if book.best_ask() else -1)

    assert len(want_bids) > 6_000  # the snapshot and the diffs of the sample
    assert rows == want_rows
    assert best_bids.tolist() == want_bids
    assert best_asks.tolist() == want_asks
    assert pruned == 0 == book.crossed_levels_pruned
    assert bool((best_bids < best_asks).all())


def test_replay_book_final_state_equals_the_order_book(usdm_messages: list[object], usdm_table: EventTable) -> None:
    replayed = OrderBook("replayed")
    replay_book(usdm_table, stream=0, book=replayed)
    book = OrderBook("fed")
    for message in usdm_messages:
        if isinstance(message, BookUpdate):
            (book.apply_snapshot if message.is_snapshot else book.apply)(message.bids, message.asks)
    assert (replayed.bid_count, replayed.ask_count) == (book.bid_count, book.ask_count)
    assert replayed.levels(+1, book.bid_count) == book.levels(+1, book.bid_count)
    assert replayed.levels(-1, book.ask_count) == book.levels(-1, book.ask_count)


def test_event_table_parquet_round_trip_preserves_every_column(usdm_table: EventTable, tmp_path: Path) -> None:
    path = str(tmp_path / "usdm_btc.parquet")
    usdm_table.write_parquet(path)
    loaded = EventTable.read_parquet(path)
    assert len(loaded) == len(usdm_table) > 0
    for name, dtype in COLUMNS:
        assert loaded[name].dtype == np.dtype(dtype), name
        assert np.array_equal(loaded[name], usdm_table[name]), name
        assert loaded[name].flags["C_CONTIGUOUS"], name
