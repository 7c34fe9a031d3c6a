"""Risk-gate decision latency against the rest of the order path, and journal write throughput.

    python bench/risk_gate.py [--intents 100000] [--quick] [--journal-dir DIR]

**Engine.** The real gate, built by the composition root (``arbkit.system.kernel.build_backtest_engine``)
from the embedded default config (``arbkit demo``'s risk limits, every rule the gate has; none can be
skipped), over the books of the shipped BTC spot + USDⓈ-M sample of 2024-08-08. The sample's timeline is
replayed through the engine in 1,000 chunks of equal message count (``BacktestEngine.run``) so that the
books move and the gate's reference mids stay fresh; after each chunk an equal batch of intents is
evaluated at the clock's time. Busy stretches of the market therefore get more intents per second, and
the message limits refuse some of them, as they would a script reacting to every book update.

**Intents** (seeded): 8 scripts, both legs, both sides, about 80 % well-formed orders within the limits
(limit prices a few ticks around the touch, 1 in 10 a market order, quantities up to the smaller of
``max_order_qty`` and ``max_position_qty``), and about 20 % built to be refused: a price beyond the
collar, a quantity above ``max_order_qty`` or above ``max_position_qty``, a malformed intent, an
unknown instrument, an instrument without limits, a resent or reused intent, and a window with the
kill switch engaged. Which rule refuses each is whatever the gate says (printed), so the script works
with whatever rules the gate has. The exposure stays flat: no order is created in the gate engine.

**Gate.** Each ``gate.evaluate(intent)`` is timed alone with ``perf_counter_ns`` after a warm-up,
journal included (the gate appends the intent and the decision), on an on-disk journal with the
production durability setting; after each approval the journal is committed outside the timing, as the
OMS's write-ahead commit would do.

**Rest of the order path** ("without the gate"): for the same approved intents, at the same clock
times, in a second engine built the same way, ``OrderManager.create(intent)`` (its journal row and its
write-ahead commit included) + ``SimulatedVenue.submit(order)`` (latency model, in-flight queue): what
``OrderPath.submit`` does after the gate. Also the bare construction of the ``Order`` the OMS would create.

**Journal.** ``Journal(path)`` as the pipeline opens it: ``commit_every=1000`` (one transaction per
1000 appends, and at ``flush``/``close``), SQLite WAL with ``synchronous=NORMAL`` (a commit writes the WAL
without fsync; the WAL is synced at checkpoints). The intent and decision records of the run are
appended (a) in memory, (b) to a file with that cadence, and (c) to a file committed after each
intent + decision pair, the per-order commit of the OMS's write-ahead, whose cost is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.backtest.config import load_config
from arbkit.core.enums import OrderType, Side
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import BookUpdate, Order, OrderIntent, RiskDecision
from arbkit.data.replay import Replay
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path
from arbkit.oms.transitions import INITIAL_STATUS
from arbkit.system.kernel import build_backtest_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay import machine, timer_overhead_ns

SEED = 20240808
SCRIPTS = tuple(f"bench-s{i}" for i in range(8))
UNKNOWN_INSTRUMENT = "BTCUSDT.NOWHERE"
CHUNKS = 1_000
# share of each kind of intent; the kill-switch window is separate (KILL_SHARE of the timed intents)
MIX = (("clean", 0.80), ("collar", 0.03), ("order_qty", 0.03), ("position", 0.03), ("invalid", 0.02),
       ("unknown", 0.02), ("no_limits", 0.02), ("duplicate", 0.05))
KILL_SHARE = 0.01


# -- engine ----------------------------------------------------------------------------------------
def sample_timeline(registry: InstrumentRegistry) -> list[tuple[int, Any]]:
    """``(replay ts ns, message)`` of the shipped BTC spot + USDⓈ-M sample, as ``tests/testkit.py`` reads it."""
    replay = Replay.from_binance_files([[sample_path(SAMPLE_SPOT_BTC)], [sample_path(SAMPLE_USDM_BTC)]], registry)
    return list(replay.timed())


def synced_length(timeline: list[tuple[int, Any]], legs: int = 2) -> int:
    """Messages through the later of the legs' REST snapshots, plus 100 (testkit's ``synced_prefix``)."""
    seen: set[str] = set()
    for index, (_, message) in enumerate(timeline):
        if isinstance(message, BookUpdate) and message.is_snapshot:
            seen.add(message.instrument_id)
            if len(seen) == legs:
                return index + 101
    raise RuntimeError("the shipped sample lost one of its REST snapshots")


def build_engine(config: Any, registry: InstrumentRegistry, journal: Journal) -> Any:
    """The backtest engine of the composition root over the config's two legs, no script (testkit's ``build_engine``)."""
    return build_backtest_engine(
        instruments=registry, instrument_ids=[config.strategy.spot_instrument, config.strategy.perp_instrument],
        risk=config.risk, sim=config.sim, journal=journal, scripts=[],
        equity_interval_ns=config.equity_interval_ms * 1_000_000)


# -- intents ---------------------------------------------------------------------------------------
@dataclass
class IntentMaker:
    """Realistic intents against the engine's books and the config's limits (seeded)."""

    engine: Any
    config: Any
    registry: InstrumentRegistry
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(SEED))
    count: int = 0
    last_approved: OrderIntent | None = None

    def __post_init__(self) -> None:
        self.legs = [self.config.strategy.spot_instrument, self.config.strategy.perp_instrument]
        self.no_limits = next((i.id for i in self.registry if i.id not in self.config.risk.instruments),
                              UNKNOWN_INSTRUMENT)
        self.kinds = [k for k, _ in MIX]
        shares = np.array([p for _, p in MIX])
        self.shares = shares / shares.sum()

    def _lots(self, instrument_id: str, size: Decimal) -> int:
        return self.registry.get(instrument_id).size_to_lots(size)

    def next(self) -> tuple[str, OrderIntent]:
        """One intent and the kind it was built as."""
        kind = str(self.rng.choice(self.kinds, p=self.shares))
        if kind == "duplicate" and self.last_approved is None:
            kind = "clean"
        self.count += 1
        intent_id = f"b{self.count}"
        if kind == "duplicate":
            previous = self.last_approved
            assert previous is not None
            if self.rng.random() < 0.5:  # the same order resent under a new id, within the duplicate window
                return kind, msgspec.structs.replace(previous, intent_id=intent_id)
            return kind, msgspec.structs.replace(previous, qty_lots=previous.qty_lots + 1)  # a reused intent id
        rng = self.rng
        instrument_id = self.legs[int(rng.integers(2))]
        limits = self.config.risk.instruments.get(instrument_id)
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        cap = min(limits.max_order_qty, limits.max_position_qty) if limits is not None else Decimal("0.01")
        cap_lots = max(1, self._lots(instrument_id, cap))
        step = max(1, cap_lots // 20)
        qty = step * int(rng.integers(1, cap_lots // step + 1))
        price = self._near_touch(instrument_id, side)
        order_type = OrderType.LIMIT
        if kind == "clean" and rng.random() < 0.1:
            order_type, price = OrderType.MARKET, None
        elif kind == "collar" and limits is not None:
            mid = self.engine.books[instrument_id].mid_ticks() or 1.0
            away = mid * float(limits.price_collar_bps) / 10_000 * rng.uniform(1.5, 3.0)
            price = max(1, int(mid - away if side is Side.BUY else mid + away))
        elif kind == "order_qty" and limits is not None:
            qty = int(self._lots(instrument_id, limits.max_order_qty) * rng.uniform(1.2, 3.0))
        elif kind == "position" and limits is not None:
            low, high = self._lots(instrument_id, limits.max_position_qty), self._lots(instrument_id, limits.max_order_qty)
            qty = int(rng.integers(low + 1, high + 1)) if high > low else int(high * rng.uniform(1.2, 3.0))
        elif kind == "invalid":
            if rng.random() < 0.5:
                qty = 0
            else:
                price = None  # a limit order without a price
        elif kind == "unknown":
            instrument_id = UNKNOWN_INSTRUMENT
        elif kind == "no_limits":
            instrument_id = self.no_limits
        return kind, OrderIntent(intent_id=intent_id, script_id=SCRIPTS[int(rng.integers(len(SCRIPTS)))],
                                 model_version="bench", instrument_id=instrument_id, side=side, order_type=order_type,
                                 qty_lots=qty, ts_created=self.engine.clock.now_ns(), price_ticks=price)

    def _near_touch(self, instrument_id: str, side: Side) -> int:
        """A limit price on the touch or up to 20 ticks behind it (1 in 10 crossing by up to 2 ticks)."""
        book = self.engine.books[instrument_id]
        bid, ask = book.best_bid(), book.best_ask()
        touch = (bid if side is Side.BUY else ask) or bid or ask
        if touch is None:
            return 1
        sign = int(side)
        if self.rng.random() < 0.1:
            return int(touch[0]) + sign * int(self.rng.integers(1, 3))
        return max(1, int(touch[0]) - sign * int(self.rng.integers(0, 21)))


# -- the run ---------------------------------------------------------------------------------------
@dataclass
class GateRun:
    """What the gate did with every intent, in order (the first ``warmup`` untimed)."""

    rule_names: tuple[str, ...]
    warmup: int
    records: list[tuple[int, OrderIntent, RiskDecision]] = field(default_factory=list)
    gate_ns: list[int] = field(default_factory=list)
    built_as: Counter[str] = field(default_factory=Counter)
    refused_by: Counter[str] = field(default_factory=Counter)
    rules_run: list[int] = field(default_factory=list)
    start_ts: int = 0
    end_ts: int = 0


def run_gate(config: Any, registry: InstrumentRegistry, timeline: list[tuple[int, Any]], journal: Journal,
             intents: int, warmup: int) -> GateRun:
    """Replay the timeline through the engine and evaluate the intents between chunks, timing each."""
    engine = build_engine(config, registry, journal)
    gate = engine.path.gate
    maker = IntentMaker(engine, config, registry)
    result = GateRun(rule_names=tuple(gate.rule_names), warmup=warmup)
    prefix = synced_length(timeline)
    engine.run(timeline[:prefix])
    body = timeline[prefix:]
    chunks = min(CHUNKS, len(body))
    bounds = np.linspace(0, len(body), chunks + 1).astype(int)
    total = intents + warmup
    per_chunk = np.diff(np.linspace(0, total, chunks + 1).astype(int))
    kill_from = warmup + int(intents * 0.5)
    kill_to = kill_from + int(intents * KILL_SHARE)
    clock, perf = engine.clock, time.perf_counter_ns
    done = 0
    result.start_ts = clock.now_ns()
    for c in range(chunks):
        engine.run(body[bounds[c]:bounds[c + 1]])
        for _ in range(per_chunk[c]):
            if done == kill_from:
                gate.kill_switch.engage("bench", "kill-switch window of the benchmark")
            elif done == kill_to:
                gate.kill_switch.release("bench", "end of the kill-switch window")
            kind, intent = maker.next()
            t0 = perf()
            decision = gate.evaluate(intent)
            elapsed = perf() - t0
            if decision.approved:
                journal.flush()  # the OMS's write-ahead commit, outside the gate's timing
                maker.last_approved = intent
            if done >= warmup:
                result.gate_ns.append(elapsed)
                result.records.append((clock.now_ns(), intent, decision))
                result.built_as["kill_switch window" if kill_from <= done < kill_to else kind] += 1
                result.refused_by["(approved)" if decision.approved else decision.reason_code] += 1
                result.rules_run.append(len(decision.checks))
            done += 1
    result.end_ts = clock.now_ns()
    journal.flush()
    return result


def run_rest(config: Any, registry: InstrumentRegistry, gate_run: GateRun, journal: Journal) -> tuple[list[int], list[int]]:
    """``oms.create`` + ``venue.submit`` of each approved intent at its clock time, in a second engine built the same
    way; and the bare construction of the same orders. Returns (ns per order path, ns per ``Order``)."""
    engine = build_engine(config, registry, journal)
    oms, venue, clock, perf = engine.path.oms, engine.venue, engine.clock, time.perf_counter_ns
    path_ns: list[int] = []
    build_ns: list[int] = []
    for ts, intent, decision in gate_run.records:
        if not decision.approved:
            continue
        clock.advance_to(ts)
        t0 = perf()
        order = oms.create(intent)
        venue.submit(order)
        path_ns.append(perf() - t0)
        t0 = perf()
        Order(client_order_id=order.client_order_id, intent_id=intent.intent_id, script_id=intent.script_id,
              model_version=intent.model_version, instrument_id=intent.instrument_id, side=intent.side,
              order_type=intent.order_type, qty_lots=intent.qty_lots, time_in_force=intent.time_in_force,
              status=INITIAL_STATUS, ts_sent=ts, ts_last=ts, price_ticks=intent.price_ticks)
        build_ns.append(perf() - t0)
    return path_ns, build_ns


# -- journal ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JournalFigure:
    """Records appended, wall seconds, and the ns of each commit when committed per pair."""

    name: str
    records: int
    seconds: float
    commit_ns: tuple[int, ...] = ()

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds


def journal_throughput(records: list[tuple[int, OrderIntent, RiskDecision]], directory: Path) -> list[JournalFigure]:
    """Append every intent + decision record of the run: in memory, to a file (default cadence), to a file
    committed after each pair (the write-ahead commit per order)."""
    figures = []
    perf = time.perf_counter_ns
    for name, where, per_pair in (("in memory, commit_every=1000", ":memory:", False),
                                  ("file, commit_every=1000 (engine default)", "batched.sqlite", False),
                                  ("file, commit after each intent+decision (write-ahead per order)",
                                   "per_order.sqlite", True)):
        path = where if where == ":memory:" else str(directory / where)
        commit_ns: list[int] = []
        gc.collect()
        with Journal(path) as journal:
            start = perf()
            for ts, intent, decision in records:
                journal.append(kinds.INTENT, ts_ns=ts, payload=intent, actor=intent.script_id)
                journal.append(kinds.RISK_DECISION, ts_ns=ts, payload=decision, actor="risk_gate")
                if per_pair:
                    t0 = perf()
                    journal.flush()
                    commit_ns.append(perf() - t0)
            journal.flush()
            seconds = (perf() - start) / 1e9
        figures.append(JournalFigure(name, 2 * len(records), seconds, tuple(commit_ns)))
    return figures


# -- report ----------------------------------------------------------------------------------------
def stats(ns: list[int] | tuple[int, ...]) -> tuple[float, float, float, float]:
    """p50, p99, p99.9 and mean of ``ns``."""
    values = np.asarray(ns, dtype=np.float64)
    p50, p99, p999 = np.percentile(values, [50, 99, 99.9])
    return float(p50), float(p99), float(p999), float(values.mean())


def line(name: str, ns: list[int] | tuple[int, ...]) -> str:
    p50, p99, p999, mean = stats(ns)
    return f"  {name:<58} n={len(ns):>7,}  p50 {p50:>8,.0f}  p99 {p99:>8,.0f}  p99.9 {p999:>9,.0f}  mean {mean:>8,.0f} ns"


def filesystem(directory: Path) -> str:
    """Filesystem type of ``directory`` from /proc/mounts (longest matching mount point), or "unknown"."""
    best, kind = "", "unknown"
    with contextlib.suppress(OSError):
        target = str(directory.resolve())
        for row in Path("/proc/mounts").read_text().splitlines():
            parts = row.split()
            if len(parts) > 2 and (target == parts[1] or target.startswith(parts[1].rstrip("/") + "/")) \
                    and len(parts[1]) > len(best):
                best, kind = parts[1], parts[2]
    return kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intents", type=int, default=100_000, help="timed intents (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="5,000 intents over the first 15 %% of the sample")
    parser.add_argument("--journal-dir", type=Path, default=None,
                        help="where the on-disk journals go (default: a temporary folder)")
    args = parser.parse_args(argv)
    intents = min(args.intents, 5_000) if args.quick else args.intents
    if intents < 100:
        parser.error(f"--intents must be at least 100, got {intents}")
    warmup = max(200, intents // 50)
    print(f"machine: {machine()}")
    print(f"timer overhead (empty perf_counter_ns interval, included in every per-call figure): "
          f"{timer_overhead_ns():.0f} ns")

    registry = binance_registry()
    config = load_config()
    timeline = sample_timeline(registry)
    if args.quick:
        timeline = timeline[: max(synced_length(timeline) + CHUNKS, len(timeline) * 15 // 100)]
    gc.collect()
    gc.freeze()  # the timeline is long-lived: keep the collector from re-scanning it

    with tempfile.TemporaryDirectory(dir=args.journal_dir) as tmp:
        directory = Path(tmp)
        print(f"journal files in {directory} ({filesystem(directory)}); Journal(path): commit_every=1000, "
              "SQLite WAL, synchronous=NORMAL; the OMS commits after each order it creates (write-ahead)")
        with Journal(directory / "gate.sqlite") as journal:
            gate_run = run_gate(config, registry, timeline, journal, intents, warmup)
        with Journal(directory / "oms.sqlite") as journal:
            path_ns, build_ns = run_rest(config, registry, gate_run, journal)
        journal_figures = journal_throughput(gate_run.records, directory)

    approved = [ns for ns, (_, _, d) in zip(gate_run.gate_ns, gate_run.records) if d.approved]
    refused = [ns for ns, (_, _, d) in zip(gate_run.gate_ns, gate_run.records) if not d.approved]
    span_s = (gate_run.end_ts - gate_run.start_ts) / 1e9
    print(f"engine: build_backtest_engine, default config, legs {config.strategy.spot_instrument} + "
          f"{config.strategy.perp_instrument}; {len(timeline):,} sample messages replayed, intents over {span_s:.0f} s "
          f"of it in {CHUNKS} batches")
    print(f"rules ({len(gate_run.rule_names)}, in order): {', '.join(gate_run.rule_names)}")
    print(f"intents: {len(gate_run.records):,} timed after {gate_run.warmup:,} warm-up; scripts {len(SCRIPTS)}; "
          f"exposure flat (no order is created in the gate's engine)")
    print("  built as: " + ", ".join(f"{k} {v:,}" for k, v in sorted(gate_run.built_as.items(), key=lambda kv: -kv[1])))
    print("  decided:  " + ", ".join(f"{k} {v:,}" for k, v in sorted(gate_run.refused_by.items(), key=lambda kv: -kv[1])))
    print(f"  rules run per intent: mean {np.mean(gate_run.rules_run):.1f} (all {len(gate_run.rule_names)} on an approval)")
    print("gate.evaluate (journal appends of intent + decision included):")
    print(line("all intents", gate_run.gate_ns))
    print(line("approved intents", approved))
    if refused:
        print(line("refused intents", refused))
    print("rest of the order path for the same approved intents (no gate):")
    print(line("oms.create (row + write-ahead commit) + venue.submit", path_ns))
    print(line("Order(...) construction only", build_ns))
    gate_p50, gate_p99, _, gate_mean = stats(approved)
    rest_p50, rest_p99, _, rest_mean = stats(path_ns)
    build_p50 = stats(build_ns)[0]
    print(f"ratio gate / rest (approved intents): p50 {gate_p50 / rest_p50:.2f}, p99 {gate_p99 / rest_p99:.2f}, "
          f"mean {gate_mean / rest_mean:.2f}; gate / Order construction p50 {gate_p50 / build_p50:.0f}")
    print("journal (intent + decision records of the run):")
    for figure in journal_figures:
        print(f"  {figure.name:<66} {figure.records:>8,} records  {figure.seconds:6.2f} s  "
              f"{figure.records_per_s:>9,.0f} records/s")
    per_order = journal_figures[-1]
    batched = journal_figures[1]
    c50, c99, c999, cmean = stats(per_order.commit_ns)
    extra_ns = (per_order.seconds - batched.seconds) * 1e9 / len(per_order.commit_ns)
    print(f"  commit per order: p50 {c50:,.0f}  p99 {c99:,.0f}  p99.9 {c999:,.0f}  mean {cmean:,.0f} ns "
          f"(whole run: {extra_ns:,.0f} ns more per order than commit_every=1000)")
    print(f"summary: gate p50 {stats(gate_run.gate_ns)[0]:,.0f} ns, p99 {stats(gate_run.gate_ns)[1]:,.0f} ns over "
          f"{len(gate_run.gate_ns):,} intents ({len(gate_run.rule_names)} rules); rest of the path p50 {rest_p50:,.0f} ns; "
          f"gate / rest p50 {gate_p50 / rest_p50:.2f}; journal {batched.records_per_s:,.0f} records/s on file "
          f"(commit_every=1000), {per_order.records_per_s:,.0f} records/s committing per order")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
