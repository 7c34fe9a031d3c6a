"""A window of the replay starts from the books as they stood, and holds exactly the window's messages."""

from __future__ import annotations

from arbkit.book.order_book import OrderBook
from arbkit.core.messages import BookGap, BookUpdate
from arbkit.data.window import window_timeline

from testkit import sample_timeline


def _final_books(timeline) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    books: dict[str, OrderBook] = {}
    for _, message in timeline:
        if isinstance(message, BookUpdate):
            book = books.setdefault(message.instrument_id, OrderBook(message.instrument_id))
            if message.is_snapshot:
                book.apply_snapshot(message.bids, message.asks)
            else:
                book.apply(message.bids, message.asks)
        elif isinstance(message, BookGap):
            books.pop(message.instrument_id, None)
    out = {}
    for instrument_id, book in books.items():
        is_bid, prices, sizes = book.all_levels()
        out[instrument_id] = tuple(sorted(zip(is_bid.tolist(), prices.tolist(), sizes.tolist())))
    return out


def test_window_carries_the_books_in_and_keeps_every_later_message() -> None:
    full = sample_timeline()
    start = full[len(full) // 2][0]
    end = full[(3 * len(full)) // 4][0]
    window = list(window_timeline(full, start_ns=start, end_ns=None))
    inside = [item for item in full if item[0] >= start]
    opening = window[: len(window) - len(inside)]
    assert window[len(opening):] == inside, "the window's own messages pass through unchanged"
    assert sorted(m.instrument_id for _, m in opening) == ["BTCUSDT.BINANCE_SPOT", "BTCUSDT.BINANCE_USDM"]
    assert all(isinstance(m, BookUpdate) and m.is_snapshot and ts == start for ts, m in opening)
    assert _final_books(window) == _final_books(full), "the books end where the whole replay's end"
    bounded = list(window_timeline(full, start_ns=start, end_ns=end))
    assert bounded[-1][0] < end <= [ts for ts, _ in full if ts >= start][len(bounded) - len(opening)]
