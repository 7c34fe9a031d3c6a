"""Property: for any position, working orders, intent and regime, the gate refuses a regime-gated script's intent
with REGIME exactly when the regime is outside the declared set and the intent does not reduce the worst-case
position (recomputed here from the exposure), and never refuses an ungated script with REGIME."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from risk_helpers import MID_BTC_SPOT, T0, StaticExposure, StaticMarket, spot_limits
from testkit import SPOT_BTC, registry

from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderType, Side
from arbkit.core.messages import OrderIntent
from arbkit.core.time import SimulatedClock
from arbkit.regime.events import RegimeChange
from arbkit.risk.config import RiskConfig
from arbkit.risk.gate import RiskGate
from arbkit.risk.regime_policy import RegimePolicy
from arbkit.risk.regime_state import RegimeBoard

REGIMES = ("warming_up", "calm", "volatile", "dislocated")
MAX_ORDER_LOTS = registry().get(SPOT_BTC).size_to_lots("1")  # spot_limits(): 1 BTC per order

lots = st.one_of(st.integers(-5, 5), st.integers(-3 * MAX_ORDER_LOTS, 3 * MAX_ORDER_LOTS))
working_lots = st.one_of(st.just(0), st.integers(0, 5), st.integers(0, 3 * MAX_ORDER_LOTS))


def worst_case_reduces(position: int, working_same_side: int, side: Side, qty: int) -> bool:
    """True if the order only moves position-plus-same-side-working towards zero without crossing it."""
    worst_before = position + working_same_side if side is Side.BUY else position - working_same_side
    worst_after = worst_before + qty if side is Side.BUY else worst_before - qty
    return abs(worst_after) < abs(worst_before) and (worst_after == 0 or (worst_after > 0) == (worst_before > 0))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=lots, working_buy=working_lots, working_sell=working_lots, side=st.sampled_from(Side),
       qty=st.integers(1, MAX_ORDER_LOTS), regime=st.sampled_from(REGIMES),
       allowed=st.frozensets(st.sampled_from(REGIMES)), gated=st.booleans())
def test_regime_refusal_iff_outside_the_allowed_set_and_not_reducing(position: int, working_buy: int,
                                                                     working_sell: int, side: Side, qty: int,
                                                                     regime: str, allowed: frozenset[str],
                                                                     gated: bool) -> None:
    clock = SimulatedClock(start_ns=T0)
    market = StaticMarket()
    market.mids[SPOT_BTC] = (float(MID_BTC_SPOT), T0)
    exposure = StaticExposure()
    exposure.positions[SPOT_BTC] = position
    exposure.working[(SPOT_BTC, Side.BUY)] = working_buy
    exposure.working[(SPOT_BTC, Side.SELL)] = working_sell
    with TemporaryDirectory() as folder, Journal(Path(folder) / "journal.sqlite") as journal:
        board = RegimeBoard(journal)
        board.track(SPOT_BTC, "warming_up")
        if regime != "warming_up":
            board.apply(RegimeChange(ts_ns=T0, scope=SPOT_BTC, old="warming_up", new=regime, cause="hmm", detail=""))
        gate = RiskGate(RiskConfig(instruments={SPOT_BTC: spot_limits()}), registry(), market, exposure, clock,
                        journal, regimes=board)
        if gated:
            gate.set_regime_policy("s", RegimePolicy(allowed), actor="s", reason="declared")
        intent = OrderIntent(intent_id="i", script_id="s", model_version="m", instrument_id=SPOT_BTC, side=side,
                             order_type=OrderType.LIMIT, qty_lots=qty, ts_created=T0, price_ticks=MID_BTC_SPOT)
        decision = gate.evaluate(intent)
    reduces = worst_case_reduces(position, working_buy if side is Side.BUY else working_sell, side, qty)
    expect_refusal = gated and regime not in allowed and not reduces
    event(f"gated={gated} allowed={regime in allowed} reduces={reduces} -> {decision.reason_code or 'approved'}")
    assert (decision.reason_code == "REGIME") == expect_refusal
    [check] = [c for c in decision.checks if c.rule == "regime"]
    assert check.passed == (not expect_refusal)
    if gated:
        assert check.limit == "{" + ", ".join(sorted(allowed)) + "}" and repr(regime) in check.value
