"""A simulated venue that fills our orders against the replayed L2 book and public trades.

Timeline: the venue runs on the engine's clock (local receive time in a replay). ``submit`` and
``cancel`` reach the venue ``latency`` ns after the clock's now; the engine calls ``process(now_ns)``
after each market-data update, and every request due by then is handled, in arrival order, against
the book as it stands. Requests travel in order over one connection: a request never arrives
before one sent earlier (arrival = max(now + latency, previous arrival)).

Fill rules (see ``docs/simulation.md``):

- a market order walks the opposite side from the best level; what the side cannot fill is canceled
  (:attr:`VenueReason.BOOK_SIDE_EXHAUSTED`);
- a limit order takes the marketable part as taker, up to its limit price; the rest rests (GTC) or
  is canceled (IOC);
- a resting order fills as maker only on a public trade through its price (:meth:`SimulatedVenue.on_trade`);
- lots our orders took from a level stay taken until the engine reports the next book update of that
  instrument (:meth:`SimulatedVenue.on_book_update`).

>>> from arbkit.adapters.binance.instruments import binance_registry
>>> from arbkit.book.order_book import OrderBook
>>> from arbkit.core.enums import OrderStatus, OrderType, Side, TimeInForce
>>> from arbkit.core.messages import Order
>>> from arbkit.core.time import SimulatedClock
>>> book = OrderBook("BTCUSDT.BINANCE_USDM")
>>> book.apply_snapshot(bids=[(618000, 500)], asks=[(618002, 1500), (618003, 2000)])
>>> clock = SimulatedClock(start_ns=0)
>>> venue = SimulatedVenue(binance_registry(), {book.instrument_id: book}, SimVenueConfig(order_latency_ns=1_000),
...                        clock)
>>> venue.submit(Order(client_order_id="c1", intent_id="i1", script_id="s", model_version="v1",
...     instrument_id="BTCUSDT.BINANCE_USDM", side=Side.BUY, order_type=OrderType.MARKET, qty_lots=2000,
...     time_in_force=TimeInForce.IOC, status=OrderStatus.PENDING_NEW, ts_sent=0, ts_last=0))
>>> venue.process(now_ns=999)
[]
>>> [(e.fill.price_ticks, e.fill.qty_lots, str(e.fill.fee)) for e in venue.process(1_000)[1:]]
[(618002, 1500, '46.35015000'), (618003, 500, '15.45007500')]
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field

import msgspec

from arbkit.book.order_book import OrderBook
from arbkit.core.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce
from arbkit.core.errors import ConfigError
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import Fill, Order, Trade
from arbkit.core.time import Clock
from arbkit.sim.config import SimVenueConfig
from arbkit.sim.events import (
    CancelRejected,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    VenueEvent,
    VenueReason,
)
from arbkit.sim.fees import fee_quote
from arbkit.sim.latency import ConstantLatency, LatencyModel
from arbkit.sim.matching import book_side_taken, take_liquidity


@dataclass(slots=True)
class _Resting:
    """A limit order resting at the venue (mutable venue-side state)."""

    order: Order
    arrival_ns: int
    seq: int
    filled_lots: int = 0
    ts_last: int = 0

    @property
    def leaves_lots(self) -> int:
        return self.order.qty_lots - self.filled_lots


@dataclass(slots=True, order=True)
class _Request:
    """An order or cancel in flight to the venue, ordered by arrival time, then by send order."""

    arrival_ns: int
    seq: int
    order: Order | None = field(compare=False, default=None)
    cancel_id: str = field(compare=False, default="")


class SimulatedVenue:
    """Simulated matching against recorded books, with latency and fees.

    Args:
        instruments: the instruments orders may name.
        books: instrument id → the book the engine keeps up to date (read, never modified).
        config: latency and fee settings.
        clock: the engine's clock; ``submit`` and ``cancel`` read its now (ns).
        latency: one-way latency model; ``ConstantLatency(config.order_latency_ns)`` when None.
    """

    def __init__(
        self,
        instruments: InstrumentRegistry,
        books: Mapping[str, OrderBook],
        config: SimVenueConfig,
        clock: Clock,
        latency: LatencyModel | None = None,
    ) -> None:
        self._instruments = instruments
        self._books = books
        self._config = config
        self._clock = clock
        self._latency: LatencyModel = latency if latency is not None else ConstantLatency(config.order_latency_ns)
        self._in_flight: list[_Request] = []
        self._seq = 0
        self._last_arrival_ns: int | None = None
        self._resting: dict[str, _Resting] = {}
        self._seen_ids: set[str] = set()
        self._consumed: dict[str, dict[int, dict[int, int]]] = {}
        self._fill_count = 0

    # -- requests from our side --------------------------------------------------------------
    def submit(self, order: Order) -> None:
        """Send ``order``; it reaches the venue at now + latency and nothing happens before then."""
        self._send(_Request(arrival_ns=0, seq=0, order=order))

    def cancel(self, client_order_id: str) -> None:
        """Send a cancel for ``client_order_id``; it reaches the venue at now + latency."""
        self._send(_Request(arrival_ns=0, seq=0, cancel_id=client_order_id))

    def _send(self, request: _Request) -> None:
        now_ns = self._clock.now_ns()
        latency_ns = self._latency.order_latency_ns(now_ns)
        if not isinstance(latency_ns, int) or latency_ns < 0:
            raise ConfigError(f"latency model {self._latency!r} returned {latency_ns!r} ns at {now_ns}; need int >= 0")
        arrival_ns = now_ns + latency_ns
        if self._last_arrival_ns is not None and arrival_ns < self._last_arrival_ns:
            arrival_ns = self._last_arrival_ns
        self._last_arrival_ns = arrival_ns
        self._seq += 1
        request.arrival_ns, request.seq = arrival_ns, self._seq
        heapq.heappush(self._in_flight, request)

    # -- driven by the engine ----------------------------------------------------------------
    def process(self, now_ns: int) -> list[VenueEvent]:
        """Handle every request that arrives at or before ``now_ns`` (ns), in arrival order.

        Call it after each market-data update with the books already updated to ``now_ns``. Each
        request meets the first book state at or after its arrival; to have it meet the state current
        at its arrival exactly, also call ``process(next_update_ts - 1)`` before applying an update.
        """
        events: list[VenueEvent] = []
        while self._in_flight and self._in_flight[0].arrival_ns <= now_ns:
            request = heapq.heappop(self._in_flight)
            if request.order is not None:
                self._arrive_order(request.order, request.arrival_ns, request.seq, events)
            else:
                self._arrive_cancel(request.cancel_id, request.arrival_ns, events)
        return events

    def on_book_update(self, instrument_id: str) -> None:
        """The engine applied a recorded update to ``instrument_id``'s book: forget the lots we took from it."""
        self._consumed.pop(instrument_id, None)

    def on_trade(self, trade: Trade) -> list[VenueEvent]:
        """Fill resting orders, as maker at their own price, against a public trade through their price.

        A resting buy fills only when a sell aggressor trades strictly below its price (a sell
        strictly above, against a buy aggressor), and all our orders together take at most the
        trade's size, best price first, then oldest first. This is conservative: a trade *at* our
        price never fills us, because we do not know our place in the queue (queue position models
        come later). Fills are stamped with ``trade.ts_recv`` (the engine's timeline).
        """
        candidates = [
            r for r in self._resting.values()
            if r.order.instrument_id == trade.instrument_id
            and r.order.side is trade.aggressor.opposite
            and r.arrival_ns <= trade.ts_recv
            and _is_through(r.order, trade.price_ticks)
        ]
        if not candidates:
            return []
        candidates.sort(key=lambda r: (-int(r.order.side) * (r.order.price_ticks or 0), r.seq))
        events: list[VenueEvent] = []
        budget = trade.size_lots
        for resting in candidates:
            if budget <= 0:
                break
            lots = min(budget, resting.leaves_lots)
            budget -= lots
            assert resting.order.price_ticks is not None
            self._fill(resting, resting.order.price_ticks, lots, LiquiditySide.MAKER, trade.ts_recv, events)
        return events

    # -- inspection ---------------------------------------------------------------------------
    def open_orders(self, instrument_id: str | None = None) -> list[Order]:
        """Orders resting at the venue (of ``instrument_id`` if given), oldest first, as OMS ``Order``s."""
        rows = sorted(self._resting.values(), key=lambda r: r.seq)
        return [
            msgspec.structs.replace(
                r.order,
                status=OrderStatus.PARTIALLY_FILLED if r.filled_lots else OrderStatus.NEW,
                filled_lots=r.filled_lots,
                ts_last=r.ts_last,
            )
            for r in rows
            if instrument_id is None or r.order.instrument_id == instrument_id
        ]

    def in_flight_count(self) -> int:
        """Number of orders and cancels sent but not yet arrived."""
        return len(self._in_flight)

    def next_arrival_ns(self) -> int | None:
        """Arrival time (ns) of the next request in flight, or None: when the engine should next call ``process``."""
        return self._in_flight[0].arrival_ns if self._in_flight else None

    # -- handling at arrival -----------------------------------------------------------------
    def _arrive_order(self, order: Order, ts_ns: int, seq: int, events: list[VenueEvent]) -> None:
        problem = self._check(order)
        self._seen_ids.add(order.client_order_id)
        if problem is not None:
            reason, detail = problem
            events.append(OrderRejected(client_order_id=order.client_order_id, ts_ns=ts_ns, reason=reason,
                                        detail=detail))
            return
        events.append(OrderAccepted(client_order_id=order.client_order_id, ts_ns=ts_ns))
        resting = _Resting(order=order, arrival_ns=ts_ns, seq=seq, ts_last=ts_ns)
        book_side = int(book_side_taken(order.side))
        limit = order.price_ticks if order.order_type is OrderType.LIMIT else None
        consumed = self._consumed.setdefault(order.instrument_id, {}).setdefault(book_side, {})
        book = self._books[order.instrument_id]
        for price, lots in take_liquidity(book, book_side, order.qty_lots, limit, consumed):
            self._fill(resting, price, lots, LiquiditySide.TAKER, ts_ns, events)
        leaves = resting.leaves_lots
        if leaves == 0:
            return
        if order.order_type is OrderType.MARKET:
            side_name = "ask" if order.side is Side.BUY else "bid"
            events.append(OrderCanceled(
                client_order_id=order.client_order_id, ts_ns=ts_ns, reason=VenueReason.BOOK_SIDE_EXHAUSTED,
                canceled_lots=leaves,
                detail=f"market {order.side.name.lower()} of {order.qty_lots} lots filled {resting.filled_lots}; "
                       f"the {side_name} side of {order.instrument_id} had no more displayed lots",
            ))
        elif order.time_in_force is TimeInForce.IOC:
            events.append(OrderCanceled(
                client_order_id=order.client_order_id, ts_ns=ts_ns, reason=VenueReason.IOC_REMAINDER,
                canceled_lots=leaves,
                detail=f"IOC limit {order.price_ticks} ticks: {leaves} of {order.qty_lots} lots not marketable",
            ))
        else:
            self._resting[order.client_order_id] = resting

    def _arrive_cancel(self, client_order_id: str, ts_ns: int, events: list[VenueEvent]) -> None:
        resting = self._resting.pop(client_order_id, None)
        if resting is None:
            events.append(CancelRejected(
                client_order_id=client_order_id, ts_ns=ts_ns, reason=VenueReason.UNKNOWN_ORDER,
                detail=f"order {client_order_id!r} is not open at the venue (filled, canceled, rejected or unknown)",
            ))
            return
        events.append(OrderCanceled(client_order_id=client_order_id, ts_ns=ts_ns,
                                    reason=VenueReason.CANCELED_BY_CLIENT, canceled_lots=resting.leaves_lots))

    def _check(self, order: Order) -> tuple[VenueReason, str] | None:
        """Why the venue refuses ``order``, or None if it accepts it."""
        if order.client_order_id in self._seen_ids:
            return VenueReason.DUPLICATE_ORDER_ID, f"client order id {order.client_order_id!r} was already used"
        if order.instrument_id not in self._instruments:
            return VenueReason.UNKNOWN_INSTRUMENT, f"instrument {order.instrument_id!r} is not in the registry"
        if order.instrument_id not in self._books:
            return VenueReason.NO_BOOK, f"no order book for {order.instrument_id!r}"
        if order.qty_lots <= 0:
            return VenueReason.INVALID_ORDER, f"qty_lots {order.qty_lots} must be > 0"
        if order.order_type is OrderType.LIMIT and (order.price_ticks is None or order.price_ticks <= 0):
            return VenueReason.INVALID_ORDER, f"limit order price_ticks {order.price_ticks} must be an int > 0"
        return None

    def _fill(
        self, resting: _Resting, price_ticks: int, lots: int, liquidity: LiquiditySide, ts_ns: int,
        events: list[VenueEvent],
    ) -> None:
        order = resting.order
        instrument = self._instruments.get(order.instrument_id)
        fee_bps = self._config.fees_for(instrument.venue).bps(liquidity)
        self._fill_count += 1
        fill = Fill(
            fill_id=f"F{self._fill_count}", client_order_id=order.client_order_id, script_id=order.script_id,
            model_version=order.model_version, instrument_id=order.instrument_id, side=order.side,
            price_ticks=price_ticks, qty_lots=lots, fee=fee_quote(instrument, price_ticks, lots, fee_bps),
            liquidity=liquidity, ts_event=ts_ns,
        )
        resting.filled_lots += lots
        resting.ts_last = ts_ns
        events.append(OrderFilled(fill=fill, leaves_lots=resting.leaves_lots))
        if resting.leaves_lots == 0:
            self._resting.pop(order.client_order_id, None)


def _is_through(order: Order, trade_ticks: int) -> bool:
    """True if a trade at ``trade_ticks`` is strictly better for the other side than ``order``'s price."""
    assert order.price_ticks is not None
    return trade_ticks < order.price_ticks if order.side is Side.BUY else trade_ticks > order.price_ticks
