"""The account-level rules run inside the real gate of the composition root (not only in isolation)."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.core.messages import OrderIntent
from arbkit.risk.portfolio_config import PortfolioLimits
from testkit import SPOT_BTC, build_engine, default_config, synced_prefix


def intent(n: int, lots: int, price_ticks: int) -> OrderIntent:
    return OrderIntent(intent_id=f"p-{n}", script_id="s1", model_version="m", instrument_id=SPOT_BTC, side=Side.BUY,
                       order_type=OrderType.LIMIT, qty_lots=lots, ts_created=0, price_ticks=price_ticks,
                       time_in_force=TimeInForce.IOC)


def test_account_exposure_limit_refuses_in_the_gate_and_passes_just_inside() -> None:
    config = default_config()
    with Journal(":memory:") as journal:
        probe = build_engine(config, journal)
        probe.run(synced_prefix())
        ask = probe.books[SPOT_BTC].best_ask()[0]
        lots = 100_000  # 0.001 BTC (spot lots are 1e-8 BTC)
        notional = probe.instruments.get(SPOT_BTC).notional_quote(ask, lots)
    for limit, approved in ((abs(notional), True), (abs(notional) - Decimal("0.01"), False)):
        risk = msgspec.structs.replace(config.risk, portfolio=PortfolioLimits(max_account_gross_notional_usd=limit))
        with Journal(":memory:") as journal:
            engine = build_engine(config, journal, risk=risk)
            engine.run(synced_prefix())
            decision = engine.path.submit(intent(1, lots, ask))
        assert decision.approved is approved, decision.detail
        if not approved:
            assert decision.reason_code == "EXPOSURE_LIMIT" and "gross notional limit" in decision.detail



def test_before_the_return_covariance_is_ready_var_and_correlation_refuse_adding_exposure() -> None:
    config = default_config()  # its [risk.portfolio] sets a VaR limit and a correlation bound
    assert config.risk.portfolio.var is not None and config.risk.portfolio.correlation is not None
    with Journal(":memory:") as journal:
        engine = build_engine(config, journal, risk=config.risk)
        engine.run(synced_prefix())  # a few hundred ms of data: far fewer returns than min_returns
        buy = engine.path.submit(intent(1, 100_000, engine.books[SPOT_BTC].best_ask()[0]))
    assert buy.reason_code == "CORRELATION_BOUND"
    assert "no return covariance yet" in buy.detail and "intent increases" in buy.detail
