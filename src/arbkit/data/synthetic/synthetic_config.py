"""Configuration of the synthetic market generator and the planted truth it writes beside the data.

SYNTHETIC DATA ONLY: nothing here describes a real market. Every venue code must start with
:data:`SYN_PREFIX`, so a synthetic instrument id (``BTCUSDT.SYN_SPOT_A``) can never be mistaken for
a recorded one. The generator exists for scale tests and known-answer tests of estimators.

All times are int ns; offsets (``*_offset_ns``) count from ``start_ns``; the planted truth holds the
absolute times (ns since the Unix epoch, like ``ts_event``).

>>> config = SyntheticConfig.for_duration(60 * NS_PER_S)
>>> config.regime_switch_offset_ns // NS_PER_S, config.flash_crash_offset_ns // NS_PER_S
(30, 45)
>>> config.leader.instrument().id
'BTCUSDT.SYN_SPOT_A'
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from arbkit.core.enums import InstrumentKind
from arbkit.core.errors import ConfigError
from arbkit.core.instruments import Instrument

SYN_PREFIX = "SYN_"
"""Every synthetic venue code starts with this prefix."""
SYNTHETIC_NOTE = "synthetic=true"
"""The note every synthetic TickFrame carries (and the Parquet metadata flag)."""
GENERATOR_VERSION = 1
"""Bumped whenever the same (config, seed) would generate different rows."""
NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000
DEFAULT_START_NS = 1_704_067_200_000_000_000
"""2024-01-01T00:00:00Z."""
DEFAULT_STEP_NS = NS_PER_MS


class SyntheticVenueConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One synthetic venue: its instrument, book shape, trade rate and receive clock.

    Attributes:
        venue: venue code, must start with ``SYN_``.
        symbol, base, quote, kind, tick_size, lot_size: the instrument (see :class:`Instrument`).
        recv_latency_ns: fixed delay from ``ts_event`` to ``ts_recv``.
        recv_jitter_ns: extra delay, uniform in ``[0, recv_jitter_ns]`` per step; ``ts_recv`` is then
            made non-decreasing (a TCP feed does not reorder).
        book_depth_levels: price levels per side, contiguous from the touch.
        max_spread_ticks: the spread cycles through 1..max_spread_ticks ticks.
        spread_change_probability: chance per step that the spread moves to its next value.
        trade_probability: chance per step of one trade at the touch (before the book update).
        size_change_probability: chance per step that one random level gets a new size.
        min_level_size_lots, max_level_size_lots: range of the (uniform) level sizes.
    """

    venue: str
    symbol: str = "BTCUSDT"
    base: str = "BTC"
    quote: str = "USDT"
    kind: InstrumentKind = InstrumentKind.SPOT
    tick_size: Decimal = Decimal("1")
    lot_size: Decimal = Decimal("0.001")
    recv_latency_ns: int = 1 * NS_PER_MS
    recv_jitter_ns: int = 200_000
    book_depth_levels: int = 5
    max_spread_ticks: int = 2
    spread_change_probability: float = 0.02
    trade_probability: float = 0.2
    size_change_probability: float = 0.5
    min_level_size_lots: int = 1
    max_level_size_lots: int = 5_000

    def __post_init__(self) -> None:
        if not self.venue.startswith(SYN_PREFIX):
            raise ConfigError(f"synthetic venue {self.venue!r} must start with {SYN_PREFIX!r} so that it is never "
                              "taken for a real venue")
        checks = [
            (self.recv_latency_ns >= 0, f"recv_latency_ns {self.recv_latency_ns} must be >= 0"),
            (self.recv_jitter_ns >= 0, f"recv_jitter_ns {self.recv_jitter_ns} must be >= 0"),
            (1 <= self.book_depth_levels <= 50, f"book_depth_levels {self.book_depth_levels} must be in 1..50"),
            (self.max_spread_ticks >= 1, f"max_spread_ticks {self.max_spread_ticks} must be >= 1"),
            (1 <= self.min_level_size_lots <= self.max_level_size_lots,
             f"level sizes {self.min_level_size_lots}..{self.max_level_size_lots} lots need 1 <= min <= max"),
        ]
        for name in ("spread_change_probability", "trade_probability", "size_change_probability"):
            value = getattr(self, name)
            checks.append((0.0 <= value <= 1.0, f"{name} {value} must be in [0, 1]"))
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"synthetic venue {self.venue}: {message}")

    def instrument(self) -> Instrument:
        """The venue's instrument definition."""
        return Instrument(venue=self.venue, symbol=self.symbol, base=self.base, quote=self.quote, kind=self.kind,
                          tick_size=self.tick_size, lot_size=self.lot_size)


def _leader() -> SyntheticVenueConfig:
    return SyntheticVenueConfig(venue="SYN_SPOT_A", recv_latency_ns=1 * NS_PER_MS, recv_jitter_ns=200_000)


