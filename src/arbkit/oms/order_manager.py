"""Order management: the life cycle of each order, and working lots for the risk gate.

Each state change replaces the frozen :class:`~arbkit.core.messages.Order` and is journaled (kind
``"order"``, payload ``{"event": ..., "order": ...}``); fills are journaled too (kind ``"fill"``).

Transitions (anything else raises :class:`~arbkit.oms.errors.OrderStateError`)::

    PENDING_NEW --accepted--> NEW
    PENDING_NEW | NEW | PARTIALLY_FILLED --fill--> PARTIALLY_FILLED | FILLED
    PENDING_NEW | NEW | PARTIALLY_FILLED --canceled--> CANCELED
    PENDING_NEW --rejected--> REJECTED

>>> from arbkit.audit.journal import Journal
>>> from arbkit.core.enums import OrderType, Side
>>> from arbkit.core.messages import OrderIntent
>>> from arbkit.core.time import SimulatedClock
>>> oms = OrderManager(SimulatedClock(1_000), Journal(":memory:"))
>>> order = oms.create(OrderIntent(intent_id="i1", script_id="s", model_version="m1",
...     instrument_id="BTCUSDT.BINANCE_SPOT", side=Side.BUY, order_type=OrderType.LIMIT,
...     qty_lots=5, price_ticks=6_180_000, ts_created=1_000))
>>> order.client_order_id, order.status.value, oms.open_lots("BTCUSDT.BINANCE_SPOT", Side.BUY)
('O1', 'pending_new', 5)
"""

from __future__ import annotations

from collections.abc import Iterator

from msgspec.structs import replace

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderStatus, OrderType, Side
from arbkit.core.messages import Fill, Order, OrderIntent
from arbkit.core.time import Clock
from arbkit.oms.errors import OmsError, OrderStateError, OverfillError, UnknownOrderError

