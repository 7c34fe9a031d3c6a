"""Unit behaviour of the L2 order book: snapshot, deletes, ordering, imbalance, crossing, far levels, growth."""

from __future__ import annotations

import pytest

from arbkit.book import kernels
from arbkit.book.order_book import INITIAL_OVERFLOW, OrderBook

MID = 618_000  # BTCUSDT at 61800.0 with a 0.1 tick: the dense window then spans 65,536 ticks (about ±5 %)


def snapshot_book() -> OrderBook:
    """Bids 618000/617999/617998 and asks 618001/618002/618004 (sizes in lots)."""
    book = OrderBook("BTCUSDT.BINANCE_USDM")
    book.apply_snapshot(bids=[(MID, 10), (MID - 1, 20), (MID - 2, 30)],
                        asks=[(MID + 1, 11), (MID + 2, 21), (MID + 4, 41)])
    return book


def test_snapshot_sets_best_prices_sizes_and_counts() -> None:
    book = snapshot_book()
    assert book.best_bid() == (MID, 10)
    assert book.best_ask() == (MID + 1, 11)
    assert (book.bid_count, book.ask_count) == (3, 3)
    assert book.mid_ticks() == MID + 0.5
    assert not book.is_crossed()


def test_new_snapshot_replaces_every_level() -> None:
    book = snapshot_book()
    book.apply_snapshot(bids=[(MID - 10, 1)], asks=[(MID + 10, 2)])
    assert book.levels(+1, 10) == [(MID - 10, 1)]
    assert book.levels(-1, 10) == [(MID + 10, 2)]
    assert (book.bid_count, book.ask_count) == (1, 1)


def test_empty_book_has_no_prices() -> None:
    book = OrderBook("X")
    assert (book.best_bid(), book.best_ask(), book.mid_ticks()) == (None, None, None)
    assert book.levels(+1, 5) == [] and book.imbalance() == 0.0
    assert book.apply() == 0


def test_one_sided_book_has_no_mid() -> None:
    book = OrderBook("X")
    book.apply(bids=[(MID, 5)])
    assert book.best_bid() == (MID, 5) and book.best_ask() is None and book.mid_ticks() is None


def test_size_zero_deletes_the_best_level_and_the_next_becomes_best() -> None:
    book = snapshot_book()
    assert book.apply(bids=[(MID, 0)], asks=[(MID + 1, 0)]) == 0
    assert book.best_bid() == (MID - 1, 20)
    assert book.best_ask() == (MID + 2, 21)
    assert (book.bid_count, book.ask_count) == (2, 2)


def test_deleting_a_missing_level_changes_nothing() -> None:
    book = snapshot_book()
    book.apply(bids=[(MID - 5, 0)], asks=[(MID + 3, 0)])
    assert (book.bid_count, book.ask_count) == (3, 3)
    assert book.levels(-1, 3) == [(MID + 1, 11), (MID + 2, 21), (MID + 4, 41)]


def test_size_change_overwrites_a_level() -> None:
    book = snapshot_book()
    book.apply(bids=[(MID - 1, 99)])
    assert book.levels(+1, 2) == [(MID, 10), (MID - 1, 99)]
    assert book.bid_count == 3


def test_levels_are_best_first_on_both_sides_and_limited_to_n() -> None:
    book = snapshot_book()
    assert book.levels(+1, 10) == [(MID, 10), (MID - 1, 20), (MID - 2, 30)]
    assert book.levels(-1, 10) == [(MID + 1, 11), (MID + 2, 21), (MID + 4, 41)]
    assert book.levels(+1, 2) == [(MID, 10), (MID - 1, 20)]
    assert book.levels(-1, 100) == book.levels(-1, 3)  # n beyond the scratch size