def _follower() -> SyntheticVenueConfig:
    return SyntheticVenueConfig(venue="SYN_SPOT_B", recv_latency_ns=3 * NS_PER_MS, recv_jitter_ns=1 * NS_PER_MS)


def _perp() -> SyntheticVenueConfig:
    return SyntheticVenueConfig(venue="SYN_PERP", kind=InstrumentKind.LINEAR_PERP, recv_latency_ns=2 * NS_PER_MS,
                                recv_jitter_ns=500_000)


class SyntheticConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What to plant in a synthetic market of three venues.

    The latent leader log-mid is a Gaussian random walk on a grid of ``step_ns``; every venue sends at
    most one book message (plus a BBO and a trade) per step.

    - **leader** (spot-like): the random walk, with the regime switch and the flash crash.
    - **follower** (spot-like): the leader's latent mid ``lead_lag_ns`` later (exchange clock), plus
      white noise of ``follower_noise_bps``.
    - **perp** (perp-like): the leader's latent mid times ``exp(basis)``, where the basis in bps is an
      Ornstein-Uhlenbeck process with ``basis_mean_bps``, ``basis_half_life_ns`` and stationary
      standard deviation ``basis_stationary_std_bps``.
    - **regime switch**: the volatility is multiplied by ``regime_vol_multiplier`` from
      ``regime_switch_offset_ns`` on.
    - **flash crash**: from ``flash_crash_offset_ns`` the price falls linearly by ``flash_crash_drop_pct``
      over ``flash_crash_fall_ns``, then recovers linearly over ``flash_crash_recovery_ns``.
    """

    start_ns: int = DEFAULT_START_NS
    duration_ns: int = 300 * NS_PER_S
    step_ns: int = DEFAULT_STEP_NS
    initial_mid: Decimal = Decimal("50000")
    vol_bps_per_sqrt_s: float = 2.0
    leader: SyntheticVenueConfig = msgspec.field(default_factory=_leader)
    follower: SyntheticVenueConfig = msgspec.field(default_factory=_follower)
    perp: SyntheticVenueConfig = msgspec.field(default_factory=_perp)
    lead_lag_ns: int = 30 * NS_PER_MS
    follower_noise_bps: float = 0.1
    basis_mean_bps: float = 8.0
    basis_half_life_ns: int = 1 * NS_PER_S
    basis_stationary_std_bps: float = 3.0
    regime_switch_offset_ns: int = 150 * NS_PER_S
    regime_vol_multiplier: float = 3.0
    flash_crash_offset_ns: int = 225 * NS_PER_S
    flash_crash_drop_pct: float = 5.0
    flash_crash_fall_ns: int = 200 * NS_PER_MS
    flash_crash_recovery_ns: int = 2 * NS_PER_S

    def __post_init__(self) -> None:
        venues = [self.leader.venue, self.follower.venue, self.perp.venue]
        crash_end = self.flash_crash_offset_ns + self.flash_crash_fall_ns + self.flash_crash_recovery_ns
        checks = [
            (len(set(venues)) == 3, f"the three venues must differ, got {venues}"),
            (self.step_ns > 0, f"step_ns {self.step_ns} must be > 0"),
            (self.duration_ns >= 10 * self.step_ns,
             f"duration_ns {self.duration_ns} must be at least 10 steps of {self.step_ns} ns"),
            (self.duration_ns % self.step_ns == 0,
             f"duration_ns {self.duration_ns} must be a multiple of step_ns {self.step_ns}"),
            (self.initial_mid > 0, f"initial_mid {self.initial_mid} must be > 0"),
            (self.vol_bps_per_sqrt_s >= 0, f"vol_bps_per_sqrt_s {self.vol_bps_per_sqrt_s} must be >= 0"),
            (self.lead_lag_ns % self.step_ns == 0 and 0 <= self.lead_lag_ns < self.duration_ns,
             f"lead_lag_ns {self.lead_lag_ns} must be a multiple of step_ns {self.step_ns} in [0, duration_ns)"),
            (self.follower_noise_bps >= 0, f"follower_noise_bps {self.follower_noise_bps} must be >= 0"),
            (self.basis_half_life_ns >= self.step_ns,
             f"basis_half_life_ns {self.basis_half_life_ns} must be at least one step ({self.step_ns} ns)"),
            (self.basis_stationary_std_bps >= 0,
             f"basis_stationary_std_bps {self.basis_stationary_std_bps} must be >= 0"),
            (0 < self.regime_switch_offset_ns < self.duration_ns,
             f"regime_switch_offset_ns {self.regime_switch_offset_ns} must be inside (0, {self.duration_ns})"),
            (self.regime_vol_multiplier > 0, f"regime_vol_multiplier {self.regime_vol_multiplier} must be > 0"),
            (0.0 < self.flash_crash_drop_pct < 50.0,
             f"flash_crash_drop_pct {self.flash_crash_drop_pct} must be in (0, 50)"),
            (self.flash_crash_fall_ns >= self.step_ns and self.flash_crash_recovery_ns >= self.step_ns,
             f"flash crash fall {self.flash_crash_fall_ns} ns and recovery {self.flash_crash_recovery_ns} ns must "
             f"each be at least one step ({self.step_ns} ns)"),
            (0 < self.flash_crash_offset_ns and crash_end + self.lead_lag_ns <= self.duration_ns,
             f"flash crash [{self.flash_crash_offset_ns}, {crash_end}] ns plus the lag {self.lead_lag_ns} ns must "
             f"end inside duration_ns {self.duration_ns}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"synthetic config: {message}")
        for venue in (self.leader, self.follower, self.perp):
            floor_ticks = float(self.initial_mid / venue.tick_size) * (1 - self.flash_crash_drop_pct / 100)
            if floor_ticks < 100 * venue.book_depth_levels:
                raise ConfigError(f"synthetic venue {venue.venue}: initial_mid {self.initial_mid} is only "
                                  f"{floor_ticks:.0f} ticks of {venue.tick_size} at the crash bottom; need at least "
                                  f"{100 * venue.book_depth_levels} so prices stay positive")

    @property
    def n_steps(self) -> int:
        """Grid points (steps) per venue."""
        return self.duration_ns // self.step_ns

    def venues(self) -> tuple[tuple[str, SyntheticVenueConfig], ...]:
        """``(role, venue config)`` for the leader, follower and perp, in that order."""
        return (("leader", self.leader), ("follower", self.follower), ("perp", self.perp))

    @classmethod
    def for_duration(cls, duration_ns: int, **changes: Any) -> "SyntheticConfig":
        """A default config lasting ``duration_ns``, with the regime switch at 50 % and the crash at 75 %.

        ``changes`` override any field (including the two event offsets).
        """
        step_ns = int(changes.get("step_ns", DEFAULT_STEP_NS))
        fields: dict[str, Any] = {
            "duration_ns": duration_ns,
            "regime_switch_offset_ns": duration_ns // 2 // step_ns * step_ns,
            "flash_crash_offset_ns": duration_ns * 3 // 4 // step_ns * step_ns,
        }
        fields.update(changes)
        return cls(**fields)


# -- the planted truth ------------------------------------------------------------------------------------------


class LeadLagTruth(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The follower's latent mid is the leader's ``lag_ns`` earlier, on the exchange clock (``ts_event``).

    On the receive clock the observed lag is ``lag_ns`` plus the difference of the venues' receive
    latencies (see :class:`VenueTruth`).
    """

    leader_venue: str
    follower_venue: str
    lag_ns: int
    clock: str
    follower_noise_bps: float


