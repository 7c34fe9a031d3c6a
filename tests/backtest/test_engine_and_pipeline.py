"""The research-to-backtest pipeline on the shipped sample, and the order path's one invariant: nothing
reaches the venue without an approved, journaled risk decision."""

from __future__ import annotations

import gzip
import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from testkit import SPOT_BTC, USDM_BTC, backtest_config, build_engine, default_config, synced_prefix

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.backtest.config import BacktestConfig
from arbkit.backtest.pipeline import PipelineResult, run_pipeline
from arbkit.backtest.report_builder import build_report_data, write_report
from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.core.messages import OrderIntent
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path
from arbkit.models.logistic import LogisticModel
from arbkit.sim.events import OrderAccepted, OrderRejected


def entries(path: Path, kind: str) -> list[dict[str, Any]]:
    with Journal(path) as journal:
        return [e.payload for e in journal.entries(kind=kind)]


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> PipelineResult:
    return run_pipeline(default_config(), tmp_path_factory.mktemp("pipeline"))


# -- the default pipeline -------------------------------------------------------------------------------------


def test_pipeline_writes_a_verifiable_journal_and_the_model(result: PipelineResult) -> None:
    out = result.journal_path.parent
    assert result.journal_path == out / "journal.sqlite" and result.journal_path.exists()
    model = LogisticModel.load(out / "model.json", feature_digest=result.config.features.spec().digest())
    assert model.version == result.trained.model.version
    with Journal(result.journal_path) as journal:
        check = journal.verify()
        assert check.ok, check.reason
        assert check.entries_checked == journal.count() > 100
        assert journal.count(kinds.MODEL) == 1 and journal.count(kinds.BACKTEST) == 1
    assert result.messages > 100_000 and result.decision_points > 1_000
    assert result.trained.parity_max_abs_diff == 0.0


def test_every_order_has_an_approved_decision_and_every_fill_an_order(result: PipelineResult) -> None:
    decisions = entries(result.journal_path, kinds.RISK_DECISION)
    intents = entries(result.journal_path, kinds.INTENT)
    orders = [e["order"] for e in entries(result.journal_path, kinds.ORDER)]
    fills = entries(result.journal_path, kinds.FILL)
    approved = {d["intent_id"] for d in decisions if d["approved"]}
    assert Counter(d["intent_id"] for d in decisions) == Counter(i["intent_id"] for i in intents)  # one each
    assert orders and fills
    assert {o["intent_id"] for o in orders} == approved
    created = {o["client_order_id"]: o for o in orders}
    assert all(f["client_order_id"] in created for f in fills)
    for fill in fills:
        order = created[fill["client_order_id"]]
        assert (fill["instrument_id"], fill["side"]) == (order["instrument_id"], order["side"])
    assert len(fills) == len(result.path.fills)


def test_no_fill_before_the_trading_start_and_fills_carry_the_trained_model(result: PipelineResult) -> None:
    fills = entries(result.journal_path, kinds.FILL)
    (model_entry,) = entries(result.journal_path, kinds.MODEL)
    assert model_entry["cutoff_ns"] == result.trained.cutoff_ns
    assert min(f["ts_event"] for f in fills) >= result.trained.cutoff_ns
    assert {f["model_version"] for f in fills} == {result.trained.model.version} == {model_entry["version"]}


def test_equity_curve_timestamps_never_decrease(result: PipelineResult) -> None:
    ts = [p.ts_ns for p in result.run.equity]
    assert len(ts) > 100
    assert all(a <= b for a, b in itertools.pairwise(ts))
    assert ts[0] == result.run.first_ts_ns and ts[-1] == result.run.last_ts_ns


def test_report_has_equity_and_drawdown_charts_and_the_rejection_table(result: PipelineResult,
                                                                       tmp_path: Path) -> None:
    data = build_report_data(result, binance_registry())
    assert len(data.rejections) == len(result.path.rejections) > 0
    html = write_report(result, binance_registry(), tmp_path / "report.html").read_text(encoding="utf-8")
    for marker in ('id="equity"', 'id="drawdown"', '<section id="rejections">', "data:image/png;base64,"):
        assert marker in html
    for reason in {d.reason_code for _, d in result.path.rejections}:
        assert reason in html
    assert result.trained.model.version in html


# -- no order without an approved gate decision (property) ----------------------------------------------------

INSTRUMENTS = [SPOT_BTC, SPOT_BTC, USDM_BTC, USDM_BTC, "BTCUSD_PERP.BINANCE_COINM", "NOPE.X"]


SANE_LOTS = {SPOT_BTC: st.integers(1, 2_000_000), USDM_BTC: st.integers(1, 20)}  # up to 0.02 BTC


