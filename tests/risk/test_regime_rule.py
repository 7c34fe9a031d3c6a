"""The REGIME rule of the risk gate: a regime-gated script may only reduce its worst-case position outside the
regimes it declared. Real gate, real regime board, journal in a temporary SQLite file."""

from __future__ import annotations

import msgspec
import pytest
from risk_helpers import T0, StaticExposure, StaticMarket, intent, spot_lots
from testkit import COINM_BTC, SPOT_BTC, registry

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import Side
from arbkit.core.time import SimulatedClock
from arbkit.regime.events import DISLOCATED, WARMING_UP, RegimeChange
from arbkit.risk.config import RiskConfig
from arbkit.risk.gate import RiskGate
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.regime_policy import MARKET_SCOPE, RegimePolicy
from arbkit.risk.regime_state import RegimeBoard

CALM = "calm"
GATED = RegimePolicy({CALM, "volatile"})


@pytest.fixture
def board(journal: Journal) -> RegimeBoard:
    board = RegimeBoard(journal)
    board.track(SPOT_BTC, WARMING_UP)
    board.track(MARKET_SCOPE, WARMING_UP)
    return board


@pytest.fixture
def regime_gate(config: RiskConfig, market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock,
                journal: Journal, board: RegimeBoard) -> RiskGate:
    gate = RiskGate(config, registry(), market, exposure, clock, journal, regimes=board)
    gate.set_regime_policy("s1", GATED, actor="s1", reason="declared by the test script")
    return gate


def move(board: RegimeBoard, scope: str, new: str, ts_ns: int = T0) -> None:
    """Apply a regime change of ``scope`` to ``new`` (from whatever it is now)."""
    old = board.current(scope)
    assert old is not None
    board.apply(RegimeChange(ts_ns=ts_ns, scope=scope, old=old, new=new, cause="dislocation_guard",
                             detail="test"))


def regime_check(decision):  # type: ignore[no-untyped-def]
    [check] = [c for c in decision.checks if c.rule == "regime"]
    return check


def test_regime_rule_runs_after_the_intent_checks_and_before_the_price_checks(regime_gate: RiskGate) -> None:
    names = regime_gate.rule_names
    assert names.index("regime") == names.index("max_order_qty") + 1
    assert names.index("regime") < names.index("reference_price") < names.index("price_collar")


def test_increasing_intent_in_a_disallowed_regime_is_rejected_naming_script_regime_and_allowed_set(
        regime_gate: RiskGate, board: RegimeBoard) -> None:
    move(board, SPOT_BTC, DISLOCATED)
    decision = regime_gate.evaluate(intent(qty_lots=spot_lots("0.1")))
    assert not decision.approved and decision.reason_code == ReasonCode.REGIME
    check = regime_check(decision)
    assert check.value == f"regime 'dislocated' on {SPOT_BTC} (increases worst-case position 0 -> 0.1)"
    assert check.limit == "{calm, volatile}"
    assert decision.detail == (f"script s1 may not increase risk in regime 'dislocated' on {SPOT_BTC} (increases "
                               "worst-case position 0 -> 0.1) (allowed regimes: {calm, volatile})")
    assert regime_gate.rejections_by_reason() == {"REGIME": 1}


def test_same_intent_in_an_allowed_regime_is_approved(regime_gate: RiskGate, board: RegimeBoard) -> None:
    move(board, SPOT_BTC, CALM)
    decision = regime_gate.evaluate(intent())
    assert decision.approved
    check = regime_check(decision)
    assert check.passed and check.value == f"regime 'calm' on {SPOT_BTC}" and check.limit == "{calm, volatile}"


