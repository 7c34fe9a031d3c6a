"""The engine's exposure view serves the account-level rules: instruments, and each script's own fills and
working orders (an order counts from the moment the OMS creates it, before the venue accepts it)."""

from __future__ import annotations

from decimal import Decimal

from portfolio_helpers import ETH_SPOT, REGISTRY, order
from risk_helpers import journal  # noqa: F401
from testkit import SPOT_BTC

from arbkit.audit.journal import Journal
from arbkit.core.enums import LiquiditySide, Side
from arbkit.core.messages import Fill
from arbkit.core.time import SimulatedClock
from arbkit.oms.order_manager import OrderManager
from arbkit.portfolio.portfolio import Portfolio
from arbkit.risk.rules_portfolio import BookExposure
from arbkit.system.views import PortfolioExposure


def test_portfolio_exposure_reports_per_script_fills_and_in_flight_orders(journal: Journal) -> None:  # noqa: F811
    clock = SimulatedClock(start_ns=0)
    oms, portfolio = OrderManager(clock, journal), Portfolio(REGISTRY)
    view = PortfolioExposure(portfolio, oms)
    assert isinstance(view, BookExposure) and view.instrument_ids() == []
    first = oms.create(order(SPOT_BTC, 100, script_id="s1", n=1))
    oms.create(order(ETH_SPOT, 7, side=Side.SELL, script_id="s2", n=2))
    fill = Fill(fill_id="F1", client_order_id=first.client_order_id, script_id="s1", model_version="m",
                instrument_id=SPOT_BTC, side=Side.BUY, price_ticks=6_000_000, qty_lots=40, fee=Decimal(0),
                liquidity=LiquiditySide.TAKER, ts_event=0)
    oms.on_fill(fill)
    portfolio.apply_fill(fill)
    assert view.instrument_ids() == sorted([ETH_SPOT, SPOT_BTC])
    assert view.script_position_lots("s1", SPOT_BTC) == 40 and view.script_position_lots("s2", SPOT_BTC) == 0
    assert view.script_open_order_lots("s1", SPOT_BTC, Side.BUY) == 60
    assert view.script_open_order_lots("s2", ETH_SPOT, Side.SELL) == 7
    assert view.script_open_order_lots("s1", ETH_SPOT, Side.SELL) == 0
