"""The risk gate with real components: the journal in a temporary SQLite file, Binance instruments."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest
from risk_helpers import (MID_BTC_COINM, MID_BTC_SPOT, T0, StaticExposure, StaticMarket, coinm_limits, intent,
                          spot_limits, spot_lots, spot_size)
from testkit import COINM_BTC, SPOT_BTC, USDM_BTC, registry

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderType, Side
from arbkit.core.errors import ConfigError
from arbkit.core.time import SimulatedClock, ms_to_ns
from arbkit.oms.order_manager import OrderManager
from arbkit.risk.config import RiskConfig
from arbkit.risk.errors import RiskError
from arbkit.risk.gate import RiskGate
from arbkit.risk.reasons import ReasonCode


def test_passing_intent_is_approved_and_journals_intent_and_decision(gate: RiskGate, journal: Journal) -> None:
    decision = gate.evaluate(intent())
    assert decision.approved and decision.reason_code == "" and decision.intent_id == "i1"
    assert [c.rule for c in decision.checks] == list(gate.rule_names)
    assert all(c.passed for c in decision.checks)
    [logged_intent] = journal.entries(kind=kinds.INTENT)
    [logged_decision] = journal.entries(kind=kinds.RISK_DECISION)
    assert logged_intent.actor == "s1" and logged_intent.payload["intent_id"] == "i1"
    assert logged_decision.seq == logged_intent.seq + 1
    assert logged_decision.payload["approved"] is True and logged_decision.actor == "risk_gate"
    assert gate.approvals == 1 and gate.rejections_by_reason() == {}


def test_rejected_intent_journals_decision_with_reason_and_checks_that_ran(gate: RiskGate, journal: Journal) -> None:
    decision = gate.evaluate(intent(qty_lots=spot_lots("1.5")))
    assert not decision.approved
    assert decision.reason_code == ReasonCode.MAX_ORDER_QTY
    assert decision.detail == f"order quantity {spot_size(spot_lots('1.5'))} exceeds max_order_qty 1"
    assert [c.rule for c in decision.checks] == ["kill_switch", "execution_throttle", "known_instrument",
                                                 "restricted", "drawdown", "daily_loss", "trading_state",
                                                 "limits_configured", "valid_intent", "max_order_qty"]
    assert decision.checks[-1].value == spot_size(spot_lots("1.5")) and decision.checks[-1].limit == "1"
    [logged] = journal.entries(kind=kinds.RISK_DECISION)
    assert logged.payload["reason_code"] == "MAX_ORDER_QTY" and len(logged.payload["checks"]) == 10
    assert journal.count(kinds.INTENT) == 1


def test_kill_switch_rejects_every_intent_and_is_journaled_with_actor(gate: RiskGate, journal: Journal) -> None:
    gate.kill_switch.engage(actor="alice", reason="venue incident")
    decisions = [gate.evaluate(intent(n=n)) for n in range(3)]
    assert all(d.reason_code == ReasonCode.KILL_SWITCH for d in decisions)
    assert [len(d.checks) for d in decisions] == [1, 1, 1]
    assert "alice" in decisions[0].detail and "venue incident" in decisions[0].detail
    [change] = journal.entries(kind=kinds.KILL_SWITCH)
    assert change.actor == "alice"
    assert change.payload == {"action": "engage", "engaged": True, "was_engaged": False, "actor": "alice",
                              "reason": "venue incident", "scope": "all"}
    gate.kill_switch.release(actor="bob", reason="venue back")
    assert gate.evaluate(intent(n=9)).approved
    assert [e.actor for e in journal.entries(kind=kinds.KILL_SWITCH)] == ["alice", "bob"]
    assert gate.rejections_by_reason() == {"KILL_SWITCH": 3}


def test_kill_switch_engaged_in_config_rejects_from_start(config: RiskConfig, market: StaticMarket,
                                                          exposure: StaticExposure, clock: SimulatedClock,
                                                          journal: Journal) -> None:
    config = RiskConfig(instruments=config.instruments, kill_switch_engaged=True)
    gate = RiskGate(config, registry(), market, exposure, clock, journal)
    assert gate.evaluate(intent()).reason_code == ReasonCode.KILL_SWITCH


@pytest.mark.parametrize(("actor", "reason"), [("", "why"), ("alice", ""), ("  ", "why")])
def test_kill_switch_change_without_actor_or_reason_raises(gate: RiskGate, actor: str, reason: str) -> None:
    with pytest.raises(RiskError, match="must be a non-empty str"):
        gate.kill_switch.engage(actor=actor, reason=reason)
    assert not gate.kill_switch.engaged


def test_gate_has_no_bypass_parameter() -> None:
    assert list(inspect.signature(RiskGate.evaluate).parameters) == ["self", "intent"]
    assert list(inspect.signature(RiskGate).parameters) == [  # regimes ... alerts: sources and sinks, not flags
        "config", "instruments", "market", "exposure", "clock", "journal", "regimes", "covariance", "returns", "alerts"]
    assert set(RiskConfig.__struct_fields__) == {  # limits and initial states, none of them a switch
        "instruments", "kill_switch_engaged", "kill_switch_scopes", "trading_states", "restrictions", "duplicates",
        "messages", "throttle", "portfolio", "breakers", "post_trade"}


def test_unknown_instrument_is_rejected(gate: RiskGate) -> None:
    decision = gate.evaluate(intent(instrument_id="DOGEUSDT.BINANCE_SPOT"))
    assert decision.reason_code == ReasonCode.UNKNOWN_INSTRUMENT
    assert "DOGEUSDT.BINANCE_SPOT" in decision.detail


def test_instrument_without_limits_is_rejected_not_unlimited(gate: RiskGate, market: StaticMarket,
                                                            clock: SimulatedClock) -> None:
    market.mids[USDM_BTC] = (600_000.0, clock.now_ns())
    decision = gate.evaluate(intent(instrument_id=USDM_BTC, qty_lots=1, price_ticks=600_000))
    assert decision.reason_code == ReasonCode.NO_LIMITS
    assert decision.detail == f"instrument '{USDM_BTC}' has no risk limits configured"


@pytest.mark.parametrize(("qty", "price", "order_type", "what"), [
    (0, MID_BTC_SPOT, OrderType.LIMIT, "qty_lots 0"),
    (-5, MID_BTC_SPOT, OrderType.LIMIT, "qty_lots -5"),
    (10, None, OrderType.LIMIT, "limit order with price_ticks None"),
    (10, 0, OrderType.LIMIT, "limit order with price_ticks 0"),
    (10, -1, OrderType.LIMIT, "limit order with price_ticks -1"),
    (10, MID_BTC_SPOT, OrderType.MARKET, "market order with price_ticks"),
])
def test_malformed_intent_is_rejected_as_invalid(gate: RiskGate, qty: int, price: int | None,
                                                 order_type: OrderType, what: str) -> None:
    decision = gate.evaluate(intent(qty_lots=qty, price_ticks=price, order_type=order_type))
    assert decision.reason_code == ReasonCode.INVALID_INTENT
    assert what in decision.detail


def test_order_larger_than_max_order_qty_is_rejected_and_equal_passes(gate: RiskGate) -> None:
    assert gate.evaluate(intent(qty_lots=spot_lots("1"), n=1)).approved
    assert gate.evaluate(intent(qty_lots=spot_lots("1") + 1, n=2)).reason_code == ReasonCode.MAX_ORDER_QTY


def test_limit_order_worth_more_than_max_notional_is_rejected(gate: RiskGate) -> None:
    gate.set_limits(SPOT_BTC, spot_limits(max_order_notional_usd=Decimal("30000")), actor="alice", reason="smaller")
    assert gate.evaluate(intent(qty_lots=spot_lots("0.5"), n=1)).approved  # 30000 USD
    decision = gate.evaluate(intent(qty_lots=spot_lots("0.5"), price_ticks=MID_BTC_SPOT + 1, n=2))
    assert decision.reason_code == ReasonCode.MAX_ORDER_VALUE
    assert Decimal(decision.checks[-1].value) == Decimal("30000.005") and decision.checks[-1].limit == "30000"


def test_market_order_notional_is_valued_at_reference_mid(gate: RiskGate, market: StaticMarket,
                                                          clock: SimulatedClock) -> None:
    gate.set_limits(SPOT_BTC, spot_limits(max_order_notional_usd=Decimal("30000")), actor="alice", reason="smaller")
    market_buy = intent(qty_lots=spot_lots("0.5"), price_ticks=None, order_type=OrderType.MARKET)
    assert gate.evaluate(market_buy).approved
    market.mids[SPOT_BTC] = (MID_BTC_SPOT + 0.5, clock.now_ns())  # half-tick mid rounds up: conservative
    decision = gate.evaluate(market_buy)
    assert decision.reason_code == ReasonCode.MAX_ORDER_VALUE


def test_inverse_contract_notional_is_contracts_times_multiplier(gate: RiskGate) -> None:
    ok = gate.evaluate(intent(instrument_id=COINM_BTC, qty_lots=50, price_ticks=MID_BTC_COINM, n=1))
    assert ok.approved  # 50 contracts x 100 USD = 5000 USD, whatever the price
    too_big = gate.evaluate(intent(instrument_id=COINM_BTC, qty_lots=51, price_ticks=MID_BTC_COINM, n=2))
    assert too_big.reason_code == ReasonCode.MAX_ORDER_VALUE
    assert too_big.checks[-1].value == "5100" and too_big.checks[-1].limit == "5000"


def test_position_plus_working_orders_beyond_max_position_is_rejected(gate: RiskGate,
                                                                      exposure: StaticExposure) -> None:
    exposure.positions[SPOT_BTC] = spot_lots("1.2")
    exposure.working[(SPOT_BTC, Side.BUY)] = spot_lots("0.5")
    exposure.working[(SPOT_BTC, Side.SELL)] = spot_lots("9")  # sells do not offset the worst case of a buy
    assert gate.evaluate(intent(qty_lots=spot_lots("0.3"), n=1)).approved  # 1.2 + 0.5 + 0.3 = 2.0
    decision = gate.evaluate(intent(qty_lots=spot_lots("0.3") + 1, n=2))
    assert decision.reason_code == ReasonCode.MAX_POSITION
    assert decision.checks[-1].value == spot_size(spot_lots("2") + 1) and decision.checks[-1].limit == "±2"


def test_short_side_position_limit_counts_working_sells(gate: RiskGate, exposure: StaticExposure) -> None:
    exposure.positions[SPOT_BTC] = -spot_lots("1.5")
    exposure.working[(SPOT_BTC, Side.SELL)] = spot_lots("0.4")
    sell = intent(qty_lots=spot_lots("0.2"), side=Side.SELL)  # -1.5 - 0.4 - 0.2 = -2.1
    assert gate.evaluate(sell).reason_code == ReasonCode.MAX_POSITION


def test_order_reducing_a_position_above_a_lowered_limit_passes(gate: RiskGate, exposure: StaticExposure) -> None:
    exposure.positions[SPOT_BTC] = spot_lots("1.8")  # long 1.8 BTC, limit lowered to 1 BTC below
    gate.set_limits(SPOT_BTC, spot_limits(max_position_qty=Decimal("1"), max_order_qty=Decimal("5"),
                                          max_order_notional_usd=Decimal("500000")),
                    actor="alice", reason="de-risk")
    assert gate.evaluate(intent(qty_lots=spot_lots("0.1"), side=Side.SELL, n=1)).approved  # 1.8 -> 1.7: reduces
    assert gate.evaluate(intent(qty_lots=spot_lots("0.1"), side=Side.BUY, n=2)).reason_code == ReasonCode.MAX_POSITION
    flip = gate.evaluate(intent(qty_lots=spot_lots("2.8"), side=Side.SELL, n=3))  # 1.8 -> -1.0: within
    assert flip.approved
    too_far = gate.evaluate(intent(qty_lots=spot_lots("3"), side=Side.SELL, n=4))  # 1.8 -> -1.2: flips past the limit
    assert too_far.reason_code == ReasonCode.MAX_POSITION


def test_in_flight_orders_of_the_oms_count_toward_max_position(config: RiskConfig, market: StaticMarket,
                                                               clock: SimulatedClock, journal: Journal) -> None:
    oms = OrderManager(clock, journal)

    class PortfolioAndOms:
        def position_lots(self, instrument_id: str) -> int:
            return spot_lots("1.5")  # long 1.5 BTC filled

        def open_order_lots(self, instrument_id: str, side: Side) -> int:
            return oms.open_order_lots(instrument_id, side)

    gate = RiskGate(config, registry(), market, PortfolioAndOms(), clock, journal)
    first = intent(qty_lots=spot_lots("0.4"), n=1)
    assert gate.evaluate(first).approved
    oms.create(first)  # in flight, not yet acknowledged
    assert gate.evaluate(intent(qty_lots=spot_lots("0.2"), n=2)).reason_code == ReasonCode.MAX_POSITION
    assert gate.evaluate(intent(qty_lots=spot_lots("0.1"), n=3)).approved


def test_limit_price_outside_price_collar_is_rejected(gate: RiskGate) -> None:
    at_edge = MID_BTC_SPOT + MID_BTC_SPOT * 50 // 10_000  # exactly 50 bps above mid
    assert gate.evaluate(intent(price_ticks=at_edge, qty_lots=spot_lots("0.01"), n=1)).approved
    decision = gate.evaluate(intent(price_ticks=at_edge + 1, qty_lots=spot_lots("0.01"), n=2))
    assert decision.reason_code == ReasonCode.PRICE_COLLAR
    assert decision.checks[-1].value == "50.0017" and decision.checks[-1].limit == "50"
    below = gate.evaluate(intent(price_ticks=MID_BTC_SPOT // 2, side=Side.SELL, qty_lots=spot_lots("0.01"), n=3))
    assert below.reason_code == ReasonCode.PRICE_COLLAR


def test_price_collar_with_stale_reference_rejects_order(gate: RiskGate, clock: SimulatedClock) -> None:
    clock.advance_to(T0 + ms_to_ns(2_000))
    assert gate.evaluate(intent(n=1)).approved  # exactly at the age limit
    clock.advance_to(T0 + ms_to_ns(2_000) + 1)
    decision = gate.evaluate(intent(n=2))
    assert decision.reason_code == ReasonCode.NO_REFERENCE_PRICE
    assert "2000.000001 ms old" in decision.detail


def test_missing_reference_price_rejects_limit_and_market_orders(gate: RiskGate, market: StaticMarket) -> None:
    del market.mids[SPOT_BTC]
    assert gate.evaluate(intent(n=1)).reason_code == ReasonCode.NO_REFERENCE_PRICE
    market_order = intent(price_ticks=None, order_type=OrderType.MARKET, n=2)
    assert gate.evaluate(market_order).reason_code == ReasonCode.NO_REFERENCE_PRICE


@pytest.mark.parametrize("bad", [(float("nan"), T0), (0.0, T0), (-1.0, T0), (6e6, 1.5), "junk"])
def test_unusable_reference_price_is_rejected(gate: RiskGate, market: StaticMarket, bad: object) -> None:
    market.mids[SPOT_BTC] = bad  # type: ignore[assignment]
    assert gate.evaluate(intent()).reason_code == ReasonCode.NO_REFERENCE_PRICE


def test_rejections_are_counted_by_reason(gate: RiskGate) -> None:
    gate.evaluate(intent(qty_lots=0, n=1))
    gate.evaluate(intent(qty_lots=-1, n=2))
    gate.evaluate(intent(instrument_id="X.Y", n=3))
    gate.evaluate(intent(n=4))
    assert gate.rejections_by_reason() == {"INVALID_INTENT": 2, "UNKNOWN_INSTRUMENT": 1}
    assert gate.approvals == 1


def test_limit_change_is_journaled_with_actor_reason_and_old_and_new(gate: RiskGate, journal: Journal) -> None:
    gate.set_limits(SPOT_BTC, spot_limits(max_order_qty=Decimal("0.05")), actor="carol", reason="volatile day")
    loaded, change = journal.entries(kind=kinds.CONFIG)
    assert loaded.payload["action"] == "risk_config_loaded"
    assert change.actor == "carol"
    assert change.payload["action"] == "set_limits" and change.payload["reason"] == "volatile day"
    assert change.payload["old"]["max_order_qty"] == "1" and change.payload["new"]["max_order_qty"] == "0.05"
    assert gate.config.instruments[SPOT_BTC].max_order_qty == Decimal("0.05")
    assert gate.evaluate(intent(qty_lots=spot_lots("0.05") + 1)).reason_code == ReasonCode.MAX_ORDER_QTY


def test_set_limits_accepts_a_toml_style_table_and_validates_it(gate: RiskGate) -> None:
    table = {"max_order_qty": "0.1", "max_order_notional_usd": 10_000, "max_position_qty": "0.2",
             "price_collar_bps": 25, "reference_max_age_ms": 500}
    gate.set_limits(SPOT_BTC, table, actor="carol", reason="from a file")
    assert gate.config.instruments[SPOT_BTC].price_collar_bps == Decimal("25")
    with pytest.raises(ConfigError, match="max_position_qty"):
        gate.set_limits(SPOT_BTC, {**table, "max_position_qty": "-1"}, actor="carol", reason="typo")


def test_removing_limits_rejects_the_instrument_and_is_journaled(gate: RiskGate, journal: Journal) -> None:
    gate.remove_limits(SPOT_BTC, actor="dave", reason="delisting")
    assert gate.evaluate(intent()).reason_code == ReasonCode.NO_LIMITS
    assert [e.payload["action"] for e in journal.entries(kind=kinds.CONFIG)][-1] == "remove_limits"
    with pytest.raises(RiskError, match="has no limits"):
        gate.remove_limits(SPOT_BTC, actor="dave", reason="again")


def test_set_limits_for_unknown_instrument_or_without_reason_raises(gate: RiskGate) -> None:
    with pytest.raises(ConfigError, match="unknown instrument 'NOPE.BINANCE_SPOT'"):
        gate.set_limits("NOPE.BINANCE_SPOT", spot_limits(), actor="alice", reason="typo")
    with pytest.raises(RiskError, match="reason"):
        gate.set_limits(SPOT_BTC, spot_limits(), actor="alice", reason="")


def test_config_naming_an_unknown_instrument_fails_at_construction(market: StaticMarket, exposure: StaticExposure,
                                                                   clock: SimulatedClock, journal: Journal) -> None:
    config = RiskConfig(instruments={"BTCUSDT.BINANCE_SPOTT": spot_limits(), COINM_BTC: coinm_limits()})
    with pytest.raises(ConfigError, match="BTCUSDT.BINANCE_SPOTT"):
        RiskGate(config, registry(), market, exposure, clock, journal)