_FILLABLE = frozenset({OrderStatus.PENDING_NEW, OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class OrderManager:
    """Owns every order's state. Implements ``open_order_lots`` of the risk gate's ``ExposureView``.

    Args:
        clock: time source for ``ts_sent`` of new orders and journal timestamps (int ns).
        journal: receives every order state and fill.
        id_prefix: client order ids are ``f"{id_prefix}{n}"``, n = 1, 2, ... in creation order.
    """

    def __init__(self, clock: Clock, journal: Journal, id_prefix: str = "O") -> None:
        if not isinstance(id_prefix, str) or not id_prefix:
            raise OmsError(f"id_prefix must be a non-empty str, got {id_prefix!r}")
        self._clock = clock
        self._journal = journal
        self._prefix = id_prefix
        self._next = 1
        self._orders: dict[str, Order] = {}
        self._open: dict[str, Order] = {}
        self._open_lots: dict[tuple[str, Side], int] = {}
        self._intent_ids: set[str] = set()
        self._fill_ids: set[str] = set()

    # -- queries ---------------------------------------------------------------------------
    def get(self, client_order_id: str) -> Order:
        """The current state of an order; raises :class:`UnknownOrderError` for an unknown id."""
        try:
            return self._orders[client_order_id]
        except KeyError:
            raise UnknownOrderError(client_order_id, "get") from None

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._orders

    def __iter__(self) -> Iterator[Order]:
        return iter(self._orders.values())

    def __len__(self) -> int:
        return len(self._orders)

    def open_orders(self, instrument_id: str | None = None) -> list[Order]:
        """Orders that can still fill (PENDING_NEW, NEW, PARTIALLY_FILLED), oldest first."""
        return [o for o in self._open.values() if instrument_id is None or o.instrument_id == instrument_id]

    def open_lots(self, instrument_id: str, side: Side) -> int:
        """Lots still able to fill on ``side``: open orders, including in-flight PENDING_NEW ones."""
        return self._open_lots.get((instrument_id, side), 0)

    def open_order_lots(self, instrument_id: str, side: Side) -> int:
        """Same as :meth:`open_lots`; the name the risk gate's ``ExposureView`` reads."""
        return self.open_lots(instrument_id, side)

    # -- events ----------------------------------------------------------------------------
    def create(self, intent: OrderIntent) -> Order:
        """A new PENDING_NEW order for an approved intent; its lots count as working at once."""
        problem = _intent_problem(intent)
        if problem:
            raise OmsError(f"intent {intent.intent_id!r} cannot become an order: {problem}")
        if intent.intent_id in self._intent_ids:
            raise OmsError(f"intent {intent.intent_id!r} already has an order; an intent becomes at most one order")
        now_ns = self._clock.now_ns()
        order = Order(
            client_order_id=f"{self._prefix}{self._next}",
            intent_id=intent.intent_id,
            script_id=intent.script_id,
            model_version=intent.model_version,
            instrument_id=intent.instrument_id,
            side=intent.side,
            order_type=intent.order_type,
            qty_lots=intent.qty_lots,
            time_in_force=intent.time_in_force,
            status=OrderStatus.PENDING_NEW,
            ts_sent=now_ns,
            ts_last=now_ns,
            price_ticks=intent.price_ticks,
        )
        self._store("created", order)
        self._next += 1
        self._intent_ids.add(intent.intent_id)
        return order

    def on_accepted(self, client_order_id: str, ts_ns: int) -> Order:
        """The venue acknowledged the order (ts_ns: venue event time): PENDING_NEW → NEW."""
        order = self._current(client_order_id, "accepted", {OrderStatus.PENDING_NEW})
        return self._store("accepted", replace(order, status=OrderStatus.NEW, ts_last=ts_ns))

    def on_fill(self, fill: Fill) -> Order:
        """Apply a fill: PARTIALLY_FILLED, or FILLED when filled lots reach the order's qty.

        Raises:
            OverfillError: the fill would take filled lots above the order's qty.
            OrderStateError: unknown or closed order, duplicate fill id, or instrument/side/qty mismatch.
        """
        order = self._current(fill.client_order_id, "fill", _FILLABLE)
        if fill.fill_id in self._fill_ids:
            raise OrderStateError(order.client_order_id, order.status, "fill",
                                  f"fill_id {fill.fill_id!r} already applied")
        if fill.instrument_id != order.instrument_id or fill.side != order.side:
            raise OrderStateError(order.client_order_id, order.status, "fill",
                                  f"fill {fill.fill_id!r} is {fill.side!r} {fill.instrument_id!r}, order is "
                                  f"{order.side!r} {order.instrument_id!r}")
        if not _is_int(fill.qty_lots) or fill.qty_lots <= 0:
            raise OrderStateError(order.client_order_id, order.status, "fill",
                                  f"fill {fill.fill_id!r} qty_lots {fill.qty_lots!r} must be an int > 0")
        filled = order.filled_lots + fill.qty_lots
        if filled > order.qty_lots:
            raise OverfillError(order.client_order_id, order.filled_lots, fill.qty_lots, order.qty_lots)
        status = OrderStatus.FILLED if filled == order.qty_lots else OrderStatus.PARTIALLY_FILLED
        self._journal.append(kinds.FILL, ts_ns=self._clock.now_ns(), payload=fill, actor=order.script_id)
        self._fill_ids.add(fill.fill_id)
        return self._store("fill", replace(order, status=status, filled_lots=filled, ts_last=fill.ts_event))

    def on_canceled(self, client_order_id: str, ts_ns: int) -> Order:
        """The venue canceled the order (ts_ns: venue event time); filled lots are kept."""
        order = self._current(client_order_id, "canceled", _FILLABLE)
        return self._store("canceled", replace(order, status=OrderStatus.CANCELED, ts_last=ts_ns))

    def on_rejected(self, client_order_id: str, ts_ns: int, reason: str) -> Order:
        """The venue refused the order (only before it was accepted); ``reason`` is the venue's text."""
        order = self._current(client_order_id, "rejected", {OrderStatus.PENDING_NEW})
        return self._store("rejected", replace(order, status=OrderStatus.REJECTED, ts_last=ts_ns,
                                               reject_reason=str(reason)))

    # -- internals -------------------------------------------------------------------------
    def _current(self, client_order_id: str, event: str, allowed: set[OrderStatus] | frozenset[OrderStatus]) -> Order:
        order = self._orders.get(client_order_id)
        if order is None:
            raise UnknownOrderError(client_order_id, event)
        if order.status not in allowed:
            raise OrderStateError(client_order_id, order.status, event)
        return order

    def _store(self, event: str, order: Order) -> Order:
        """Journal ``order`` as the new state, then make it current and update working lots."""
        self._journal.append(kinds.ORDER, ts_ns=self._clock.now_ns(), payload={"event": event, "order": order},
                             actor=order.script_id or "unknown")
        key = (order.instrument_id, order.side)
        previous = self._orders.get(order.client_order_id)
        delta = order.open_lots - (previous.open_lots if previous is not None else 0)
        if delta:
            self._open_lots[key] = self._open_lots.get(key, 0) + delta
        self._orders[order.client_order_id] = order
        if order.status.is_open:
            self._open[order.client_order_id] = order
        else:
            self._open.pop(order.client_order_id, None)
        return order


def _intent_problem(intent: OrderIntent) -> str:
    """"" if ``intent`` can become an order, otherwise what is wrong with it."""
    if not isinstance(intent.intent_id, str) or not intent.intent_id:
        return f"intent_id {intent.intent_id!r} must be a non-empty str"
    if not isinstance(intent.side, Side):
        return f"side {intent.side!r} must be a Side"
    if not isinstance(intent.order_type, OrderType):
        return f"order_type {intent.order_type!r} must be an OrderType"
    if not _is_int(intent.qty_lots) or intent.qty_lots <= 0:
        return f"qty_lots {intent.qty_lots!r} must be an int > 0"
    if intent.order_type is OrderType.LIMIT and (not _is_int(intent.price_ticks) or intent.price_ticks <= 0):
        return f"limit price_ticks {intent.price_ticks!r} must be an int > 0"
    if intent.order_type is OrderType.MARKET and intent.price_ticks is not None:
        return f"market order price_ticks {intent.price_ticks!r} must be None"
    return ""