def test_reducing_intent_passes_in_a_disallowed_regime_but_a_flip_through_zero_does_not(
        regime_gate: RiskGate, board: RegimeBoard, exposure: StaticExposure) -> None:
    move(board, SPOT_BTC, DISLOCATED)
    exposure.positions[SPOT_BTC] = spot_lots("0.5")
    close = regime_gate.evaluate(intent(side=Side.SELL, qty_lots=spot_lots("0.5"), n=1))
    assert close.approved
    assert regime_check(close).value == (f"regime 'dislocated' on {SPOT_BTC} (reduces worst-case position 0.5 -> 0)")
    partial = regime_gate.evaluate(intent(side=Side.SELL, qty_lots=spot_lots("0.2"), n=2))
    assert partial.approved
    flip = regime_gate.evaluate(intent(side=Side.SELL, qty_lots=spot_lots("0.7"), n=3))
    assert flip.reason_code == ReasonCode.REGIME and "0.5 -> -0.2" in flip.detail
    add = regime_gate.evaluate(intent(side=Side.BUY, qty_lots=spot_lots("0.1"), n=4))
    assert add.reason_code == ReasonCode.REGIME


def test_short_position_is_reduced_by_a_buy(regime_gate: RiskGate, board: RegimeBoard,
                                            exposure: StaticExposure) -> None:
    move(board, SPOT_BTC, DISLOCATED)
    exposure.positions[SPOT_BTC] = -spot_lots("0.3")
    assert regime_gate.evaluate(intent(side=Side.BUY, qty_lots=spot_lots("0.3"))).approved
    assert regime_gate.evaluate(intent(side=Side.SELL, qty_lots=spot_lots("0.1"), n=2)).reason_code == "REGIME"


def test_working_orders_on_the_same_side_count_towards_the_worst_case(regime_gate: RiskGate, board: RegimeBoard,
                                                                      exposure: StaticExposure) -> None:
    move(board, SPOT_BTC, DISLOCATED)
    exposure.positions[SPOT_BTC] = spot_lots("0.5")
    exposure.working[(SPOT_BTC, Side.SELL)] = spot_lots("0.5")  # a close already in flight
    second_close = regime_gate.evaluate(intent(side=Side.SELL, qty_lots=spot_lots("0.2")))
    assert second_close.reason_code == ReasonCode.REGIME
    assert "0 -> -0.2" in regime_check(second_close).value
    exposure.working.clear()
    assert regime_gate.evaluate(intent(side=Side.SELL, qty_lots=spot_lots("0.2"), n=2)).approved


def test_a_pending_buy_makes_a_sell_from_flat_risk_increasing(regime_gate: RiskGate, board: RegimeBoard,
                                                              exposure: StaticExposure) -> None:
    move(board, SPOT_BTC, DISLOCATED)
    exposure.working[(SPOT_BTC, Side.BUY)] = spot_lots("0.5")  # may be canceled: the sell alone would go short
    decision = regime_gate.evaluate(intent(side=Side.SELL, qty_lots=spot_lots("0.3")))
    assert decision.reason_code == ReasonCode.REGIME


def test_warming_up_is_outside_the_allowed_set_unless_listed(regime_gate: RiskGate, board: RegimeBoard) -> None:
    assert board.current(SPOT_BTC) == WARMING_UP
    refused = regime_gate.evaluate(intent(n=1))
    assert refused.reason_code == ReasonCode.REGIME and "'warming_up'" in refused.detail
    regime_gate.set_regime_policy("s1", RegimePolicy({CALM, WARMING_UP}), actor="alice",
                                  reason="trade from the first tick")
    assert regime_gate.evaluate(intent(n=2)).approved


def test_ungated_script_trades_in_any_regime(regime_gate: RiskGate, board: RegimeBoard) -> None:
    move(board, SPOT_BTC, DISLOCATED)
    decision = regime_gate.evaluate(msgspec.structs.replace(intent(), script_id="free"))
    assert decision.approved
    assert regime_check(decision).value == "script not regime-gated"


def test_declared_scopes_replace_the_instrument_scope(regime_gate: RiskGate, board: RegimeBoard) -> None:
    move(board, SPOT_BTC, CALM)
    move(board, MARKET_SCOPE, DISLOCATED)
    assert regime_gate.evaluate(intent(n=1)).approved  # default: the instrument's own regime
    regime_gate.set_regime_policy("s1", RegimePolicy({CALM}, scopes=(SPOT_BTC, MARKET_SCOPE)), actor="alice",
                                  reason="respect the market-wide regime too")
    decision = regime_gate.evaluate(intent(n=2))
    assert decision.reason_code == ReasonCode.REGIME
    assert regime_check(decision).value.startswith("regime 'dislocated' on market (increases")


