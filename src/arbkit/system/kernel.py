"""The composition root: the one place that builds an engine for a mode from one config.

Scripts receive a :class:`~arbkit.scripts.context.ScriptContext`; nothing else constructs
components or reaches for globals.
"""

from __future__ import annotations

from collections.abc import Callable

from arbkit.audit.journal import Journal
from arbkit.backtest.engine import BacktestEngine
from arbkit.book.order_book import OrderBook
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.time import SimulatedClock
from arbkit.oms.order_manager import OrderManager
from arbkit.portfolio.portfolio import Portfolio
from arbkit.risk.config import RiskConfig
from arbkit.risk.gate import RiskGate
from arbkit.scripts.base import Script
from arbkit.scripts.context import BookView, ScriptContext
from arbkit.sim.config import SimVenueConfig
from arbkit.sim.venue import SimulatedVenue
from arbkit.system.order_path import OrderPath
from arbkit.system.views import BookMarketView, PortfolioExposure

ScriptFactory = Callable[[], tuple[Script, str]]
"""Builds one script and names the model version it runs (for tagging intents)."""


def build_backtest_engine(*, instruments: InstrumentRegistry, instrument_ids: list[str], risk: RiskConfig,
                          sim: SimVenueConfig, journal: Journal, scripts: list[ScriptFactory],
                          equity_interval_ns: int, start_ns: int = 0) -> BacktestEngine:
    """Wire books, venue, risk gate, OMS, portfolio and scripts for a backtest over ``instrument_ids``."""
    clock = SimulatedClock(start_ns)
    books = {i: OrderBook(i) for i in instrument_ids}
    for instrument_id in instrument_ids:
        instruments.get(instrument_id)  # fail early, naming known ids, on a typo
    views = {i: BookView(book) for i, book in books.items()}
    market = BookMarketView(books)
    portfolio = Portfolio(instruments)
    oms = OrderManager(clock, journal)
    gate = RiskGate(risk, instruments, market, PortfolioExposure(portfolio, oms), clock, journal)
    venue = SimulatedVenue(instruments, books, sim, clock)
    path = OrderPath(gate, oms, venue, portfolio)
    wired: list[tuple[Script, ScriptContext]] = []
    for factory in scripts:
        script, model_version = factory()
        missing = [i for i in script.instrument_ids if i not in books]
        if missing:
            raise KeyError(f"script {script.script_id!r} needs books {missing} that this engine does not keep")
        ctx = ScriptContext(script_id=script.script_id, model_version=model_version, clock=clock,
                            instruments=instruments, books=views, positions=portfolio, sink=path)
        wired.append((script, ctx))
    return BacktestEngine(clock=clock, instruments=instruments, books=books, book_views=views, market=market,
                          venue=venue, path=path, portfolio=portfolio, journal=journal, scripts=wired,
                          equity_interval_ns=equity_interval_ns)
