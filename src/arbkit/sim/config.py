"""Configuration of the simulated venue: order latency and fee schedules per venue.

Fees are in basis points of the fill's notional in the instrument's quote currency
(1 bp = 0.01 %); a negative maker fee is a rebate.

>>> config = SimVenueConfig()
>>> config.fees_for("BINANCE_USDM")
FeeSchedule(maker_fee_bps=Decimal('2'), taker_fee_bps=Decimal('5'))
>>> config.fees_for("SOME_OTHER_VENUE") == config.default_fees
True
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import msgspec

from arbkit.core.enums import LiquiditySide
from arbkit.core.errors import ConfigError

MAX_ABS_FEE_BPS = Decimal(1000)
"""Largest fee (or rebate) magnitude accepted, in bps (10 %): anything larger is a typo."""

DEFAULT_ORDER_LATENCY_NS = 5_000_000
"""Default one-way order latency, 5 ms: a client outside the venue's data centre. Set it per study."""


class FeeSchedule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Maker and taker fee of one venue, in bps of the fill's quote notional. Negative maker = rebate."""

    maker_fee_bps: Decimal
    taker_fee_bps: Decimal

    def __post_init__(self) -> None:
        for name, value in (("maker_fee_bps", self.maker_fee_bps), ("taker_fee_bps", self.taker_fee_bps)):
            if not value.is_finite() or abs(value) > MAX_ABS_FEE_BPS:
                raise ConfigError(f"{name} {value} bps is outside [-{MAX_ABS_FEE_BPS}, {MAX_ABS_FEE_BPS}] bps")

    def bps(self, liquidity: LiquiditySide) -> Decimal:
        """Fee rate in bps for a fill that added (maker) or took (taker) liquidity."""
        return self.maker_fee_bps if liquidity is LiquiditySide.MAKER else self.taker_fee_bps


def binance_default_fees() -> dict[str, FeeSchedule]:
    """Binance base-tier fees (2024): spot 10/10 bps, USDⓈ-M 2/5 bps, COIN-M 2/5 bps (maker/taker)."""
    return {
        "BINANCE_SPOT": FeeSchedule(maker_fee_bps=Decimal(10), taker_fee_bps=Decimal(10)),
        "BINANCE_USDM": FeeSchedule(maker_fee_bps=Decimal(2), taker_fee_bps=Decimal(5)),
        "BINANCE_COINM": FeeSchedule(maker_fee_bps=Decimal(2), taker_fee_bps=Decimal(5)),
    }


class SimVenueConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of :class:`arbkit.sim.venue.SimulatedVenue`.

    Attributes:
        order_latency_ns: one-way latency in ns from ``submit``/``cancel`` to the venue acting on it,
            used when no latency model is passed to the venue.
        fees: fee schedule per venue code (``"BINANCE_USDM"``); defaults to Binance base tier.
        default_fees: schedule for a venue not in ``fees``.
    """

    order_latency_ns: int = DEFAULT_ORDER_LATENCY_NS
    fees: dict[str, FeeSchedule] = msgspec.field(default_factory=binance_default_fees)
    default_fees: FeeSchedule = FeeSchedule(maker_fee_bps=Decimal(10), taker_fee_bps=Decimal(10))

    def __post_init__(self) -> None:
        if self.order_latency_ns < 0:
            raise ConfigError(f"order_latency_ns {self.order_latency_ns} must be >= 0")

    def fees_for(self, venue: str) -> FeeSchedule:
        """The fee schedule of ``venue``, or ``default_fees`` if the venue has none of its own."""
        return self.fees.get(venue, self.default_fees)


def load_sim_config(path: str | Path) -> SimVenueConfig:
    """Read a :class:`SimVenueConfig` from a TOML file; unknown keys or bad values raise :class:`ConfigError`.

    Write fee rates as strings (``maker_fee_bps = "-0.5"``) to keep them exact.
    """
    data = Path(path).read_bytes()
    try:
        return msgspec.toml.decode(data, type=SimVenueConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
