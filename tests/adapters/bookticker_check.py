"""The bookTicker acceptance check: a book built from snapshot + diffs must show Binance's own top of book.

Binance's ``bookTicker`` carries the update id ``u`` of the book state it describes. Where that id is
the last update id of an applied diff, the local book's best bid/ask (price and size) right after
that diff must equal the bookTicker's. The bookTicker usually arrives *before* the diff carrying its
id, so both sides are collected by update id and joined at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from arbkit.book.order_book import OrderBook
from arbkit.core.messages import BestBidOffer, BookUpdate

Top = tuple[tuple[int, int] | None, tuple[int, int] | None]


@dataclass
class TopCheck:
    """Outcome of the check for one instrument."""

    comparisons: int
    mismatches: list[str] = field(default_factory=list)
    book: OrderBook | None = None
    diffs_applied: int = 0


class BookTopRecorder:
    """Feeds messages into an :class:`OrderBook` and remembers both sides of the join.

    ``record_from_now`` lets a continuation test apply a predecessor file to the book without
    recording its tops, then record only the continuation file.
    """

    def __init__(self) -> None:
        self.book: OrderBook | None = None
        self.recording = True
        self.first_bbo: dict[int, BestBidOffer] = {}
        self.top_after_diff: dict[int, Top] = {}
        self.diffs_applied = 0

    def feed(self, messages: Iterable[object]) -> None:
        for message in messages:
            if isinstance(message, BookUpdate):
                if self.book is None:
                    self.book = OrderBook(message.instrument_id)
                if message.is_snapshot:
                    self.book.apply_snapshot(message.bids, message.asks)
                    continue
                self.book.apply(message.bids, message.asks)
                if self.recording:
                    self.diffs_applied += 1
                    self.top_after_diff[message.last_update_id] = (self.book.best_bid(), self.book.best_ask())
            elif isinstance(message, BestBidOffer) and self.recording:
                self.first_bbo.setdefault(message.update_id, message)

    def result(self) -> TopCheck:
        comparisons = 0
        mismatches: list[str] = []
        for update_id, bbo in self.first_bbo.items():
            top = self.top_after_diff.get(update_id)
            if top is None:
                continue
            comparisons += 1
            want = ((bbo.bid_ticks, bbo.bid_lots), (bbo.ask_ticks, bbo.ask_lots))
            if top != want:
                mismatches.append(f"u={update_id}: book {top} != bookTicker {want}")
        return TopCheck(comparisons=comparisons, mismatches=mismatches, book=self.book,
                        diffs_applied=self.diffs_applied)


def check_book_against_book_ticker(messages: Iterable[object]) -> TopCheck:
    """Run the acceptance check over one instrument's messages (snapshot first, in file order)."""
    recorder = BookTopRecorder()
    recorder.feed(messages)
    return recorder.result()
