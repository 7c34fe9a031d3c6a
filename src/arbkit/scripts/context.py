"""What a script sees of the platform: time, read-only books, positions, and one way to send intents.

A script never constructs or reaches the venue, the OMS or the risk gate: it calls
:meth:`ScriptContext.submit`, which goes through the risk gate (see :mod:`arbkit.system.order_path`).
The same context type is used in backtest, paper and live modes.
"""

from __future__ import annotations

from typing import Protocol

from arbkit.book.order_book import OrderBook
from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.core.errors import ConfigError
from arbkit.core.instruments import Instrument, InstrumentRegistry
from arbkit.core.messages import Order, OrderIntent, RiskDecision
from arbkit.oms.errors import OrderStateError
from arbkit.core.time import Clock
from arbkit.features.view import FeatureView


class BookView:
    """Read-only view of one :class:`OrderBook` (prices in ticks, sizes in lots)."""

    __slots__ = ("_book", "synced")

    def __init__(self, book: OrderBook) -> None:
        self._book = book
        self.synced = True
        """False after a sequence gap until a resync: do not trade on it."""

    @property
    def instrument_id(self) -> str:
        """The book's instrument."""
        return self._book.instrument_id

    def best_bid(self) -> tuple[int, int] | None:
        """(price ticks, size lots) of the best bid, or None."""
        return self._book.best_bid()

    def best_ask(self) -> tuple[int, int] | None:
        """(price ticks, size lots) of the best ask, or None."""
        return self._book.best_ask()

    def mid_ticks(self) -> float | None:
        """Mid price in ticks, or None if a side is empty."""
        return self._book.mid_ticks()

    def imbalance(self, n_levels: int = 5) -> float:
        """Depth-weighted imbalance of the top ``n_levels``, in [-1, 1]."""
        return self._book.imbalance(n_levels)

    def levels(self, side: int, n: int) -> list[tuple[int, int]]:
        """Top ``n`` levels of ``side`` (+1 bids, -1 asks), best first."""
        return self._book.levels(side, n)


class IntentSink(Protocol):
    """Where a context sends intents: the risk-gated order path."""

    def submit(self, intent: OrderIntent) -> RiskDecision:
        """Evaluate and, if approved, send; returns the gate's decision."""
        ...

    def open_orders(self, script_id: str, instrument_id: str | None = None) -> list[Order]:
        """Open and in-flight orders of a script."""
        ...

    def cancel(self, client_order_id: str) -> None:
        """Send a cancel for an open order (counted by the gate, never refused)."""
        ...


class PositionSource(Protocol):
    """Filled positions by instrument, in signed lots."""

    def position_lots(self, instrument_id: str) -> int:
        """Signed filled position in lots."""
        ...


class RegimeSource(Protocol):
    """Current market regime per scope (the risk gate's regime board)."""

    def current(self, scope: str) -> str | None:
        """The regime label of ``scope`` now, or None if no monitor tracks it."""
        ...


class ScriptContext:
    """The platform as one script sees it. Built by the composition root, one per script."""

    def __init__(self, *, script_id: str, model_version: str, clock: Clock, instruments: InstrumentRegistry,
                 books: dict[str, BookView], positions: PositionSource, sink: IntentSink,
                 regimes: RegimeSource | None = None, features: FeatureView | None = None) -> None:
        self.script_id = script_id
        self.model_version = model_version
        self._clock = clock
        self._instruments = instruments
        self._books = books
        self._positions = positions
        self._sink = sink
        self._regimes = regimes
        self._features = features
        self._next_intent = 0

    def now_ns(self) -> int:
        """Current time, int ns (simulated in backtests)."""
        return self._clock.now_ns()

    def instrument(self, instrument_id: str) -> Instrument:
        """The instrument definition (tick size, lot size, multiplier)."""
        return self._instruments.get(instrument_id)

    def book(self, instrument_id: str) -> BookView:
        """Read-only book of an instrument the script subscribed to."""
        return self._books[instrument_id]

    def position_lots(self, instrument_id: str) -> int:
        """Signed filled position in lots."""
        return self._positions.position_lots(instrument_id)

    def regime(self, scope: str) -> str | None:
        """The current regime label of ``scope`` (an instrument id or ``"market"``), None if none is tracked.

        Read-only: the risk gate enforces the script's ``allowed_regimes`` whatever the script does with it.
        """
        return None if self._regimes is None else self._regimes.current(scope)

    @property
    def features(self) -> FeatureView:
        """The script's declared feature set, updated by the engine before the script is called.

        ``ctx.features.vector()`` is None until every output is READY. Raises ConfigError for a script
        that declared no ``feature_set``.
        """
        if self._features is None:
            raise ConfigError(f"script {self.script_id!r} declared no feature_set, so it has no ctx.features")
        return self._features

    def open_orders(self, instrument_id: str | None = None) -> list[Order]:
        """This script's open and in-flight orders."""
        return self._sink.open_orders(self.script_id, instrument_id)

    def cancel(self, client_order_id: str) -> None:
        """Cancel one of this script's open orders (by its client order id; see :meth:`open_orders`).

        Raises:
            OrderStateError: the order is not open, or it belongs to another script.
        """
        for order in self._sink.open_orders(self.script_id):
            if order.client_order_id == client_order_id:
                self._sink.cancel(client_order_id)
                return
        raise OrderStateError(f"script {self.script_id!r} has no open order {client_order_id!r} to cancel")

    def submit(self, instrument_id: str, side: Side, qty_lots: int, *, price_ticks: int | None = None,
               order_type: OrderType = OrderType.LIMIT, time_in_force: TimeInForce = TimeInForce.GTC,
               tag: str = "") -> RiskDecision:
        """Build an intent tagged with this script and model version and send it through the risk gate."""
        self._next_intent += 1
        intent = OrderIntent(
            intent_id=f"{self.script_id}-{self._next_intent}", script_id=self.script_id,
            model_version=self.model_version, instrument_id=instrument_id, side=side, order_type=order_type,
            qty_lots=qty_lots, ts_created=self._clock.now_ns(), price_ticks=price_ticks,
            time_in_force=time_in_force, tag=tag,
        )
        return self._sink.submit(intent)
