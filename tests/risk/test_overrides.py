"""One-intent overrides: exact intent, time-limited, named approver, named rules only, consumed, journaled."""

from __future__ import annotations

import pytest
from risk_helpers import intent, spot_lots

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import Side
from arbkit.core.time import SimulatedClock
from arbkit.risk.errors import RiskError
from arbkit.risk.gate import RiskGate
from arbkit.risk.trading_state import TradingState

BIG = spot_lots("1.5")  # over max_order_qty 1
MINUTE_NS = 60 * 10**9


def grant(gate: RiskGate, clock: SimulatedClock, **changes: object) -> None:
    args: dict[str, object] = {"intent_id": "i1", "script_id": "s1", "rules": ["max_order_qty"], "approver": "carol",
                               "reason": "block trade agreed", "expires_ns": clock.now_ns() + MINUTE_NS}
    args.update(changes)
    gate.grant_override(**args)  # type: ignore[arg-type]


def override_events(journal: Journal) -> list[str]:
    return [e.payload["action"] for e in journal.entries(kind=kinds.CONFIG)
            if str(e.payload.get("action", "")).startswith("override_")]


def test_override_lets_exactly_its_intent_past_the_named_rule_once(gate: RiskGate, clock: SimulatedClock,
                                                                   journal: Journal) -> None:
    grant(gate, clock)
    other = gate.evaluate(intent(qty_lots=BIG, n=2))
    assert other.reason_code == "MAX_ORDER_QTY"  # another intent id is not covered
    decision = gate.evaluate(intent(qty_lots=BIG, n=1))
    assert decision.approved
    check = next(c for c in decision.checks if c.rule == "max_order_qty")
    assert check.passed and "overridden by carol: block trade agreed" in check.value
    assert gate.pending_overrides() == {}
    assert gate.evaluate(intent(qty_lots=BIG, n=1)).reason_code == "MAX_ORDER_QTY"  # consumed
    assert override_events(journal) == ["override_granted", "override_used"]
    used = next(e for e in journal.entries(kind=kinds.CONFIG) if e.payload.get("action") == "override_used")
    assert used.actor == "carol" and used.payload["overridden_rules"] == ["max_order_qty"]


def test_override_does_not_pass_rules_it_does_not_name(gate: RiskGate, clock: SimulatedClock) -> None:
    grant(gate, clock, rules=["price_collar"])
    decision = gate.evaluate(intent(qty_lots=BIG))
    assert decision.reason_code == "MAX_ORDER_QTY"
    assert gate.pending_overrides() == {}  # consumed by its intent's evaluation


def test_override_of_another_script_is_not_applied(gate: RiskGate, clock: SimulatedClock) -> None:
    grant(gate, clock, script_id="s2")
    assert gate.evaluate(intent(qty_lots=BIG)).reason_code == "MAX_ORDER_QTY"


def test_expired_override_is_not_applied_and_is_journaled_expired(gate: RiskGate, clock: SimulatedClock,
                                                                  journal: Journal) -> None:
    grant(gate, clock, expires_ns=clock.now_ns() + 1_000)
    clock.advance_to(clock.now_ns() + 1_000)
    assert gate.evaluate(intent(qty_lots=BIG)).reason_code == "MAX_ORDER_QTY"
    assert override_events(journal) == ["override_granted", "override_expired"]


def test_override_never_passes_the_kill_switch(gate: RiskGate, clock: SimulatedClock) -> None:
    with pytest.raises(RiskError, match="'kill_switch' is not one"):
        grant(gate, clock, rules=["kill_switch"])
    grant(gate, clock, rules=["max_order_qty", "trading_state"])
    gate.kill_switch.engage("alice", "incident")
    assert gate.evaluate(intent(qty_lots=BIG)).reason_code == "KILL_SWITCH"


def test_override_passes_reducing_but_never_halted(gate: RiskGate, clock: SimulatedClock) -> None:
    gate.set_trading_state("script:s1", TradingState.REDUCING, actor="alice", reason="unwind")
    grant(gate, clock, rules=["trading_state"])
    assert gate.evaluate(intent()).approved
    gate.set_trading_state("script:s1", TradingState.HALTED, actor="alice", reason="stop")
    grant(gate, clock, intent_id="i2", rules=["trading_state"])
    assert gate.evaluate(intent(n=2, side=Side.SELL)).reason_code == "TRADING_STATE"


@pytest.mark.parametrize(("changes", "match"), [
    ({"approver": ""}, "approver must be a non-empty str"),
    ({"approver": "s1"}, "approver 's1' must differ from the script id 's1'"),
    ({"reason": " "}, "reason must be a non-empty str"),
    ({"intent_id": ""}, "intent_id must be a non-empty str"),
    ({"rules": []}, "must be a non-empty list of overridable rules"),
    ({"rules": ["no_such_rule"]}, "'no_such_rule' is not one"),
    ({"expires_ns": 0}, "expires_ns must be an int ns later than now"),
    ({"expires_ns": 1.5}, "expires_ns must be an int ns later than now"),
])
def test_invalid_grant_is_refused_naming_the_value(gate: RiskGate, clock: SimulatedClock, journal: Journal,
                                                   changes: dict[str, object], match: str) -> None:
    with pytest.raises(RiskError, match=match):
        grant(gate, clock, **changes)
    assert gate.pending_overrides() == {} and override_events(journal) == []


def test_second_override_for_the_same_intent_is_refused(gate: RiskGate, clock: SimulatedClock) -> None:
    grant(gate, clock)
    with pytest.raises(RiskError, match="already has a pending override"):
        grant(gate, clock, approver="dave")
