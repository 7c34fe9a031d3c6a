"""Every control live in the backtester: loss breakers, position reconciliation, VaR and correlation sources built
by the composition root, trading states and kill scopes from the config, and restart recovery at start-up."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from testkit import SPOT_BTC, USDM_BTC, backtest_config, build_engine, default_config, sample_timeline

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.backtest.pipeline import run_pipeline
from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.oms.recovery import ReconciliationError
from arbkit.risk.breaker_config import BreakerLimits, BreakersConfig
from arbkit.risk.config import RiskConfig
from arbkit.risk.portfolio_config import ReturnSampling, VarLimit, portfolio_section
from arbkit.scripts.context import ScriptContext
from arbkit.sim.events import OrderFilled
from arbkit.system.position_reconciler import PositionReconciler


def payloads(path: Path, kind: str) -> list[dict[str, Any]]:
    with Journal(path) as journal:
        return [e.payload for e in journal.entries(kind=kind)]


def with_risk(**changes: Any) -> Any:
    config = backtest_config()
    return msgspec.structs.replace(config, risk=msgspec.structs.replace(config.risk, **changes))


def test_a_drawdown_breaker_trips_in_the_demo_backtest_and_then_only_reducing_orders_go_out(tmp_path: Path) -> None:
    config = with_risk(breakers=BreakersConfig(scripts={"basis-btc": BreakerLimits(max_drawdown_usd=Decimal(2))}))
    result = run_pipeline(config, tmp_path)
    (alert,) = payloads(result.journal_path, kinds.ALERT)
    assert alert["code"] == "DRAWDOWN" and alert["scope"] == "script:basis-btc"
    assert Decimal(alert["values"]["value_usd"]) > 2 and alert["action"] == "script:basis-btc -> REDUCING"
    refused = [d for _, d in result.path.rejections if d.reason_code == "DRAWDOWN"]
    assert refused and all(d.ts >= alert_ts(result.journal_path) for d in refused)
    decisions = {d["intent_id"]: d for d in payloads(result.journal_path, kinds.RISK_DECISION)}
    after = [i for i in payloads(result.journal_path, kinds.INTENT) if i["ts_created"] >= alert_ts(result.journal_path)]
    approved_after = [i for i in after if decisions[i["intent_id"]]["approved"]]
    for approved in approved_after:  # every order after the trip reduced its leg's worst-case position
        check = next(c for c in decisions[approved["intent_id"]]["checks"] if c["rule"] == "drawdown")
        assert "intent reduces" in check["value"]
    baseline = run_pipeline(backtest_config(), tmp_path / "baseline")
    assert len(result.path.fills) < len(baseline.path.fills)  # the breaker changed what was traded


def alert_ts(path: Path) -> int:
    with Journal(path) as journal:
        return next(journal.entries(kind=kinds.ALERT)).ts_ns


class BuyThenSell:
    """Buys 0.01 BTC spot with a market order after 200 book updates and sells it after 2000."""

    script_id = "round-trip"
    instrument_ids = (SPOT_BTC,)

    def __init__(self) -> None:
        self.calls = 0

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        self.calls += 1
        lots = ctx.instrument(SPOT_BTC).size_to_lots("0.01")
        if self.calls in (200, 400):
            ctx.submit(SPOT_BTC, Side.BUY, lots, order_type=OrderType.MARKET, time_in_force=TimeInForce.IOC)
        elif self.calls == 2000:
            ctx.submit(SPOT_BTC, Side.SELL, lots, order_type=OrderType.MARKET, time_in_force=TimeInForce.IOC)


def drop_first_fill_event(engine: Any) -> list[str]:
    """Make the engine lose the first fill message the venue sends (the venue's own records keep it)."""
    venue, lost = engine.venue, []
    real_process = venue.process

    def process(now_ns: int) -> list[Any]:
        events = real_process(now_ns)
        if not lost:
            for event in events:
                if isinstance(event, OrderFilled):
                    lost.append(event.fill.fill_id)
                    return [e for e in events if e is not event]
        return events

    venue.process = process
    return lost


def reconciler(engine: Any) -> PositionReconciler:
    return next(c for c in engine.path.post_trade if isinstance(c, PositionReconciler))


def test_a_lost_fill_is_found_by_reconciliation_raises_an_alert_and_moves_the_script_to_reducing() -> None:
    config = default_config()
    with Journal(":memory:") as journal:
        engine = build_engine(config, journal, [lambda: (BuyThenSell(), "v1")])
        lost = drop_first_fill_event(engine)
        engine.run(sample_timeline())
        assert lost
        mismatches = [e for e in journal.entries(kind=kinds.ALERT) if e.payload["code"] == "POSITION_MISMATCH"]
        assert mismatches and mismatches[0].actor == "post_trade_reconciliation"
        alert = mismatches[0].payload
        assert alert["scope"] == "script:round-trip" and alert["values"]["instrument_id"] == SPOT_BTC
        assert alert["values"]["venue"] != alert["values"]["book"] == alert["values"]["orders"]
        assert alert["action"] == "script:round-trip -> REDUCING"
        assert engine.path.gate.trading_state("script:round-trip").value == "REDUCING"
        second_buy = [d for _, d in engine.path.rejections if d.reason_code == "TRADING_STATE"]
        assert second_buy, "the second buy, after the mismatch, must be refused"


def test_without_a_lost_fill_the_records_agree_at_every_check() -> None:
    config = default_config()
    with Journal(":memory:") as journal:
        engine = build_engine(config, journal, [lambda: (BuyThenSell(), "v1")])
        engine.run(sample_timeline())
        assert len(engine.path.fills) >= 2 and reconciler(engine).checks > 100
        assert journal.count(kinds.ALERT) == 0 and reconciler(engine).differences() == {}
        assert engine.path.gate.trading_states() == {}


def test_var_and_correlation_sources_are_built_and_fed_so_var_limit_binds_in_the_demo(tmp_path: Path) -> None:
    portfolio = portfolio_section({"var": {"max_parametric_var_usd": "0.5", "min_history": 5},
                                   "correlation": {"max_correlation": "0.9", "max_concentration": "0.9"},
                                   "returns": {"interval_ms": 1000, "min_returns": 5}})
    result = run_pipeline(with_risk(portfolio=portfolio), tmp_path)
    reasons = {d.reason_code for _, d in result.path.rejections}
    assert "VAR_LIMIT" in reasons
    var_checks = [c for _, d in result.path.rejections for c in d.checks if c.rule == "var_limit" and not c.passed]
    assert any("parametric VaR" in c.value for c in var_checks), var_checks[:3]
    assert not any("not ready" in c.value for c in var_checks[-5:])  # by the end the covariance is ready


def test_return_sampling_config_is_validated() -> None:
    with pytest.raises(Exception, match="ewma_decay must be a decimal > 0 and < 1"):
        ReturnSampling(ewma_decay=Decimal(1))
    assert VarLimit().min_history == 20


def test_kill_scopes_from_the_config_are_engaged_at_start_and_journaled(tmp_path: Path) -> None:
    result = run_pipeline(with_risk(kill_switch_scopes=["venue:BINANCE_USDM"]), tmp_path)
    assert {(d.instrument_id, d.reason_code) for _, d in result.path.rejections} >= {(USDM_BTC, "KILL_SWITCH")}
    assert result.path.intents > 0 and not any(f.instrument_id == USDM_BTC for f in result.path.fills)
    kills = payloads(result.journal_path, kinds.KILL_SWITCH)
    assert kills[0]["scope"] == "venue:BINANCE_USDM" and kills[0]["actor"] == "risk_config"


def test_trading_states_from_the_config_are_set_at_start_and_journaled(tmp_path: Path) -> None:
    result = run_pipeline(with_risk(trading_states={"script:basis-btc": "REDUCING"}), tmp_path)
    assert result.path.intents > 0 and result.path.fills == []  # flat: nothing it could send reduces
    assert {d.reason_code for _, d in result.path.rejections} == {"TRADING_STATE"}
    states = [p for p in payloads(result.journal_path, kinds.CONFIG) if p.get("action") == "set_trading_state"]
    assert states[0]["scope"] == "script:basis-btc" and states[0]["new"] == "REDUCING"
    assert states[0]["actor"] == "risk_config"


def test_a_restart_on_a_journal_with_orders_the_venue_does_not_know_refuses_to_build(tmp_path: Path) -> None:
    config = default_config()
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        build_engine(config, journal, [lambda: (BuyThenSell(), "v1")]).run(sample_timeline())
        assert journal.count(kinds.ORDER) > 0
    with Journal(path) as journal, pytest.raises(ReconciliationError, match="unknown to the venue"):
        build_engine(config, journal, [lambda: (BuyThenSell(), "v1")])


def test_a_journal_without_orders_starts_a_fresh_oms(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        engine = build_engine(default_config(), journal)
        assert len(engine.path.oms) == 0


def test_risk_config_round_trips_the_new_sections() -> None:
    config = RiskConfig.from_toml_dict({"breakers": {"account": {"max_drawdown_usd": 10}},
                                        "post_trade": {"reconcile_interval_ms": 250}, "trading_states": {},
                                        "kill_switch_scopes": ["script:x"]})
    assert config.post_trade.reconcile_interval_ms == 250 and config.kill_switch_scopes == ["script:x"]
