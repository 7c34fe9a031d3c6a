"""Typed errors of the order manager. Each names the order, its state and what was attempted."""

from __future__ import annotations

from arbkit.core.enums import OrderStatus
from arbkit.core.errors import ArbkitError


class OmsError(ArbkitError):
    """Base of order-management errors."""


class OrderStateError(OmsError):
    """An event does not fit the order's state (fill on a canceled order, unknown id, ...)."""

    def __init__(self, client_order_id: str, status: OrderStatus | None, event: str, detail: str = "") -> None:
        self.client_order_id = client_order_id
        self.status = status
        self.event = event
        state = "unknown order" if status is None else f"status {status.value}"
        tail = f": {detail}" if detail else ""
        super().__init__(f"order {client_order_id!r} ({state}) cannot take event {event!r}{tail}")


class IllegalTransitionError(OrderStateError):
    """The transition table has no move for this event from the order's status."""

    def __init__(self, client_order_id: str, status: OrderStatus, event: str, allowed: tuple[str, ...]) -> None:
        self.allowed = allowed
        listed = ", ".join(repr(a) for a in allowed) if allowed else "none (terminal)"
        super().__init__(client_order_id, status, event, f"allowed events: {listed}")


class DuplicateOrderError(OmsError):
    """An order already exists for this intent id or client order id; the OMS never makes a second one."""

    def __init__(self, key: str, value: str, existing_client_order_id: str) -> None:
        self.key = key
        self.value = value
        self.existing_client_order_id = existing_client_order_id
        super().__init__(f"{key} {value!r} already has an order ({existing_client_order_id!r}); "
                         f"an intent becomes at most one order and a client order id names one order")


class UnknownOrderError(OrderStateError):
    """No order has this client order id."""

    def __init__(self, client_order_id: str, event: str) -> None:
        super().__init__(client_order_id, None, event)


class OverfillError(OmsError):
    """A fill would take an order's filled quantity beyond its quantity (lots)."""

    def __init__(self, client_order_id: str, filled_lots: int, fill_lots: int, qty_lots: int) -> None:
        self.client_order_id = client_order_id
        self.filled_lots = filled_lots
        self.fill_lots = fill_lots
        self.qty_lots = qty_lots
        super().__init__(f"order {client_order_id!r}: fill of {fill_lots} lots on {filled_lots} already filled "
                         f"would exceed qty {qty_lots} lots")
