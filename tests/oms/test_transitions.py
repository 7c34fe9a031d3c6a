"""The order state machine: every legal move, every illegal one, and random event sequences."""

from __future__ import annotations

import pytest
from oms_kit import T0, a_fill, an_intent, an_oms

from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderStatus
from arbkit.oms.errors import IllegalTransitionError
from arbkit.oms.order_manager import OrderManager
from arbkit.oms.transitions import (
    INITIAL_STATUS,
    TERMINAL,
    TRANSITIONS,
    OrderEvent,
    allowed_events,
    next_status,
    reachable,
)

QTY = 10
LEGAL = [(status, event, target) for status, row in TRANSITIONS.items() for event, target in row.items()]
ILLEGAL = [(status, event) for status in OrderStatus for event in OrderEvent if event not in TRANSITIONS[status]]


def order_in(oms: OrderManager, status: OrderStatus) -> str:
    """Create order O1 of ``QTY`` lots and drive it to ``status`` by legal events; returns its id."""
    cid = oms.create(an_intent(qty=QTY)).client_order_id
    if status is OrderStatus.NEW:
        oms.on_accepted(cid, T0)
    elif status is OrderStatus.PARTIALLY_FILLED:
        oms.on_fill(a_fill(cid, 1, n=100))
    elif status is OrderStatus.FILLED:
        oms.on_fill(a_fill(cid, QTY, n=100))
    elif status is OrderStatus.CANCELED:
        oms.on_canceled(cid, T0)
    elif status is OrderStatus.EXPIRED:
        oms.on_expired(cid, T0)
    elif status is OrderStatus.REJECTED:
        oms.on_rejected(cid, T0, reason="no")
    assert oms.get(cid).status is status
    return cid


def apply(oms: OrderManager, cid: str, event: OrderEvent) -> None:
    """Drive ``event`` through the OMS's public API (a fill's event follows from its lots)."""
    order = oms.get(cid)
    if event is OrderEvent.ACCEPTED:
        oms.on_accepted(cid, T0 + 1)
    elif event is OrderEvent.PARTIAL_FILL:
        oms.on_fill(a_fill(cid, 1, n=200))
    elif event is OrderEvent.FILL:
        oms.on_fill(a_fill(cid, max(order.qty_lots - order.filled_lots, 1), n=200))
    elif event is OrderEvent.CANCELED:
        oms.on_canceled(cid, T0 + 1)
    elif event is OrderEvent.EXPIRED:
        oms.on_expired(cid, T0 + 1)
    else:
        oms.on_rejected(cid, T0 + 1, reason="venue says no")


def test_every_status_has_a_row_and_every_status_is_reachable_from_submission() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)
    assert reachable() == frozenset(OrderStatus)
    assert INITIAL_STATUS is OrderStatus.PENDING_NEW
    assert TERMINAL == {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
    assert all(not status.is_open for status in TERMINAL)
    assert all(status.is_open for status in set(OrderStatus) - TERMINAL)


@pytest.mark.parametrize(("status", "event", "target"), LEGAL, ids=[f"{s.value}-{e.value}" for s, e, _ in LEGAL])
def test_legal_transition_moves_the_order_to_the_table_target(status: OrderStatus, event: OrderEvent,
                                                              target: OrderStatus) -> None:
    assert next_status("O1", status, event) is target
    oms = an_oms()
    cid = order_in(oms, status)
    apply(oms, cid, event)
    assert oms.get(cid).status is target


@pytest.mark.parametrize(("status", "event"), ILLEGAL, ids=[f"{s.value}-{e.value}" for s, e in ILLEGAL])
def test_illegal_transition_raises_naming_order_state_event_and_allowed_events(status: OrderStatus,
                                                                               event: OrderEvent) -> None:
    allowed = tuple(e.value for e in allowed_events(status))
    with pytest.raises(IllegalTransitionError, match=rf"order 'O7' \(status {status.value}\) cannot take event "
                                                     rf"'{event.value}': allowed events: ") as info:
        next_status("O7", status, event)
    assert (info.value.client_order_id, info.value.status, info.value.event, info.value.allowed) == (
        "O7", status, event.value, allowed)
    journal = Journal(":memory:")
    oms = an_oms(journal)
    cid = order_in(oms, status)
    before, journaled = oms.get(cid), journal.last_seq
    with pytest.raises(IllegalTransitionError) as info:
        apply(oms, cid, event)
    assert info.value.status is status and info.value.allowed == allowed
    assert oms.get(cid) == before and journal.last_seq == journaled  # nothing changed, nothing journaled


def test_terminal_states_accept_no_event() -> None:
    for status in TERMINAL:
        assert allowed_events(status) == ()
        for event in OrderEvent:
            with pytest.raises(IllegalTransitionError, match="allowed events: none \\(terminal\\)"):
                next_status("O1", status, event)


def test_expired_order_keeps_its_filled_lots_and_frees_its_open_lots() -> None:
    oms = an_oms()
    cid = order_in(oms, OrderStatus.PARTIALLY_FILLED)
    expired = oms.on_expired(cid, T0 + 5)
    assert (expired.status, expired.filled_lots, expired.open_lots, expired.ts_last) == (
        OrderStatus.EXPIRED, 1, 0, T0 + 5)
    assert oms.open_orders() == [] and oms.open_lots(expired.instrument_id, expired.side) == 0
