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
from arbkit.core.errors import BookCapacityError

DEFAULT_CAPACITY = 4096
MAX_CAPACITY = 1 << 22


class OrderBook:
    """L2 book of one instrument: snapshot + diffs, best bid/ask, N levels, imbalance.

    Args:
        instrument_id: the book's instrument.
        capacity: initial levels per side; a side that fills up doubles, up to ``MAX_CAPACITY``.
    """

    def __init__(self, instrument_id: str, capacity: int = DEFAULT_CAPACITY) -> None:
        self.instrument_id = instrument_id
        self.bid_keys, self.bid_sizes = kernels.new_side(capacity)
        self.ask_keys, self.ask_sizes = kernels.new_side(capacity)
        self.counts = np.zeros(2, dtype=np.int64)
        self.crossed_levels_pruned = 0
        """Levels removed because an update crossed them (0 on consistent venue data)."""
        self.last_update_id = -1
        """Venue update id of the last applied batch (-1 before the first)."""

    # -- updates ----------------------------------------------------------------------------
    def apply_snapshot(self, bids: Iterable[tuple[int, int]], asks: Iterable[tuple[int, int]]) -> None:
        """Replace the whole book with the given levels (price ticks, size lots)."""
        kernels.clear(self.counts)
        self.apply(bids, asks)

    def apply(self, bids: Iterable[tuple[int, int]] = (), asks: Iterable[tuple[int, int]] = ()) -> int:
        """Apply level changes (size 0 deletes); bids first, then asks. Returns crossed levels pruned."""
        bid_rows = list(bids)
        ask_rows = list(asks)
        n = len(bid_rows) + len(ask_rows)
        if n == 0:
            return 0
        is_bid = np.zeros(n, dtype=np.bool_)
        is_bid[: len(bid_rows)] = True
        levels = np.array(bid_rows + ask_rows, dtype=np.int64).reshape(n, 2)
        if (levels[:, 1] < 0).any():
            bad = levels[levels[:, 1] < 0][0]
            raise ValueError(f"{self.instrument_id}: negative size {int(bad[1])} lots at price {int(bad[0])} ticks")
        return self.apply_arrays(is_bid, np.ascontiguousarray(levels[:, 0]), np.ascontiguousarray(levels[:, 1]), 0, n)

    def apply_arrays(self, is_bid: np.ndarray, prices: np.ndarray, sizes: np.ndarray, start: int, stop: int) -> int:
        """Apply rows ``start:stop`` of parallel arrays; grows a full side and resumes. Returns levels pruned."""
        pruned_total = 0
        row = start
        while True:
            row, pruned = kernels.apply_levels(
                self.bid_keys, self.bid_sizes, self.ask_keys, self.ask_sizes, self.counts,
                is_bid, prices, sizes, row, stop,
            )
            pruned_total += pruned
            if row == stop:
                break
            self._grow(bool(is_bid[row]))
        self.crossed_levels_pruned += pruned_total
        return pruned_total

    def _grow(self, bid_side: bool) -> None:
        keys, sizes = (self.bid_keys, self.bid_sizes) if bid_side else (self.ask_keys, self.ask_sizes)
        capacity = keys.shape[0] * 2
        if capacity > MAX_CAPACITY:
            raise BookCapacityError(
                f"{self.instrument_id}: {'bid' if bid_side else 'ask'} side needs more than {MAX_CAPACITY} levels"
            )
        new_keys, new_sizes = kernels.new_side(capacity)
        new_keys[: keys.shape[0]] = keys
        new_sizes[: sizes.shape[0]] = sizes
        if bid_side:
            self.bid_keys, self.bid_sizes = new_keys, new_sizes
        else:
            self.ask_keys, self.ask_sizes = new_keys, new_sizes

    # -- queries ----------------------------------------------------------------------------
    @property
    def bid_count(self) -> int:
        """Number of bid levels."""
        return int(self.counts[0])

    @property
    def ask_count(self) -> int:
        """Number of ask levels."""
        return int(self.counts[1])

    def best_bid(self) -> tuple[int, int] | None:
        """(price ticks, size lots) of the best bid, or None if there are no bids."""
        n = int(self.counts[0])
        if n == 0:
            return None
        return int(self.bid_keys[n - 1]), int(self.bid_sizes[n - 1])

    def best_ask(self) -> tuple[int, int] | None:
        """(price ticks, size lots) of the best ask, or None if there are no asks."""
        n = int(self.counts[1])
        if n == 0:
            return None
        return -int(self.ask_keys[n - 1]), int(self.ask_sizes[n - 1])

    def mid_ticks(self) -> float | None:
        """Mid price in (fractional) ticks, or None if either side is empty."""
        bid, ask = self.best_bid(), self.best_ask()
        if bid is None or ask is None:
            return None
        return (bid[0] + ask[0]) / 2.0

    def levels(self, side: int, n: int) -> list[tuple[int, int]]:
        """Top ``n`` levels of ``side`` (+1 bids, -1 asks), best first, as (price ticks, size lots)."""
        if side > 0:
            count = int(self.counts[0])
            idx = range(count - 1, max(count - 1 - n, -1), -1)
            return [(int(self.bid_keys[i]), int(self.bid_sizes[i])) for i in idx]
        count = int(self.counts[1])
        idx = range(count - 1, max(count - 1 - n, -1), -1)
        return [(-int(self.ask_keys[i]), int(self.ask_sizes[i])) for i in idx]

    def imbalance(self, n_levels: int = 5) -> float:
        """Depth-weighted imbalance of the top ``n_levels`` in [-1, 1] (level i weighs 1/(i+1))."""
        return float(kernels.weighted_imbalance(self.bid_sizes, self.ask_sizes, self.counts, n_levels))

    def is_crossed(self) -> bool:
        """True if best bid >= best ask (never after an update through this class)."""
        bid, ask = self.best_bid(), self.best_ask()
        return bid is not None and ask is not None and bid[0] >= ask[0]
