"""The research-to-backtest pipeline behind ``arbkit demo`` and ``arbkit backtest``.

real recorded data → replay → decision points and features → labels → model (purged time split)
→ backtest of the script on the out-of-sample part → journal → HTML report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import msgspec

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.adapters.binance.reader import ReadStats, RecordedMessage
from arbkit.audit import kinds
from arbkit.core.errors import ConfigError, InstrumentError
from arbkit.core.instruments import InstrumentRegistry
from arbkit.audit.journal import Journal
from arbkit.backtest.config import BacktestConfig
from arbkit.backtest.engine import EngineRun
from arbkit.backtest.training import TrainedModel, TrainingDataError, train_basis_model
from arbkit.data.replay import Replay
from arbkit.lifecycle.summary import LifecycleSummary
from arbkit.data.window import window_timeline
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path
from arbkit.scripts.basis_arb import SpotPerpBasisScript
from arbkit.scripts.basis_signal import BasisSignal, SignalRecorder
from arbkit.system.kernel import build_backtest_engine
from arbkit.system.order_path import OrderPath
from arbkit.portfolio.portfolio import PositionRow

Progress = Callable[[str, int, int], None]
"""``progress(stage, advance, total)``: advance a named stage by ``advance`` of ``total`` units."""


class PipelineResult(msgspec.Struct, kw_only=True):
    """Everything a report or a test needs from one pipeline run."""

    config: BacktestConfig
    read_stats: list[ReadStats]
    messages: int
    trained: TrainedModel
    run: EngineRun
    path: OrderPath
    positions: list[PositionRow]
    predictions: list[tuple[int, float, float]]
    journal_path: Path
    decision_points: int
    lifecycle: LifecycleSummary | None = None
    """The lifecycle replay's summary (``[lifecycle] enabled``), None when it did not run."""
    lifecycle_dir: Path | None = None
    """Where the lifecycle replay wrote its journal and deployment history."""


def stream_files(config: BacktestConfig) -> list[list[Path]]:
    """The configured files, or the shipped sample (BTC spot and USDⓈ-M) when none are configured."""
    if config.data.streams:
        return [[Path(p) for p in group] for group in config.data.streams]
    return [[sample_path(SAMPLE_SPOT_BTC)], [sample_path(SAMPLE_USDM_BTC)]]


def check_names(config: BacktestConfig, instruments: InstrumentRegistry) -> None:
    """Every instrument and venue the config names must exist, before any data is read.

    Raises:
        ConfigError: naming the unknown id and the known ones.
    """
    for instrument_id in (*config.risk.instruments, config.strategy.spot_instrument, config.strategy.perp_instrument):
        try:
            instruments.get(instrument_id)
        except InstrumentError as exc:
            raise ConfigError(f"{config.source}: {exc}") from None
    venues = sorted({instrument.venue for instrument in instruments})
    for venue in config.sim.fees:
        if venue not in venues:
            raise ConfigError(f"{config.source}: [sim.fees.{venue}] names an unknown venue {venue!r} "
                              f"(known: {', '.join(venues)})")


class _Span:
    """First and last replay time (int ns) of the messages that went through :meth:`watch`."""

    def __init__(self) -> None:
        self.first_ns: int | None = None
        self.last_ns: int | None = None

    def watch(self, timeline: Iterable[tuple[int, RecordedMessage]]) -> Iterator[tuple[int, RecordedMessage]]:
        for ts, message in timeline:
            if self.first_ns is None:
                self.first_ns = ts
            self.last_ns = ts
            yield ts, message


