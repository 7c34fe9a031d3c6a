"""An L2 order book for one (venue, instrument), over the compiled kernels in :mod:`arbkit.book.kernels`.

Prices are integer ticks and sizes integer lots of the book's instrument.

>>> book = OrderBook("BTCUSDT.BINANCE_USDM")
>>> book.apply_snapshot(bids=[(618001, 2000), (618000, 500)], asks=[(618002, 1500)])
>>> book.best_bid(), book.best_ask()
((618001, 2000), (618002, 1500))
>>> book.apply(bids=[(618001, 0)], asks=[(618003, 10)])  # delete the best bid, add an ask level
0
>>> book.best_bid(), book.levels(-1, 2)
((618000, 500), [(618002, 1500), (618003, 10)])
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from arbkit.book import kernels
from arbkit.book.kernels import BASE, FULL, HEADER, N_ASKS, N_BIDS, N_OA, N_OB, NO_PRICE, OCAP, RECENTRE, SPAN
from arbkit.core.errors import BookCapacityError

MIN_WINDOW_TICKS = 1 << 12
MAX_WINDOW_TICKS = 1 << 22
WINDOW_FRACTION = 0.1
"""The dense window spans about this fraction of the price (±5 %), within the two bounds above."""
INITIAL_OVERFLOW = 1024
MAX_OVERFLOW = 1 << 22


def _window_span(price_ticks: float) -> int:
    span = MIN_WINDOW_TICKS
    while span < price_ticks * WINDOW_FRACTION and span < MAX_WINDOW_TICKS:
        span *= 2
    return span


class OrderBook:
    """L2 book of one instrument: snapshot + diffs, best bid/ask, N levels, imbalance.

    The state is one ``int64`` buffer (see :mod:`arbkit.book.kernels`): levels near the touch live in
    a dense window (O(1) updates), far levels in sorted overflow runs. The window is placed on the
    first message and re-centred whenever the touch leaves it.

    Args:
        instrument_id: the book's instrument.
    """

    def __init__(self, instrument_id: str) -> None:
        self.instrument_id = instrument_id
        self.buf = kernels.new_book(0, 0, INITIAL_OVERFLOW)
        self.crossed_levels_pruned = 0
        """Levels removed because a whole message left the book crossed (0 on consistent venue data)."""
        self.recentres = 0
        """How many times the dense window was moved to follow the market."""
        self._out = np.zeros(2, dtype=np.int64)
        self._scratch_px = np.zeros(64, dtype=np.int64)
        self._scratch_sz = np.zeros(64, dtype=np.int64)
        self._is_bid = np.zeros(64, dtype=np.bool_)
        """Side flags of the message being applied (rows ``0:n``); reused, grown on demand."""

    # -- updates ----------------------------------------------------------------------------
    def apply_snapshot(self, bids: Iterable[tuple[int, int]], asks: Iterable[tuple[int, int]]) -> None:
        """Replace the whole book with the given levels (price ticks, size lots)."""
        self.clear()
        self.apply(bids, asks)

    def clear(self) -> None:
        """Remove every level."""
        kernels.clear(self.buf)

    def apply(self, bids: Iterable[tuple[int, int]] = (), asks: Iterable[tuple[int, int]] = ()) -> int:
        """Apply one message's level changes (size 0 deletes); bids first, then asks.

        Returns the number of levels pruned because the message left the book crossed.
        Raises ValueError for a negative size or a non-positive price.

        Called on every book message: the levels go to two fresh arrays in one pass each (no intermediate
        2-D array or mask), checked with the builtin ``min``; the side flags reuse a scratch array.
        """
        bid_rows = bids if isinstance(bids, tuple) else tuple(bids)
        ask_rows = asks if isinstance(asks, tuple) else tuple(asks)
        rows = bid_rows + ask_rows
        n = len(rows)
        if n == 0:
            return 0
        price_col, size_col = zip(*rows, strict=True)
        if min(price_col) <= 0 or min(size_col) < 0:
            price, size = next((p, q) for p, q in rows if p <= 0 or q < 0)
            raise ValueError(f"{self.instrument_id}: level (price {price} ticks, size {size} lots) "
                             "needs price > 0 and size >= 0")
        if n > len(self._is_bid):
            self._is_bid = np.zeros(2 * n, dtype=np.bool_)
        is_bid = self._is_bid
        nb = len(bid_rows)
        is_bid[:nb] = True
        is_bid[nb:n] = False
        prices = np.fromiter(price_col, dtype=np.int64, count=n)
        sizes = np.fromiter(size_col, dtype=np.int64, count=n)
        return self.apply_arrays(is_bid, prices, sizes, 0, n)

    def apply_arrays(self, is_bid: np.ndarray, prices: np.ndarray, sizes: np.ndarray, start: int, stop: int) -> int:
        """Apply rows ``start:stop`` of parallel arrays as one message; grows and re-centres as needed."""
        row = start
        pruned = 0
        while True:
            status = kernels.apply_levels(self.buf, is_bid, prices, sizes, row, stop, self._out)
            pruned += int(self._out[1])
            if status == FULL:
                row = int(self._out[0])
                self.grow_overflow()
                continue
            self.crossed_levels_pruned += pruned
            if status == RECENTRE:
                self.recentre()
            return pruned

    def grow_overflow(self) -> None:
        """Double the capacity of the overflow runs (levels outside the window)."""
        self._rebuild(int(self.buf[BASE]), int(self.buf[SPAN]), int(self.buf[OCAP]) * 2)

    def recentre(self) -> None:
        """Move the dense window so that it is centred on the current mid (or the only side's best)."""
        bid = kernels.best_bid_price(self.buf)
        ask = kernels.best_ask_price(self.buf)
        if bid == NO_PRICE and ask == NO_PRICE:
            return
        centre = (bid + ask) // 2 if bid != NO_PRICE and ask != NO_PRICE else max(bid, ask)
        span = int(self.buf[SPAN]) or _window_span(centre)
        self._rebuild(max(0, centre - span // 2), span, int(self.buf[OCAP]))
        self.recentres += 1

    def _rebuild(self, base: int, span: int, overflow_capacity: int) -> None:
        is_bid, prices, sizes = self.all_levels()
        capacity = max(overflow_capacity, INITIAL_OVERFLOW, 2 * len(prices))
        if capacity > MAX_OVERFLOW:
            raise BookCapacityError(f"{self.instrument_id}: {len(prices)} levels need an overflow of {capacity}, "
                                    f"over the limit of {MAX_OVERFLOW}")
        self.buf = kernels.new_book(base, span, capacity)
        if len(prices):
            kernels.apply_levels(self.buf, is_bid, prices, sizes, 0, len(prices), self._out)

    def all_levels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every level as parallel arrays (is_bid, price ticks, size lots), in no particular order."""
        buf = self.buf
        base, span, cap = int(buf[BASE]), int(buf[SPAN]), int(buf[OCAP])
        window_bids = buf[HEADER : HEADER + span]
        window_asks = buf[HEADER + span : HEADER + 2 * span]
        wb, wa = np.nonzero(window_bids)[0], np.nonzero(window_asks)[0]
        ob = HEADER + 2 * span
        oa = ob + 2 * cap
        nob, noa = int(buf[N_OB]), int(buf[N_OA])
        prices = np.concatenate([wb + base, buf[ob : ob + nob], wa + base, -buf[oa : oa + noa]])
        sizes = np.concatenate([window_bids[wb], buf[ob + cap : ob + cap + nob], window_asks[wa],
                                buf[oa + cap : oa + cap + noa]])
        is_bid = np.zeros(len(prices), dtype=np.bool_)
        is_bid[: len(wb) + nob] = True
        return is_bid, prices.astype(np.int64), sizes.astype(np.int64)

    # -- queries ----------------------------------------------------------------------------
    @property
    def bid_count(self) -> int:
        """Number of bid levels."""
        return int(self.buf[N_BIDS] + self.buf[N_OB])

    @property
    def ask_count(self) -> int:
        """Number of ask levels."""
        return int(self.buf[N_ASKS] + self.buf[N_OA])

    def best_bid(self) -> tuple[int, int] | None:
        """(price ticks, size lots) of the best bid, or None if there are no bids."""
        price = int(kernels.best_bid_price(self.buf))
        if price == NO_PRICE:
            return None
        return price, int(kernels.size_at(self.buf, True, price))

    def best_ask(self) -> tuple[int, int] | None:
        """(price ticks, size lots) of the best ask, or None if there are no asks."""
        price = int(kernels.best_ask_price(self.buf))
        if price == NO_PRICE:
            return None
        return price, int(kernels.size_at(self.buf, False, price))

    def mid_ticks(self) -> float | None:
        """Mid price in (fractional) ticks, or None if either side is empty."""
        bid = kernels.best_bid_price(self.buf)
        ask = kernels.best_ask_price(self.buf)
        if bid == NO_PRICE or ask == NO_PRICE:
            return None
        return (bid + ask) / 2.0

    def levels(self, side: int, n: int) -> list[tuple[int, int]]:
        """Top ``n`` levels of ``side`` (+1 bids, -1 asks), best first, as (price ticks, size lots)."""
        self._ensure_scratch(n)
        k = kernels.top_levels(self.buf, side > 0, n, self._scratch_px, self._scratch_sz)
        return list(zip(self._scratch_px[:k].tolist(), self._scratch_sz[:k].tolist()))

    def imbalance(self, n_levels: int = 5) -> float:
        """Depth-weighted imbalance of the top ``n_levels`` in [-1, 1] (level i weighs 1/(i+1))."""
        return float(kernels.weighted_imbalance(self.buf, n_levels))

    def is_crossed(self) -> bool:
        """True if best bid >= best ask (never after an update through this class)."""
        return bool(kernels.is_crossed(self.buf))

    def _ensure_scratch(self, n: int) -> None:
        if n > len(self._scratch_px):
            self._scratch_px = np.zeros(n, dtype=np.int64)
            self._scratch_sz = np.zeros(n, dtype=np.int64)
