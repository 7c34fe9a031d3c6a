"""Book and trade events → the feature engines of the scripts that declared a feature set.

A script may carry ``feature_set: FeatureSet`` (optional attribute). The composition root builds one
:class:`~arbkit.features.engine.FeatureEngine` for it, and an engine (backtest, paper or live) calls
this hub after it applied each book message, trade or gap — before any script runs — so a script's
``ctx.features`` always reflects the event that woke it. Event time is the message's ``ts_event``;
book updates without levels are not feature events, exactly as in
:class:`~arbkit.features.feed.FeatureFeed` and the batch twin, so a model trained on
``FeatureEngine.batch`` sees the same numbers here.
"""

from __future__ import annotations

from collections.abc import Mapping

from arbkit.book.order_book import OrderBook
from arbkit.core.errors import ConfigError
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import BookGap, BookUpdate, Trade
from arbkit.features.engine import FeatureEngine
from arbkit.features.feature_set import FeatureSet
from arbkit.features.view import FeatureView


class FeatureHub:
    """Routes events to every registered feature engine that reads the instrument."""

    def __init__(self, instruments: InstrumentRegistry, books: Mapping[str, OrderBook]) -> None:
        self._instruments = instruments
        self._books = books
        self._routes: dict[str, list[tuple[FeatureEngine, int]]] = {}
        self.engines: dict[str, FeatureEngine] = {}

    def register(self, owner: str, feature_set: FeatureSet) -> FeatureView:
        """Build the feature engine of script ``owner``; ConfigError if the set reads an instrument without a book."""
        if not isinstance(feature_set, FeatureSet):
            raise ConfigError(f"script {owner!r}: feature_set must be a FeatureSet, got {type(feature_set).__name__}")
        missing = sorted(set(feature_set.instruments.values()) - set(self._books))
        if missing:
            raise ConfigError(f"script {owner!r}: feature set {feature_set.name!r} reads {missing}, which this engine "
                              f"keeps no book of (books: {', '.join(self._books)})")
        engine = FeatureEngine(feature_set, self._instruments)
        for alias, instrument_id in feature_set.instruments.items():
            self._routes.setdefault(instrument_id, []).append((engine, engine.alias_index(alias)))
        self.engines[owner] = engine
        return FeatureView(engine)

    def __bool__(self) -> bool:
        return bool(self.engines)

    def on_book(self, message: BookUpdate) -> None:
        """After ``message`` was applied to its book."""
        routes = self._routes.get(message.instrument_id)
        if not routes or (not message.bids and not message.asks):
            return
        buf = self._books[message.instrument_id].buf
        for engine, index in routes:
            engine.on_book_index(message.ts_event, index, buf)

    def on_trade(self, message: Trade) -> None:
        """A trade of one of the instruments (rejected as bad input inside the engine if malformed)."""
        for engine, index in self._routes.get(message.instrument_id, ()):
            engine.on_trade(message.ts_event, index, message.price_ticks, message.size_lots, int(message.aggressor))

    def on_gap(self, gap: BookGap) -> None:
        """The instrument's book is out of sync: its book features report NO_INPUT until the next book event."""
        for engine, index in self._routes.get(gap.instrument_id, ()):
            engine.on_gap(gap.ts_recv, index)
