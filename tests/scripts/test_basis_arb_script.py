"""SpotPerpBasisScript on the real engine and the shipped sample, with a model fitted on recorded points.

The first group replays the whole sample through the composition root with the risk limit set to one
layer; the second drives ``_decide`` directly over real books (the sample's REST snapshots applied) and
the real order path, with crafted signal points.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
from testkit import (SPOT_BTC, USDM_BTC, build_engine, default_config, one_layer_risk, record_decision_points,
                     registry, sample_timeline, synced_prefix)

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.backtest.engine import BacktestEngine
from arbkit.backtest.training import TrainedModel, train_basis_model
from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.scripts.basis_arb import BasisArbConfig, SpotPerpBasisScript
from arbkit.scripts.basis_signal import BasisSignal, SignalPoint
from arbkit.scripts.context import ScriptContext

REGISTRY = registry()
SCRIPT_ID = "basis-test"
MS = 1_000_000


def size(instrument_id: str, lots: int) -> Decimal:
    return REGISTRY.get(instrument_id).lots_to_size(lots)


def signal(config: Any) -> BasisSignal:
    return BasisSignal(config.features.spec(), config.strategy.spot_instrument, config.strategy.perp_instrument,
                       config.features.decision_interval_ms * MS)


@pytest.fixture(scope="module")
def trained() -> TrainedModel:
    config = default_config()
    return train_basis_model(record_decision_points(config).arrays(), config.features.spec(), config.model)


class Traded(msgspec.Struct):
    """One replay of the whole sample with the script trading after the model's cutoff."""

    script: SpotPerpBasisScript
    trained: TrainedModel
    intents: list[dict[str, Any]]
    decisions: dict[str, dict[str, Any]]
    journal_rows: list[Any]


@pytest.fixture(scope="module")
def traded(trained: TrainedModel, tmp_path_factory: pytest.TempPathFactory) -> Traded:
    config = default_config()
    strategy = msgspec.structs.replace(config.strategy, trading_start_ns=trained.cutoff_ns)
    script = SpotPerpBasisScript(SCRIPT_ID, strategy, signal(config), trained.model)
    with Journal(tmp_path_factory.mktemp("script") / "journal.sqlite") as journal:
        engine = build_engine(config, journal, [lambda: (script, trained.model.version)], risk=one_layer_risk(config))
        engine.run(sample_timeline())
        rows = list(journal.entries())
    intents = [r.payload for r in rows if r.kind == kinds.INTENT]
    decisions = {r.payload["intent_id"]: r.payload for r in rows if r.kind == kinds.RISK_DECISION}
    return Traded(script=script, trained=trained, intents=intents, decisions=decisions, journal_rows=rows)


# -- whole engine ---------------------------------------------------------------------------------------------


def test_no_intent_and_no_decision_point_before_trading_start(traded: Traded) -> None:
    cutoff = traded.trained.cutoff_ns
    assert len(traded.intents) > 10
    assert min(i["ts_created"] for i in traded.intents) >= cutoff
    assert traded.script.predictions and min(ts for ts, _, _ in traded.script.predictions) >= cutoff
    assert sample_timeline()[0][0] < cutoff  # there was market data (and a signal) before the start


def test_every_intent_carries_the_script_id_and_model_version(traded: Traded) -> None:
    expected = {(SCRIPT_ID, traded.trained.model.version)}
    assert {(i["script_id"], i["model_version"]) for i in traded.intents} == expected
    fills = [r.payload for r in traded.journal_rows if r.kind == kinds.FILL]
    assert fills and {(f["script_id"], f["model_version"]) for f in fills} == expected