@st.composite
def intent_args(draw: st.DrawFn) -> tuple[Any, ...]:
    """Mostly intents the gate may approve (small size, price near the mid); otherwise anything."""
    side, tif = draw(st.sampled_from(Side)), draw(st.sampled_from(TimeInForce))
    if draw(st.integers(0, 9)) < 6:
        instrument_id = draw(st.sampled_from([SPOT_BTC, USDM_BTC]))
        order_type = draw(st.sampled_from([OrderType.LIMIT, OrderType.LIMIT, OrderType.MARKET]))
        price = draw(st.floats(-0.002, 0.002)) if order_type is OrderType.LIMIT else None
        return instrument_id, side, order_type, draw(SANE_LOTS[instrument_id]), price, tif
    instrument_id = draw(st.sampled_from(INSTRUMENTS))
    qty = draw(st.one_of(st.integers(-3, 3), st.integers(1, 3_000_000), st.integers(-10**12, 10**12)))
    price = draw(st.one_of(st.none(), st.just(0), st.integers(-5, 5), st.floats(-0.05, 0.05),
                           st.integers(1, 10**12)))
    return instrument_id, side, draw(st.sampled_from(OrderType)), qty, price, tif


@st.composite
def actions(draw: st.DrawFn) -> list[tuple[str, Any]]:
    steps: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["intent"] * 8 + ["kill", "release", "wait"]))
        if kind == "intent":
            steps.append(("intent", draw(intent_args())))
        elif kind == "wait":  # ms; rarely past the 1 s reference age, after which every intent lacks a reference
            steps.append(("wait", draw(st.sampled_from([1, 5, 20, 50, 50, 1_500]))))
        else:
            steps.append((kind, None))
    return steps


_counter = itertools.count()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions())
def test_no_order_reaches_the_venue_without_an_approved_gate_decision(steps: list[tuple[str, Any]],
                                                                     tmp_path: Path) -> None:
    config = default_config()
    with Journal(tmp_path / f"journal-{next(_counter)}.sqlite") as journal:
        engine = build_engine(config, journal)
        engine.run(synced_prefix())
        path, clock = engine.path, engine.clock
        received: list[str] = []
        submitted: list[str] = []
        for n, (kind, arg) in enumerate(steps):
            if kind == "kill":
                path.gate.kill_switch.engage("property-test", "random toggle")
            elif kind == "release":
                path.gate.kill_switch.release("property-test", "random toggle")
            elif kind == "wait":
                clock.advance_to(clock.now_ns() + arg * 1_000_000)
            else:
                instrument_id, side, order_type, qty, price, tif = arg
                if isinstance(price, float):  # a relative distance from the mid of the instrument's book, if any
                    book = engine.books.get(instrument_id)
                    mid = book.mid_ticks() if book is not None else None
                    price = int(mid * (1 + price)) if mid is not None else None
                intent_id = f"p-{n}"
                submitted.append(intent_id)
                engaged = path.gate.kill_switch.engaged
                decision = path.submit(OrderIntent(
                    intent_id=intent_id, script_id="prop", model_version="m", instrument_id=instrument_id, side=side,
                    order_type=order_type, qty_lots=qty, ts_created=clock.now_ns(), price_ticks=price,
                    time_in_force=tif))
                assert decision.intent_id == intent_id
                if engaged:
                    assert not decision.approved and decision.reason_code == "KILL_SWITCH"
            events = engine.venue.process(clock.now_ns())
            received += [e.client_order_id for e in events if isinstance(e, (OrderAccepted, OrderRejected))]
            path.on_venue_events(events)
        clock.advance_to(clock.now_ns() + 10**9)
        events = engine.venue.process(clock.now_ns())
        received += [e.client_order_id for e in events if isinstance(e, (OrderAccepted, OrderRejected))]
        path.on_venue_events(events)
        decisions = [e.payload for e in journal.entries(kind=kinds.RISK_DECISION)]
        journaled_intents = [e.payload["intent_id"] for e in journal.entries(kind=kinds.INTENT)]
        created = {e.payload["order"]["client_order_id"]: e.payload["order"]["intent_id"]
                   for e in journal.entries(kind=kinds.ORDER) if e.payload["event"] == "created"}
    assert journaled_intents == submitted
    assert [d["intent_id"] for d in decisions] == submitted  # exactly one decision per intent, in order
    approved = {d["intent_id"] for d in decisions if d["approved"]}
    assert set(created.values()) == approved and len(created) == len(approved)
    assert len(received) == len(set(received))
    assert set(received) == set(created)
    event(f"approved intents: {min(len(approved), 3)}{'+' if len(approved) >= 3 else ''}")


# -- configured failures: kill switch, book gap ---------------------------------------------------------------


def with_changes(config: BacktestConfig, **sections: Any) -> BacktestConfig:
    return msgspec.structs.replace(config, **sections)


