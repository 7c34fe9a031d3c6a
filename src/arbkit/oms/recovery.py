"""Restart: rebuild the OMS from its journal, then reconcile it against the venue before trading.

The journal is the write-ahead log of the OMS: :meth:`OrderManager.create` commits the order's
``created`` row before it returns, so an order can reach a venue only after it is durable. Later rows
(acknowledgements, fills, cancels) are committed in the journal's batches and may be lost in a crash;
the venue has them.

:func:`rebuild` replays the ``order`` and ``fill`` rows through the same transition table as live
events (order ``fill`` rows are skipped: the ``fill`` rows they follow carry the same information).
An order still PENDING_NEW afterwards has an unknown outcome: it stays in flight, counted in the open
lots, until :func:`reconcile` has asked the venue. Nothing is guessed:

- the venue has no record of it → it never left this process: closed as REJECTED with
  :data:`NEVER_SENT`;
- the venue has it → the fills the journal lacks are applied (each fill id once), then the venue's
  status (accepted, canceled, rejected, expired) through the transition table.

Anything that cannot be explained that way is a mismatch, and :func:`recover` refuses to start with
:class:`ReconciliationError`: a venue order the journal never recorded, a journaled fill the venue
does not report, a fill id with other content, or a final status or filled quantity that differs.
"""

from __future__ import annotations

from typing import Protocol

import msgspec

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderStatus
from arbkit.core.messages import Fill, Order
from arbkit.core.time import Clock
from arbkit.oms.errors import OmsError
from arbkit.oms.order_manager import OrderManager

NEVER_SENT = "recovery: the venue has no record of this order; it was never sent"
"""``reject_reason`` of an order :func:`reconcile` closes because the venue never received it."""


class VenueOrderReport(msgspec.Struct, frozen=True, kw_only=True):
    """What the venue says about one order when queried.

    Attributes:
        client_order_id: the order asked about.
        status: the venue's status (NEW, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED or EXPIRED).
        fills: every fill of the order, in venue order (qty in lots, price in ticks).
        reject_reason: the venue's text when REJECTED.
        ts_ns: venue time of the last change, int ns since the epoch.
    """

    client_order_id: str
    status: OrderStatus
    fills: tuple[Fill, ...] = ()
    reject_reason: str = ""
    ts_ns: int = 0


class OrderQuery(Protocol):
    """A venue that answers for orders by client order id (a simulated venue here, an adapter live)."""

    def query_order(self, client_order_id: str) -> VenueOrderReport | None:
        """The venue's record of the order, or None if it never received it."""
        ...

    def client_order_ids(self) -> list[str]:
        """Every client order id the venue has received (from this account)."""
        ...


class ReconciliationError(OmsError):
    """The journal and the venue disagree in a way recovery cannot explain; trading must not start."""

    def __init__(self, mismatches: list[str]) -> None:
        self.mismatches = tuple(mismatches)
        shown = "; ".join(mismatches[:5]) + (f"; ... {len(mismatches) - 5} more" if len(mismatches) > 5 else "")
        super().__init__(f"refusing to start: {len(mismatches)} journal/venue mismatch(es): {shown}")


def rebuild(clock: Clock, journal: Journal, id_prefix: str = "O") -> OrderManager:
    """An OMS in the state the journal's ``order`` and ``fill`` rows describe; writes no rows.

    New client order ids continue after the highest journaled one with ``id_prefix``.
    """
    oms = OrderManager(clock, journal, id_prefix=id_prefix)
    with oms.replaying():
        for entry in journal.entries():
            if entry.kind == kinds.FILL:
                oms.apply_fill(msgspec.convert(entry.payload, Fill))
            elif entry.kind == kinds.ORDER:
                _replay_order_row(oms, entry.payload["event"], msgspec.convert(entry.payload["order"], Order))
    return oms


def _replay_order_row(oms: OrderManager, event: str, order: Order) -> None:
    cid = order.client_order_id
    if event == "created":
        oms.restore_created(order)
    elif event == "accepted":
        oms.on_accepted(cid, order.ts_last)
    elif event == "canceled":
        oms.on_canceled(cid, order.ts_last)
    elif event == "expired":
        oms.on_expired(cid, order.ts_last)
    elif event == "rejected":
        oms.on_rejected(cid, order.ts_last, order.reject_reason)
    elif event != "fill":
        raise OmsError(f"journal order row for {cid!r} has event {event!r}; expected one of "
                       f"'created', 'accepted', 'fill', 'canceled', 'expired', 'rejected'")