def test_entries_are_two_legs_of_equal_base_quantity_in_opposite_directions(traded: Traded) -> None:
    by_time: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for intent in traded.intents:
        if intent["tag"] == "entry":
            by_time[intent["ts_created"]].append(intent)
    assert len(by_time) > 5
    order_qty = default_config().strategy.order_qty
    refused_first_legs = 0
    for legs in by_time.values():
        if len(legs) == 1:  # the perp leg goes first; if the gate refuses it, the spot leg is never sent
            (only,) = legs
            assert only["instrument_id"] == USDM_BTC and not traded.decisions[only["intent_id"]]["approved"]
            refused_first_legs += 1
            continue
        assert traded.decisions[next(leg for leg in legs if leg["instrument_id"] == USDM_BTC)["intent_id"]]["approved"]
        assert sorted(leg["instrument_id"] for leg in legs) == sorted([SPOT_BTC, USDM_BTC])
        spot, perp = sorted(legs, key=lambda leg: leg["instrument_id"] != SPOT_BTC)
        assert spot["side"] == -perp["side"]
        assert size(SPOT_BTC, spot["qty_lots"]) == size(USDM_BTC, perp["qty_lots"]) == order_qty
        assert spot["time_in_force"] == perp["time_in_force"] == "ioc"
    assert refused_first_legs > 0  # the one-layer limit refuses second layers in this run


def test_after_a_gate_rejection_no_entry_is_sent_within_the_cooldown(traded: Traded) -> None:
    cooldown_ns = default_config().strategy.cooldown_ms * MS
    rejected_at = [traded.decisions[i["intent_id"]]["ts"] for i in traded.intents
                   if not traded.decisions[i["intent_id"]]["approved"]]
    reasons = {traded.decisions[i["intent_id"]]["reason_code"] for i in traded.intents
               if not traded.decisions[i["intent_id"]]["approved"]}
    assert len(rejected_at) >= 5 and reasons == {"MAX_POSITION"}  # the second layer is refused by the gate
    entries = [i["ts_created"] for i in traded.intents if i["tag"] == "entry"]
    too_soon = [(t, e) for t in rejected_at for e in entries if t < e < t + cooldown_ns]
    assert too_soon == []
    assert any(e >= t + cooldown_ns for t in rejected_at for e in entries)  # it did try again later


def test_every_rehedge_closes_the_gap_between_the_legs(traded: Traded) -> None:
    lots: dict[str, int] = defaultdict(int)
    rehedges = 0
    for row in traded.journal_rows:
        if row.kind == kinds.FILL:
            lots[row.payload["instrument_id"]] += row.payload["side"] * row.payload["qty_lots"]
        elif row.kind == kinds.INTENT and row.payload["tag"] == "rehedge":
            rehedges += 1
            gap = size(SPOT_BTC, lots[SPOT_BTC]) + size(USDM_BTC, lots[USDM_BTC])
            intent = row.payload
            assert gap != 0 and intent["instrument_id"] == SPOT_BTC
            assert intent["side"] * size(SPOT_BTC, intent["qty_lots"]) == -gap
    assert rehedges > 0


# -- _decide over real books and the real order path ----------------------------------------------------------


class Desk(msgspec.Struct):
    engine: BacktestEngine
    ctx: ScriptContext
    script: SpotPerpBasisScript
    journal: Journal

    def point(self, z: float) -> SignalPoint:
        spot = self.ctx.book(SPOT_BTC).mid_ticks()
        perp = self.ctx.book(USDM_BTC).mid_ticks()
        assert spot is not None and perp is not None
        return SignalPoint(self.ctx.now_ns(), np.array([1.0, z, 0.5, 0.0, 0.0]),
                           spot * float(REGISTRY.get(SPOT_BTC).tick_size),
                           perp * float(REGISTRY.get(USDM_BTC).tick_size))

    def decide(self, z: float, probability: float = 0.9, after_ms: int = 0) -> list[dict[str, Any]]:
        """Advance the clock, let the venue work, call ``_decide``; returns the intents it sent."""
        self.settle(after_ms)
        seen = self.journal.last_seq
        self.script._decide(self.ctx, self.point(z), probability)
        return [e.payload for e in self.journal.entries(kind=kinds.INTENT, since_seq=seen)]

    def settle(self, after_ms: int = 10) -> None:
        now = self.engine.clock.now_ns() + after_ms * MS
        self.engine.clock.advance_to(now)
        self.engine.path.on_venue_events(self.engine.venue.process(now))

    def position(self, instrument_id: str) -> Decimal:
        return size(instrument_id, self.ctx.position_lots(instrument_id))

    def decision(self, intent: dict[str, Any]) -> dict[str, Any]:
        return next(e.payload for e in self.journal.entries(kind=kinds.RISK_DECISION)
                    if e.payload["intent_id"] == intent["intent_id"])


