"""Property: for any intent and any exposure the gate never raises, returns exactly one decision (journaled
once), and an approval implies every configured limit holds, recomputed here independently."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from risk_helpers import MID_BTC_COINM, MID_BTC_SPOT, T0, StaticExposure, StaticMarket, coinm_limits, spot_limits
from testkit import COINM_BTC, SPOT_BTC, USDM_BTC, registry

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderType, Side
from arbkit.core.messages import OrderIntent
from arbkit.core.time import SimulatedClock
from arbkit.risk.config import RiskConfig
from arbkit.risk.gate import RiskGate

REGISTRY = registry()
LIMITS = {SPOT_BTC: spot_limits(), COINM_BTC: coinm_limits()}
MIDS = {SPOT_BTC: MID_BTC_SPOT, COINM_BTC: MID_BTC_COINM}

wild_lots = st.one_of(st.integers(-5, 5), st.integers(-10**9, 10**9), st.integers(-10**20, 10**20))
wild_prices = st.one_of(st.none(), st.integers(-10, 10), st.integers(1, 10**8), st.integers(10**8, 10**30))


def near(draw: st.DrawFn, center: int, spread: int, wild: st.SearchStrategy[int]) -> int:
    """Mostly ``center ± spread``, sometimes anything ``wild`` generates."""
    if draw(st.integers(0, 9)) < 7:
        return draw(st.integers(center - spread, center + spread))
    return draw(wild)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[OrderIntent, StaticMarket, StaticExposure, int, bool]:
    instrument_id = draw(st.sampled_from([SPOT_BTC] * 3 + [COINM_BTC] * 3 + [USDM_BTC, "NOPE.X"]))
    known = instrument_id in LIMITS
    instrument = REGISTRY.get(instrument_id) if known else REGISTRY.get(SPOT_BTC)
    max_lots = instrument.size_to_lots(LIMITS[instrument.id].max_position_qty)
    mid = MIDS[instrument.id]
    order_type = draw(st.sampled_from(OrderType))
    if order_type is OrderType.LIMIT or draw(st.integers(0, 9)) == 0:
        price = near(draw, mid, mid * 60 // 10_000, wild_prices)  # within ~60 bps of the mid, mostly
    else:
        price = None
    intent = OrderIntent(intent_id="i", script_id="s", model_version="m", instrument_id=instrument_id,
                         side=draw(st.sampled_from(Side)), order_type=order_type,
                         qty_lots=near(draw, max_lots // 4, max_lots // 4, wild_lots), price_ticks=price,
                         ts_created=T0)
    market = StaticMarket()
    if known and draw(st.integers(0, 9)) > 0:
        market.mids[instrument_id] = (mid + draw(st.sampled_from([0.0, 0.5, -0.5])),
                                      T0 - draw(st.integers(0, 2_500_000_000)))
    exposure = StaticExposure()
    exposure.positions[instrument_id] = near(draw, 0, max_lots * 6 // 5, wild_lots)
    for side in Side:
        exposure.working[(instrument_id, side)] = near(draw, max_lots // 4, max_lots // 4, st.integers(0, 10**12))
    kill = draw(st.integers(0, 9)) == 9
    return intent, market, exposure, draw(st.integers(0, 500_000_000)), kill


def assert_limits_hold(intent: OrderIntent, market: StaticMarket, exposure: StaticExposure, now_ns: int) -> None:
    instrument = REGISTRY.get(intent.instrument_id)
    limits = LIMITS[intent.instrument_id]
    assert intent.qty_lots > 0
    assert instrument.lots_to_size(intent.qty_lots) <= limits.max_order_qty
    mid, ts = market.mids[intent.instrument_id]
    assert now_ns - ts <= limits.reference_max_age_ms * 1_000_000
    if intent.order_type is OrderType.LIMIT:
        assert intent.price_ticks is not None and intent.price_ticks > 0
        assert abs(Decimal(intent.price_ticks) - Decimal(mid)) * 10_000 <= limits.price_collar_bps * Decimal(mid)
        value_price = intent.price_ticks
    else:
        assert intent.price_ticks is None
        value_price = math.ceil(mid)
    assert instrument.notional_quote(value_price, intent.qty_lots) <= limits.max_order_notional_usd
    sign = int(intent.side)
    before = exposure.position_lots(intent.instrument_id) + sign * exposure.open_order_lots(intent.instrument_id,
                                                                                            intent.side)
    after = before + sign * intent.qty_lots
    within = instrument.lots_to_size(abs(after)) <= limits.max_position_qty
    shrinks_without_crossing_zero = abs(after) < abs(before) and after * before >= 0
    assert within or shrinks_without_crossing_zero


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_gate_returns_one_decision_and_approval_implies_every_limit_holds(
        tmp_path: Path, scenario: tuple[OrderIntent, StaticMarket, StaticExposure, int, bool]) -> None:
    intent, market, exposure, elapsed_ns, kill = scenario
    clock = SimulatedClock(T0 + elapsed_ns)
    with Journal(":memory:") as journal:
        gate = RiskGate(RiskConfig(instruments=LIMITS, kill_switch_engaged=kill), REGISTRY, market, exposure, clock,
                        journal)
        decision = gate.evaluate(intent)
        assert journal.count(kinds.INTENT) == 1 and journal.count(kinds.RISK_DECISION) == 1
        assert decision.approved == (decision.reason_code == "")
        assert sum(gate.rejections_by_reason().values()) + gate.approvals == 1
        assert [c.passed for c in decision.checks] == [True] * (len(decision.checks) - 1) + [decision.approved]
        event(decision.reason_code or "approved")
        if decision.approved:
            assert not kill
            assert_limits_hold(intent, market, exposure, clock.now_ns())