def reconcile(oms: OrderManager, venue: OrderQuery) -> list[str]:
    """Bring every order up to what the venue reports; returns the mismatches (empty when consistent).

    Open orders (in flight or working) take the venue's missing fills and final status; closed orders
    are only compared. Venue orders the journal never recorded are mismatches.
    """
    mismatches: list[str] = []
    for cid in venue.client_order_ids():
        if cid not in oms:
            mismatches.append(f"venue order {cid!r} is not in the journal")
    for order in list(oms):
        report = venue.query_order(order.client_order_id)
        if report is None:
            if order.status is OrderStatus.PENDING_NEW:
                oms.on_rejected(order.client_order_id, order.ts_last, NEVER_SENT)
            elif order.reject_reason != NEVER_SENT:
                mismatches.append(f"order {order.client_order_id!r} is {order.status.value} in the journal "
                                  f"but unknown to the venue")
            continue
        mismatches.extend(_catch_up(oms, order, report))
    return mismatches


def _catch_up(oms: OrderManager, order: Order, report: VenueOrderReport) -> list[str]:
    cid = order.client_order_id
    venue_fills = {f.fill_id: f for f in report.fills}
    journaled = {f.fill_id: f for f in oms.fills(cid)}
    problems = [f"order {cid!r}: journaled fill {fill_id!r} is not reported by the venue"
                for fill_id in journaled if fill_id not in venue_fills]
    problems += [f"order {cid!r}: fill {fill_id!r} differs: journal {fill!r}, venue {venue_fills[fill_id]!r}"
                 for fill_id, fill in journaled.items() if fill_id in venue_fills and venue_fills[fill_id] != fill]
    if order.status.is_open:
        try:
            for fill in report.fills:
                if fill.fill_id not in journaled:
                    oms.apply_fill(fill)
            current = oms.get(cid)
            if current.status is OrderStatus.PENDING_NEW and report.status is not OrderStatus.REJECTED:
                current = oms.on_accepted(cid, report.ts_ns)
            if current.status.is_open and report.status is OrderStatus.CANCELED:
                oms.on_canceled(cid, report.ts_ns)
            elif current.status.is_open and report.status is OrderStatus.EXPIRED:
                oms.on_expired(cid, report.ts_ns)
            elif current.status is OrderStatus.PENDING_NEW and report.status is OrderStatus.REJECTED:
                oms.on_rejected(cid, report.ts_ns, report.reject_reason)
        except OmsError as exc:
            problems.append(f"order {cid!r}: {exc}")
    final = oms.get(cid)
    venue_filled = sum(f.qty_lots for f in report.fills)
    if final.status is not report.status or final.filled_lots != venue_filled:
        problems.append(f"order {cid!r}: journal says {final.status.value} with {final.filled_lots} lots filled, "
                        f"venue says {report.status.value} with {venue_filled}")
    return problems


def recover(clock: Clock, journal: Journal, venue: OrderQuery, id_prefix: str = "O") -> OrderManager:
    """Rebuild from ``journal``, reconcile with ``venue``, commit what recovery learned, and return the OMS.

    Raises:
        ReconciliationError: journal and venue disagree (every mismatch is listed); do not trade.
    """
    oms = rebuild(clock, journal, id_prefix=id_prefix)
    mismatches = reconcile(oms, venue)
    journal.flush()
    if mismatches:
        raise ReconciliationError(mismatches)
    return oms


def open_oms(clock: Clock, journal: Journal, venue: OrderQuery, id_prefix: str = "O") -> OrderManager:
    """The OMS an engine starts with: a new one on a journal without orders, else :func:`recover` (a restart).

    Raises:
        ReconciliationError: the journal holds orders and the venue disagrees with it; do not trade.
    """
    if journal.count(kinds.ORDER) == 0:
        return OrderManager(clock, journal, id_prefix=id_prefix)
    return recover(clock, journal, venue, id_prefix=id_prefix)
