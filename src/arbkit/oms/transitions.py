"""The order state machine as one explicit table, and the one function that applies it.

Every state change of an order in :class:`~arbkit.oms.order_manager.OrderManager` goes through
:func:`next_status`; a pair (status, event) not in :data:`TRANSITIONS` raises
:class:`~arbkit.oms.errors.IllegalTransitionError`. Terminal states (FILLED, CANCELED, REJECTED,
EXPIRED) accept no event at all.

``PENDING_NEW`` is "submitted" (sent, no venue answer yet) and ``NEW`` is "acknowledged". A fill is
``PARTIAL_FILL`` or ``FILL`` depending on whether it completes the order's quantity; the OMS decides
which from the lots, the table decides whether it is allowed. A fill or a cancel may come before the
acknowledgement (an IOC or market order can be executed and closed at arrival).

>>> next_status("O1", OrderStatus.PENDING_NEW, OrderEvent.ACCEPTED).value
'new'
>>> next_status("O1", OrderStatus.FILLED, OrderEvent.CANCELED)
Traceback (most recent call last):
...
arbkit.oms.errors.IllegalTransitionError: order 'O1' (status filled) cannot take event 'canceled': allowed events: none (terminal)
"""

from __future__ import annotations

from enum import Enum
from types import MappingProxyType
from typing import Final

from arbkit.core.enums import OrderStatus
from arbkit.oms.errors import IllegalTransitionError


class OrderEvent(str, Enum):
    """What can happen to an order after it was created."""

    ACCEPTED = "accepted"  # the venue acknowledged it
    PARTIAL_FILL = "partial_fill"  # a fill that leaves lots open
    FILL = "fill"  # a fill that completes the order's quantity
    CANCELED = "canceled"  # the venue canceled the open rest (our cancel, IOC remainder, no liquidity)
    REJECTED = "rejected"  # the venue refused it at arrival
    EXPIRED = "expired"  # the venue closed it because its time in force ran out


_S, _E = OrderStatus, OrderEvent
_CLOSE: Final = {_E.CANCELED: _S.CANCELED, _E.EXPIRED: _S.EXPIRED}
_FILLS: Final = {_E.PARTIAL_FILL: _S.PARTIALLY_FILLED, _E.FILL: _S.FILLED}

TRANSITIONS: Final = MappingProxyType({
    _S.PENDING_NEW: MappingProxyType({_E.ACCEPTED: _S.NEW, _E.REJECTED: _S.REJECTED, **_FILLS, **_CLOSE}),
    _S.NEW: MappingProxyType({**_FILLS, **_CLOSE}),
    _S.PARTIALLY_FILLED: MappingProxyType({**_FILLS, **_CLOSE}),
    _S.FILLED: MappingProxyType({}),
    _S.CANCELED: MappingProxyType({}),
    _S.REJECTED: MappingProxyType({}),
    _S.EXPIRED: MappingProxyType({}),
})
"""status → {event → next status}. Read-only; every :class:`OrderStatus` has a row."""

INITIAL_STATUS: Final = OrderStatus.PENDING_NEW
"""The status :meth:`OrderManager.create` gives a new order."""

TERMINAL: Final = frozenset(status for status, row in TRANSITIONS.items() if not row)
"""Statuses no event leaves."""


def allowed_events(status: OrderStatus) -> tuple[OrderEvent, ...]:
    """Events ``status`` accepts, in :class:`OrderEvent` order (empty for a terminal status)."""
    row = TRANSITIONS[status]
    return tuple(event for event in OrderEvent if event in row)


def next_status(client_order_id: str, status: OrderStatus, event: OrderEvent) -> OrderStatus:
    """The status after ``event``; raises :class:`IllegalTransitionError` if the table has no such move."""
    target = TRANSITIONS[status].get(event)
    if target is None:
        raise IllegalTransitionError(client_order_id, status, event.value,
                                     tuple(e.value for e in allowed_events(status)))
    return target


def reachable(start: OrderStatus = INITIAL_STATUS) -> frozenset[OrderStatus]:
    """Statuses reachable from ``start`` by any sequence of legal events (``start`` included)."""
    seen = {start}
    todo = [start]
    while todo:
        for target in TRANSITIONS[todo.pop()].values():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return frozenset(seen)
