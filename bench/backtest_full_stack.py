"""The full-stack backtest: books, simulated venue, 40 features, a 200-tree model on decision events, the risk gate.

    python bench/backtest_full_stack.py [--repeat N] [--decision-ms MS] [--quick]

Data: the shipped 2024-08-08 BTCUSDT Binance spot + USDⓈ-M sample (:mod:`arbkit.data.sample`), merged on
the replay timeline (``Replay.from_binance_files(...).timed()``) and held in memory before any timing.

**The engine** is the real one of the composition root (:func:`arbkit.system.kernel.build_backtest_engine`):
order books, :class:`~arbkit.sim.venue.SimulatedVenue` (the default config's latency, queue model and
fees), the OMS, the journal (in memory), the post-trade controls (loss breakers, position reconciliation)
and the risk gate with the default config's risk — every control on, VaR and correlation limits included
(they refuse exposure-adding orders until the return covariance has enough one-second returns, then judge
every order).

**The script** declares the 40-output spot+perp feature set
(:func:`arbkit.features.presets.spot_perp_feature_set`) and takes a decision every ``--decision-ms`` (default
100) of event time (the engine clock): it reads ``ctx.features.vector()``, calls the compiled 200-tree
LightGBM model (31 leaves, :mod:`arbkit.models.compiled`) and moves its perp position toward +1 layer
(probability ≥ 0.55), −1 layer (≤ 0.45) or flat with a marketable IOC limit at the touch, through the risk gate.
The model is real: trained (untimed, before the clock) on the feature vectors at the decision events of the
same sample with a forward-return label (:func:`arbkit.models.labels.forward_return`, perp mid, 5 s horizon,
label = return > 0). It is in-sample: the bench measures speed, not edge.

**Figures**: events/s (book level changes applied + trades, counted as ``bench/backtest_peers.py`` does),
messages/s (replayed messages), decision events/s, intents, fills, wall seconds; a breakdown from the same
replay with layers switched off: (1) book + venue (engine with no script, no return sampler),
(2) + features (a script with the feature set whose ``on_book`` only checks the decision clock),
(3) + model (it also predicts on decision events), (4) + gate (the full stack: intents through the risk gate,
VaR/correlation return sampler on). One warm-up of each, then ``--repeat`` interleaved rounds; medians.
Per-decision latency (model + gate: vector read, ``predict_one`` and, when the decision trades,
``ctx.submit``) p50/p99 in µs over the full-stack rounds, and over the decisions that sent an intent.

``--quick`` (the smoke test): the first 40,000 messages, a 20-tree model, one round, no warm-up.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.audit.journal import Journal
from arbkit.backtest.config import BacktestConfig, load_config
from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.core.messages import BookUpdate, Trade
from arbkit.data.replay import Replay
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path
from arbkit.features.feature_set import FeatureSet
from arbkit.features.presets import spot_perp_feature_set
from arbkit.models.compiled import CompiledModel, compile_estimator
from arbkit.models.labels import forward_return
from arbkit.scripts.context import ScriptContext
from arbkit.system.kernel import build_backtest_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay import machine

SPOT, PERP = "BTCUSDT.BINANCE_SPOT", "BTCUSDT.BINANCE_USDM"
LAYERS = ("book+venue", "+features", "+model", "+gate (full)")
HORIZON_NS = 5_000_000_000
"""Forward-return horizon of the training label (5 s of event time)."""
QUICK_MESSAGES = 40_000
"""Messages of the timeline the ``--quick`` smoke run replays."""


@dataclass
class Timeline:
    """The replay in memory and what it holds."""

    pairs: list[tuple[int, Any]]
    messages: int
    events: int
    """Book level changes + trades."""


def load_timeline(limit: int | None) -> Timeline:
    """The sample's (replay ts ns, message) pairs (the first ``limit`` if given) and their event count."""
    replay = Replay.from_binance_files([[sample_path(SAMPLE_SPOT_BTC)], [sample_path(SAMPLE_USDM_BTC)]],
                                       binance_registry())
    pairs = list(itertools.islice(replay.timed(), limit))
    events = 0
    for _, message in pairs:
        if isinstance(message, BookUpdate):
            events += len(message.bids) + len(message.asks)
        elif isinstance(message, Trade):
            events += 1
    return Timeline(pairs, len(pairs), events)