@pytest.fixture
def desk(trained: TrainedModel, tmp_path: Path) -> Iterator[Desk]:
    config = default_config()
    strategy = BasisArbConfig(cooldown_ms=300, order_qty=Decimal("0.01"), entry_z=2.0, exit_z=0.5)
    with Journal(tmp_path / "journal.sqlite") as journal:
        engine = build_engine(config, journal, risk=one_layer_risk(config))
        engine.run(synced_prefix())  # real books: REST snapshots and the diffs after them
        script = SpotPerpBasisScript(SCRIPT_ID, strategy, signal(config), trained.model)
        ctx = ScriptContext(script_id=SCRIPT_ID, model_version=trained.model.version, clock=engine.clock,
                            instruments=REGISTRY, books=engine.book_views, positions=engine.portfolio, sink=engine.path)
        yield Desk(engine=engine, ctx=ctx, script=script, journal=journal)


def test_entry_sells_the_rich_leg_and_buys_the_cheap_one_in_equal_size(desk: Desk) -> None:
    sent = desk.decide(z=3.0)  # basis rich: sell perp, buy spot
    assert [(i["instrument_id"], i["side"], i["tag"]) for i in sent] == [(USDM_BTC, -1, "entry"),
                                                                         (SPOT_BTC, 1, "entry")]
    assert size(USDM_BTC, sent[0]["qty_lots"]) == size(SPOT_BTC, sent[1]["qty_lots"]) == Decimal("0.01")
    assert all(desk.decision(i)["approved"] for i in sent)
    desk.settle()
    assert (desk.position(SPOT_BTC), desk.position(USDM_BTC)) == (Decimal("0.01"), Decimal("-0.01"))
    cheap = desk.decide(z=-3.0, after_ms=200)  # opposite signal while positioned: no new entry
    assert cheap == []


def test_signal_below_entry_z_or_probability_below_threshold_sends_nothing(desk: Desk) -> None:
    assert desk.decide(z=1.9, probability=0.99) == []
    assert desk.decide(z=4.0, probability=0.5) == []
    assert desk.engine.path.intents == 0


def test_a_gate_rejection_starts_the_cooldown_before_the_next_entry(desk: Desk) -> None:
    desk.decide(z=3.0)
    desk.settle()
    start = desk.engine.clock.now_ns()
    second = desk.decide(z=3.0)  # a second layer is beyond max_position_qty
    assert second and {desk.decision(i)["reason_code"] for i in second} == {"MAX_POSITION"}
    assert desk.script.cooldown_until_ns == start + 300 * MS
    assert desk.decide(z=3.0, after_ms=299) == []  # still cooling down
    again = desk.decide(z=3.0, after_ms=1)  # exactly at the end of the cooldown
    # the entry is tried again; its first (perp) leg is still beyond the limit, so the spot leg is not sent
    assert [(i["tag"], i["instrument_id"]) for i in again] == [("entry", USDM_BTC)]


def test_an_unhedged_spot_leg_is_rehedged_on_the_next_decision(desk: Desk) -> None:
    best_ask = desk.ctx.book(SPOT_BTC).best_ask()
    assert best_ask is not None
    lots = REGISTRY.get(SPOT_BTC).size_to_lots("0.01")
    decision = desk.ctx.submit(SPOT_BTC, Side.BUY, lots, price_ticks=best_ask[0], order_type=OrderType.LIMIT,
                               time_in_force=TimeInForce.IOC, tag="manual")
    assert decision.approved
    desk.settle()
    assert (desk.position(SPOT_BTC), desk.position(USDM_BTC)) == (Decimal("0.01"), Decimal(0))
    sent = desk.decide(z=5.0)  # a strong signal, but the hedge comes first
    assert [(i["instrument_id"], i["side"], i["tag"]) for i in sent] == [(SPOT_BTC, -1, "rehedge")]
    assert size(SPOT_BTC, sent[0]["qty_lots"]) == Decimal("0.01")
    desk.settle()
    assert desk.position(SPOT_BTC) == 0