def test_engaged_kill_switch_runs_the_backtest_and_sends_no_order(tmp_path: Path) -> None:
    config = backtest_config()
    config = with_changes(config, risk=msgspec.structs.replace(config.risk, kill_switch_engaged=True))
    result = run_pipeline(config, tmp_path)
    assert result.path.intents > 0
    assert result.path.fills == [] and len(result.path.oms) == 0
    assert {d.reason_code for _, d in result.path.rejections} == {"KILL_SWITCH"}
    assert len(result.path.rejections) == result.path.intents
    decisions = entries(result.journal_path, kinds.RISK_DECISION)
    assert len(decisions) == result.path.intents and not any(d["approved"] for d in decisions)
    assert entries(result.journal_path, kinds.ORDER) == [] and entries(result.journal_path, kinds.FILL) == []


def drop_one_depth_line(source: Path, target: Path, after_fraction: float) -> int:
    """Copy ``source`` to ``target`` without the first depth diff after ``after_fraction`` of the lines."""
    lines = gzip.decompress(source.read_bytes()).splitlines(keepends=True)
    start = int(len(lines) * after_fraction)
    index = next(i for i in range(start, len(lines)) if b'"depthUpdate"' in lines[i][:200])
    dropped_ts = int(lines[index].split(b" ", 1)[0])
    target.write_bytes(gzip.compress(b"".join(lines[:index] + lines[index + 1:])))
    return dropped_ts


def test_a_book_gap_is_journaled_and_the_perp_is_not_traded_after_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # the gap falls in the trading half, after the model's cutoff, so training has its full history
    dropped_ts = drop_one_depth_line(sample_path(SAMPLE_USDM_BTC), data / SAMPLE_USDM_BTC, after_fraction=0.8)
    config = default_config()
    config = with_changes(config, data=msgspec.structs.replace(
        config.data, streams=[[str(sample_path(SAMPLE_SPOT_BTC))], [str(data / SAMPLE_USDM_BTC)]]))
    result = run_pipeline(config, tmp_path / "out")
    (gap,) = result.run.gaps
    assert gap.instrument_id == USDM_BTC and gap.ts_recv > dropped_ts > result.trained.cutoff_ns
    (journaled,) = entries(result.journal_path, kinds.BOOK_GAP)
    assert journaled["instrument_id"] == USDM_BTC and journaled["source"] == SAMPLE_USDM_BTC
    with Journal(result.journal_path) as journal:
        assert journal.verify().ok
        gap_ts = next(journal.entries(kind=kinds.BOOK_GAP)).ts_ns
    assert result.predictions and max(ts for ts, _, _ in result.predictions) < gap_ts  # no decision on a stale book
    assert min(ts for ts, _, _ in result.predictions) >= result.trained.cutoff_ns
    decisions = {d["intent_id"]: d for d in entries(result.journal_path, kinds.RISK_DECISION)}
    late = [i for i in entries(result.journal_path, kinds.INTENT)
            if i["instrument_id"] == USDM_BTC and i["ts_created"] >= gap_ts]
    assert all(decisions[i["intent_id"]]["reason_code"] == "NO_REFERENCE_PRICE" for i in late)
    orders = [e["order"] for e in entries(result.journal_path, kinds.ORDER) if e["event"] == "created"]
    assert not [o for o in orders if o["instrument_id"] == USDM_BTC and o["ts_sent"] >= gap_ts]
    assert result.run.equity[-1].ts_ns == result.run.last_ts_ns  # the replay ran to the end


def test_after_a_gap_the_gate_refuses_the_instrument_for_lack_of_a_reference(tmp_path: Path) -> None:
    from arbkit.core.messages import BookGap

    config = default_config()
    with Journal(tmp_path / "journal.sqlite") as journal:
        engine = build_engine(config, journal)
        engine.run(synced_prefix())
        now = engine.clock.now_ns()
        gap = BookGap(instrument_id=USDM_BTC, ts_recv=now, source="test", line=1, expected_update_id=2,
                      got_first_update_id=5, got_prev_update_id=4, reason="one diff missing")
        engine.run([(now, gap)])
        touch = engine.books[USDM_BTC].best_ask()
        assert touch is not None
        perp = engine.path.submit(OrderIntent(
            intent_id="after-gap", script_id="s", model_version="m", instrument_id=USDM_BTC, side=Side.BUY,
            order_type=OrderType.LIMIT, qty_lots=10, ts_created=now, price_ticks=touch[0],
            time_in_force=TimeInForce.IOC))
        assert (perp.approved, perp.reason_code) == (False, "NO_REFERENCE_PRICE")
        assert engine.book_views[USDM_BTC].synced is False and engine.book_views[SPOT_BTC].synced is True
        assert journal.count(kinds.BOOK_GAP) == 1
        assert len(engine.path.oms) == 0