class DecisionScript:
    """Decides every ``interval_ns`` of event time from the 40 features; ``level`` switches layers off.

    ``level`` 1: reads the decision clock only; 2: + the model's prediction; 3: + intents through the gate.
    ``rows`` (if a list) collects (ts ns, feature vector, perp mid in ticks) at each decision (training).
    """

    def __init__(self, feature_set: FeatureSet, model: CompiledModel | None, interval_ns: int, lots: int,
                 level: int, rows: list[tuple[int, np.ndarray, float]] | None = None) -> None:
        self.script_id = "fullstack"
        self.instrument_ids = (SPOT, PERP)
        self.feature_set = feature_set
        self.model = model
        self.interval_ns = interval_ns
        self.lots = lots
        self.level = level
        self.rows = rows
        self.next_ns = 0
        self.decisions = 0
        self.latency_ns: list[int] = []
        """ns of each decision (vector read, model and, at level 3, the gate when it trades)."""
        self.intent_latency_ns: list[int] = []
        """ns of the decisions that sent an intent (model + gate + OMS + venue submit)."""

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        """Called on every book update; acts only when a decision is due (event time)."""
        now = ctx.now_ns()
        if now < self.next_ns:
            return
        self.next_ns = now + self.interval_ns
        if self.level < 2 and self.rows is None:
            return
        t0 = time.perf_counter_ns()
        vector = ctx.features.vector()
        if vector is None:
            return
        self.decisions += 1
        if self.rows is not None:
            mid = ctx.book(PERP).mid_ticks()
            if mid is not None:
                self.rows.append((now, vector, mid))
            return
        assert self.model is not None
        probability = self.model.predict_one(vector)
        sent = self._act(ctx, probability) if self.level >= 3 else False
        elapsed = time.perf_counter_ns() - t0
        self.latency_ns.append(elapsed)
        if sent:
            self.intent_latency_ns.append(elapsed)

    def _act(self, ctx: ScriptContext, probability: float) -> bool:
        """Move the perp position toward the model's target; True if an intent went to the gate."""
        target = self.lots if probability >= 0.55 else -self.lots if probability <= 0.45 else 0
        gap = target - ctx.position_lots(PERP)
        if gap == 0 or ctx.open_orders(PERP):
            return False
        side = Side.BUY if gap > 0 else Side.SELL
        touch = ctx.book(PERP).best_ask() if side is Side.BUY else ctx.book(PERP).best_bid()
        if touch is None:
            return False
        ctx.submit(PERP, side, abs(gap), price_ticks=touch[0], order_type=OrderType.LIMIT,
                   time_in_force=TimeInForce.IOC, tag="fullstack")
        return True


def build(config: BacktestConfig, script: DecisionScript | None, full_risk: bool) -> Any:
    """The composition root's engine over both legs; risk without the return rules unless ``full_risk``."""
    risk = config.risk
    if not full_risk:
        risk = msgspec.structs.replace(risk, portfolio=msgspec.structs.replace(risk.portfolio, var=None,
                                                                               correlation=None))
    return build_backtest_engine(
        instruments=binance_registry(), instrument_ids=[SPOT, PERP], risk=risk, sim=config.sim,
        journal=Journal(":memory:"), scripts=[] if script is None else [lambda: (script, "bench")],
        equity_interval_ns=config.equity_interval_ms * 1_000_000)


def train_model(config: BacktestConfig, timeline: Timeline, feature_set: FeatureSet, interval_ns: int,
                trees: int) -> tuple[CompiledModel, int]:
    """LightGBM (``trees`` trees, 31 leaves) on the decision-event feature vectors, forward-return label."""
    import lightgbm as lgb

    rows: list[tuple[int, np.ndarray, float]] = []
    recorder = DecisionScript(feature_set, None, interval_ns, 0, level=1, rows=rows)
    build(config, recorder, full_risk=False).run(timeline.pairs)
    ts = np.array([r[0] for r in rows], dtype=np.int64)
    x = np.vstack([r[1] for r in rows])
    label = forward_return(ts, np.array([r[2] for r in rows]), HORIZON_NS)
    keep = ~np.isnan(label.value)
    y = (label.value[keep] > 0).astype(np.int64)
    booster = lgb.train({"objective": "binary", "num_leaves": 31, "learning_rate": 0.05, "num_threads": 1,
                         "min_data_in_leaf": 5, "seed": 0, "deterministic": True, "verbose": -1},
                        lgb.Dataset(x[keep], y), trees)
    return compile_estimator(booster, check_rows=x[keep][:200]), int(keep.sum())


@dataclass
class Round:
    """One timed run of one layer."""

    seconds: float
    decisions: int
    intents: int
    fills: int
    latency_ns: list[int]
    intent_latency_ns: list[int]


