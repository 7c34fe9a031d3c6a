"""Limits change at runtime only through audited gate actions: ``set_risk_section`` for the flow and portfolio
sections (the instrument limits, breakers and states have their own tested setters)."""

from __future__ import annotations

import pytest
from portfolio_helpers import ScriptExposure
from risk_helpers import StaticMarket, intent, registry, spot_lots
from testkit import SPOT_BTC

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.errors import ConfigError
from arbkit.core.messages import Fill
from arbkit.core.time import SimulatedClock
from arbkit.risk.config import RiskConfig
from arbkit.risk.errors import RiskError
from arbkit.risk.gate import RiskGate


def test_restricting_an_instrument_at_runtime_is_journaled_and_applies_to_the_next_intent(
        gate: RiskGate, journal: Journal) -> None:
    assert gate.evaluate(intent()).approved
    gate.set_risk_section("restrictions", {"restricted_instruments": [SPOT_BTC]}, actor="risk-officer",
                          reason="corporate action")
    assert gate.evaluate(intent(n=2)).reason_code == "RESTRICTED"
    (row,) = [e for e in journal.entries(kind=kinds.CONFIG) if e.payload.get("action") == "set_risk_section"]
    assert row.actor == "risk-officer" and row.payload["section"] == "restrictions"
    assert row.payload["old"]["restricted_instruments"] == [] and row.payload["new"]["restricted_instruments"] == [SPOT_BTC]
    assert gate.config.restrictions.restricted_instruments == [SPOT_BTC]


def test_a_lower_message_limit_counts_the_messages_already_sent(gate: RiskGate, clock: SimulatedClock) -> None:
    for n in range(3):
        assert gate.evaluate(intent(n=n, qty_lots=spot_lots("0.01") * (n + 1))).approved
    gate.set_risk_section("messages", {"default_script": {"max_messages": 3, "message_window_ms": 1000}},
                          actor="risk-officer", reason="tighter")
    decision = gate.evaluate(intent(n=9, qty_lots=spot_lots("0.05")))
    assert decision.reason_code == "MAX_MESSAGES" and decision.detail.startswith("4 messages of script s1")


def test_a_lower_throttle_keeps_the_fills_counted(gate: RiskGate) -> None:
    fill = Fill(fill_id="F1", client_order_id="c", script_id="s1", model_version="m", instrument_id=SPOT_BTC,
                side=intent().side, price_ticks=6_000_000, qty_lots=1, fee=0, liquidity="taker", ts_event=0)  # type: ignore[arg-type]
    gate.on_fill(fill)
    gate.set_risk_section("throttle", {"default": {"max_fills": 2, "fill_window_ms": 60000}}, actor="r", reason="t")
    gate.on_fill(fill)
    assert "s1" in gate.disabled_scripts()


def test_a_portfolio_limit_set_at_runtime_binds(config: RiskConfig, market: StaticMarket, clock: SimulatedClock,
                                               journal: Journal) -> None:
    gate = RiskGate(config, registry(), market, ScriptExposure(), clock, journal)  # a view with per-script exposure
    assert gate.evaluate(intent()).approved  # 0.1 BTC = 6000 USD
    gate.set_risk_section("portfolio", {"max_account_gross_notional_usd": 5000}, actor="risk-officer", reason="cut")
    decision = gate.evaluate(intent(n=2))
    assert decision.reason_code == "EXPOSURE_LIMIT"


@pytest.mark.parametrize(("section", "table", "error", "message"), [
    ("instruments", {}, RiskError, "cannot be changed at runtime"),
    ("breakers", {}, RiskError, "cannot be changed at runtime"),
    ("messages", {"default_script": {"max_messages": 0, "message_window_ms": 1}}, ConfigError, "max_messages"),
    ("restrictions", {"restricted_instruments": ["NOPE.X"]}, ConfigError, "unknown instrument 'NOPE.X'"),
    ("portfolio", {"var": {"max_parametric_var_usd": 1}}, RiskError, "needs return sources"),
])
def test_bad_runtime_changes_are_refused_and_change_nothing(gate: RiskGate, journal: Journal, section: str,
                                                            table: dict, error: type, message: str) -> None:
    before = gate.config
    with pytest.raises(error, match=message):
        gate.set_risk_section(section, table, actor="alice", reason="try")
    assert gate.config == before
    assert not [e for e in journal.entries(kind=kinds.CONFIG) if e.payload.get("action") == "set_risk_section"]


def test_a_runtime_change_needs_an_actor_and_a_reason(gate: RiskGate) -> None:
    with pytest.raises(RiskError, match="actor must be a non-empty str"):
        gate.set_risk_section("duplicates", {"duplicate_window_ms": 10}, actor="", reason="x")
