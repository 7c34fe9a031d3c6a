"""The composition root: the one place that builds an engine for a mode from one config.

Scripts receive a :class:`~arbkit.scripts.context.ScriptContext`; nothing else constructs
components or reaches for globals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from arbkit.audit.journal import Journal
from arbkit.backtest.engine import BacktestEngine
from arbkit.book.order_book import OrderBook
from arbkit.core.errors import ConfigError
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.time import SimulatedClock
from arbkit.oms.recovery import open_oms
from arbkit.portfolio.script_books import ScriptBooks
from arbkit.portfolio.portfolio import Portfolio
from arbkit.risk.config import RiskConfig
from arbkit.risk.gate import RiskGate
from arbkit.risk.regime_policy import policy_of
from arbkit.risk.regime_state import RegimeBoard, RegimeMonitorPort
from arbkit.risk.var import EwmaCovariance, MarkSampler, ReturnWindow
from arbkit.scripts.base import Script
from arbkit.scripts.context import BookView, ScriptContext
from arbkit.sim.config import SimVenueConfig
from arbkit.sim.venue import SimulatedVenue
from arbkit.system.feature_hub import FeatureHub
from arbkit.system.order_path import OrderPath
from arbkit.system.pnl_monitor import PnlMonitor
from arbkit.system.position_reconciler import PositionReconciler
from arbkit.system.regime_feed import RegimeFeatureSource, RegimeFeed
from arbkit.system.views import BookMarketView, PortfolioExposure

ScriptFactory = Callable[[], tuple[Script, str]]
"""Builds one script and names the model version it runs (for tagging intents)."""


def build_backtest_engine(*, instruments: InstrumentRegistry, instrument_ids: list[str], risk: RiskConfig,
                          sim: SimVenueConfig, journal: Journal, scripts: list[ScriptFactory],
                          equity_interval_ns: int, start_ns: int = 0,
                          regime_monitors: Mapping[str, RegimeMonitorPort] | None = None,
                          regime_features: Mapping[str, RegimeFeatureSource] | None = None) -> BacktestEngine:
    """Wire books, venue, risk gate, OMS, portfolio and scripts for a backtest over ``instrument_ids``.

    ``regime_monitors`` (instrument id → monitor, optional) see that instrument's book (mid in quote
    currency, spread, depth) after each of its book messages, with a feature row from
    ``regime_features[instrument id]`` for a monitor with a classifier; their changes go to the gate's
    regime board (journaled, kind ``regime_change``). A script that declares
    ``allowed_regimes`` is registered with the gate (journaled); it must be covered by a monitor (its
    ``regime_scopes``, or each of its instruments, or ``"market"``), otherwise :class:`ConfigError`.
    A script that declares ``feature_set`` gets a feature engine fed by the engine loop and reads it
    as ``ctx.features`` (see :mod:`arbkit.system.feature_hub`).

    Every risk control is live: the gate gets a return covariance and history when ``risk.portfolio`` sets
    a correlation or VaR limit (:func:`return_sources`), the order path gets the post-trade controls (loss
    breakers: :class:`~arbkit.system.pnl_monitor.PnlMonitor`; position reconciliation:
    :class:`~arbkit.system.position_reconciler.PositionReconciler`). A ``journal`` that already holds orders
    is a restart: the OMS, portfolio and script books are rebuilt from it and reconciled with the venue
    (:func:`arbkit.oms.recovery.open_oms`), or the build fails with ``ReconciliationError``.
    """
    clock = SimulatedClock(start_ns)
    books = {i: OrderBook(i) for i in instrument_ids}
    for instrument_id in instrument_ids:
        instruments.get(instrument_id)  # fail early, naming known ids, on a typo
    monitors = dict(regime_monitors or {})
    stray = sorted(set(monitors) - set(books))
    if stray:
        raise ConfigError(f"regime monitors given for {stray}, which this engine keeps no book of "
                          f"(books: {', '.join(instrument_ids)})")
    views = {i: BookView(book) for i, book in books.items()}
    market = BookMarketView(books)
    venue = SimulatedVenue(instruments, books, sim, clock)
    oms = open_oms(clock, journal, venue)  # a restart: rebuilt from the journal and reconciled, or refused
    portfolio, script_books = Portfolio(instruments), ScriptBooks(instruments)
    for fill in oms.fills():
        portfolio.apply_fill(fill)
        script_books.apply_fill(fill)
    board = RegimeBoard(journal)
    feed = RegimeFeed(monitors, board, instruments, regime_features) if monitors or regime_features else None
    sampler, covariance, returns = return_sources(risk, instrument_ids)
    gate = RiskGate(risk, instruments, market, PortfolioExposure(portfolio, oms), clock, journal, regimes=board,
                    covariance=covariance, returns=returns)
    post_trade = [PnlMonitor(gate, portfolio, script_books, market.marks),
                  PositionReconciler(gate, oms, portfolio, script_books, venue, risk.post_trade)]
    path = OrderPath(gate, oms, venue, portfolio, post_trade=post_trade, script_books=script_books)
    hub = FeatureHub(instruments, books)
    wired: list[tuple[Script, ScriptContext]] = []
    for factory in scripts:
        script, model_version = factory()
        missing = [i for i in script.instrument_ids if i not in books]
        if missing:
            raise KeyError(f"script {script.script_id!r} needs books {missing} that this engine does not keep")
        _register_regime_policy(script, gate, board)
        feature_set = getattr(script, "feature_set", None)
        features = hub.register(script.script_id, feature_set) if feature_set is not None else None
        ctx = ScriptContext(script_id=script.script_id, model_version=model_version, clock=clock,
                            instruments=instruments, books=views, positions=portfolio, sink=path, regimes=board,
                            features=features)
        wired.append((script, ctx))
    return BacktestEngine(clock=clock, instruments=instruments, books=books, book_views=views, market=market,
                          venue=venue, path=path, portfolio=portfolio, journal=journal, scripts=wired,
                          equity_interval_ns=equity_interval_ns, regimes=feed, features=hub, risk_marks=sampler)


def _register_regime_policy(script: Script, gate: RiskGate, board: RegimeBoard) -> None:
    """Hand a script's regime declaration to the gate; refuse one that no monitor could ever satisfy."""
    policy = policy_of(script)
    if policy is None:
        return
    uncovered = sorted({scope for instrument_id in script.instrument_ids
                        for scope in policy.scopes_for(instrument_id, board) if scope not in board})
    if uncovered:
        raise ConfigError(f"script {script.script_id!r} trades only in regimes {policy.allowed_text()}, but no "
                          f"regime monitor covers scope(s) {uncovered} (monitored: {', '.join(board.scopes) or 'none'})"
                          "; pass regime_monitors for them")
    gate.set_regime_policy(script.script_id, policy, actor=script.script_id,
                           reason=f"allowed_regimes declared by {type(script).__name__}")


def return_sources(risk: RiskConfig, instrument_ids: list[str]
                   ) -> tuple[MarkSampler | None, EwmaCovariance | None, ReturnWindow | None]:
    """The return sampler, EWMA covariance and return window of ``correlation_bound`` and ``var_limit``.

    Built over the engine's instruments when either rule is configured (``risk.portfolio.returns`` says how);
    ``(None, None, None)`` otherwise. The engine feeds the sampler every synced book mid.
    """
    if not risk.portfolio.needs_returns:
        return None, None, None
    sampling = risk.portfolio.returns
    covariance = EwmaCovariance(instrument_ids, decay=float(sampling.ewma_decay), min_updates=sampling.min_returns)
    window = ReturnWindow(instrument_ids, sampling.window)
    return MarkSampler(instrument_ids, sampling.interval_ms * 1_000_000, covariance, window), covariance, window
