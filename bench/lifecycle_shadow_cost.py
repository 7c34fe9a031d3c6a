"""The cost of running one shadow version beside the live one: added p99 per tick.

    python bench/lifecycle_shadow_cost.py [--repeat N] [--quick]

Data: the shipped 2024-08-08 BTCUSDT Binance spot + USDⓈ-M sample on the replay timeline, held in memory
before any timing. Models: the demo's champion (pipeline pass 1 and training, untimed) and a challenger
fitted on the same training rows with 100× stronger regularisation (a different version that decides
differently).

**The engine** is the composition root's (:func:`arbkit.system.kernel.build_backtest_engine`) with the
default config's risk (every control on) and a :class:`~arbkit.lifecycle.controller.LifecycleController`
for the basis script, as ``arbkit demo`` runs it:

- ``live only``: the champion deployed live at the start of trading;
- ``live + shadow``: the same, plus the challenger in shadow -- its own script instance on the same decision
  events, its predictions scored at the horizon, its intents risk-checked and filled by its own simulated
  venue (:class:`~arbkit.lifecycle.shadow_lane.ShadowLane`) and journaled.

**A tick** is one replayed book update (``BookUpdate``) of either leg from the start of trading: the
messages on which the versions decide. Two latencies, µs:

- per tick, the wall time of ``engine.step`` on it (book, both venues, features, every version's script,
  scorer and guard): the compute a shadow version adds;
- per tick on which the live version sends an intent, the time from the tick's start to that intent reaching
  the order path (tick to live intent): what the live path feels. Versions that send orders are called
  before shadow versions on each update, so a shadow version's work comes after the live intent.

Rounds alternate (live only, live + shadow, ...); the figures are medians over rounds of each round's p50 and
p99, the added p99 (shadow − live only) and the ratio. One warm-up round of each first. ``--quick``: one
round each, no warm-up.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.audit.journal import Journal
from arbkit.backtest.config import BacktestConfig, load_config
from arbkit.backtest.training import train_basis_model
from arbkit.core.messages import BookUpdate
from arbkit.data.replay import Replay
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path
from arbkit.lifecycle.basis_deployments import SCRIPT_ID, basis_controller
from arbkit.lifecycle.history import DeploymentHistory
from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.policy import PromotionPolicy
from arbkit.lifecycle.retrain import fit_basis_logistic
from arbkit.lifecycle.roles import AccessControl
from arbkit.models.labels import reversion_label
from arbkit.models.logistic import LogisticModel
from arbkit.scripts.basis_signal import BasisSignal, SignalRecorder
from arbkit.system.kernel import build_backtest_engine

POLICY = {"evaluation": {"interval": "5s"}, "canary": {"capital_usd": 1500}, "rollback": {"max_error_rate": 0.5}}
ROLES = {"roles": {"risk_officer": ["deploy", "promote"]}, "people": {"bench": ["risk_officer"]}}


def load_timeline() -> list:  # type: ignore[type-arg]
    """The sample's (replay ts, message) pairs."""
    replay = Replay.from_binance_files([[sample_path(SAMPLE_SPOT_BTC)], [sample_path(SAMPLE_USDM_BTC)]],
                                       binance_registry())
    return list(replay.timed())


def train(config: BacktestConfig, timeline: list) -> tuple[dict, LogisticModel, LogisticModel, int]:  # type: ignore[type-arg]
    """Pass 1 and training as the pipeline does them, plus a challenger on the same rows; untimed."""
    strategy, spec = config.strategy, config.features.spec()
    recorder = SignalRecorder(BasisSignal(spec, strategy.spot_instrument, strategy.perp_instrument,
                                          config.features.decision_interval_ms * 1_000_000))
    with Journal(":memory:") as scratch:
        build_backtest_engine(instruments=binance_registry(), instrument_ids=[strategy.spot_instrument,
                              strategy.perp_instrument], risk=config.risk, sim=config.sim, journal=scratch,
                              scripts=[lambda: (recorder, "none")], equity_interval_ns=10**9,
                              start_ns=timeline[0][0]).run(timeline)
    recorded = recorder.arrays()
    trained = train_basis_model(recorded, spec, config.model)
    ts, x = recorded["ts_ns"], recorded["features"]
    horizon = config.model.horizon_ms * 1_000_000
    labels = reversion_label(ts, x[:, 0], x[:, 0] - x[:, 2], horizon, config.model.revert_fraction)
    rows = (ts + horizon < trained.cutoff_ns) & (np.abs(x[:, 1]) >= config.model.min_abs_z) & (labels >= 0)
    c_regularisation = config.model.c_regularisation / 100
    challenger = LogisticModel(fit_basis_logistic(x[rows], labels[rows].astype(np.int64), tuple(spec.names),
                                                  spec.digest(), c_regularisation, config.model.seed))
    return recorded, trained.model, challenger, trained.cutoff_ns