def run_pipeline(config: BacktestConfig, out_dir: Path, progress: Progress | None = None) -> PipelineResult:
    """Run the whole pipeline; writes ``journal.sqlite`` and ``model.json`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda stage, advance, total: None)
    instruments = binance_registry()
    check_names(config, instruments)
    replay = Replay.from_binance_files(stream_files(config), instruments)
    span = _Span()
    start_ns, end_ns = config.data.range_ns()
    timeline = []
    for item in window_timeline(span.watch(replay.timed()), start_ns=start_ns, end_ns=end_ns):
        timeline.append(item)
        if len(timeline) % 4096 == 0:
            report("read", 4096, 0)
    report("read", len(timeline) % 4096, len(timeline))
    total = len(timeline)
    if not total:
        if span.first_ns is None:
            raise TrainingDataError(f"no messages in {stream_files(config)}")
        raise ConfigError(f"{config.source}: [data] range start {config.data.start!r} end {config.data.end!r} holds "
                          f"no message: the recording runs from {span.first_ns} to {span.last_ns} ns")
    start_ns = timeline[0][0]
    strategy = config.strategy
    instrument_ids = [strategy.spot_instrument, strategy.perp_instrument]
    spec = config.features.spec()
    interval_ns = config.features.decision_interval_ms * 1_000_000
    equity_ns = config.equity_interval_ms * 1_000_000

    # pass 1: record decision points with the production sampler, no orders
    recorder = SignalRecorder(BasisSignal(spec, *instrument_ids, interval_ns))
    with Journal(":memory:") as scratch:
        recording_engine = build_backtest_engine(
            instruments=instruments, instrument_ids=instrument_ids, risk=config.risk, sim=config.sim,
            journal=scratch, scripts=[lambda: (recorder, "none")], equity_interval_ns=equity_ns, start_ns=start_ns)
        recording_engine.run(timeline, lambda n: report("features", n, total))
    recorded = recorder.arrays()
    trained = train_basis_model(recorded, spec, config.model)
    trained.model.save(out_dir / "model.json")

    # pass 2: trade out of sample with the trained model
    journal_path = out_dir / "journal.sqlite"
    if journal_path.exists():
        journal_path.unlink()
    journal = Journal(journal_path)
    journal.append(kinds.CONFIG, start_ns, msgspec.to_builtins(config), actor="pipeline")
    journal.append(kinds.MODEL, trained.cutoff_ns, {
        "version": trained.model.version, "feature_digest": spec.digest(), "train_rows": trained.train_rows,
        "test_rows": trained.test_rows, "test_metrics": trained.test_metrics, "cutoff_ns": trained.cutoff_ns,
    }, actor="pipeline")
    trading_start = max(strategy.trading_start_ns, trained.cutoff_ns)  # never trade on training data
    script = SpotPerpBasisScript("basis-btc", msgspec.structs.replace(strategy, trading_start_ns=trading_start),
                                 BasisSignal(spec, *instrument_ids, interval_ns), trained.model)
    engine = build_backtest_engine(
        instruments=instruments, instrument_ids=instrument_ids, risk=config.risk, sim=config.sim, journal=journal,
        scripts=[lambda: (script, trained.model.version)], equity_interval_ns=equity_ns, start_ns=start_ns)
    run = engine.run(timeline, lambda n: report("backtest", n, total))
    marks = engine.marks()
    journal.append(kinds.BACKTEST, run.last_ts_ns, {
        "messages": run.messages, "fills": len(engine.path.fills), "rejections": len(engine.path.rejections),
        "equity_usd": str(run.equity[-1].equity_usd) if run.equity else "0",
    }, actor="pipeline")
    journal.close()
    lifecycle = None
    if config.lifecycle.enabled:
        from arbkit.lifecycle.demo import run_lifecycle_demo

        lifecycle = run_lifecycle_demo(config, instruments, spec, timeline, recorded, trained.model, trading_start,
                                       out_dir / "lifecycle", lambda n: report("lifecycle", n, total))
    return PipelineResult(
        config=config, read_stats=replay.stats(), messages=total, trained=trained, run=run, path=engine.path,
        positions=engine.portfolio.snapshot(marks), predictions=script.predictions, journal_path=journal_path,
        decision_points=len(recorded["ts_ns"]), lifecycle=lifecycle,
        lifecycle_dir=out_dir / "lifecycle" if lifecycle is not None else None,
    )
