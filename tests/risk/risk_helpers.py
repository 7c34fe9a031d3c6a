"""Builders and fixtures of the risk tests: a real journal, the Binance registry, a simulated clock, and small
implementations of the gate's two view protocols (the engine's interface)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from testkit import COINM_BTC, SPOT_BTC, registry

from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderType, Side
from arbkit.core.messages import OrderIntent
from arbkit.core.time import SimulatedClock
from arbkit.risk.config import InstrumentLimits, RiskConfig
from arbkit.risk.gate import RiskGate

T0 = 1_723_075_200_000_000_000  # 2024-08-08T00:00:00Z in ns
MID_BTC_SPOT = 6_000_000  # 60000.00 USDT in ticks of 0.01
MID_BTC_COINM = 600_000  # 60000.0 USD in ticks of 0.1
SPOT = registry().get(SPOT_BTC)


def spot_lots(size: str) -> int:
    """Lots of BTC spot for a size in BTC (independent of the registry's lot size)."""
    return SPOT.size_to_lots(size)


def spot_size(lots: int) -> str:
    """BTC size of ``lots`` as the gate prints it."""
    return str(SPOT.lots_to_size(lots))


class StaticMarket:
    """MarketView with mids set by the test."""

    def __init__(self) -> None:
        self.mids: dict[str, tuple[float, int]] = {}

    def reference_price(self, instrument_id: str) -> tuple[float, int] | None:
        return self.mids.get(instrument_id)


class StaticExposure:
    """ExposureView with positions and working lots set by the test."""

    def __init__(self) -> None:
        self.positions: dict[str, int] = {}
        self.working: dict[tuple[str, Side], int] = {}

    def position_lots(self, instrument_id: str) -> int:
        return self.positions.get(instrument_id, 0)

    def open_order_lots(self, instrument_id: str, side: Side) -> int:
        return self.working.get((instrument_id, side), 0)


def spot_limits(**overrides: object) -> InstrumentLimits:
    """BTC spot limits: 1 BTC per order, 100k USD per order, 2 BTC position, 50 bps collar, 2 s reference age."""
    values: dict[str, object] = {
        "max_order_qty": Decimal("1"), "max_order_notional_usd": Decimal("100000"),
        "max_position_qty": Decimal("2"), "price_collar_bps": Decimal("50"), "reference_max_age_ms": 2_000,
    }
    values.update(overrides)
    return InstrumentLimits(**values)  # type: ignore[arg-type]


def coinm_limits() -> InstrumentLimits:
    """BTCUSD_PERP limits: 100 contracts per order, 5000 USD per order, 300 contracts position."""
    return InstrumentLimits(max_order_qty=Decimal("100"), max_order_notional_usd=Decimal("5000"),
                            max_position_qty=Decimal("300"), price_collar_bps=Decimal("50"),
                            reference_max_age_ms=2_000)


def intent(qty_lots: int | None = None, price_ticks: int | None = MID_BTC_SPOT, side: Side = Side.BUY,
           order_type: OrderType = OrderType.LIMIT, instrument_id: str = SPOT_BTC, n: int = 1) -> OrderIntent:
    """An intent of script ``s1`` (default: buy 0.1 BTC spot at 60000 limit)."""
    qty_lots = spot_lots("0.1") if qty_lots is None else qty_lots
    return OrderIntent(intent_id=f"i{n}", script_id="s1", model_version="m-2024-08", instrument_id=instrument_id,
                       side=side, order_type=order_type, qty_lots=qty_lots, ts_created=T0, price_ticks=price_ticks)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(start_ns=T0)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / "journal.sqlite") as j:
        yield j


@pytest.fixture
def market(clock: SimulatedClock) -> StaticMarket:
    view = StaticMarket()
    view.mids[SPOT_BTC] = (float(MID_BTC_SPOT), clock.now_ns())
    view.mids[COINM_BTC] = (float(MID_BTC_COINM), clock.now_ns())
    return view


@pytest.fixture
def exposure() -> StaticExposure:
    return StaticExposure()


@pytest.fixture
def config() -> RiskConfig:
    return RiskConfig(instruments={SPOT_BTC: spot_limits(), COINM_BTC: coinm_limits()})


@pytest.fixture
def gate(config: RiskConfig, market: StaticMarket, exposure: StaticExposure, clock: SimulatedClock,
         journal: Journal) -> RiskGate:
    return RiskGate(config, registry(), market, exposure, clock, journal)
