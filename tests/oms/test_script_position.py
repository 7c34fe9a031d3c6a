"""The OMS's per-(script, instrument) filled position, kept as fills are applied, always equals the sum over
its unique fills (the risk gate's exposure view reads it instead of summing every fill per intent)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from oms_kit import PERP, SPOT, T0, an_oms

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.audit.journal import Journal
from arbkit.core.enums import LiquiditySide, OrderType, Side
from arbkit.core.messages import Fill, OrderIntent
from arbkit.core.time import SimulatedClock
from arbkit.oms.order_manager import OrderManager
from arbkit.oms.recovery import rebuild
from arbkit.portfolio.portfolio import Portfolio
from arbkit.system.views import PortfolioExposure

SCRIPTS = ("basis", "carry")


def intent(n: int, script: str, instrument: str, side: Side, qty: int) -> OrderIntent:
    return OrderIntent(intent_id=f"i{n}", script_id=script, model_version="m1", instrument_id=instrument, side=side,
                       order_type=OrderType.LIMIT, qty_lots=qty, price_ticks=6_000_000, ts_created=T0)


def fill(order_id: str, script: str, instrument: str, side: Side, qty: int, fill_id: str) -> Fill:
    return Fill(fill_id=fill_id, client_order_id=order_id, script_id=script, model_version="m1",
                instrument_id=instrument, side=side, price_ticks=6_000_000, qty_lots=qty, fee=Decimal("0.01"),
                liquidity=LiquiditySide.MAKER, ts_event=T0)


def summed(oms: OrderManager, script: str, instrument: str) -> int:
    """The definition: side × qty over the unique fills of ``script`` on ``instrument``."""
    return sum(int(f.side) * f.qty_lots for f in oms.fills() if f.script_id == script and f.instrument_id == instrument)


def assert_matches_fills(oms: OrderManager) -> None:
    view = PortfolioExposure(Portfolio(binance_registry()), oms)
    for script in (*SCRIPTS, "nobody"):
        for instrument in (SPOT, PERP):
            assert oms.script_position_lots(script, instrument) == summed(oms, script, instrument)
            assert view.script_position_lots(script, instrument) == summed(oms, script, instrument)


def test_script_position_counts_each_unique_fill_once_per_script_and_instrument() -> None:
    oms = an_oms()
    oms.create(intent(1, "basis", SPOT, Side.BUY, 10))
    oms.create(intent(2, "carry", SPOT, Side.SELL, 6))
    oms.create(intent(3, "basis", PERP, Side.SELL, 4))
    first = fill("O1", "basis", SPOT, Side.BUY, 3, "F1")
    assert oms.apply_fill(first)
    assert not oms.apply_fill(first)  # a repeated fill id changes nothing
    assert oms.apply_fill(fill("O1", "basis", SPOT, Side.BUY, 2, "F2"))
    assert oms.apply_fill(fill("O2", "carry", SPOT, Side.SELL, 6, "F1"))  # same fill id, another order
    assert oms.apply_fill(fill("O3", "basis", PERP, Side.SELL, 4, "F9"))
    assert not oms.apply_fill(fill("O3", "basis", PERP, Side.SELL, 4, "F9"))
    assert oms.script_position_lots("basis", SPOT) == 5 and oms.script_position_lots("carry", SPOT) == -6
    assert oms.script_position_lots("basis", PERP) == -4 and oms.script_position_lots("carry", PERP) == 0
    assert oms.duplicate_fills == 2
    assert_matches_fills(oms)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[tuple[str, str, Side, int]], list[Fill]]:
    """Orders of two scripts on two instruments, and a shuffled stream of their fills with repeats."""
    orders = draw(st.lists(st.tuples(st.sampled_from(SCRIPTS), st.sampled_from((SPOT, PERP)), st.sampled_from(Side),
                                     st.integers(1, 20)), min_size=1, max_size=6))
    unique: list[Fill] = []
    for index, (script, instrument, side, qty) in enumerate(orders):
        remaining = qty
        for part in draw(st.lists(st.integers(1, qty), max_size=4)):
            lots = min(part, remaining)
            if lots == 0:
                break
            remaining -= lots
            unique.append(fill(f"O{index + 1}", script, instrument, side, lots, f"F{len(unique) % 3}-{len(unique)}"))
    repeats = draw(st.lists(st.sampled_from(unique), max_size=10)) if unique else []
    return orders, draw(st.permutations(unique + repeats))


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_script_position_equals_the_sum_over_fills_after_every_fill(
        case: tuple[list[tuple[str, str, Side, int]], list[Fill]]) -> None:
    orders, stream = case
    oms = an_oms()
    for n, (script, instrument, side, qty) in enumerate(orders, start=1):
        oms.create(intent(n, script, instrument, side, qty))
    for each in stream:
        oms.apply_fill(each)
        assert_matches_fills(oms)


def test_script_position_is_rebuilt_from_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        live = an_oms(journal)
        live.create(intent(1, "basis", SPOT, Side.BUY, 10))
        live.create(intent(2, "carry", PERP, Side.SELL, 5))
        live.apply_fill(fill("O1", "basis", SPOT, Side.BUY, 4, "F1"))
        live.apply_fill(fill("O1", "basis", SPOT, Side.BUY, 4, "F1"))
        live.apply_fill(fill("O2", "carry", PERP, Side.SELL, 5, "F1"))
    with Journal(path) as journal:
        oms = rebuild(SimulatedClock(T0), journal)
    assert oms.script_position_lots("basis", SPOT) == 4 and oms.script_position_lots("carry", PERP) == -5
    assert_matches_fills(oms)
