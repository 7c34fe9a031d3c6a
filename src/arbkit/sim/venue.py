"""A simulated venue that fills our orders against the replayed L2 book and public trades.

The venue is a composition of swappable models (:mod:`arbkit.sim.models` builds them from
:class:`SimVenueConfig`; see ``docs/simulation.md``):

- **order-entry latency** (us → venue): ``submit`` and ``cancel`` reach the venue ``latency`` ns after the
  clock's now. Requests travel in order over one connection: a request never arrives before one sent
  earlier (arrival = max(now + latency, previous arrival));
- **response latency** (venue → us): every event (accepted, filled, canceled, rejected) happens at a venue
  time ``t`` and is *delivered* -- returned by ``process``/``on_trade`` -- at ``t + latency``, in the
  order the venue produced them (default 0: at once);
- **queue model** for resting limit orders (:mod:`arbkit.sim.queue`, default ``through_only``);
- **fees** per venue, maker and taker, a negative maker fee being a rebate (:mod:`arbkit.sim.fees`).

The venue runs on the engine's clock (local receive time in a replay). The engine calls
``process(now_ns)`` when ``next_arrival_ns()`` is due and after market data; every request due by then is
handled, in arrival order, against the book as it stands, and every event due by then is returned.

Fill rules (see ``docs/simulation.md``):

- a market order walks the opposite side from the best level; what the side cannot fill is canceled
  (:attr:`VenueReason.BOOK_SIDE_EXHAUSTED`);
- a limit order takes the marketable part as taker, up to its limit price; the rest rests (GTC) or
  is canceled (IOC);
- a resting order fills as maker on a public trade through its price and, under a queue model, on
  trades at its price once the queue ahead of it is gone (:mod:`arbkit.sim.maker`);
- lots our orders took from a level (and, under a queue model, lots public trades took from it) stay
  taken until the engine reports the next book update of that instrument (:meth:`SimulatedVenue.on_book_update`).

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
>>> venue.next_arrival_ns() is None
True
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
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import BookUpdate, Fill, Order, Trade
from arbkit.core.time import Clock
from arbkit.oms.recovery import VenueOrderReport
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
from arbkit.sim.latency import LatencyModel, require_latency_model, sample_latency_ns
from arbkit.sim.maker import RestingOrder, allocate_trade, names_level
from arbkit.sim.matching import book_side_taken, level_lots, take_liquidity
from arbkit.sim.models import latency_from_config
from arbkit.sim.outbound import Outbound
from arbkit.sim.queue import QueueModel, queue_model
from arbkit.sim.venue_ledger import VenueLedger


@dataclass(slots=True, order=True)
class _Request:
    """An order or cancel in flight to the venue, ordered by arrival time, then by send order."""

    arrival_ns: int
    seq: int
    order: Order | None = field(compare=False, default=None)
    cancel_id: str = field(compare=False, default="")


class SimulatedVenue:
    """Simulated matching against recorded books, with latency in both directions, a queue model and fees.

    Args:
        instruments: the instruments orders may name.
        books: instrument id → the book the engine keeps up to date (read, never modified).
        config: latency, queue and fee settings; builds every model not passed explicitly.
        clock: the engine's clock; ``submit`` and ``cancel`` read its now (ns).
        latency: order-entry latency model (us → venue); from ``config`` when None.
        response_latency: response latency model (venue → us); from ``config`` when None (default 0 ns).
        queue: queue model of resting orders; from ``config.queue_model`` when None.
    """

    def __init__(
        self,
        instruments: InstrumentRegistry,
        books: Mapping[str, OrderBook],
        config: SimVenueConfig,
        clock: Clock,
        latency: LatencyModel | None = None,
        *,
        response_latency: LatencyModel | None = None,
        queue: QueueModel | None = None,
    ) -> None:
        self._instruments = instruments
        self._books = books
        self._config = config
        self._clock = clock
        self._latency: object = latency if latency is not None else latency_from_config(
            config.order_latency, config.order_latency_ns, instruments, "order_latency")
        response: object = response_latency if response_latency is not None else latency_from_config(
            config.response_latency, config.response_latency_ns, instruments, "response_latency")
        require_latency_model(self._latency, "order latency")
        require_latency_model(response, "response latency")
        self._queue: QueueModel = queue if queue is not None else queue_model(config.queue_model, config.queue_power)
        self._outbound = Outbound(response)
        self._observers = tuple(method for method in (getattr(self._latency, "observe", None),
                                                      getattr(response, "observe", None)) if method is not None)
        """The ``observe`` methods of activity-driven latency models, resolved once (called on every message)."""
        self._in_flight: list[_Request] = []
        self._seq = 0
        self._last_arrival_ns: int | None = None
        self._resting: dict[str, RestingOrder] = {}
        self._seen_ids: set[str] = set()
        self._consumed: dict[str, dict[int, dict[int, int]]] = {}
        self._printed: dict[str, dict[tuple[int, int], int]] = {}
        self._fill_count = 0
        self._ledger = VenueLedger()

    @property
    def queue_model(self) -> QueueModel:
        """The queue model of resting orders."""
        return self._queue

    # -- requests from our side --------------------------------------------------------------
    def submit(self, order: Order) -> None:
        """Send ``order``; it reaches the venue at now + latency and nothing happens before then."""
        self._send(_Request(arrival_ns=0, seq=0, order=order))

    def cancel(self, client_order_id: str) -> None:
        """Send a cancel for ``client_order_id``; it reaches the venue at now + latency."""
        self._send(_Request(arrival_ns=0, seq=0, cancel_id=client_order_id))

    def _send(self, request: _Request) -> None:
        now_ns = self._clock.now_ns()
        arrival_ns = now_ns + sample_latency_ns(self._latency, now_ns)
        if self._last_arrival_ns is not None and arrival_ns < self._last_arrival_ns:
            arrival_ns = self._last_arrival_ns
        self._last_arrival_ns = arrival_ns
        self._seq += 1
        request.arrival_ns, request.seq = arrival_ns, self._seq
        heapq.heappush(self._in_flight, request)

    # -- driven by the engine ----------------------------------------------------------------
    def process(self, now_ns: int) -> list[VenueEvent]:
        """Handle every request that arrives at or before ``now_ns`` (ns), in arrival order, and return
        every event delivered by ``now_ns`` (produced at venue time + response latency <= ``now_ns``).

        Call it after each market-data update with the books already updated to ``now_ns``, and at
        ``next_arrival_ns()``. Each request meets the first book state at or after its arrival; to have
        it meet the state current at its arrival exactly, also call ``process(next_update_ts - 1)``
        before applying an update.
        """
        while self._in_flight and self._in_flight[0].arrival_ns <= now_ns:
            request = heapq.heappop(self._in_flight)
            events: list[VenueEvent] = []
            if request.order is not None:
                self._arrive_order(request.order, request.arrival_ns, request.seq, events)
            else:
                self._arrive_cancel(request.cancel_id, request.arrival_ns, events)
            self._emit(events, request.arrival_ns)
        return self._outbound.pop_due(now_ns)

    def on_book_update(self, instrument_id: str, update: BookUpdate | None = None) -> None:
        """The engine applied a recorded update to ``instrument_id``'s book (``update``, if given).

        Forgets the lots our orders and public trades took from the book's previous state, re-reads the
        level of every resting order of the instrument for its queue model, and tells an activity-driven
        latency model of the message (at ``update.ts_recv``, else the clock's now).
        """
        self._consumed.pop(instrument_id, None)
        self._printed.pop(instrument_id, None)
        ts_ns = update.ts_recv if update is not None else self._clock.now_ns()
        self._observe(ts_ns)
        if not self._queue.tracks_queue:
            return
        book = self._books.get(instrument_id)
        if book is None:
            return
        for resting in self._resting.values():
            pos = resting.queue
            if pos is None or resting.order.instrument_id != instrument_id:
                continue
            lots = level_lots(book, resting.book_side, resting.price_ticks)
            if lots != pos.level_lots or pos.traded_lots or names_level(update, resting):
                self._queue.on_level(pos, lots)

    def on_trade(self, trade: Trade) -> list[VenueEvent]:
        """Fill resting orders, as maker at their own price, from a public trade; return the events due.

        Through trades fill under every queue model; trades at our price only under a queue-tracking
        model once the queue ahead is gone (:func:`arbkit.sim.maker.allocate_trade`). All our orders
        together take at most the trade's size. Fills are stamped with ``trade.ts_recv`` (the engine's
        timeline) and delivered after the response latency: the list holds the events due by
        ``max(clock now, trade.ts_recv)``.
        """
        self._observe(trade.ts_recv)
        if self._resting:  # nothing rests most of the time: no candidate list, no event list
            candidates = [
                r for r in self._resting.values()
                if r.order.instrument_id == trade.instrument_id
                and r.order.side is trade.aggressor.opposite
                and r.arrival_ns <= trade.ts_recv
            ]
            if candidates:
                events: list[VenueEvent] = []
                for resting, lots in allocate_trade(candidates, trade, self._queue):
                    self._fill(resting, resting.price_ticks, lots, LiquiditySide.MAKER, trade.ts_recv, events)
                self._emit(events, trade.ts_recv)
        if self._queue.tracks_queue:
            self._record_print(trade)
        return self._outbound.pop_due(max(self._clock.now_ns(), trade.ts_recv))

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

    def queue_ahead_lots(self, client_order_id: str) -> float | None:
        """Estimated lots ahead of a resting order in its level's queue, or None (not resting or not tracked)."""
        resting = self._resting.get(client_order_id)
        return None if resting is None or resting.queue is None else resting.queue.ahead_lots

    def query_order(self, client_order_id: str) -> VenueOrderReport | None:
        """The venue's record of ``client_order_id`` (status and every fill), or None if it never arrived.

        An order still in flight has not arrived, so the venue does not know it yet. The record is the
        venue's own: it includes events not yet delivered over the response latency.
        """
        return self._ledger.report(client_order_id)

    def client_order_ids(self) -> list[str]:
        """Every client order id that arrived at the venue, in arrival order."""
        return self._ledger.client_order_ids()

    def filled_lots(self, client_order_id: str) -> int:
        """Lots the venue filled on ``client_order_id`` (0 if it never arrived)."""
        return self._ledger.filled_lots(client_order_id)

    def in_flight_count(self) -> int:
        """Number of orders and cancels sent but not yet arrived."""
        return len(self._in_flight)

    def undelivered_count(self) -> int:
        """Number of venue events produced but not yet delivered (still within the response latency)."""
        return len(self._outbound)

    def next_arrival_ns(self) -> int | None:
        """When the engine should next call ``process`` (ns): the earlier of the next request's arrival at
        the venue and the next event's delivery to us; None when nothing is in flight either way."""
        response = self._outbound.next_delivery_ns()
        if not self._in_flight:  # the usual case, asked on every message
            return response
        request = self._in_flight[0].arrival_ns
        return request if response is None else min(request, response)

    # -- handling at arrival -----------------------------------------------------------------
    def _emit(self, events: list[VenueEvent], venue_ts_ns: int) -> None:
        """Record ``events`` (they happened at ``venue_ts_ns``) in the ledger and queue them for delivery."""
        if events:
            self._ledger.observe(events)
            self._outbound.push(events, venue_ts_ns)

    def _observe(self, ts_ns: int) -> None:
        """Tell the activity-driven latency models (if any) of a market-data message at ``ts_ns``."""
        for observe in self._observers:
            observe(ts_ns)

    def _record_print(self, trade: Trade) -> None:
        """Under a queue model a public trade took displayed lots of its level: our takers may not take them.

        Prints and our takers both take from the front of the level, so the lots used in this book state
        are the larger of the two totals (:mod:`arbkit.sim.matching` reads ``consumed``).
        """
        book_side = int(book_side_taken(trade.aggressor))
        printed = self._printed.setdefault(trade.instrument_id, {})
        key = (book_side, trade.price_ticks)
        printed[key] = printed.get(key, 0) + trade.size_lots
        consumed = self._consumed.setdefault(trade.instrument_id, {}).setdefault(book_side, {})
        consumed[trade.price_ticks] = max(consumed.get(trade.price_ticks, 0), printed[key])

    def _arrive_order(self, order: Order, ts_ns: int, seq: int, events: list[VenueEvent]) -> None:
        problem = self._check(order)
        self._seen_ids.add(order.client_order_id)
        self._ledger.received(order, ts_ns)
        if problem is not None:
            reason, detail = problem
            events.append(OrderRejected(client_order_id=order.client_order_id, ts_ns=ts_ns, reason=reason,
                                        detail=detail))
            return
        events.append(OrderAccepted(client_order_id=order.client_order_id, ts_ns=ts_ns))
        resting = RestingOrder(order=order, arrival_ns=ts_ns, seq=seq, ts_last=ts_ns)
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
            if self._queue.tracks_queue:  # joins behind everything displayed at its price
                resting.queue = self._queue.join(level_lots(book, resting.book_side, resting.price_ticks))
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
        self, resting: RestingOrder, price_ticks: int, lots: int, liquidity: LiquiditySide, ts_ns: int,
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
            liquidity=liquidity, ts_event=ts_ns, deployment_mode=order.deployment_mode,
        )
        resting.filled_lots += lots
        resting.ts_last = ts_ns
        events.append(OrderFilled(fill=fill, leaves_lots=resting.leaves_lots))
        if resting.leaves_lots == 0:
            self._resting.pop(order.client_order_id, None)