def test_imbalance_weighs_level_i_by_one_over_i_plus_one() -> None:
    book = OrderBook("X")
    book.apply_snapshot(bids=[(100, 10), (99, 20)], asks=[(101, 30), (102, 40)])
    # bids 10 + 20/2 = 20, asks 30 + 40/2 = 50 → (20 - 50) / 70
    assert book.imbalance(2) == pytest.approx(-3 / 7)
    # top level only: (10 - 30) / 40
    assert book.imbalance(1) == pytest.approx(-0.5)
    book.apply(asks=[(101, 0), (102, 0)])
    assert book.imbalance(2) == 1.0


def test_negative_size_or_non_positive_price_is_rejected() -> None:
    book = snapshot_book()
    with pytest.raises(ValueError, match="size -1 lots"):
        book.apply(bids=[(MID - 3, -1)])
    with pytest.raises(ValueError, match="price 0 ticks"):
        book.apply(asks=[(0, 5)])
    assert book.levels(+1, 5) == snapshot_book().levels(+1, 5)


def test_message_that_crosses_transiently_but_ends_consistent_is_not_pruned() -> None:
    book = snapshot_book()
    # Binance can list the new bid at the old best ask before the deletion of that ask.
    pruned = book.apply(bids=[(MID + 1, 7)], asks=[(MID + 1, 0)])
    assert pruned == 0
    assert book.crossed_levels_pruned == 0
    assert not book.is_crossed()
    assert book.best_bid() == (MID + 1, 7)
    assert book.best_ask() == (MID + 2, 21)


def test_message_that_leaves_the_book_crossed_prunes_the_opposite_side() -> None:
    book = snapshot_book()
    pruned = book.apply(bids=[(MID + 3, 5)])  # the last added level is a bid: asks at or below it go
    assert pruned == 2
    assert book.crossed_levels_pruned == 2
    assert not book.is_crossed()
    assert book.best_bid() == (MID + 3, 5)
    assert book.levels(-1, 5) == [(MID + 4, 41)]


def test_crossing_ask_added_last_prunes_bids() -> None:
    book = snapshot_book()
    pruned = book.apply(bids=[(MID - 2, 31)], asks=[(MID - 1, 8)])  # the last added level is an ask
    assert pruned == 2  # bids 618000 and 617999
    assert book.best_ask() == (MID - 1, 8)
    assert book.levels(+1, 5) == [(MID - 2, 31)]
    assert not book.is_crossed()


def test_far_levels_outside_the_dense_window_are_kept_and_listed() -> None:
    book = snapshot_book()
    span = int(book.buf[kernels.SPAN])
    assert span < MID // 2  # 50 % away is outside the window
    far_bid, far_ask = MID // 2, MID * 3 // 2
    book.apply(bids=[(far_bid, 4)], asks=[(far_ask, 6)])
    assert (book.bid_count, book.ask_count) == (4, 4)
    assert book.levels(+1, 10)[-1] == (far_bid, 4)
    assert book.levels(-1, 10)[-1] == (far_ask, 6)
    assert book.best_bid() == (MID, 10) and book.best_ask() == (MID + 1, 11)
    book.apply(bids=[(far_bid, 0)], asks=[(far_ask, 0)])
    assert (book.bid_count, book.ask_count) == (3, 3)


