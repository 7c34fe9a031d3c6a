"""Regime gating end to end on the synthetic market (SYNTHETIC DATA, planted truth): a real regime monitor with a
real dislocation guard on the leader's book, the real backtest engine, risk gate, simulated venue and SQLite journal.

The market lasts 40 s; its volatility triples at 20 s (planted regime switch) and it falls 5 % in 200 ms at 30 s,
recovering over 2 s (planted flash crash). A dip-buying script that may trade only in ``orderly`` (or ``calm``)
regimes must have its buys refused with ``REGIME`` from the crash on, while its sells (reducing) still pass and its
buys before the crash go through.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gating_kit import DipBuyer, EveryBookBuyer, frame_timeline, guard_monitor, limits, regime_engine, regime_refusals

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import Side
from arbkit.core.instruments import Instrument, InstrumentRegistry
from arbkit.data.schema import BBO
from arbkit.data.synthetic.synthetic_config import NS_PER_S, FlashCrashTruth, PlantedTruth, SyntheticConfig
from arbkit.data.synthetic.synthetic_market import generate_market
from arbkit.regime.fit import fit_gmm
from arbkit.regime.guard import DislocationGuard, GuardConfig
from arbkit.regime.monitor import RegimeMonitor
from arbkit.regime.vol_features import ORDER_BY, BarVolSpec

SEED = 11
TRAINING_SEED = 5  # the classifier is fitted on another draw of the same market
CONFIG = SyntheticConfig.for_duration(40 * NS_PER_S)
GUARD_WARMUP_NS = 2 * NS_PER_S
CLIP_LOTS = 10  # 0.01 BTC


@functools.lru_cache(maxsize=2)
def leader(seed: int) -> tuple[Instrument, tuple[Any, ...], PlantedTruth]:
    """The leader venue of the synthetic market of ``seed``: its instrument, engine timeline and planted truth."""
    market = generate_market(CONFIG, seed)
    frame = market.frames[CONFIG.leader.venue]
    (instrument,) = frame.instruments.values()
    return instrument, tuple(frame_timeline(frame)), market.truth


def run(script: Any, journal: Journal, monitor: RegimeMonitor, features: Any = None) -> None:
    instrument, timeline, _ = leader(SEED)
    engine = regime_engine(InstrumentRegistry([instrument]), instrument.id, script, journal, monitor,
                           limits(instrument, CLIP_LOTS, 3), start_ns=timeline[0][0], features=features)
    engine.run(timeline)


def changes(journal: Journal) -> list[tuple[int, str, str, str]]:
    return [(e.ts_ns, e.payload["old"], e.payload["new"], e.payload["cause"])
            for e in journal.entries(kind=kinds.REGIME_CHANGE)]


@pytest.fixture(scope="module")
def crash() -> FlashCrashTruth:
    return leader(SEED)[2].flash_crash


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> tuple[DipBuyer, Path]:
    instrument = leader(SEED)[0]
    script = DipBuyer(instrument.id, frozenset({"orderly"}), clip_lots=CLIP_LOTS)
    path = tmp_path_factory.mktemp("gated") / "journal.sqlite"
    with Journal(path) as journal:
        run(script, journal, guard_monitor(instrument.id, warmup_ns=GUARD_WARMUP_NS))
    return script, path


def test_guard_trips_on_the_planted_crash_and_every_change_is_journaled(gated: tuple[DipBuyer, Path],
                                                                        crash: FlashCrashTruth) -> None:
    _, path = gated
    with Journal(path) as journal:
        seen = changes(journal)
        assert journal.verify().ok
    assert [(old, new, cause) for _, old, new, cause in seen] == [
        ("warming_up", "orderly", "warmup"), ("orderly", "dislocated", "dislocation_guard"),
        ("dislocated", "orderly", "guard_cleared")]
    warm_ns, trip_ns, clear_ns = (ts for ts, *_ in seen)
    assert warm_ns < crash.start_ns <= trip_ns <= crash.bottom_ns
    assert clear_ns >= trip_ns + GuardConfig().cooldown_ns


def test_dip_buyer_trades_before_the_crash_and_is_refused_with_regime_during_it(gated: tuple[DipBuyer, Path],
                                                                                crash: FlashCrashTruth) -> None:
    script, path = gated
    with Journal(path) as journal:
        (warm_ns, *_), (trip_ns, *_), (clear_ns, *_) = changes(journal)
        journaled = [e.payload for e in journal.entries(kind=kinds.RISK_DECISION) if e.payload["reason_code"]]
    before = [d for d in script.decisions if warm_ns <= d[0] < crash.start_ns]
    during = [d for d in script.decisions if trip_ns <= d[0] < clear_ns]
    after = [d for d in script.decisions if d[0] >= clear_ns]
    assert len([d for d in before if d[1] is Side.BUY]) >= 10 and all(d[2].approved for d in before)
    crash_buys = [d for d in during if d[1] is Side.BUY]
    crash_sells = [d for d in during if d[1] is Side.SELL]
    assert len(crash_buys) >= 10 and all(d[2].reason_code == "REGIME" and d[3] == "dislocated" for d in crash_buys)
    assert crash_sells and all(d[2].approved for d in crash_sells)  # flattening is never refused
    assert any(d[1] is Side.BUY and d[2].approved for d in after)
    refused = regime_refusals(script)
    assert all(d[0] < warm_ns or trip_ns <= d[0] < clear_ns for d in refused)  # nowhere else
    first = min(d[0] for d in refused if d[0] >= trip_ns)
    assert crash.start_ns <= first <= crash.bottom_ns
    assert [p["intent_id"] for p in journaled] == [d[2].intent_id for d in refused]
    assert all(p["reason_code"] == "REGIME" and "script dip-buyer may not increase risk" in p["detail"]
               for p in journaled)
    print(f"\nsynthetic flash crash (seed {SEED}): {len(refused)} intents refused with REGIME, "
          f"{len(crash_buys)} of them during the dislocation; guard tripped {trip_ns - crash.start_ns} ns and first "
          f"refusal {first - crash.start_ns} ns after the planted crash start; {len(crash_sells)} reducing sells "
          "approved meanwhile")


def test_same_script_without_a_regime_declaration_buys_into_the_crash(tmp_path: Path, crash: FlashCrashTruth) -> None:
    instrument = leader(SEED)[0]
    script = DipBuyer(instrument.id, None, clip_lots=CLIP_LOTS)
    with Journal(tmp_path / "journal.sqlite") as journal:
        run(script, journal, guard_monitor(instrument.id, warmup_ns=GUARD_WARMUP_NS))
        _, (trip_ns, *_), (clear_ns, *_) = changes(journal)
    assert regime_refusals(script) == []
    assert any(d[1] is Side.BUY and d[2].approved for d in script.decisions if trip_ns <= d[0] < clear_ns)


def test_intent_on_the_message_that_trips_the_guard_is_already_refused(tmp_path: Path,
                                                                       crash: FlashCrashTruth) -> None:
    instrument = leader(SEED)[0]
    script = EveryBookBuyer(instrument.id, frozenset({"orderly"}),
                            active_ns=(crash.start_ns - NS_PER_S, crash.start_ns + NS_PER_S))
    with Journal(tmp_path / "journal.sqlite") as journal:
        run(script, journal, guard_monitor(instrument.id, warmup_ns=GUARD_WARMUP_NS))
        trip = next(e for e in journal.entries(kind=kinds.REGIME_CHANGE) if e.payload["new"] == "dislocated")
        first_refusal = next(e for e in journal.entries(kind=kinds.RISK_DECISION)
                             if e.payload["reason_code"] == "REGIME" and e.ts_ns >= trip.ts_ns)
    on_trip = [d for d in script.decisions if d[0] == trip.ts_ns]
    assert on_trip and all(d[1].reason_code == "REGIME" and d[2] == "dislocated" for d in on_trip)
    assert first_refusal.ts_ns == trip.ts_ns and first_refusal.seq > trip.seq
    just_before = [d for d in script.decisions if crash.start_ns - NS_PER_S <= d[0] < trip.ts_ns]
    assert just_before and all(d[1].approved for d in just_before)


def bbo_mids(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(ts_recv ns, mid in quote currency) of every BBO message of the leader of the market of ``seed``."""
    frame = generate_market(CONFIG, seed).frames[CONFIG.leader.venue]
    c = {name: frame.table.column(name).to_numpy() for name in ("ts_recv", "kind", "side", "price")}
    bids = np.flatnonzero((c["kind"] == BBO) & (c["side"] > 0))
    asks = np.flatnonzero((c["kind"] == BBO) & (c["side"] < 0))
    (instrument,) = frame.instruments.values()
    return c["ts_recv"][asks], (c["price"][bids] + c["price"][asks]) * 0.5 * float(instrument.tick_size)


