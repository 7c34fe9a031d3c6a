"""Order life cycle, working lots and the journal of the order manager."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from oms_kit import PERP, SPOT, T0, a_fill, an_intent

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderStatus, OrderType, Side
from arbkit.core.messages import OrderIntent
from arbkit.core.time import SimulatedClock
from arbkit.oms.errors import (
    DuplicateOrderError,
    IllegalTransitionError,
    OmsError,
    OrderStateError,
    OverfillError,
    UnknownOrderError,
)
from arbkit.oms.order_manager import OrderManager
from arbkit.oms.transitions import INITIAL_STATUS, TERMINAL, TRANSITIONS, OrderEvent, reachable


@pytest.fixture
def journal() -> Journal:
    return Journal(":memory:")


@pytest.fixture
def oms(journal: Journal) -> OrderManager:
    return OrderManager(SimulatedClock(T0), journal, id_prefix="B")


def test_order_life_cycle_new_partial_then_filled(oms: OrderManager) -> None:
    order = oms.create(an_intent(qty=10))
    assert (order.client_order_id, order.status, order.ts_sent, order.open_lots) == ("B1", OrderStatus.PENDING_NEW,
                                                                                    T0, 10)
    assert oms.on_accepted("B1", T0 + 5).status is OrderStatus.NEW
    partial = oms.on_fill(a_fill("B1", 4, n=1))
    assert (partial.status, partial.filled_lots, partial.open_lots, partial.ts_last) == (
        OrderStatus.PARTIALLY_FILLED, 4, 6, T0 + 1)
    assert oms.open_lots(SPOT, Side.BUY) == 6
    done = oms.on_fill(a_fill("B1", 6, n=2))
    assert done.status is OrderStatus.FILLED and done.open_lots == 0
    assert oms.open_orders() == [] and oms.open_lots(SPOT, Side.BUY) == 0
    assert oms.get("B1") == done and order.status is OrderStatus.PENDING_NEW  # old states are untouched


def test_client_order_ids_are_deterministic(journal: Journal) -> None:
    oms = OrderManager(SimulatedClock(T0), journal)
    ids = [oms.create(an_intent(n)).client_order_id for n in range(1, 4)]
    assert ids == ["O1", "O2", "O3"]


def test_in_flight_orders_count_as_open_lots_at_once_per_side_and_instrument(oms: OrderManager) -> None:
    oms.create(an_intent(1, qty=10))
    oms.create(an_intent(2, qty=5))
    oms.create(an_intent(3, qty=7, side=Side.SELL))
    oms.create(an_intent(4, qty=3, instrument_id=PERP, order_type=OrderType.MARKET, price=None))
    assert oms.open_lots(SPOT, Side.BUY) == 15 and oms.open_order_lots(SPOT, Side.SELL) == 7
    assert oms.open_lots(PERP, Side.BUY) == 3 and oms.open_lots(PERP, Side.SELL) == 0
    assert [o.client_order_id for o in oms.open_orders(SPOT)] == ["B1", "B2", "B3"]
    assert len(oms.open_orders()) == 4


def test_venue_rejection_closes_the_order_with_its_reason(oms: OrderManager) -> None:
    oms.create(an_intent())
    rejected = oms.on_rejected("B1", T0 + 9, reason="insufficient balance")
    assert rejected.status is OrderStatus.REJECTED and rejected.reject_reason == "insufficient balance"
    assert oms.open_lots(SPOT, Side.BUY) == 0 and oms.open_orders() == []


def test_cancel_after_partial_fill_keeps_filled_lots(oms: OrderManager) -> None:
    oms.create(an_intent(qty=10))
    oms.on_accepted("B1", T0)
    oms.on_fill(a_fill("B1", 3))
    canceled = oms.on_canceled("B1", T0 + 7)
    assert canceled.status is OrderStatus.CANCELED and canceled.filled_lots == 3 and canceled.open_lots == 0
    assert oms.open_lots(SPOT, Side.BUY) == 0


def test_fill_before_acknowledgement_is_accepted(oms: OrderManager) -> None:
    oms.create(an_intent(qty=2, order_type=OrderType.MARKET, price=None))
    assert oms.on_fill(a_fill("B1", 2)).status is OrderStatus.FILLED


def test_fill_on_a_canceled_order_raises_naming_id_status_and_event(oms: OrderManager) -> None:
    oms.create(an_intent())
    oms.on_canceled("B1", T0)
    with pytest.raises(IllegalTransitionError,
                       match=r"order 'B1' \(status canceled\) cannot take event 'partial_fill': allowed events: "
                             r"none \(terminal\)") as info:
        oms.on_fill(a_fill("B1", 1))
    assert info.value.status is OrderStatus.CANCELED and info.value.event == "partial_fill"


@pytest.mark.parametrize("event", ["accepted", "canceled", "rejected"])
def test_events_on_a_filled_order_raise(oms: OrderManager, event: str) -> None:
    oms.create(an_intent(qty=1))
    oms.on_fill(a_fill("B1", 1))
    with pytest.raises(OrderStateError, match=f"status filled.*'{event}'"):
        if event == "rejected":
            oms.on_rejected("B1", T0, reason="late")
        else:
            getattr(oms, f"on_{event}")("B1", T0)


def test_accept_twice_and_reject_after_accept_raise(oms: OrderManager) -> None:
    oms.create(an_intent())
    oms.on_accepted("B1", T0)
    with pytest.raises(OrderStateError, match="status new"):
        oms.on_accepted("B1", T0)
    with pytest.raises(OrderStateError, match="'rejected'"):
        oms.on_rejected("B1", T0, reason="too late")


def test_unknown_order_id_raises(oms: OrderManager) -> None:
    with pytest.raises(UnknownOrderError, match=r"order 'B9' \(unknown order\) cannot take event 'accepted'"):
        oms.on_accepted("B9", T0)
    with pytest.raises(OrderStateError):
        oms.on_fill(a_fill("B9", 1))
    with pytest.raises(UnknownOrderError, match="'get'"):
        oms.get("B9")


def test_overfill_raises_naming_order_filled_and_qty(oms: OrderManager) -> None:
    oms.create(an_intent(qty=10))
    oms.on_fill(a_fill("B1", 8, n=1))
    with pytest.raises(OverfillError, match="order 'B1': fill of 3 lots on 8 already filled would exceed qty 10 lots"):
        oms.on_fill(a_fill("B1", 3, n=2))
    assert oms.get("B1").filled_lots == 8 and oms.open_lots(SPOT, Side.BUY) == 2


def test_mismatched_fill_raises(oms: OrderManager) -> None:
    oms.create(an_intent(qty=10))
    oms.on_fill(a_fill("B1", 1, n=1))
    with pytest.raises(OrderStateError, match="order is"):
        oms.on_fill(a_fill("B1", 1, n=2, side=Side.SELL))
    with pytest.raises(OrderStateError, match="qty_lots 0"):
        oms.on_fill(a_fill("B1", 0, n=3))
    assert oms.get("B1").filled_lots == 1


@pytest.mark.parametrize(("bad", "message"), [
    (an_intent(qty=0), "qty_lots 0"),
    (an_intent(price=None), "limit price_ticks None"),
    (an_intent(order_type=OrderType.MARKET, price=5), "market order price_ticks 5"),
])
def test_malformed_intent_cannot_become_an_order(oms: OrderManager, bad: OrderIntent, message: str) -> None:
    with pytest.raises(OmsError, match=message):
        oms.create(bad)
    assert len(oms) == 0


def test_an_intent_becomes_at_most_one_order(oms: OrderManager) -> None:
    oms.create(an_intent(1))
    with pytest.raises(DuplicateOrderError, match="intent 'i1' already has an order \\('B1'\\)") as info:
        oms.create(an_intent(1))
    assert info.value.existing_client_order_id == "B1" and len(oms) == 1


def test_every_state_and_fill_is_journaled_in_order(oms: OrderManager, journal: Journal) -> None:
    oms.create(an_intent(qty=5))
    oms.on_accepted("B1", T0 + 1)
    oms.on_fill(a_fill("B1", 2, n=1))
    oms.on_fill(a_fill("B1", 3, n=2))
    entries = list(journal.entries())
    assert [(e.kind, e.payload.get("event")) for e in entries] == [
        (kinds.ORDER, "created"), (kinds.ORDER, "accepted"), (kinds.FILL, None), (kinds.ORDER, "fill"),
        (kinds.FILL, None), (kinds.ORDER, "fill")]
    assert [e.payload["order"]["status"] for e in entries if e.kind == kinds.ORDER] == [
        "pending_new", "new", "partially_filled", "filled"]
    assert all(e.actor == "basis" for e in entries)
    assert entries[2].payload["fill_id"] == "f1" and entries[2].payload["fee"] == "0.01"
    assert journal.verify().ok


class OrderBookkeeping(RuleBasedStateMachine):
    """Random sequences of events, legal or not, on several orders.

    Invariants: every status is one the transition table reaches from PENDING_NEW and every change is
    one row of the table; a refused event changes nothing; filled lots never exceed qty; open lots
    equal the sum over open orders.
    """

    def __init__(self) -> None:
        super().__init__()
        self.oms = OrderManager(SimulatedClock(T0), Journal(":memory:"))
        self.intents = 0
        self.fills = 0
        self.seen: dict[str, OrderStatus] = {}

    @rule(qty=st.integers(1, 50), side=st.sampled_from(Side), instrument_id=st.sampled_from([SPOT, PERP]))
    def create(self, qty: int, side: Side, instrument_id: str) -> None:
        self.intents += 1
        order = self.oms.create(an_intent(self.intents, qty=qty, side=side, instrument_id=instrument_id))
        assert order.status is INITIAL_STATUS

    @precondition(lambda self: len(self.oms) > 0)
    @rule(pick=st.integers(0, 10**6), event=st.sampled_from(["accepted", "canceled", "expired", "rejected"]))
    def venue_event(self, pick: int, event: str) -> None:
        order = list(self.oms)[pick % len(self.oms)]
        try:
            if event == "rejected":
                self.oms.on_rejected(order.client_order_id, T0, reason="venue says no")
            else:
                getattr(self.oms, f"on_{event}")(order.client_order_id, T0)
        except IllegalTransitionError as exc:
            assert OrderEvent(event) not in TRANSITIONS[order.status] and exc.status is order.status
            assert self.oms.get(order.client_order_id) == order  # a refused event changes nothing

    @precondition(lambda self: len(self.oms) > 0)
    @rule(pick=st.integers(0, 10**6), qty=st.integers(1, 60))
    def fill(self, pick: int, qty: int) -> None:
        order = list(self.oms)[pick % len(self.oms)]
        self.fills += 1
        try:
            self.oms.on_fill(a_fill(order.client_order_id, qty, n=self.fills, side=order.side,
                                    instrument_id=order.instrument_id))
        except (IllegalTransitionError, OverfillError):
            assert self.oms.get(order.client_order_id) == order

    @invariant()
    def every_status_change_is_a_row_of_the_table(self) -> None:
        reachable_statuses = reachable()
        for order in self.oms:
            assert order.status in reachable_statuses
            before = self.seen.get(order.client_order_id, INITIAL_STATUS)
            assert order.status is before or order.status in TRANSITIONS[before].values()
            if before in TERMINAL:
                assert order.status is before
            self.seen[order.client_order_id] = order.status

    @invariant()
    def filled_never_exceeds_qty(self) -> None:
        for order in self.oms:
            assert 0 <= order.filled_lots <= order.qty_lots
            assert (order.status is OrderStatus.FILLED) == (order.filled_lots == order.qty_lots)

    @invariant()
    def open_lots_match_the_sum_of_open_orders(self) -> None:
        for instrument_id in (SPOT, PERP):
            for side in Side:
                expected = sum(o.qty_lots - o.filled_lots for o in self.oms
                               if o.status.is_open and o.instrument_id == instrument_id and o.side is side)
                assert self.oms.open_lots(instrument_id, side) == expected
                assert sum(o.open_lots for o in self.oms.open_orders(instrument_id) if o.side is side) == expected


OrderBookkeeping.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
test_order_bookkeeping_state_machine = OrderBookkeeping.TestCase
