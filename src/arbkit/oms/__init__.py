"""oms layer: order life cycle, working lots, and the journal of order states and fills."""

from arbkit.oms.errors import OmsError, OrderStateError, OverfillError, UnknownOrderError
from arbkit.oms.order_manager import OrderManager

__all__ = ["OmsError", "OrderManager", "OrderStateError", "OverfillError", "UnknownOrderError"]
