"""Walking a book side: marketability, consumed liquidity, chunked level reads."""

from __future__ import annotations

from arbkit.book.order_book import OrderBook
from arbkit.core.enums import BookSide, Side
from arbkit.sim.matching import book_side_taken, is_marketable, iter_levels, take_liquidity


def _book() -> OrderBook:
    book = OrderBook("X")
    book.apply_snapshot(bids=[(99, 4), (98, 6), (95, 10)], asks=[(100, 2), (101, 3), (103, 10)])
    return book


def test_buy_takes_asks_and_sell_takes_bids() -> None:
    assert book_side_taken(Side.BUY) is BookSide.ASK
    assert book_side_taken(Side.SELL) is BookSide.BID


def test_marketable_respects_limit_direction() -> None:
    assert is_marketable(-1, 100, 100) and not is_marketable(-1, 101, 100)
    assert is_marketable(1, 99, 99) and not is_marketable(1, 98, 99)
    assert is_marketable(1, 1, None) and is_marketable(-1, 10**9, None)


def test_sell_walk_stops_at_limit_price() -> None:
    taken = take_liquidity(_book(), book_side=1, qty_lots=100, limit_ticks=98, consumed={})
    assert taken == [(99, 4), (98, 6)]


def test_walk_skips_levels_already_consumed_and_records_what_it_takes() -> None:
    consumed = {100: 2, 101: 1}
    taken = take_liquidity(_book(), book_side=-1, qty_lots=5, limit_ticks=None, consumed=consumed)
    assert taken == [(101, 2), (103, 3)]
    assert consumed == {100: 2, 101: 3, 103: 3}


def test_walk_on_empty_side_takes_nothing() -> None:
    book = OrderBook("X")
    book.apply_snapshot(bids=[(99, 4)], asks=[])
    assert take_liquidity(book, book_side=-1, qty_lots=5, limit_ticks=None, consumed={}) == []


def test_iter_levels_reads_deep_books_in_chunks_best_first() -> None:
    book = OrderBook("X")
    asks = [(1000 + i, i + 1) for i in range(300)]
    book.apply_snapshot(bids=[], asks=asks)
    assert list(iter_levels(book, -1)) == asks
    taken = take_liquidity(book, book_side=-1, qty_lots=sum(range(1, 301)), limit_ticks=None, consumed={})
    assert taken == asks