def test_untracked_instrument_falls_back_to_the_market_scope(regime_gate: RiskGate, board: RegimeBoard,
                                                             market: StaticMarket) -> None:
    move(board, MARKET_SCOPE, DISLOCATED)
    coinm = intent(instrument_id=COINM_BTC, qty_lots=10, price_ticks=600_000)
    decision = regime_gate.evaluate(coinm)
    assert decision.reason_code == ReasonCode.REGIME and "on market" in decision.detail


def test_gated_script_without_any_monitor_can_only_reduce(config: RiskConfig, market: StaticMarket,
                                                          exposure: StaticExposure, clock: SimulatedClock,
                                                          journal: Journal) -> None:
    gate = RiskGate(config, registry(), market, exposure, clock, journal)  # an empty regime board
    gate.set_regime_policy("s1", GATED, actor="s1", reason="declared")
    refused = gate.evaluate(intent(n=1))
    assert refused.reason_code == ReasonCode.REGIME and "unknown regime on market (no monitor)" in refused.detail
    exposure.positions[SPOT_BTC] = spot_lots("0.2")
    assert gate.evaluate(intent(side=Side.SELL, qty_lots=spot_lots("0.2"), n=2)).approved


def test_regime_rejection_and_regime_changes_are_journaled(regime_gate: RiskGate, board: RegimeBoard,
                                                           journal: Journal) -> None:
    move(board, SPOT_BTC, DISLOCATED, ts_ns=T0 + 5)
    regime_gate.evaluate(intent())
    [change] = journal.entries(kind=kinds.REGIME_CHANGE)
    assert change.actor == "regime_monitor" and change.ts_ns == T0 + 5
    assert change.payload == {"ts_ns": T0 + 5, "scope": SPOT_BTC, "old": "warming_up", "new": "dislocated",
                              "cause": "dislocation_guard", "detail": "test"}
    [decision] = journal.entries(kind=kinds.RISK_DECISION)
    assert decision.payload["reason_code"] == "REGIME" and decision.seq > change.seq
    assert decision.payload["checks"][-1] == {"rule": "regime", "passed": False, "limit": "{calm, volatile}",
                                              "value": f"regime 'dislocated' on {SPOT_BTC} (increases worst-case "
                                                       "position 0 -> 0.1)"}
    [policy] = [e for e in journal.entries(kind=kinds.CONFIG) if e.payload.get("action") == "set_regime_policy"]
    assert policy.payload["new"] == {"allowed_regimes": ["calm", "volatile"], "regime_scopes": []}
    assert journal.verify().ok
    assert board.change_count == 1 and board.changes_by_scope() == {SPOT_BTC: 1, MARKET_SCOPE: 0}


def test_removing_a_policy_is_journaled_and_ungates_the_script(regime_gate: RiskGate, board: RegimeBoard,
                                                               journal: Journal) -> None:
    move(board, SPOT_BTC, DISLOCATED)
    assert regime_gate.evaluate(intent(n=1)).reason_code == ReasonCode.REGIME
    regime_gate.set_regime_policy("s1", None, actor="alice", reason="script retired from gating")
    assert regime_gate.regime_policy("s1") is None
    assert regime_gate.evaluate(intent(n=2)).approved
    actions = [e.payload for e in journal.entries(kind=kinds.CONFIG) if e.payload.get("action") == "set_regime_policy"]
    assert [a["new"] for a in actions] == [{"allowed_regimes": ["calm", "volatile"], "regime_scopes": []}, None]
    assert actions[-1]["actor"] == "alice"


def test_market_view_is_not_needed_by_the_regime_rule(regime_gate: RiskGate, board: RegimeBoard,
                                                      market: StaticMarket) -> None:
    """With no reference price the intent still meets REGIME first: a crash that empties the book is refused."""
    move(board, SPOT_BTC, DISLOCATED)
    market.mids.clear()
    assert regime_gate.evaluate(intent()).reason_code == ReasonCode.REGIME
    move(board, SPOT_BTC, CALM)
    assert regime_gate.evaluate(intent(n=2)).reason_code == ReasonCode.NO_REFERENCE_PRICE
