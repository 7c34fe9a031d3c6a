"""Order management: the life cycle of each order, and working lots for the risk gate.

Each state change replaces the frozen :class:`~arbkit.core.messages.Order` and is journaled (kind
``"order"``, payload ``{"event": ..., "order": ...}``); fills are journaled too (kind ``"fill"``).

Every state change goes through :func:`arbkit.oms.transitions.next_status` (the table is
:data:`arbkit.oms.transitions.TRANSITIONS`); an event the table does not allow raises
:class:`~arbkit.oms.errors.IllegalTransitionError` and changes nothing. Terminal states are final.

Idempotency:

- an intent id becomes at most one order, and a client order id names one order: a second
  :meth:`OrderManager.create` for the same intent raises :class:`~arbkit.oms.errors.DuplicateOrderError`
  (a resend is an error, not a second order; the risk gate refuses duplicates before that);
- a fill whose (client order id, fill id) was already applied is ignored and counted in
  :attr:`OrderManager.duplicate_fills`; it changes neither the order nor the position. The same key
  with different content raises :class:`~arbkit.oms.errors.OrderStateError`.

Write-ahead: :meth:`OrderManager.create` commits the journal before it returns, so an order is durable
before anyone can send it; :mod:`arbkit.oms.recovery` rebuilds the OMS from the journal on restart.

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
from contextlib import contextmanager

from msgspec.structs import replace

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderType, Side
from arbkit.core.messages import Fill, Order, OrderIntent
from arbkit.core.time import Clock
from arbkit.oms.errors import DuplicateOrderError, OmsError, OrderStateError, OverfillError, UnknownOrderError
from arbkit.oms.transitions import INITIAL_STATUS, OrderEvent, next_status


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
        self._by_intent: dict[str, str] = {}
        self._fills: dict[tuple[str, str], Fill] = {}
        self._position_lots: dict[str, int] = {}
        self._script_position_lots: dict[tuple[str, str], int] = {}  # (fill script id, instrument id) -> lots
        self._duplicate_fills = 0
        self._replaying = False

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

    def filled_position_lots(self, instrument_id: str) -> int:
        """Signed lots filled on ``instrument_id`` (+ bought, − sold), each unique fill counted once."""
        return self._position_lots.get(instrument_id, 0)

    def script_position_lots(self, script_id: str, instrument_id: str) -> int:
        """Signed lots filled by ``script_id`` on ``instrument_id``: ``side × qty`` summed over the unique fills
        applied whose ``script_id`` and ``instrument_id`` match (kept up to date as fills are applied)."""
        return self._script_position_lots.get((script_id, instrument_id), 0)

    def order_for_intent(self, intent_id: str) -> Order | None:
        """The order created for ``intent_id``, or None."""
        client_order_id = self._by_intent.get(intent_id)
        return None if client_order_id is None else self._orders[client_order_id]

    def fills(self, client_order_id: str | None = None) -> list[Fill]:
        """Unique fills applied (of one order if given), in the order they were applied."""
        return [f for (cid, _), f in self._fills.items() if client_order_id is None or cid == client_order_id]

    @property
    def duplicate_fills(self) -> int:
        """Number of fills ignored because their (client order id, fill id) was already applied."""
        return self._duplicate_fills

    # -- events ----------------------------------------------------------------------------
    def create(self, intent: OrderIntent) -> Order:
        """A new PENDING_NEW order for an approved intent; its lots count as working at once."""
        problem = _intent_problem(intent)
        if problem:
            raise OmsError(f"intent {intent.intent_id!r} cannot become an order: {problem}")
        existing = self._by_intent.get(intent.intent_id)
        if existing is not None:
            raise DuplicateOrderError("intent", intent.intent_id, existing)
        client_order_id = f"{self._prefix}{self._next}"
        if client_order_id in self._orders:
            raise DuplicateOrderError("client order id", client_order_id, client_order_id)
        now_ns = self._clock.now_ns()
        order = Order(
            client_order_id=client_order_id,
            intent_id=intent.intent_id,
            script_id=intent.script_id,
            model_version=intent.model_version,
            instrument_id=intent.instrument_id,
            side=intent.side,
            order_type=intent.order_type,
            qty_lots=intent.qty_lots,
            time_in_force=intent.time_in_force,
            status=INITIAL_STATUS,
            ts_sent=now_ns,
            ts_last=now_ns,
            price_ticks=intent.price_ticks,
            deployment_mode=intent.deployment_mode,
        )
        self._store("created", order)
        self._next += 1
        self._by_intent[intent.intent_id] = client_order_id
        if not self._replaying:
            self._journal.flush()  # write-ahead: the order is committed before anyone can send it
        return order

    def restore_created(self, order: Order) -> Order:
        """Recovery only: re-admit an order as its journaled ``created`` row recorded it (no new row).

        Raises :class:`DuplicateOrderError` if its intent or client order id already has an order.
        """
        if order.status is not INITIAL_STATUS:
            raise OrderStateError(order.client_order_id, order.status, "created",
                                  f"a created order must be {INITIAL_STATUS.value}")
        if order.client_order_id in self._orders:
            raise DuplicateOrderError("client order id", order.client_order_id, order.client_order_id)
        existing = self._by_intent.get(order.intent_id)
        if existing is not None:
            raise DuplicateOrderError("intent", order.intent_id, existing)
        self._store("created", order)
        self._by_intent[order.intent_id] = order.client_order_id
        suffix = order.client_order_id[len(self._prefix):]
        if order.client_order_id.startswith(self._prefix) and suffix.isdigit():
            self._next = max(self._next, int(suffix) + 1)
        return order

    @contextmanager
    def replaying(self) -> Iterator[None]:
        """Recovery only: within the block, events change state but write no journal rows."""
        self._replaying = True
        try:
            yield
        finally:
            self._replaying = False

    def on_accepted(self, client_order_id: str, ts_ns: int) -> Order:
        """The venue acknowledged the order (ts_ns: venue event time): PENDING_NEW → NEW."""
        order = self._current(client_order_id, OrderEvent.ACCEPTED.value)
        status = next_status(client_order_id, order.status, OrderEvent.ACCEPTED)
        return self._store(OrderEvent.ACCEPTED.value, replace(order, status=status, ts_last=ts_ns))

    def on_fill(self, fill: Fill) -> Order:
        """Apply a fill (see :meth:`apply_fill`) and return the order's state after it."""
        self.apply_fill(fill)
        return self.get(fill.client_order_id)

    def apply_fill(self, fill: Fill) -> bool:
        """Apply a fill: PARTIALLY_FILLED, or FILLED when filled lots reach the order's qty.

        Returns:
            True if applied; False if this (client order id, fill id) was already applied with the same
            content (the repeat is ignored and counted in :attr:`duplicate_fills`).

        Raises:
            OverfillError: the fill would take filled lots above the order's qty.
            IllegalTransitionError: the order is closed (canceled, rejected, expired or filled).
            OrderStateError: unknown order, the same fill id with other content, or instrument/side/qty mismatch.
        """
        order = self._current(fill.client_order_id, "fill")
        seen = self._fills.get((fill.client_order_id, fill.fill_id))
        if seen is not None:
            if seen != fill:
                raise OrderStateError(order.client_order_id, order.status, "fill",
                                      f"fill_id {fill.fill_id!r} was already applied with other content "
                                      f"({seen.qty_lots} lots at {seen.price_ticks} ticks, now {fill.qty_lots} "
                                      f"lots at {fill.price_ticks} ticks)")
            self._duplicate_fills += 1
            return False
        if fill.instrument_id != order.instrument_id or fill.side != order.side:
            raise OrderStateError(order.client_order_id, order.status, "fill",
                                  f"fill {fill.fill_id!r} is {fill.side!r} {fill.instrument_id!r}, order is "
                                  f"{order.side!r} {order.instrument_id!r}")
        if not _is_int(fill.qty_lots) or fill.qty_lots <= 0:
            raise OrderStateError(order.client_order_id, order.status, "fill",
                                  f"fill {fill.fill_id!r} qty_lots {fill.qty_lots!r} must be an int > 0")
        filled = order.filled_lots + fill.qty_lots
        event = OrderEvent.FILL if filled == order.qty_lots else OrderEvent.PARTIAL_FILL
        status = next_status(order.client_order_id, order.status, event)
        if filled > order.qty_lots:
            raise OverfillError(order.client_order_id, order.filled_lots, fill.qty_lots, order.qty_lots)
        if not self._replaying:
            self._journal.append(kinds.FILL, ts_ns=self._clock.now_ns(), payload=fill, actor=order.script_id)
        self._fills[(fill.client_order_id, fill.fill_id)] = fill
        self._position_lots[order.instrument_id] = (self._position_lots.get(order.instrument_id, 0)
                                                    + int(order.side) * fill.qty_lots)
        script_key = (fill.script_id, fill.instrument_id)
        self._script_position_lots[script_key] = (self._script_position_lots.get(script_key, 0)
                                                  + int(fill.side) * fill.qty_lots)
        self._store("fill", replace(order, status=status, filled_lots=filled, ts_last=fill.ts_event))
        return True

    def on_canceled(self, client_order_id: str, ts_ns: int) -> Order:
        """The venue canceled the order (ts_ns: venue event time); filled lots are kept."""
        return self._close(client_order_id, OrderEvent.CANCELED, ts_ns)

    def on_expired(self, client_order_id: str, ts_ns: int) -> Order:
        """The venue expired the order, its time in force over (ts_ns: venue event time); filled lots are kept."""
        return self._close(client_order_id, OrderEvent.EXPIRED, ts_ns)

    def on_rejected(self, client_order_id: str, ts_ns: int, reason: str) -> Order:
        """The venue refused the order (only before it was accepted); ``reason`` is the venue's text."""
        order = self._current(client_order_id, OrderEvent.REJECTED.value)
        status = next_status(client_order_id, order.status, OrderEvent.REJECTED)
        return self._store(OrderEvent.REJECTED.value, replace(order, status=status, ts_last=ts_ns,
                                                              reject_reason=str(reason)))

    # -- internals -------------------------------------------------------------------------
    def _close(self, client_order_id: str, event: OrderEvent, ts_ns: int) -> Order:
        order = self._current(client_order_id, event.value)
        status = next_status(client_order_id, order.status, event)
        return self._store(event.value, replace(order, status=status, ts_last=ts_ns))

    def _current(self, client_order_id: str, event: str) -> Order:
        order = self._orders.get(client_order_id)
        if order is None:
            raise UnknownOrderError(client_order_id, event)
        return order

    def _store(self, event: str, order: Order) -> Order:
        """Journal ``order`` as the new state, then make it current and update working lots."""
        if not self._replaying:
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