def test_an_unhedged_perp_leg_is_rehedged_with_spot(desk: Desk) -> None:
    best_bid = desk.ctx.book(USDM_BTC).best_bid()
    assert best_bid is not None
    lots = REGISTRY.get(USDM_BTC).size_to_lots("0.01")
    assert desk.ctx.submit(USDM_BTC, Side.SELL, lots, price_ticks=best_bid[0], order_type=OrderType.LIMIT,
                           time_in_force=TimeInForce.IOC).approved
    desk.settle()
    sent = desk.decide(z=0.0, probability=0.0)
    assert [(i["instrument_id"], i["side"], i["tag"]) for i in sent] == [(SPOT_BTC, 1, "rehedge")]
    desk.settle()
    assert (desk.position(SPOT_BTC), desk.position(USDM_BTC)) == (Decimal("0.01"), Decimal("-0.01"))


def test_exit_closes_both_legs_when_the_basis_is_back_near_its_mean(desk: Desk) -> None:
    desk.decide(z=-3.0)  # basis cheap: buy perp, sell spot
    desk.settle()
    assert (desk.position(SPOT_BTC), desk.position(USDM_BTC)) == (Decimal("-0.01"), Decimal("0.01"))
    sent = desk.decide(z=0.4, probability=0.0, after_ms=50)
    assert [(i["instrument_id"], i["side"], i["tag"]) for i in sent] == [(USDM_BTC, -1, "exit"),
                                                                         (SPOT_BTC, 1, "exit")]
    desk.settle()
    assert (desk.position(SPOT_BTC), desk.position(USDM_BTC)) == (Decimal(0), Decimal(0))


def test_a_model_trained_on_another_feature_set_is_refused(trained: TrainedModel) -> None:
    from arbkit.models.logistic import ModelMismatchError

    config = default_config()
    other = BasisSignal(msgspec.structs.replace(config.features.spec(), halflife_ns=1_000_000_000), SPOT_BTC,
                        USDM_BTC, 100 * MS)
    with pytest.raises(ModelMismatchError):
        SpotPerpBasisScript(SCRIPT_ID, BasisArbConfig(), other, trained.model)


def test_regime_gated_script_opens_no_leg_while_it_is_dislocated_and_still_exits(trained: TrainedModel,
                                                                                 tmp_path: Path) -> None:
    from arbkit.regime.guard import DislocationGuard
    from arbkit.regime.monitor import RegimeMonitor
    from arbkit.system.kernel import build_backtest_engine

    config = default_config()
    strategy = msgspec.structs.replace(config.strategy, trading_start_ns=trained.cutoff_ns)
    script = SpotPerpBasisScript(SCRIPT_ID, strategy, signal(config), trained.model,
                                 allowed_regimes=frozenset({"orderly"}))
    with Journal(tmp_path / "journal.sqlite") as journal:
        engine = build_backtest_engine(
            instruments=REGISTRY, instrument_ids=[SPOT_BTC, USDM_BTC], risk=config.risk, sim=config.sim,
            journal=journal, scripts=[lambda: (script, trained.model.version)], equity_interval_ns=10**9,
            regime_monitors={i: RegimeMonitor(i, guard=DislocationGuard()) for i in (SPOT_BTC, USDM_BTC)})
        engine.run(sample_timeline())
        intents = {e.payload["intent_id"]: e.payload for e in journal.entries(kind=kinds.INTENT)}
        decisions = [e.payload for e in journal.entries(kind=kinds.RISK_DECISION)]
        changes = [e.payload for e in journal.entries(kind=kinds.REGIME_CHANGE)]

    def regime_at(instrument_id: str, ts_ns: int) -> str:
        return [c["new"] for c in changes if c["scope"] == instrument_id and c["ts_ns"] <= ts_ns][-1]

    refused = [d for d in decisions if d["reason_code"] == "REGIME"]
    assert refused, "the basis widens when the perp drops first (23:58:21 UTC): the script must try to enter there"
    assert {intents[d["intent_id"]]["tag"] for d in refused} <= {"entry", "rehedge"}
    assert all(regime_at(d["instrument_id"], d["ts"]) == "dislocated" for d in refused)
    exits = [d for d in decisions if intents[d["intent_id"]]["tag"] == "exit"]
    assert exits and all(d["approved"] for d in exits)
    refused_at = {d["ts"] for d in refused if d["instrument_id"] == USDM_BTC}
    assert not [d for d in decisions if d["ts"] in refused_at and d["approved"]]  # no unhedged second leg
