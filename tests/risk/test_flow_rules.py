"""The order-flow controls: restricted instruments, duplicates, message limits, execution throttle.

Each control is shown refusing with its reason code and letting through the intent just inside its limit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from risk_helpers import SPOT, T0, StaticExposure, StaticMarket, coinm_limits, intent, spot_limits
from testkit import COINM_BTC, SPOT_BTC, registry

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import LiquiditySide, OrderType, Side
from arbkit.core.errors import ConfigError
from arbkit.core.messages import Fill, Order, OrderIntent
from arbkit.core.time import NANOS_PER_MILLI, SimulatedClock
from arbkit.oms.order_manager import OrderManager
from arbkit.portfolio.portfolio import Portfolio
from arbkit.risk.config import RiskConfig
from arbkit.risk.errors import RiskError
from arbkit.risk.flow_config import (
    DuplicatesConfig,
    FillThrottle,
    InstrumentPermissions,
    MessageLimit,
    MessagesConfig,
    RestrictionsConfig,
    ThrottleConfig,
)
from arbkit.risk.gate import RiskGate
from arbkit.risk.reasons import ReasonCode
from arbkit.sim.events import OrderFilled
from arbkit.system.order_path import OrderPath

MS = NANOS_PER_MILLI


def flow_gate(market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock, journal: Journal,
              **flow: Any) -> RiskGate:
    config = RiskConfig(instruments={SPOT_BTC: spot_limits(), COINM_BTC: coinm_limits()}, **flow)
    return RiskGate(config, registry(), market, exposure, clock, journal)


def other(n: int, script_id: str = "s1", price_ticks: int = 6_000_000, **fields: Any) -> OrderIntent:
    """Intent ``n`` of ``script_id``: distinct content (price one tick lower per ``n``) unless given."""
    base = intent(n=n, price_ticks=price_ticks - n, **fields)
    return OrderIntent(**{**{f: getattr(base, f) for f in base.__struct_fields__}, "script_id": script_id})


def refresh(market: StaticMarket, clock: SimulatedClock) -> None:
    for instrument_id, (mid, _) in list(market.mids.items()):
        market.mids[instrument_id] = (mid, clock.now_ns())


# -- RESTRICTED ---------------------------------------------------------------------------------------------
def test_restricted_instrument_is_rejected_naming_it(market: StaticMarket, exposure: StaticExposure,
                                                     clock: SimulatedClock, journal: Journal) -> None:
    gate = flow_gate(market, exposure, clock, journal,
                     restrictions=RestrictionsConfig(restricted_instruments=[COINM_BTC]))
    decision = gate.evaluate(intent(instrument_id=COINM_BTC, qty_lots=1, price_ticks=600_000))
    assert decision.reason_code == ReasonCode.RESTRICTED
    assert decision.detail == f"instrument {COINM_BTC} is not permitted (restricted_instruments)"
    assert gate.evaluate(intent(n=2)).approved  # an instrument not on the list


def test_script_not_permitted_on_an_instrument_is_rejected_and_a_listed_one_passes(
        market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock, journal: Journal) -> None:
    permissions = {SPOT_BTC: InstrumentPermissions(scripts=["s1"])}
    gate = flow_gate(market, exposure, clock, journal, restrictions=RestrictionsConfig(instruments=permissions))
    refused = gate.evaluate(other(1, script_id="s2"))
    assert refused.reason_code == ReasonCode.RESTRICTED
    assert refused.detail == f"script s2 on {SPOT_BTC} is not permitted (scripts permitted: s1)"
    assert gate.evaluate(other(2, script_id="s1")).approved


def test_venue_not_permitted_for_an_instrument_is_rejected_and_a_listed_one_passes(
        market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock, journal: Journal) -> None:
    permissions = {SPOT_BTC: InstrumentPermissions(venues=["BINANCE_SPOT"]),
                   COINM_BTC: InstrumentPermissions(venues=["BINANCE_SPOT"])}
    gate = flow_gate(market, exposure, clock, journal, restrictions=RestrictionsConfig(instruments=permissions))
    refused = gate.evaluate(intent(instrument_id=COINM_BTC, qty_lots=1, price_ticks=600_000))
    assert refused.reason_code == ReasonCode.RESTRICTED
    assert refused.detail == (f"venue BINANCE_COINM for {COINM_BTC} is not permitted "
                              "(venues permitted: BINANCE_SPOT)")
    assert gate.evaluate(intent(n=2)).approved


def test_restrictions_naming_an_unknown_instrument_fail_when_the_gate_is_built(
        market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock, journal: Journal) -> None:
    with pytest.raises(ConfigError, match=r"restrictions.restricted_instruments names unknown instrument 'NOPE.X'"):
        flow_gate(market, exposure, clock, journal, restrictions=RestrictionsConfig(restricted_instruments=["NOPE.X"]))


# -- DUPLICATE ----------------------------------------------------------------------------------------------
def test_identical_intent_within_the_window_is_a_duplicate_and_passes_once_the_window_has_elapsed(
        market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock, journal: Journal) -> None:
    gate = flow_gate(market, exposure, clock, journal, duplicates=DuplicatesConfig(duplicate_window_ms=100))
    assert gate.evaluate(intent(n=1)).approved
    clock.advance_to(T0 + 100 * MS - 1)
    refresh(market, clock)
    refused = gate.evaluate(intent(n=2))
    assert refused.reason_code == ReasonCode.DUPLICATE
    assert refused.detail.startswith("duplicate intent of script s1: identical to intent 'i1' approved 99.999999 ms ago")
    assert "duplicate_window_ms 100" in refused.detail
    clock.advance_to(T0 + 100 * MS)  # exactly the window later: no longer a duplicate
    refresh(market, clock)
    assert gate.evaluate(intent(n=3)).approved


def test_an_intent_differing_in_one_field_is_not_a_duplicate(gate: RiskGate) -> None:
    assert gate.evaluate(intent(n=1)).approved
    assert gate.evaluate(intent(n=2, price_ticks=6_000_001)).approved
    assert gate.evaluate(intent(n=3, side=Side.SELL)).approved
    assert gate.evaluate(intent(n=4, qty_lots=SPOT.size_to_lots("0.2"))).approved


def test_a_reused_intent_id_is_a_duplicate_but_a_rejected_intent_may_be_sent_again(gate: RiskGate) -> None:
    assert gate.evaluate(intent(n=1)).approved
    refused = gate.evaluate(other(1))  # same id, other content
    assert refused.reason_code == ReasonCode.DUPLICATE and "intent_id 'i1' was already sent" in refused.detail
    too_big = intent(n=7, qty_lots=SPOT.size_to_lots("1.5"))
    assert gate.evaluate(too_big).reason_code == ReasonCode.MAX_ORDER_QTY
    gate.set_limits(SPOT_BTC, spot_limits(max_order_qty=Decimal(2)), actor="alice", reason="bigger clips")
    assert gate.evaluate(too_big).approved  # i7 sent nothing the first time


# -- MAX_MESSAGES -------------------------------------------------------------------------------------------
def test_script_message_limit_passes_the_last_message_inside_and_rejects_the_next(
        market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock, journal: Journal) -> None:
    limit = MessageLimit(max_messages=3, message_window_ms=1_000)
    gate = flow_gate(market, exposure, clock, journal, messages=MessagesConfig(scripts={"s1": limit}))
    assert all(gate.evaluate(other(n)).approved for n in (1, 2, 3))
    refused = gate.evaluate(other(4))
    assert refused.reason_code == ReasonCode.MAX_MESSAGES
    assert refused.detail == "4 messages of script s1 in 1000 ms would exceed max_messages 3"
    assert gate.evaluate(other(5, script_id="s2")).approved  # another script has its own count
    assert gate.script_messages("s1") == 3  # the refused intent sent nothing and is not counted
    clock.advance_to(T0 + 1_000 * MS)  # the first three drop out of the window
    refresh(market, clock)
    assert gate.evaluate(other(6)).approved


def test_venue_message_limit_counts_every_script_on_the_venue(
        market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock, journal: Journal) -> None:
    limit = MessageLimit(max_messages=2, message_window_ms=500)
    gate = flow_gate(market, exposure, clock, journal, messages=MessagesConfig(venues={"BINANCE_SPOT": limit}))
    assert gate.evaluate(other(1, script_id="a")).approved
    assert gate.evaluate(other(2, script_id="b")).approved
    refused = gate.evaluate(other(3, script_id="c"))
    assert refused.reason_code == ReasonCode.MAX_MESSAGES
    assert refused.detail == "3 messages of venue BINANCE_SPOT in 500 ms would exceed max_messages 2"
    assert gate.evaluate(intent(n=4, instrument_id=COINM_BTC, qty_lots=1, price_ticks=600_000)).approved


class RecordingVenue:
    def __init__(self) -> None:
        self.sent: list[Order] = []
        self.canceled: list[str] = []

    def submit(self, order: Order) -> None:
        self.sent.append(order)

    def cancel(self, client_order_id: str) -> None:
        self.canceled.append(client_order_id)


def path_for(gate: RiskGate, clock: SimulatedClock, journal: Journal) -> OrderPath:
    return OrderPath(gate, OrderManager(clock, journal), RecordingVenue(), Portfolio(registry()))


def test_cancels_sent_by_the_order_path_count_as_messages(
        market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock, journal: Journal) -> None:
    limit = MessageLimit(max_messages=2, message_window_ms=1_000)
    gate = flow_gate(market, exposure, clock, journal, messages=MessagesConfig(scripts={"s1": limit}))
    path = path_for(gate, clock, journal)
    assert path.submit(other(1)).approved
    [order] = path.venue.sent  # type: ignore[attr-defined]
    path.cancel(order.client_order_id)  # message 2: counted, never refused
    assert path.venue.canceled == [order.client_order_id]  # type: ignore[attr-defined]
    assert gate.script_messages("s1") == 2 and gate.venue_messages("BINANCE_SPOT") == 2
    assert path.submit(other(2)).reason_code == ReasonCode.MAX_MESSAGES


# -- EXECUTION_THROTTLE -------------------------------------------------------------------------------------
def fill(n: int, order: Order, ts_ns: int) -> OrderFilled:
    return OrderFilled(fill=Fill(fill_id=f"f{n}", client_order_id=order.client_order_id, script_id=order.script_id,
                                 model_version="m", instrument_id=order.instrument_id, side=order.side,
                                 price_ticks=6_000_000, qty_lots=1, fee=Decimal(0),
                                 liquidity=LiquiditySide.TAKER, ts_event=ts_ns),
                       leaves_lots=order.qty_lots - n)


def test_execution_throttle_disables_a_script_at_max_fills_until_a_person_reenables_it(
        market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock, journal: Journal) -> None:
    throttle = ThrottleConfig(scripts={"s1": FillThrottle(max_fills=3, fill_window_ms=1_000)})
    gate = flow_gate(market, exposure, clock, journal, throttle=throttle)
    path = path_for(gate, clock, journal)
    assert path.submit(intent(n=1, qty_lots=10)).approved
    [order] = path.venue.sent  # type: ignore[attr-defined]
    path.on_venue_events([fill(1, order, T0), fill(2, order, T0)])
    assert path.submit(other(2)).approved  # two fills: just inside
    path.on_venue_events([fill(3, order, T0)])
    refused = path.submit(other(3))
    assert refused.reason_code == ReasonCode.EXECUTION_THROTTLE
    assert refused.detail == ("script s1 is disabled by the execution throttle: 3 fills within fill_window_ms 1000 "
                              "reached max_fills 3; a person must re-enable it")
    assert path.submit(other(4, script_id="s2")).approved  # only s1 is disabled
    clock.advance_to(T0 + 60_000 * MS)  # no timer lifts it
    refresh(market, clock)
    assert path.submit(other(5)).reason_code == ReasonCode.EXECUTION_THROTTLE
    assert gate.disabled_scripts() == {"s1": "3 fills within fill_window_ms 1000"}
    gate.reenable_script("s1", actor="alice", reason="fill burst reviewed: a sweep of one order")
    assert path.submit(other(6)).approved and gate.disabled_scripts() == {}
    actions = [(e.actor, e.payload["action"]) for e in journal.entries(kind=kinds.CONFIG)][1:]
    assert actions == [("risk_gate", "script_disabled"), ("alice", "reenable_script")]


def test_fills_outside_the_window_do_not_disable_the_script(
        market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock, journal: Journal) -> None:
    throttle = ThrottleConfig(default=FillThrottle(max_fills=2, fill_window_ms=1_000))
    gate = flow_gate(market, exposure, clock, journal, throttle=throttle)
    path = path_for(gate, clock, journal)
    assert path.submit(intent(n=1, qty_lots=10)).approved
    [order] = path.venue.sent  # type: ignore[attr-defined]
    path.on_venue_events([fill(1, order, T0)])
    clock.advance_to(T0 + 1_000 * MS)
    refresh(market, clock)
    path.on_venue_events([fill(2, order, clock.now_ns())])
    assert path.submit(other(2)).approved


def test_reenable_needs_a_disabled_script_an_actor_and_a_reason(gate: RiskGate) -> None:
    with pytest.raises(RiskError, match="script 's1' is not disabled; disabled: none"):
        gate.reenable_script("s1", actor="alice", reason="just in case")
    with pytest.raises(RiskError, match="actor must be a non-empty str"):
        gate.reenable_script("s1", actor="", reason="x")


def test_the_flow_rules_run_in_the_documented_order(gate: RiskGate) -> None:
    names = gate.rule_names
    assert names[:4] == ("kill_switch", "execution_throttle", "known_instrument", "restricted")
    assert names[-2:] == ("duplicate", "max_messages")
    assert [code.value for code in ReasonCode][:4] == ["KILL_SWITCH", "EXECUTION_THROTTLE", "UNKNOWN_INSTRUMENT",
                                                       "RESTRICTED"]
    assert gate.evaluate(intent(order_type=OrderType.MARKET, price_ticks=None)).approved
