"""Drawdown and daily-loss breakers (reasons ``DRAWDOWN`` and ``DAILY_LOSS``): trips, alerts, states, reset."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from risk_helpers import T0, StaticExposure, StaticMarket, intent, registry, spot_limits, spot_lots
from testkit import SPOT_BTC

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import Side
from arbkit.core.errors import ConfigError
from arbkit.core.time import SimulatedClock
from arbkit.risk.breaker_config import BreakerLimits, BreakersConfig
from arbkit.risk.config import RiskConfig
from arbkit.risk.errors import RiskError
from arbkit.risk.gate import RiskGate
from arbkit.risk.trading_state import TradingState

DAY_NS = 86_400 * 1_000_000_000
D = Decimal


def make_gate(breakers: BreakersConfig, journal: Journal, clock: SimulatedClock, exposure: StaticExposure,
              market: StaticMarket) -> RiskGate:
    config = RiskConfig(instruments={SPOT_BTC: spot_limits()}, breakers=breakers)
    return RiskGate(config, registry(), market, exposure, clock, journal)


@pytest.fixture
def script_drawdown(journal: Journal, clock: SimulatedClock, exposure: StaticExposure,
                    market: StaticMarket) -> RiskGate:
    """Script s1 may lose 100 USD from its peak, then only reduce."""
    return make_gate(BreakersConfig(scripts={"s1": BreakerLimits(max_drawdown_usd=D(100))}), journal, clock,
                     exposure, market)


def test_drawdown_just_inside_the_limit_does_not_trip(script_drawdown: RiskGate) -> None:
    assert script_drawdown.on_pnl({"script:s1": D(250)}) == []
    assert script_drawdown.on_pnl({"script:s1": D(150)}) == []  # drawdown exactly 100: not above it
    decision = script_drawdown.evaluate(intent())
    assert decision.approved
    check = next(c for c in decision.checks if c.rule == "drawdown")
    assert check.passed and check.limit == "script:s1 max_drawdown_usd 100 (now 100)"


def test_drawdown_beyond_the_limit_trips_alerts_and_refuses_increasing_intents(
        script_drawdown: RiskGate, journal: Journal, exposure: StaticExposure) -> None:
    script_drawdown.on_pnl({"script:s1": D(250)})
    (trip,) = script_drawdown.on_pnl({"script:s1": D("149.5")})
    assert (trip.code.value, trip.value_usd, trip.limit_usd, trip.action) == ("DRAWDOWN", D("100.5"), D(100), "REDUCING")
    assert script_drawdown.trading_state("script:s1") is TradingState.REDUCING
    (alert,) = [e.payload for e in journal.entries(kind=kinds.ALERT)]
    assert alert["code"] == "DRAWDOWN" and alert["scope"] == "script:s1" and alert["action"] == "script:s1 -> REDUCING"
    assert alert["values"] == {"value_usd": "100.5", "limit_usd": "100", "pnl_usd": "149.5"}
    moved = [e for e in journal.entries(kind=kinds.CONFIG) if e.payload.get("action") == "set_trading_state"]
    assert moved[-1].actor == "risk_gate:breaker" and moved[-1].payload["new"] == "REDUCING"

    decision = script_drawdown.evaluate(intent())
    assert decision.reason_code == "DRAWDOWN"
    assert decision.detail == ("script s1 is under a tripped drawdown breaker: DRAWDOWN of script:s1: 100.5 USD > "
                               "max_drawdown_usd 100 (PnL 149.5 USD); intent increases worst-case position 0E-8 -> "
                               f"{spot_lots('0.1') / 10**8:.8f} (allowed: only reducing intents until a person sets "
                               "the scope ACTIVE)")
    exposure.positions[SPOT_BTC] = spot_lots("0.5")
    assert script_drawdown.evaluate(intent(side=Side.SELL, n=2)).approved  # reducing passes
    other = msgspec.structs.replace(intent(n=3), script_id="s2")
    assert script_drawdown.evaluate(other).approved  # the breaker is s1's only


def test_a_trip_stays_until_a_person_sets_the_scope_active_and_the_peak_restarts_there(
        script_drawdown: RiskGate, clock: SimulatedClock, journal: Journal, market: StaticMarket) -> None:
    script_drawdown.on_pnl({"script:s1": D(300)})
    assert script_drawdown.on_pnl({"script:s1": D(150)})
    clock.advance_to(T0 + 3 * DAY_NS)  # no timer lifts it
    market.mids[SPOT_BTC] = (6_000_000.0, clock.now_ns())
    assert script_drawdown.on_pnl({"script:s1": D(150)}) == []
    assert script_drawdown.evaluate(intent()).reason_code == "DRAWDOWN"
    script_drawdown.set_trading_state("script:s1", "ACTIVE", actor="alice", reason="model fixed")
    last = [e.payload for e in journal.entries(kind=kinds.CONFIG)][-1]
    assert last["cleared_breakers"] == ["DRAWDOWN of script:s1: 150 USD > max_drawdown_usd 100 (PnL 150 USD)"]
    assert script_drawdown.evaluate(intent(n=2)).approved
    assert script_drawdown.on_pnl({"script:s1": D(60)}) == []  # 90 below the new peak of 150
    (again,) = script_drawdown.on_pnl({"script:s1": D(49)})
    assert again.value_usd == D(101)


@pytest.fixture
def account_daily(journal: Journal, clock: SimulatedClock, exposure: StaticExposure, market: StaticMarket) -> RiskGate:
    """The account may lose 300 USD in a UTC day, then everything halts."""
    return make_gate(BreakersConfig(account=BreakerLimits(max_daily_loss_usd=D(300), action="HALTED")), journal,
                     clock, exposure, market)


def test_daily_loss_halts_every_script_and_even_reducing_intents(account_daily: RiskGate,
                                                                 exposure: StaticExposure) -> None:
    assert account_daily.on_pnl({"account": D(-300)}) == []  # exactly the limit
    (trip,) = account_daily.on_pnl({"account": D("-300.01")})
    assert trip.code.value == "DAILY_LOSS" and trip.action == "HALTED"
    exposure.positions[SPOT_BTC] = spot_lots("0.5")
    for n, script in enumerate(("s1", "s2")):
        decision = account_daily.evaluate(msgspec.structs.replace(intent(side=Side.SELL, n=n), script_id=script))
        assert decision.reason_code == "DAILY_LOSS"
        assert "account is HALTED" in decision.detail
    assert account_daily.trading_states() == {"account": "HALTED"}


def test_the_day_opens_at_the_last_mark_before_midnight_utc(account_daily: RiskGate, clock: SimulatedClock) -> None:
    account_daily.on_pnl({"account": D(-250)})
    clock.advance_to(T0 + DAY_NS + 1)  # next UTC day: its open is -250
    assert account_daily.on_pnl({"account": D(-500)}) == []  # 250 lost today
    (trip,) = account_daily.on_pnl({"account": D(-551)})
    assert trip.value_usd == D(301)


def test_reactivated_scope_over_its_daily_limit_trips_again_unless_the_limit_is_raised(
        account_daily: RiskGate, journal: Journal) -> None:
    account_daily.on_pnl({"account": D(-400)})
    account_daily.set_trading_state("account", "ACTIVE", actor="alice", reason="checked")
    assert [t.code.value for t in account_daily.on_pnl({"account": D(-400)})] == ["DAILY_LOSS"]
    account_daily.set_trading_state("account", "ACTIVE", actor="alice", reason="checked again")
    account_daily.set_breaker_limits("account", {"max_daily_loss_usd": "1000", "action": "HALTED"},
                                     actor="risk-officer", reason="wider limit for the event")
    assert account_daily.on_pnl({"account": D(-400)}) == []
    changed = [e for e in journal.entries(kind=kinds.CONFIG) if e.payload.get("action") == "set_breaker_limits"]
    assert changed[0].actor == "risk-officer" and changed[0].payload["old"]["max_daily_loss_usd"] == "300"
    assert account_daily.config.breakers.account == BreakerLimits(max_daily_loss_usd=D(1000), action="HALTED")


def test_a_trip_never_loosens_a_stricter_state(script_drawdown: RiskGate, journal: Journal) -> None:
    script_drawdown.set_trading_state("script:s1", "HALTED", actor="alice", reason="investigating")
    script_drawdown.on_pnl({"script:s1": D(-101)})
    assert script_drawdown.trading_state("script:s1") is TradingState.HALTED
    (alert,) = [e.payload for e in journal.entries(kind=kinds.ALERT)]
    assert alert["action"] == "script:s1 already HALTED"


def test_the_account_halt_governs_a_script_under_a_reducing_trip(journal: Journal, clock: SimulatedClock,
                                                                 exposure: StaticExposure, market: StaticMarket) -> None:
    gate = make_gate(BreakersConfig(account=BreakerLimits(max_drawdown_usd=D(500), action="HALTED"),
                                    default_script=BreakerLimits(max_drawdown_usd=D(100))),
                     journal, clock, exposure, market)
    gate.on_pnl({"account": D(-600), "script:s1": D(-600)})
    exposure.positions[SPOT_BTC] = spot_lots("0.5")
    decision = gate.evaluate(intent(side=Side.SELL))
    assert decision.reason_code == "DRAWDOWN" and "account is HALTED" in decision.detail


def test_breakers_off_by_default_and_their_checks_say_so(journal: Journal, clock: SimulatedClock,
                                                         exposure: StaticExposure, market: StaticMarket) -> None:
    gate = make_gate(BreakersConfig(), journal, clock, exposure, market)
    assert not gate.breakers_enabled
    assert gate.on_pnl({"account": D(-10**9)}) == []
    check = next(c for c in gate.evaluate(intent()).checks if c.rule == "daily_loss")
    assert check.passed and check.limit == "no breaker configured"


@pytest.mark.parametrize(("table", "message"), [
    ({"account": {"max_drawdown_usd": -1}}, "max_drawdown_usd must be a finite decimal > 0"),
    ({"account": {"max_daily_loss_usd": "NaN"}}, "max_daily_loss_usd must be a finite decimal > 0"),
    ({"account": {"max_drawdown_usd": 1, "action": "PANIC"}}, "action must be one of REDUCING, HALTED"),
    ({"scripts": {"s1": {"action": "HALTED"}}}, "breakers.scripts.s1 sets neither"),
    ({"check_interval_ms": 0}, "check_interval_ms must be an int > 0"),
    ({"account": {"max_drawdown_usd": 1, "typo": 2}}, "typo"),
    ({"account": "tight"}, "breakers.account"),
])
def test_malformed_breaker_config_is_a_config_error_naming_the_field(table: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RiskConfig.from_toml_dict({"breakers": table})


def test_runtime_changes_need_who_and_why_and_cannot_drop_a_defaulted_script(script_drawdown: RiskGate,
                                                                             journal: Journal, clock: SimulatedClock,
                                                                             exposure: StaticExposure,
                                                                             market: StaticMarket) -> None:
    with pytest.raises(RiskError, match="reason must be a non-empty str"):
        script_drawdown.set_breaker_limits("script:s1", None, actor="alice", reason=" ")
    script_drawdown.set_breaker_limits("script:s1", None, actor="alice", reason="retired")
    assert not script_drawdown.breakers_enabled
    gate = make_gate(BreakersConfig(default_script=BreakerLimits(max_drawdown_usd=D(5))), journal, clock, exposure,
                     market)
    with pytest.raises(RiskError, match="default_script"):
        gate.set_breaker_limits("script:s1", None, actor="alice", reason="exempt")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.integers(min_value=-500, max_value=500), min_size=1, max_size=40),
       limit=st.integers(min_value=1, max_value=400))
def test_drawdown_trips_exactly_when_the_running_drawdown_first_exceeds_the_limit(
        path: list[int], limit: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    clock, exposure, market = SimulatedClock(T0), StaticExposure(), StaticMarket()
    market.mids[SPOT_BTC] = (6_000_000.0, T0)
    with Journal(":memory:") as journal:
        gate = make_gate(BreakersConfig(scripts={"s1": BreakerLimits(max_drawdown_usd=D(limit))}), journal, clock,
                         exposure, market)
        peak, expected_at = 0, None
        for step, pnl in enumerate(path):
            peak = max(peak, pnl)
            if expected_at is None and peak - pnl > limit:
                expected_at = step
            trips = gate.on_pnl({"script:s1": D(pnl)})
            assert bool(trips) == (step == expected_at)
        tripped = expected_at is not None
        assert (gate.evaluate(intent()).reason_code == "DRAWDOWN") == tripped
        assert journal.count(kinds.ALERT) == int(tripped)
