"""Configuration of the simulated venue: latency models, queue model and fee schedules per venue.

Fees are in basis points of the fill's notional in the instrument's quote currency
(1 bp = 0.01 %); a negative maker fee is a rebate. Latencies are int ns. Every bad value is a
:class:`ConfigError` naming the field and the value.

>>> config = SimVenueConfig()
>>> config.fees_for("BINANCE_USDM")
FeeSchedule(maker_fee_bps=Decimal('2'), taker_fee_bps=Decimal('5'))
>>> config.fees_for("SOME_OTHER_VENUE") == config.default_fees
True
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from arbkit.core.enums import LiquiditySide
from arbkit.core.errors import ConfigError
from arbkit.sim.queue import QUEUE_MODEL_NAMES

MAX_ABS_FEE_BPS = Decimal(1000)
"""Largest fee (or rebate) magnitude accepted, in bps (10 %): anything larger is a typo."""

DEFAULT_ORDER_LATENCY_NS = 5_000_000
"""Default one-way order latency, 5 ms: a client outside the venue's data centre. Set it per study."""

DEFAULT_RESPONSE_LATENCY_NS = 0
"""Default venue → us latency: 0, events reach the order path the moment they happen at the venue."""

DEFAULT_QUEUE_MODEL = "through_only"
"""Default queue model: fill resting orders only on trades through their price (see :mod:`arbkit.sim.queue`)."""

DEFAULT_QUEUE_POWER = 2.0
"""Default exponent ``n`` of the probabilistic queue model's ``f(x) = x ** n``."""

