"""oms layer: order life cycle, working lots, and the journal of order states and fills."""

from arbkit.oms.errors import (
    DuplicateOrderError,
    IllegalTransitionError,
    OmsError,
    OrderStateError,
    OverfillError,
    UnknownOrderError,
)
from arbkit.oms.order_manager import OrderManager
from arbkit.oms.recovery import OrderQuery, ReconciliationError, VenueOrderReport, rebuild, reconcile, recover
from arbkit.oms.transitions import TRANSITIONS, OrderEvent, allowed_events, next_status

__all__ = ["TRANSITIONS", "DuplicateOrderError", "IllegalTransitionError", "OmsError", "OrderEvent", "OrderManager",
           "OrderQuery", "OrderStateError", "OverfillError", "ReconciliationError", "UnknownOrderError",
           "VenueOrderReport", "allowed_events", "next_status", "rebuild", "reconcile", "recover"]