def run_round(config: BacktestConfig, timeline: list, recorded: dict, champion: LogisticModel,  # type: ignore[type-arg]
              challenger: LogisticModel | None, start_ns: int, folder: Path) -> tuple[np.ndarray, np.ndarray, int, int]:
    """One replay: per-tick ``engine.step`` wall time (ns) of every book update from the start of trading; per
    tick on which the live version sent an intent, the time from the tick's start to that intent reaching the
    order path (ns); the decisions of the live version and the intents of the shadow one (0 without it)."""
    strategy = config.strategy
    journal = Journal(":memory:", commit_every=1_000_000)
    engine = build_backtest_engine(instruments=binance_registry(),
                                   instrument_ids=[strategy.spot_instrument, strategy.perp_instrument],
                                   risk=config.risk, sim=config.sim, journal=journal, scripts=[],
                                   equity_interval_ns=10**9, start_ns=timeline[0][0])
    controller = basis_controller(engine, config, policy=PromotionPolicy.from_toml_dict(POLICY, "bench"),
                                  access=AccessControl.from_toml_dict(ROLES, "bench"),
                                  history=DeploymentHistory(":memory:"), trading_start_ns=start_ns,
                                  probe=recorded["features"][0])

    def deploy(now: int) -> None:
        controller.deploy(champion, mode=DeploymentMode.LIVE, actor="bench", reason="champion", model_name="m")
        if challenger is not None:
            controller.deploy(challenger, mode=DeploymentMode.SHADOW, actor="bench", reason="shadow", model_name="m")

    controller.at(start_ns, deploy)
    ticks = np.empty(len(timeline), dtype=np.int64)
    to_intent: list[int] = []
    n = 0
    step, clock = engine.step, time.perf_counter_ns
    live_id = f"{SCRIPT_ID}@{champion.version}"
    tick = [0, 0]  # start of the current tick (ns), and whether the live version already sent on it
    submit = engine.path.submit

    def timed_submit(intent):  # type: ignore[no-untyped-def]
        if intent.script_id == live_id and not tick[1]:
            to_intent.append(clock() - tick[0])
            tick[1] = 1
        return submit(intent)

    engine.path.submit = timed_submit  # type: ignore[method-assign]
    engine.begin()
    gc.collect()
    gc.disable()
    try:
        for ts, message in timeline:
            if ts >= start_ns and type(message) is BookUpdate:
                t0 = tick[0] = clock()
                tick[1] = 0
                step(ts, message)
                ticks[n] = clock() - t0
                n += 1
            else:
                step(ts, message)
    finally:
        gc.enable()
    engine.finish()
    assert not engine._run.script_failures, engine._run.script_failures
    live = controller.arms[champion.version]
    shadow = controller.arms[challenger.version].lane.intents if challenger is not None else 0
    return ticks[:n], np.asarray(to_intent, dtype=np.int64), live.decisions, shadow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds of each condition (default 5)")
    parser.add_argument("--quick", action="store_true", help="one round each, no warm-up (smoke test)")
    args = parser.parse_args(argv)
    config = load_config()
    timeline = load_timeline()
    recorded, champion, challenger, start_ns = train(config, timeline)
    rounds = 1 if args.quick else args.repeat
    results: dict[str, list[tuple[float, float]]] = {"live only": [], "live + shadow": []}
    intent_results: dict[str, list[np.ndarray]] = {"live only": [], "live + shadow": []}
    counts: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        conditions = [("live only", None), ("live + shadow", challenger)]
        if not args.quick:
            for _, other in conditions:
                run_round(config, timeline, recorded, champion, other, start_ns, Path(folder))
        for _ in range(rounds):
            for name, other in conditions:
                ticks_ns, intent_ns, decisions, shadow_intents = run_round(config, timeline, recorded, champion,
                                                                           other, start_ns, Path(folder))
                ticks = ticks_ns / 1_000
                intent_results[name].append(intent_ns / 1_000)
                counts[name] = (decisions, shadow_intents)
                results[name].append((float(np.percentile(ticks, 50)), float(np.percentile(ticks, 99))))
    print(f"ticks per round (book updates from the start of trading): {len(ticks):,}; rounds: {rounds}")
    print(f"{'condition':<16}{'p50 µs':>10}{'p99 µs':>10}{'live decisions':>16}{'shadow intents':>16}")
    medians = {}
    for name, rows in results.items():
        p50 = statistics.median(r[0] for r in rows)
        p99 = statistics.median(r[1] for r in rows)
        medians[name] = p99
        print(f"{name:<16}{p50:>10.1f}{p99:>10.1f}{counts[name][0]:>16,}{counts[name][1]:>16,}")
    added = medians["live + shadow"] - medians["live only"]
    print(f"added p99 per tick by one shadow version: {added:.1f} µs "
          f"({medians['live + shadow'] / medians['live only']:.2f}x live only)")
    print(f"tick to the live version's intent ({len(intent_ns):,} ticks with one per round; percentiles over the "
          "ticks of all rounds):")
    to_intent = {}
    for name, arrays in intent_results.items():
        pooled = np.concatenate(arrays)
        to_intent[name] = float(np.percentile(pooled, 99))
        print(f"{name:<16}{float(np.percentile(pooled, 50)):>10.1f}{to_intent[name]:>10.1f}")
    added_intent = to_intent["live + shadow"] - to_intent["live only"]
    print(f"added p99 tick-to-live-intent by one shadow version: {added_intent:.1f} µs "
          f"({to_intent['live + shadow'] / to_intent['live only']:.2f}x live only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