def make_runner(config: BacktestConfig, timeline: Timeline, feature_set: FeatureSet, model: CompiledModel,
                interval_ns: int, lots: int, level: int) -> Callable[[], Round]:
    """A function that builds a fresh engine for ``level`` (untimed) and times one run over the timeline."""

    def run() -> Round:
        script = None if level == 0 else DecisionScript(feature_set, model, interval_ns, lots, level)
        engine = build(config, script, full_risk=level == 3)
        gc.collect()
        t0 = time.perf_counter()
        engine.run(timeline.pairs)
        seconds = time.perf_counter() - t0
        path = engine.path
        return Round(seconds, script.decisions if script else 0, path.intents, len(path.fills),
                     script.latency_ns if script else [], script.intent_latency_ns if script else [])

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--decision-ms", type=int, default=100)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: the first 40,000 messages, 20 trees, one round, no warm-up")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    trees = 20 if args.quick else 200
    interval_ns = args.decision_ms * 1_000_000
    print(f"machine: {machine()}")
    config = load_config()
    timeline = load_timeline(QUICK_MESSAGES if args.quick else None)
    print(f"data: shipped sample {SAMPLE_SPOT_BTC} + {SAMPLE_USDM_BTC}: {timeline.messages:,} messages, "
          f"{timeline.events:,} events (book level changes + trades)")
    feature_set = spot_perp_feature_set(SPOT, PERP)
    model, train_rows = train_model(config, timeline, feature_set, interval_ns, trees)
    lots = binance_registry().get(PERP).size_to_lots(config.strategy.order_qty)
    print(f"model: LightGBM {trees} trees, 31 leaves, compiled ({model.name}); trained on {train_rows:,} decision "
          f"events, forward-return label ({HORIZON_NS // 1_000_000} ms)")
    print(f"script: {len(feature_set.names)} features, a decision every "
          f"{args.decision_ms} ms of event time, {lots} lots per layer; risk: default config, every control on "
          "(VaR and correlation included in the full stack)")
    runners = [make_runner(config, timeline, feature_set, model, interval_ns, lots, level) for level in range(4)]
    if not args.quick:
        for runner in runners:
            runner()  # warm-up: numba compilation and first-touch costs are never timed
    rounds: list[list[Round]] = [[] for _ in runners]
    for _ in range(repeat):
        for level, runner in enumerate(runners):
            rounds[level].append(runner())
    medians = [statistics.median(r.seconds for r in rs) for rs in rounds]
    full = rounds[3][-1]
    wall = medians[3]
    print(f"rounds: {repeat} interleaved, medians" + (" (no warm-up: smoke run)" if args.quick else
                                                      " (warm-up excluded)"))
    print(f"full stack: {wall:.3f} s wall   {timeline.events / wall:,.0f} events/s   "
          f"{timeline.messages / wall:,.0f} messages/s   {full.decisions / wall:,.0f} decision events/s")
    print(f"full stack: decisions {full.decisions:,}   intents {full.intents:,}   fills {full.fills:,}")
    print(f"{'layer':16s} {'median s':>9s} {'events/s':>12s} {'messages/s':>11s} {'µs/message':>11s} "
          f"{'added µs/msg':>13s}")
    for level, name in enumerate(LAYERS):
        per_msg = medians[level] * 1e6 / timeline.messages
        added = per_msg - (medians[level - 1] * 1e6 / timeline.messages if level else 0.0)
        print(f"{name:16s} {medians[level]:9.3f} {timeline.events / medians[level]:12,.0f} "
              f"{timeline.messages / medians[level]:11,.0f} {per_msg:11.2f} {added:13.2f}")
    print(f"ratio full stack / book+venue: {medians[3] / medians[0]:.2f}")
    latency = np.concatenate([np.asarray(r.latency_ns, dtype=np.int64) for r in rounds[3]])
    model_only = np.concatenate([np.asarray(r.latency_ns, dtype=np.int64) for r in rounds[2]])
    if len(latency):
        print(f"per-decision latency, model + gate: p50 {np.percentile(latency, 50) / 1e3:.1f} µs   "
              f"p99 {np.percentile(latency, 99) / 1e3:.1f} µs   ({len(latency):,} decisions)")
    with_intent = np.concatenate([np.asarray(r.intent_latency_ns, dtype=np.int64) for r in rounds[3]])
    if len(with_intent):
        print(f"  of which decisions that sent an intent: p50 {np.percentile(with_intent, 50) / 1e3:.1f} µs   "
              f"p99 {np.percentile(with_intent, 99) / 1e3:.1f} µs   ({len(with_intent):,} decisions)")
    if len(model_only):
        print(f"per-decision latency, model only:   p50 {np.percentile(model_only, 50) / 1e3:.1f} µs   "
              f"p99 {np.percentile(model_only, 99) / 1e3:.1f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
