"""The hypothetical venue of a shadow deployment: intents are risk-checked and filled, never sent.

A :class:`ShadowLane` is a complete private order path -- its own risk gate (the script's limits), OMS,
portfolio and :class:`~arbkit.sim.venue.SimulatedVenue` with the backtest's fill model, latency and fees --
over the engine's books and clock. Its orders take no liquidity from the real venue or from other lanes.
Its gate and OMS journal into a private in-memory journal; the main audit journal receives every shadow
intent with its hypothetical risk verdict (kind ``shadow_intent``) and every hypothetical fill (kind
``shadow_fill``), all tagged with the model version and ``deployment_mode="shadow"``.

Post-trade controls (loss breakers, reconciliation) do not run on a lane: a shadow version's drawdown is
measured by the lifecycle's scores and judged by the promotion policy instead.
"""

from __future__ import annotations

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.book.order_book import OrderBook
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import Order, OrderIntent, RiskDecision
from arbkit.core.time import Clock
from arbkit.oms.order_manager import OrderManager
from arbkit.portfolio.portfolio import Portfolio
from arbkit.risk.config import RiskConfig
from arbkit.risk.gate import RiskGate
from arbkit.risk.rules_portfolio import CovarianceSource, ReturnSource
from arbkit.sim.config import SimVenueConfig
from arbkit.sim.events import OrderFilled, VenueEvent
from arbkit.sim.venue import SimulatedVenue
from arbkit.system.order_path import OrderPath
from arbkit.system.views import BookMarketView, PortfolioExposure

SHADOW_ACTOR = "shadow"


class ShadowLane:
    """Private gate → OMS → simulated venue for one shadow deployment (see module docs).

    Args:
        name: the deployment's script id (used in the private order ids and the journal's actor).
        instruments, books, market: the engine's (shared, read-only here).
        risk: the limits the deployment would have when live.
        sim: the venue simulator's config (the backtest's fill model, latency and fees).
        clock: the engine clock.
        journal: the main audit journal (shadow intents and fills only).
        covariance, returns: the engine's return sources, when its risk config has VaR or correlation limits.
    """

    def __init__(self, *, name: str, instruments: InstrumentRegistry, books: dict[str, OrderBook],
                 market: BookMarketView, risk: RiskConfig, sim: SimVenueConfig, clock: Clock, journal: Journal,
                 covariance: CovarianceSource | None = None, returns: ReturnSource | None = None) -> None:
        self.name = name
        self._journal = journal
        self._private = Journal(":memory:", commit_every=1_000_000)
        self.venue = SimulatedVenue(instruments, books, sim, clock)
        oms = OrderManager(clock, self._private, id_prefix=f"S{name}-")
        self.portfolio = Portfolio(instruments)
        gate = RiskGate(risk, instruments, market, PortfolioExposure(self.portfolio, oms), clock, self._private,
                        covariance=covariance, returns=returns)
        self.path = OrderPath(gate, oms, self.venue, self.portfolio)
        self.intents = 0
        self.fills = 0

    # -- the IntentSink a shadow deployment's context sends to ------------------------------
    def submit(self, intent: OrderIntent) -> RiskDecision:
        """Risk-check ``intent`` on the lane's gate and, if approved, send it to the lane's venue; journal both."""
        self.intents += 1
        decision = self.path.submit(intent)
        self._journal.append(kinds.SHADOW_INTENT, intent.ts_created, {"intent": intent, "decision": decision},
                             actor=f"{SHADOW_ACTOR}:{self.name}")
        return decision

    def open_orders(self, script_id: str, instrument_id: str | None = None) -> list[Order]:
        """The deployment's hypothetical open orders."""
        return self.path.open_orders(script_id, instrument_id)

    def cancel(self, client_order_id: str) -> None:
        """Cancel a hypothetical open order."""
        self.path.cancel(client_order_id)

    def position_lots(self, instrument_id: str) -> int:
        """Hypothetical filled position in lots."""
        return self.portfolio.position_lots(instrument_id)

    # -- the engine's Lane protocol ----------------------------------------------------------
    def on_venue_events(self, events: list[VenueEvent]) -> None:
        """Apply the lane venue's events; journal each hypothetical fill."""
        if not events:
            return
        self.path.on_venue_events(events)
        for event in events:
            if isinstance(event, OrderFilled):
                self.fills += 1
                self._journal.append(kinds.SHADOW_FILL, event.fill.ts_event, event.fill,
                                     actor=f"{SHADOW_ACTOR}:{self.name}")