def test_far_level_becomes_the_touch_when_the_near_side_is_deleted() -> None:
    book = snapshot_book()
    book.apply(asks=[(MID * 3 // 2, 6)])
    book.apply(asks=[(MID + 1, 0), (MID + 2, 0), (MID + 4, 0)])
    assert book.best_ask() == (MID * 3 // 2, 6)
    assert book.mid_ticks() == (MID + MID * 3 // 2) / 2
    assert not book.is_crossed()


def test_touch_moving_thirty_percent_recentres_the_window_and_stays_correct() -> None:
    book = snapshot_book()
    recentres = book.recentres
    new_mid = MID * 13 // 10
    book.apply(bids=[(MID, 0), (MID - 1, 0), (MID - 2, 0), (new_mid, 3), (new_mid - 5, 4)],
               asks=[(MID + 1, 0), (MID + 2, 0), (MID + 4, 0), (new_mid + 1, 5), (new_mid + 9, 6)])
    assert book.recentres == recentres + 1
    base, span = int(book.buf[kernels.BASE]), int(book.buf[kernels.SPAN])
    assert base <= new_mid < base + span  # the window now holds the touch
    assert book.levels(+1, 5) == [(new_mid, 3), (new_mid - 5, 4)]
    assert book.levels(-1, 5) == [(new_mid + 1, 5), (new_mid + 9, 6)]
    # near updates after the move land in the window and behave as before
    book.apply(bids=[(new_mid, 0)], asks=[(new_mid + 2, 7)])
    assert book.best_bid() == (new_mid - 5, 4)
    assert book.best_ask() == (new_mid + 1, 5)
    assert book.levels(-1, 3) == [(new_mid + 1, 5), (new_mid + 2, 7), (new_mid + 9, 6)]


def test_old_levels_left_behind_by_a_recentre_are_kept() -> None:
    book = snapshot_book()
    new_mid = MID * 13 // 10
    # only the asks are replaced: the bids stay near the old mid, now far below the new window
    book.apply(asks=[(MID + 1, 0), (MID + 2, 0), (MID + 4, 0), (new_mid, 1)])
    assert book.best_ask() == (new_mid, 1)
    assert book.levels(+1, 5) == [(MID, 10), (MID - 1, 20), (MID - 2, 30)]
    assert not book.is_crossed()


def test_overflow_grows_beyond_its_initial_capacity_of_far_levels() -> None:
    book = snapshot_book()
    far = [(1000 + i, i + 1) for i in range(3 * INITIAL_OVERFLOW)]  # all far below the window
    book.apply(bids=far)
    assert int(book.buf[kernels.OCAP]) >= 3 * INITIAL_OVERFLOW
    assert book.bid_count == 3 + len(far)
    listed = book.levels(+1, book.bid_count)
    assert listed[:3] == [(MID, 10), (MID - 1, 20), (MID - 2, 30)]
    assert listed[3:] == sorted(far, reverse=True)
    book.apply(bids=[(p, 0) for p, _ in far[::2]])
    assert book.bid_count == 3 + len(far) // 2
    assert book.levels(+1, book.bid_count)[3:] == sorted(far[1::2], reverse=True)


def test_all_levels_returns_every_level_of_both_sides() -> None:
    book = snapshot_book()
    book.apply(bids=[(5, 1)], asks=[(MID * 2, 2)])
    is_bid, prices, sizes = book.all_levels()
    got = sorted(zip(is_bid.tolist(), prices.tolist(), sizes.tolist()))
    assert got == sorted([(True, MID, 10), (True, MID - 1, 20), (True, MID - 2, 30), (True, 5, 1),
                          (False, MID + 1, 11), (False, MID + 2, 21), (False, MID + 4, 41), (False, MID * 2, 2)])


def test_replay_skips_and_counts_rows_that_are_not_book_levels() -> None:
    """A negative size or a non-positive price in a table never enters the book (it once left it inconsistent)."""
    import numpy as np

    from arbkit.book import kernels
    from arbkit.book.replay_kernel import replay_columns
    from arbkit.data.events import DELTA, F_LAST

    kind = np.full(6, DELTA, dtype=np.uint8)
    side = np.array([1, -1, 1, -1, 1, -1], dtype=np.int8)
    price = np.array([100, 101, 102, 101, 0, 101], dtype=np.int64)
    size = np.array([5, 5, -3, 0, 7, 4], dtype=np.int64)
    flags = np.array([0, F_LAST, 0, F_LAST, 0, F_LAST], dtype=np.uint8)
    stream = np.zeros(6, dtype=np.uint16)
    result = replay_columns(kind, side, price, size, flags, stream, 0)
    assert result.invalid_rows == 2 and result.rows == 4
    assert result.best_bid.tolist() == [100, 100, 100] and result.best_ask.tolist() == [101, -1, 101]
    assert kernels.set_level(kernels.new_book(0, 0, 8), True, 100, -1) == kernels.INVALID