class BasisTruth(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``basis_bps = 1e4 * ln(perp latent mid / spot latent mid)`` is an Ornstein-Uhlenbeck process.

    ``dB = kappa_per_s * (mean_bps - B) dt + sigma dW`` with ``kappa_per_s = ln 2 / half-life`` and
    stationary standard deviation ``stationary_std_bps``; it starts at ``initial_bps``. Quoted mids add
    at most half a tick of rounding to each leg.
    """

    perp_venue: str
    spot_venue: str
    mean_bps: float
    half_life_ns: int
    kappa_per_s: float
    stationary_std_bps: float
    initial_bps: float


class RegimeSwitchTruth(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The common random walk's volatility is multiplied by ``vol_multiplier`` from ``at_ns``.

    The leader and the follower (``lag_ns`` later) are that walk; the perp adds the basis, whose own
    variance is not switched, so the perp's realised-vol ratio is smaller than ``vol_multiplier``.
    """

    at_ns: int
    vol_multiplier: float
    vol_before_bps_per_sqrt_s: float
    vol_after_bps_per_sqrt_s: float


class FlashCrashTruth(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The latent mid times ``1 - drop_pct/100 * p(t)``, ``p`` rising 0→1 over the fall and 1→0 over the recovery.

    Leader and perp crash at ``start_ns``; the follower ``lag_ns`` later (``follower_start_ns``).
    """

    start_ns: int
    bottom_ns: int
    end_ns: int
    drop_pct: float
    fall_ns: int
    recovery_ns: int
    follower_start_ns: int


class VenueTruth(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One generated venue: its role, instrument, receive clock and row count."""

    role: str
    venue: str
    instrument_id: str
    recv_latency_ns: int
    recv_jitter_ns: int
    rows: int


class PlantedTruth(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything planted in a synthetic market, with exact parameters and absolute times (ns UTC).

    Saved as ``truth.json`` beside the Parquet files by
    :func:`~arbkit.data.synthetic.synthetic_market.write_market`.
    """

    synthetic: bool
    notice: str
    generator_version: int
    seed: int
    start_ns: int
    end_ns: int
    step_ns: int
    lead_lag: LeadLagTruth
    basis: BasisTruth
    regime_switch: RegimeSwitchTruth
    flash_crash: FlashCrashTruth
    venues: tuple[VenueTruth, ...]
    config: SyntheticConfig