def test_classifier_regime_switch_and_crash_both_gate_a_calm_only_script(tmp_path: Path,
                                                                         crash: FlashCrashTruth) -> None:
    spec = BarVolSpec(warmup_ns=5 * NS_PER_S)  # bars from 5 s on: the 40 s market has 25 before the crash
    instrument, _, truth = leader(SEED)
    bars = spec.batch(*bbo_mids(TRAINING_SEED))
    calm_or_volatile = (bars.bar_end_ns < truth.flash_crash.start_ns) & np.isfinite(bars.rows).all(axis=1)
    model = fit_gmm(bars.rows[calm_or_volatile], feature_names=spec.names, feature_digest=spec.digest(),
                    order_by=ORDER_BY, n_regimes=2, seed=1)
    assert model.regimes == ("calm", "volatile")
    monitor = RegimeMonitor(instrument.id, classifier=model.online(),
                            guard=DislocationGuard(GuardConfig(warmup_ns=GUARD_WARMUP_NS)))
    script = DipBuyer(instrument.id, frozenset({"calm"}), clip_lots=CLIP_LOTS)
    with Journal(tmp_path / "journal.sqlite") as journal:
        run(script, journal, monitor, features=spec.streaming())
        seen = changes(journal)
    switch_ns = truth.regime_switch.at_ns
    to_volatile = [ts for ts, _, new, cause in seen if new == "volatile" and cause == "gmm"]
    to_dislocated = [ts for ts, _, new, _ in seen if new == "dislocated"]
    assert to_volatile and switch_ns <= to_volatile[0] <= switch_ns + 3 * spec.bar_ns
    assert to_dislocated and crash.start_ns <= to_dislocated[0] <= crash.bottom_ns
    calm_buys = [d for d in script.decisions if d[1] is Side.BUY and d[3] == "calm"]
    assert len(calm_buys) >= 10 and all(d[2].approved for d in calm_buys)
    refused = regime_refusals(script)
    assert {d[3] for d in refused} == {"warming_up", "volatile", "dislocated"}
    assert all(d[0] >= to_volatile[0] for d in refused if d[3] == "volatile")
    assert all(d[2].approved for d in script.decisions if d[1] is Side.SELL)
