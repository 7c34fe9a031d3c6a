"""Recorded or live messages → order books → feature engine: the streaming path used outside the backtest loop.

The backtest engine owns its books and calls :meth:`FeatureEngine.on_book` itself; research code,
paper trading and the parity tests use :class:`FeatureFeed`, which keeps one book per instrument.
"""

from __future__ import annotations

from arbkit.book.order_book import OrderBook
from arbkit.core.messages import BookGap, BookUpdate, Trade
from arbkit.features.engine import FeatureEngine


class FeatureFeed:
    """Applies messages of the set's instruments to books and feeds the engine (event time = ``ts_event``).

    A book update with no levels changes nothing and is not a feature event; BBO messages are not
    feature events (book features read the L2 book); a :class:`BookGap` marks the book out of sync.
    """

    def __init__(self, engine: FeatureEngine) -> None:
        self.engine = engine
        instruments = engine.feature_set.instruments
        self.books = {instrument_id: OrderBook(instrument_id) for instrument_id in instruments.values()}
        self._index = {instrument_id: engine.alias_index(alias) for alias, instrument_id in instruments.items()}

    def on_message(self, message: object) -> bool:
        """Apply one message; True if it was a feature event of one of the set's instruments."""
        instrument_id = getattr(message, "instrument_id", None)
        index = self._index.get(instrument_id) if isinstance(instrument_id, str) else None
        if index is None:
            return False
        if isinstance(message, BookUpdate):
            if not message.bids and not message.asks:
                return False
            book = self.books[message.instrument_id]
            if message.is_snapshot:
                book.apply_snapshot(message.bids, message.asks)
            else:
                book.apply(message.bids, message.asks)
            self.engine.on_book_index(message.ts_event, index, book.buf)
            return True
        if isinstance(message, Trade):
            self.engine.on_trade(message.ts_event, index, message.price_ticks, message.size_lots,
                                 int(message.aggressor))
            return True
        if isinstance(message, BookGap):
            self.engine.on_gap(message.ts_recv, index)
            return True
        return False
