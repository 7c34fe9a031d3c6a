"""Trading states ACTIVE / REDUCING / HALTED per script and for the account (reason ``TRADING_STATE``)."""

from __future__ import annotations

import itertools

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from risk_helpers import StaticExposure, intent, spot_lots
from testkit import SPOT_BTC

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderType, Side
from arbkit.core.messages import OrderIntent
from arbkit.risk.errors import RiskError
from arbkit.risk.gate import RiskGate
from arbkit.risk.trading_state import TradingState


def of(script_id: str, base: OrderIntent) -> OrderIntent:
    return msgspec.structs.replace(base, script_id=script_id)


def test_trading_state_runs_early_right_after_the_instrument_checks_and_the_loss_breakers(gate: RiskGate) -> None:
    names = gate.rule_names
    assert names.index("trading_state") == names.index("daily_loss") + 1 < names.index("valid_intent")
    assert names.index("drawdown") == names.index("restricted") + 1


def test_halted_script_is_refused_with_trading_state_and_other_scripts_pass(gate: RiskGate) -> None:
    gate.set_trading_state("script:s1", TradingState.HALTED, actor="alice", reason="model drift")
    decision = gate.evaluate(intent(side=Side.SELL))
    assert decision.reason_code == "TRADING_STATE"
    assert decision.detail == ("script s1 may not trade now: script:s1 is HALTED "
                               "(allowed: ACTIVE (REDUCING for reducing intents))")
    assert gate.evaluate(of("s2", intent(n=2))).approved
    assert gate.trading_states() == {"script:s1": "HALTED"}


def test_halted_account_refuses_every_script(gate: RiskGate) -> None:
    gate.set_trading_state("account", "HALTED", actor="alice", reason="end of day")
    assert gate.evaluate(of("s2", intent())).reason_code == "TRADING_STATE"
    assert gate.effective_trading_state("anyone") is TradingState.HALTED


def test_reducing_refuses_an_increasing_intent_and_passes_a_reducing_one(gate: RiskGate,
                                                                         exposure: StaticExposure) -> None:
    exposure.positions[SPOT_BTC] = spot_lots("0.5")
    gate.set_trading_state("script:s1", TradingState.REDUCING, actor="alice", reason="unwind")
    buy = gate.evaluate(intent(n=1))
    assert buy.reason_code == "TRADING_STATE" and "increases worst-case position 0.5" in buy.detail
    sell = gate.evaluate(intent(side=Side.SELL, n=2))
    assert sell.approved
    assert "reduces" in next(c.value for c in sell.checks if c.rule == "trading_state")


def test_reducing_refuses_a_flip_through_zero(gate: RiskGate, exposure: StaticExposure) -> None:
    exposure.positions[SPOT_BTC] = spot_lots("0.1")
    gate.set_trading_state("account", TradingState.REDUCING, actor="alice", reason="unwind")
    assert gate.evaluate(intent(qty_lots=spot_lots("0.2"), side=Side.SELL)).reason_code == "TRADING_STATE"


def test_the_stricter_of_account_and_script_governs(gate: RiskGate) -> None:
    gate.set_trading_state("account", TradingState.REDUCING, actor="alice", reason="unwind")
    gate.set_trading_state("script:s1", TradingState.HALTED, actor="alice", reason="drift")
    assert "script:s1 is HALTED" in gate.evaluate(intent()).detail
    gate.set_trading_state("script:s1", TradingState.ACTIVE, actor="alice", reason="fixed")
    assert "account is REDUCING" in gate.evaluate(intent(n=2)).detail
    gate.set_trading_state("account", TradingState.ACTIVE, actor="alice", reason="over")
    assert gate.evaluate(intent(n=3)).approved and gate.trading_states() == {}


def test_state_changes_are_journaled_with_old_new_actor_and_reason(gate: RiskGate, journal: Journal) -> None:
    gate.set_trading_state("script:s1", TradingState.REDUCING, actor="alice", reason="unwind")
    gate.set_trading_state("script:s1", TradingState.HALTED, actor="bob", reason="worse")
    changes = [e for e in journal.entries(kind=kinds.CONFIG) if e.payload.get("action") == "set_trading_state"]
    assert [(e.actor, e.payload["scope"], e.payload["old"], e.payload["new"], e.payload["reason"]) for e in changes] == [
        ("alice", "script:s1", "ACTIVE", "REDUCING", "unwind"), ("bob", "script:s1", "REDUCING", "HALTED", "worse")]
    assert gate.trading_state("script:s1") is TradingState.HALTED


@pytest.mark.parametrize(("scope", "state", "actor", "reason", "match"), [
    ("desk", "HALTED", "a", "r", r"scope 'desk' is not valid; allowed: 'account' or 'script:<script id>'"),
    ("script:", "HALTED", "a", "r", "scope 'script:' is not valid"),
    ("account", "PAUSED", "a", "r", "trading state 'PAUSED' is not valid; allowed: ACTIVE, REDUCING, HALTED"),
    ("account", "HALTED", "", "r", "actor must be a non-empty str"),
    ("account", "HALTED", "a", " ", "reason must be a non-empty str"),
])
def test_invalid_state_change_is_refused_and_changes_nothing(gate: RiskGate, journal: Journal, scope: str,
                                                             state: str, actor: str, reason: str, match: str) -> None:
    with pytest.raises(RiskError, match=match):
        gate.set_trading_state(scope, state, actor=actor, reason=reason)
    assert gate.trading_states() == {}


_ids = itertools.count()
_steps = st.lists(st.tuples(st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 30), st.integers(-40, 40),
                            st.integers(0, 30)), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_steps, state=st.sampled_from([TradingState.HALTED, TradingState.REDUCING]),
       scope=st.sampled_from(["account", "script:s1"]))
def test_no_approved_intent_in_halted_and_none_increasing_in_reducing(
        gate: RiskGate, exposure: StaticExposure, steps: list[tuple[Side, int, int, int]], state: TradingState,
        scope: str) -> None:
    gate.set_trading_state(scope, state, actor="prop", reason="property")
    lot = spot_lots("0.01")
    for side, qty, position, working in steps:
        exposure.positions[SPOT_BTC] = position * lot
        exposure.working[(SPOT_BTC, side)] = working * lot
        sign = int(side)
        before = position * lot + sign * working * lot
        after = before + sign * qty * lot
        decision = gate.evaluate(OrderIntent(
            intent_id=f"p{next(_ids)}", script_id="s1", model_version="m", instrument_id=SPOT_BTC, side=side,
            order_type=OrderType.MARKET, qty_lots=qty * lot, ts_created=0))
        if state is TradingState.HALTED:
            assert not decision.approved and decision.reason_code == "TRADING_STATE"
        elif decision.approved:
            assert abs(after) < abs(before) and (after == 0 or (after > 0) == (before > 0))
    gate.set_trading_state(scope, TradingState.ACTIVE, actor="prop", reason="reset")
