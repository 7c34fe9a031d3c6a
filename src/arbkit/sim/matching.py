"""Taking liquidity from a replayed L2 book: the walk a marketable order makes, level by level.

Our orders are not in the recorded book, so liquidity they take stays displayed until the next
recorded update. ``consumed`` (price ticks → lots already taken by our orders in this book state)
keeps a later order from taking the same lots twice.

>>> from arbkit.book.order_book import OrderBook
>>> book = OrderBook("X")
>>> book.apply_snapshot(bids=[(99, 5)], asks=[(100, 2), (101, 3), (103, 10)])
>>> consumed = {}
>>> take_liquidity(book, book_side=-1, qty_lots=6, limit_ticks=None, consumed=consumed)
[(100, 2), (101, 3), (103, 1)]
>>> take_liquidity(book, book_side=-1, qty_lots=4, limit_ticks=102, consumed=consumed)
[]
"""

from __future__ import annotations

from collections.abc import Iterator

from arbkit.book import kernels
from arbkit.book.order_book import OrderBook
from arbkit.core.enums import BookSide, Side

_FIRST_CHUNK = 16


def book_side_taken(side: Side) -> BookSide:
    """The book side an order of ``side`` takes from: a buy lifts asks, a sell hits bids."""
    return BookSide.ASK if side is Side.BUY else BookSide.BID


def iter_levels(book: OrderBook, book_side: int) -> Iterator[tuple[int, int]]:
    """Levels of ``book_side`` (+1 bids, -1 asks) best first, read in growing chunks (not all at once)."""
    total = book.bid_count if book_side > 0 else book.ask_count
    start, n = 0, _FIRST_CHUNK
    while start < total:
        chunk = book.levels(book_side, n)
        yield from chunk[start:]
        start, n = len(chunk), n * 4


def is_marketable(book_side: int, level_ticks: int, limit_ticks: int | None) -> bool:
    """True if a level at ``level_ticks`` is within ``limit_ticks`` (None = market: any price).

    Taking asks (``book_side`` -1, a buy) needs level <= limit; taking bids (+1, a sell) level >= limit.
    """
    if limit_ticks is None:
        return True
    return level_ticks <= limit_ticks if book_side < 0 else level_ticks >= limit_ticks


def take_liquidity(
    book: OrderBook, book_side: int, qty_lots: int, limit_ticks: int | None, consumed: dict[int, int]
) -> list[tuple[int, int]]:
    """Walk ``book_side`` from the best level, taking up to ``qty_lots`` at prices within ``limit_ticks``.

    Args:
        book: the book in its current state (not modified).
        book_side: side taken from, +1 bids (for a sell) or -1 asks (for a buy).
        qty_lots: lots wanted, > 0.
        limit_ticks: worst acceptable price in ticks, or None for a market order.
        consumed: price ticks → lots our orders already took from this side in this book state;
            updated in place with what this walk takes.

    Returns:
        (price ticks, lots) taken, one entry per level, best first. Their lots sum to at most
        ``qty_lots``; less when the side (or its part within the limit) runs out.
    """
    taken: list[tuple[int, int]] = []
    remaining = qty_lots
    for price, size in iter_levels(book, book_side):
        if remaining == 0 or not is_marketable(book_side, price, limit_ticks):
            break
        available = size - consumed.get(price, 0)
        if available <= 0:
            continue
        lots = min(available, remaining)
        consumed[price] = consumed.get(price, 0) + lots
        taken.append((price, lots))
        remaining -= lots
    return taken


def level_lots(book: OrderBook, book_side: int, price_ticks: int) -> int:
    """Displayed lots at ``price_ticks`` on ``book_side`` (+1 bids, -1 asks) of ``book``; 0 if no level."""
    return int(kernels.size_at(book.buf, book_side > 0, price_ticks))
