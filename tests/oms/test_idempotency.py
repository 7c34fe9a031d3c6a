"""Idempotency: one order per intent and client order id; a repeated fill is ignored and counted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oms_kit import PERP, SPOT, T0, a_fill, an_intent, an_oms

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderStatus, Side
from arbkit.core.messages import Fill
from arbkit.oms.errors import DuplicateOrderError, OrderStateError
from arbkit.portfolio.portfolio import Portfolio
from arbkit.sim.events import OrderFilled
from arbkit.system.order_path import OrderPath


def test_resent_intent_raises_and_leaves_one_order_and_one_created_row() -> None:
    journal = Journal(":memory:")
    oms = an_oms(journal)
    first = oms.create(an_intent(1, qty=4))
    with pytest.raises(DuplicateOrderError, match="intent 'i1' already has an order \\('O1'\\)") as info:
        oms.create(an_intent(1, qty=9))
    assert (info.value.key, info.value.value, info.value.existing_client_order_id) == ("intent", "i1", "O1")
    assert list(oms) == [first] and oms.order_for_intent("i1") == first and oms.order_for_intent("i2") is None
    assert oms.open_lots(SPOT, Side.BUY) == 4
    assert [e.payload["event"] for e in journal.entries(kind=kinds.ORDER)] == ["created"]


def test_repeated_fill_is_ignored_counted_and_not_journaled_again() -> None:
    journal = Journal(":memory:")
    oms = an_oms(journal)
    oms.create(an_intent(qty=10))
    assert oms.apply_fill(a_fill("O1", 4, n=1)) is True
    assert oms.apply_fill(a_fill("O1", 4, n=1)) is False
    assert oms.on_fill(a_fill("O1", 4, n=1)).filled_lots == 4
    assert (oms.duplicate_fills, oms.filled_position_lots(SPOT), oms.open_lots(SPOT, Side.BUY)) == (2, 4, 6)
    assert journal.count(kinds.FILL) == 1


def test_repeated_fill_after_the_order_is_filled_is_ignored_not_illegal() -> None:
    oms = an_oms()
    oms.create(an_intent(qty=3))
    oms.on_fill(a_fill("O1", 3, n=1))
    assert oms.apply_fill(a_fill("O1", 3, n=1)) is False
    assert oms.get("O1").status is OrderStatus.FILLED and oms.filled_position_lots(SPOT) == 3


def test_same_fill_id_with_other_content_raises_naming_both() -> None:
    oms = an_oms()
    oms.create(an_intent(qty=10))
    oms.on_fill(a_fill("O1", 4, n=1))
    with pytest.raises(OrderStateError, match="fill_id 'f1' was already applied with other content "
                                              "\\(4 lots at 6000000 ticks, now 5 lots"):
        oms.on_fill(a_fill("O1", 5, n=1))
    assert oms.get("O1").filled_lots == 4 and oms.duplicate_fills == 0


def test_fill_ids_are_keyed_per_order() -> None:
    oms = an_oms()
    oms.create(an_intent(1, qty=10))
    oms.create(an_intent(2, qty=10, side=Side.SELL))
    assert oms.apply_fill(a_fill("O1", 2, fill_id="t1"))
    assert oms.apply_fill(a_fill("O2", 5, fill_id="t1", side=Side.SELL))
    assert oms.filled_position_lots(SPOT) == -3 and oms.duplicate_fills == 0


class _FillCountingGate:
    """Stands in for the risk gate: only counts the fills the order path reports."""

    def __init__(self) -> None:
        self.fills: list[Fill] = []

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)


def test_order_path_does_not_apply_a_repeated_fill_to_the_portfolio() -> None:
    oms = an_oms()
    portfolio = Portfolio(binance_registry())
    gate = _FillCountingGate()
    path = OrderPath(gate=gate, oms=oms, venue=None, portfolio=portfolio)  # type: ignore[arg-type]  # fills only
    oms.create(an_intent(qty=10, instrument_id=PERP))
    event = OrderFilled(fill=a_fill("O1", 4, instrument_id=PERP), leaves_lots=6)
    path.on_venue_events([event, event])
    path.on_venue_events([event])
    assert portfolio.position_lots(PERP) == 4 and path.fills == [event.fill] and oms.duplicate_fills == 2
    assert gate.fills in ([], [event.fill])  # the gate, if it listens, hears the fill once


@st.composite
def fill_streams(draw: st.DrawFn) -> tuple[list[tuple[int, Side, int]], list[Fill]]:
    """Orders (intent n, side, qty) and a stream of their fills with repeats, in random order."""
    orders = draw(st.lists(st.tuples(st.sampled_from(Side), st.integers(1, 30)), min_size=1, max_size=6))
    unique: list[Fill] = []
    for index, (side, qty) in enumerate(orders):
        parts = draw(st.lists(st.integers(1, qty), max_size=5))
        remaining = qty
        for part in parts:
            lots = min(part, remaining)
            if lots == 0:
                break
            remaining -= lots
            unique.append(a_fill(f"O{index + 1}", lots, n=len(unique) + 1, side=side))
    repeats = draw(st.lists(st.sampled_from(unique), max_size=20)) if unique else []
    stream = draw(st.permutations(unique + repeats))
    return [(i + 1, side, qty) for i, (side, qty) in enumerate(orders)], stream


@settings(max_examples=200, deadline=None)
@given(fill_streams())
def test_position_equals_the_sum_of_unique_fills_whatever_the_repeats_and_order(
        case: tuple[list[tuple[int, Side, int]], list[Fill]]) -> None:
    orders, stream = case
    oms = an_oms()
    for n, side, qty in orders:
        oms.create(an_intent(n, qty=qty, side=side))
    applied = [fill for fill in stream if oms.apply_fill(fill)]
    unique = {(f.client_order_id, f.fill_id): f for f in stream}
    assert sorted(applied, key=lambda f: f.fill_id) == sorted(unique.values(), key=lambda f: f.fill_id)
    assert oms.duplicate_fills == len(stream) - len(unique)
    assert oms.filled_position_lots(SPOT) == sum(int(f.side) * f.qty_lots for f in unique.values())
    for order in oms:
        assert order.filled_lots == sum(f.qty_lots for f in unique.values() if f.client_order_id == order.client_order_id)
        assert order.filled_lots <= order.qty_lots
        assert (order.status is OrderStatus.FILLED) == (order.filled_lots == order.qty_lots)
    assert sum(o.open_lots for o in oms.open_orders() if o.side is Side.BUY) == oms.open_lots(SPOT, Side.BUY)
    assert T0  # fills are stamped from T0 on