LATENCY_MODEL_NAMES = ("constant", "empirical", "activity")
"""Names accepted by ``LatencyConfig.model``."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_ns(value: object, where: str, minimum: int = 0) -> None:
    if not _is_int(value) or value < minimum:  # type: ignore[operator]
        raise ConfigError(f"{where} {value!r} must be an int >= {minimum} ns")


class LatencyConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A latency model, as a TOML table (``[sim.order_latency]`` or ``[sim.response_latency]``).

    Attributes:
        model: ``"constant"``, ``"empirical"`` or ``"activity"`` (see :mod:`arbkit.sim.latency`).
        ns: constant: the latency in ns.
        samples_ns: empirical: the samples in ns (each int >= 0); or leave empty and name a ``recording``.
        recording: empirical: a recorded Binance file (path, or the name of a file of the shipped sample,
            ``binance_usdm_btcusdt_20240808.gz``) whose ``ts_recv - ts_event`` differences are the samples.
        clock_offset_ns: empirical from a recording: recorder clock minus venue clock in ns; unset takes
            the smallest difference as zero latency.
        seed: empirical: seed of the model's random generator.
        base_ns, ns_per_message, window_ns, max_ns: activity: ``base_ns + ns_per_message × messages in the
            last window_ns``, capped at ``max_ns`` if set.
    """

    model: str
    ns: int = 0
    samples_ns: list[int] = msgspec.field(default_factory=list)
    recording: str = ""
    clock_offset_ns: int | None = None
    seed: int = 0
    base_ns: int = 0
    ns_per_message: int = 0
    window_ns: int = 1_000_000_000
    max_ns: int | None = None

    def check(self, where: str) -> None:
        """Raise ConfigError, naming ``where.field`` and the value, if this table does not describe a model."""
        if self.model not in LATENCY_MODEL_NAMES:
            raise ConfigError(f"{where}.model {self.model!r} is not one of {', '.join(LATENCY_MODEL_NAMES)}")
        if self.model == "constant":
            _check_ns(self.ns, f"{where}.ns")
        elif self.model == "empirical":
            if bool(self.samples_ns) == bool(self.recording):
                raise ConfigError(f"{where}: an empirical latency needs exactly one of samples_ns (got "
                                  f"{len(self.samples_ns)} samples) and recording (got {self.recording!r})")
            for value in self.samples_ns:
                _check_ns(value, f"{where}.samples_ns value")
            if not _is_int(self.seed):
                raise ConfigError(f"{where}.seed {self.seed!r} must be an int")
            if self.clock_offset_ns is not None and not _is_int(self.clock_offset_ns):
                raise ConfigError(f"{where}.clock_offset_ns {self.clock_offset_ns!r} must be an int (ns)")
        else:
            _check_ns(self.base_ns, f"{where}.base_ns")
            _check_ns(self.ns_per_message, f"{where}.ns_per_message")
            _check_ns(self.window_ns, f"{where}.window_ns", minimum=1)
            if self.max_ns is not None:
                _check_ns(self.max_ns, f"{where}.max_ns", minimum=self.base_ns)


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
        order_latency_ns: constant one-way latency in ns from ``submit``/``cancel`` to the venue acting
            on it (default 5 ms), used when there is no ``order_latency`` table and no model is passed to
            the venue.
        response_latency_ns: constant latency in ns from a venue event (ack, fill, cancel, reject) to the
            order path hearing of it (default 0), used when there is no ``response_latency`` table.
        order_latency, response_latency: a latency model table (:class:`LatencyConfig`) that replaces
            the constant of the same direction.
        queue_model: ``"through_only"`` (default), ``"risk_averse"`` or ``"probabilistic"``
            (see :mod:`arbkit.sim.queue`).
        queue_power: exponent ``n`` of the probabilistic model's ``f(x) = x ** n``, finite and > 0 (default 2).
        fees: fee schedule per venue code (``"BINANCE_USDM"``); defaults to Binance base tier.
        default_fees: schedule for a venue not in ``fees``.
    """

    order_latency_ns: int = DEFAULT_ORDER_LATENCY_NS
    response_latency_ns: int = DEFAULT_RESPONSE_LATENCY_NS
    order_latency: LatencyConfig | None = None
    response_latency: LatencyConfig | None = None
    queue_model: str = DEFAULT_QUEUE_MODEL
    queue_power: float = DEFAULT_QUEUE_POWER
    fees: dict[str, FeeSchedule] = msgspec.field(default_factory=binance_default_fees)
    default_fees: FeeSchedule = FeeSchedule(maker_fee_bps=Decimal(10), taker_fee_bps=Decimal(10))

    def __post_init__(self) -> None:
        _check_ns(self.order_latency_ns, "order_latency_ns")
        _check_ns(self.response_latency_ns, "response_latency_ns")
        for where, table in (("order_latency", self.order_latency), ("response_latency", self.response_latency)):
            if table is not None:
                table.check(where)
        if self.queue_model not in QUEUE_MODEL_NAMES:
            raise ConfigError(f"queue_model {self.queue_model!r} is not one of {', '.join(QUEUE_MODEL_NAMES)}")
        power = self.queue_power
        if isinstance(power, bool) or not isinstance(power, (int, float)) or not math.isfinite(power) or power <= 0:
            raise ConfigError(f"queue_power {power!r} must be a finite number > 0")

    def fees_for(self, venue: str) -> FeeSchedule:
        """The fee schedule of ``venue``, or ``default_fees`` if the venue has none of its own."""
        return self.fees.get(venue, self.default_fees)


_AT_PATH = re.compile(r"- at `\$((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)`")


def _with_value(exc: msgspec.ValidationError, raw: Any) -> str:
    """msgspec's message (it names the field), plus the offending value when it can be found in ``raw``."""
    text = str(exc)
    match = _AT_PATH.search(text)
    if match is None:
        return text
    value = raw
    for part in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", match.group(1)):
        key, index = part
        try:
            value = value[key] if key else value[int(index)]
        except (KeyError, IndexError, TypeError):
            return text
    return f"{text} (got {value!r})"


def sim_config_from_dict(raw: dict[str, Any], strict: bool = True) -> SimVenueConfig:
    """A :class:`SimVenueConfig` from a parsed ``[sim]`` table; unknown keys or bad values raise ConfigError.

    ``strict=False`` lets integral floats stand for ints and strings for decimals, as TOML configs need.
    """
    try:
        return msgspec.convert(raw, SimVenueConfig, strict=strict)
    except msgspec.ValidationError as exc:
        raise ConfigError(_with_value(exc, raw)) from None


def load_sim_config(path: str | Path) -> SimVenueConfig:
    """Read a :class:`SimVenueConfig` from a TOML file; unknown keys or bad values raise :class:`ConfigError`.

    Write fee rates as strings (``maker_fee_bps = "-0.5"``) to keep them exact.
    """
    try:
        raw = msgspec.toml.decode(Path(path).read_bytes())
    except msgspec.DecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a TOML table, got {type(raw).__name__}")
    try:
        return sim_config_from_dict(raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
