"""What a simulated venue remembers of every order it received, to answer order queries.

A real venue answers "what happened to client order id X?" from its own records; the restart
reconciliation (:func:`arbkit.oms.recovery.reconcile`) and the post-trade reconciliation
(:mod:`arbkit.risk.post_trade`) ask exactly that. The ledger is fed the venue's own events, so it
reports what the venue did, whether or not those events ever reached the order path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arbkit.core.enums import OrderStatus
from arbkit.core.messages import Fill, Order
from arbkit.oms.recovery import VenueOrderReport
from arbkit.sim.events import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected, VenueEvent


@dataclass(slots=True)
class _Record:
    order: Order
    status: OrderStatus
    ts_ns: int
    fills: list[Fill] = field(default_factory=list)
    filled_lots: int = 0  # the sum of ``fills``' lots, kept as they arrive: reconciliation reads it every check
    reject_reason: str = ""


class VenueLedger:
    """Every order the venue received (first submit of each client order id), with its status and fills."""

    def __init__(self) -> None:
        self._records: dict[str, _Record] = {}

    def received(self, order: Order, ts_ns: int) -> None:
        """The venue received ``order`` at ``ts_ns`` (a resent id keeps its first record)."""
        if order.client_order_id not in self._records:
            self._records[order.client_order_id] = _Record(order=order, status=OrderStatus.PENDING_NEW, ts_ns=ts_ns)

    def observe(self, events: list[VenueEvent]) -> None:
        """Apply the venue's own events, in order, to its records."""
        for event in events:
            if isinstance(event, OrderFilled):
                record = self._records[event.fill.client_order_id]
                record.fills.append(event.fill)
                record.filled_lots += event.fill.qty_lots
                record.ts_ns = event.fill.ts_event
                record.status = OrderStatus.FILLED if event.leaves_lots == 0 else OrderStatus.PARTIALLY_FILLED
            elif isinstance(event, OrderAccepted):
                record = self._records[event.client_order_id]
                record.status, record.ts_ns = OrderStatus.NEW, event.ts_ns
            elif isinstance(event, OrderCanceled):
                record = self._records[event.client_order_id]
                record.status, record.ts_ns = OrderStatus.CANCELED, event.ts_ns
            elif isinstance(event, OrderRejected):
                record = self._records.get(event.client_order_id)
                if record is not None and record.status is OrderStatus.PENDING_NEW:  # not a resent id's reject
                    record.status, record.ts_ns = OrderStatus.REJECTED, event.ts_ns
                    record.reject_reason = f"{event.reason.value}: {event.detail}"

    def report(self, client_order_id: str) -> VenueOrderReport | None:
        """The venue's record of ``client_order_id``, or None if it never received it."""
        record = self._records.get(client_order_id)
        if record is None:
            return None
        return VenueOrderReport(client_order_id=client_order_id, status=record.status, fills=tuple(record.fills),
                                reject_reason=record.reject_reason, ts_ns=record.ts_ns)

    def client_order_ids(self) -> list[str]:
        """Every client order id received, in arrival order."""
        return list(self._records)

    def filled_lots(self, client_order_id: str) -> int:
        """Lots the venue filled on ``client_order_id`` (0 if never received)."""
        record = self._records.get(client_order_id)
        return 0 if record is None else record.filled_lots
