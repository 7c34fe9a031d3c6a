"""Declarations of the features a :class:`~arbkit.features.feature_set.FeatureSet` can hold.

Each declaration is a frozen msgspec struct tagged by ``kind`` (so a set can be written in TOML), with
its parameters in the units its field names say (``*_ns``: ns of event time). It names the instrument
aliases it reads (``instrument``, ``a``/``b``, ``instruments``) or, for z-scores, the ``source`` output.

>>> Spread(name="spot_spread", instrument="spot").output_names()
('spot_spread.ticks', 'spot_spread.bps')
>>> EwmaZScore(name="basis_z", source="basis.bps", halflife_ns=0)
Traceback (most recent call last):
...
arbkit.core.errors.ConfigError: feature 'basis_z' (ewma_zscore): halflife_ns 0 must be > 0
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from arbkit.core.errors import ConfigError
from arbkit.features import dispatch as d
from arbkit.features.kernels.volatility import RANGE_STATE, RV_STATE
from arbkit.features.kernels.zscores import ROLLING_STATE


class FeatureDecl(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="kind"):
    """Base of every declaration: a unique ``name`` (output names derive from it)."""

    name: str

    code: ClassVar[int] = 0
    outputs: ClassVar[tuple[str, ...]] = ("",)
    needs_book: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if not self.name or not all(ch.isalnum() or ch == "_" for ch in self.name):
            raise ConfigError(f"feature name {self.name!r} must be non-empty letters, digits or '_'")
        for field, value, low in self._positive():
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ConfigError(f"feature {self.name!r} ({self.kind_name()}): {field} {value!r} must be >= {low}"
                                  if low != 1 else
                                  f"feature {self.name!r} ({self.kind_name()}): {field} {value!r} must be > 0")

    def _positive(self) -> list[tuple[str, object, int]]:
        """(field, value, least allowed) of the integer parameters."""
        return []

    @classmethod
    def kind_name(cls) -> str:
        """The ``kind`` tag of this declaration."""
        return str(cls.__struct_config__.tag)

    def output_names(self) -> tuple[str, ...]:
        """Names of the outputs: ``name`` for one output, ``name.suffix`` for several."""
        if len(self.outputs) == 1 and not self.outputs[0]:
            return (self.name,)
        return tuple(f"{self.name}.{suffix}" for suffix in self.outputs)

    def instrument_aliases(self) -> tuple[str, ...]:
        """Aliases of the instruments read (empty for derived features)."""
        return ()

    def source_name(self) -> str | None:
        """Output name read by a derived feature, else None."""
        return None

    def params(self, alias_index: dict[str, int]) -> list[float]:
        """Parameters as stored in the compiled program."""
        return []

    def state_size(self) -> int:
        """float64 state slots."""
        return 0


class _OneInstrument(FeatureDecl, frozen=True, kw_only=True):
    instrument: str

    def instrument_aliases(self) -> tuple[str, ...]:
        return (self.instrument,)


class ImbalanceL1(_OneInstrument, frozen=True, kw_only=True, tag="imbalance_l1"):
    """Best-level imbalance (bid size − ask size) / (bid size + ask size), in [-1, 1]."""

    code = d.K_IMBALANCE_L1


class ImbalanceTopN(_OneInstrument, frozen=True, kw_only=True, tag="imbalance_top_n"):
    """Depth-weighted imbalance of the set's top ``book_levels`` levels (level i weighs 1/(i+1)), [-1, 1]."""

    code = d.K_IMBALANCE_TOP_N


class Microprice(_OneInstrument, frozen=True, kw_only=True, tag="microprice"):
    """Size-weighted mid minus the mid, in bps of the mid."""

    code = d.K_MICROPRICE


class Spread(_OneInstrument, frozen=True, kw_only=True, tag="spread"):
    """Bid–ask spread: ``.ticks`` (exact integer) and ``.bps`` (of the mid)."""

    code = d.K_SPREAD
    outputs = ("ticks", "bps")


class BookSlope(_OneInstrument, frozen=True, kw_only=True, tag="book_slope"):
    """Depth per bps over the top ``book_levels``: ``.mean`` (base units / bps) and ``.asymmetry`` [-1, 1]."""

    code = d.K_BOOK_SLOPE
    outputs = ("mean", "asymmetry")


class _Halflife(_OneInstrument, frozen=True, kw_only=True):
    halflife_ns: int

    def _positive(self) -> list[tuple[str, object, int]]:
        return [("halflife_ns", self.halflife_ns, 1)]

    def params(self, alias_index: dict[str, int]) -> list[float]:
        return [float(self.halflife_ns)]


class TradeFlowImbalance(_Halflife, frozen=True, kw_only=True, tag="trade_flow_imbalance"):
    """Signed / total traded base quantity, exponentially weighted in event time, in [-1, 1]."""

    code = d.K_TRADE_FLOW
    needs_book = False

    def state_size(self) -> int:
        return 2


class VwapDeviation(_Halflife, frozen=True, kw_only=True, tag="vwap_deviation"):
    """(mid − VWAP) / VWAP in bps; VWAP exponentially weighted in event time."""

    code = d.K_VWAP_DEVIATION
    needs_book = False

    def state_size(self) -> int:
        return 2


class TradeIntensity(_Halflife, frozen=True, kw_only=True, tag="trade_intensity"):
    """Trades per second, an exponentially weighted count in event time."""

    code = d.K_TRADE_INTENSITY
    needs_book = False

    def state_size(self) -> int:
        return 1


class EwmaVol(_Halflife, frozen=True, kw_only=True, tag="ewma_vol"):
    """Exponentially weighted realized volatility of the mid, bps per square-root second."""

    code = d.K_EWMA_VOL

    def state_size(self) -> int:
        return 2


class RealizedVol(_OneInstrument, frozen=True, kw_only=True, tag="realized_vol"):
    """sqrt(Σ r²) of mid log returns on a grid of ``bucket_ns`` over the last ``buckets`` buckets, bps."""

    code = d.K_REALIZED_VOL
    bucket_ns: int
    buckets: int

    def _positive(self) -> list[tuple[str, object, int]]:
        return [("bucket_ns", self.bucket_ns, 1), ("buckets", self.buckets, 2)]

    def params(self, alias_index: dict[str, int]) -> list[float]:
        return [float(self.bucket_ns), float(self.buckets)]

    def state_size(self) -> int:
        return RV_STATE + self.buckets


class RangeVol(_OneInstrument, frozen=True, kw_only=True, tag="range_vol"):
    """Range estimators on ``bar_ns`` mid bars over ``bars`` bars: ``.parkinson``, ``.garman_klass`` (bps/bar)."""

    code = d.K_RANGE_VOL
    outputs = ("parkinson", "garman_klass")
    bar_ns: int
    bars: int

    def _positive(self) -> list[tuple[str, object, int]]:
        return [("bar_ns", self.bar_ns, 1), ("bars", self.bars, 1)]

    def params(self, alias_index: dict[str, int]) -> list[float]:
        return [float(self.bar_ns), float(self.bars)]

    def state_size(self) -> int:
        return RANGE_STATE + 2 * self.bars


class _Pair(FeatureDecl, frozen=True, kw_only=True):
    a: str
    b: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.a == self.b:
            raise ConfigError(f"feature {self.name!r} ({self.kind_name()}): a and b are both {self.a!r}")

    def instrument_aliases(self) -> tuple[str, ...]:
        return (self.a, self.b)


class Basis(_Pair, frozen=True, kw_only=True, tag="basis"):
    """(mid_b − mid_a) / mid_a: ``.bps``, and the ratio mid_b / mid_a: ``.ratio``."""

    code = d.K_BASIS
    outputs = ("bps", "ratio")


class LeadLag(_Pair, frozen=True, kw_only=True, tag="lead_lag"):
    """Log return of a minus that of b over ``lag_buckets`` grid buckets of ``bucket_ns``, in bps."""

    code = d.K_LEAD_LAG
    bucket_ns: int
    lag_buckets: int

    def _positive(self) -> list[tuple[str, object, int]]:
        return [("bucket_ns", self.bucket_ns, 1), ("lag_buckets", self.lag_buckets, 1)]

    def params(self, alias_index: dict[str, int]) -> list[float]:
        return [float(self.bucket_ns), float(self.lag_buckets)]

    def state_size(self) -> int:
        return 5 + 2 * self.lag_buckets


class EwmaCovariance(FeatureDecl, frozen=True, kw_only=True, tag="ewma_covariance"):
    """EWMA covariance of grid log returns: ``.var_<x>``, ``.cov_<x>_<y>`` (bps² per bucket), ``.corr_<x>_<y>``."""

    code = d.K_EWMA_COVARIANCE
    instruments: tuple[str, ...]
    bucket_ns: int
    halflife_ns: int

    MAX_INSTRUMENTS: ClassVar[int] = 16

    def __post_init__(self) -> None:
        super().__post_init__()
        k = len(self.instruments)
        if not 2 <= k <= self.MAX_INSTRUMENTS or len(set(self.instruments)) != k:
            raise ConfigError(f"feature {self.name!r} (ewma_covariance): instruments {list(self.instruments)} must be "
                              f"2..{self.MAX_INSTRUMENTS} distinct aliases")

    def _positive(self) -> list[tuple[str, object, int]]:
        return [("bucket_ns", self.bucket_ns, 1), ("halflife_ns", self.halflife_ns, 1)]

    def output_names(self) -> tuple[str, ...]:
        xs = self.instruments
        pairs = [(x, y) for i, x in enumerate(xs) for y in xs[i + 1:]]
        return (tuple(f"{self.name}.var_{x}" for x in xs) + tuple(f"{self.name}.cov_{x}_{y}" for x, y in pairs)
                + tuple(f"{self.name}.corr_{x}_{y}" for x, y in pairs))

    def instrument_aliases(self) -> tuple[str, ...]:
        return self.instruments

    def params(self, alias_index: dict[str, int]) -> list[float]:
        return ([float(self.bucket_ns), float(self.halflife_ns), float(len(self.instruments))]
                + [float(alias_index[x]) for x in self.instruments])

    def state_size(self) -> int:
        k = len(self.instruments)
        return 2 + 2 * k + k * k


class EwmaZScore(FeatureDecl, frozen=True, kw_only=True, tag="ewma_zscore"):
    """Event-time EWMA z-score of the ``source`` output: ``.z`` and ``.dev`` (x − mean, source units)."""

    code = d.K_EWMA_ZSCORE
    outputs = ("z", "dev")
    needs_book = False
    source: str
    halflife_ns: int

    def _positive(self) -> list[tuple[str, object, int]]:
        return [("halflife_ns", self.halflife_ns, 1)]

    def source_name(self) -> str | None:
        return self.source

    def params(self, alias_index: dict[str, int]) -> list[float]:
        return [float(self.halflife_ns)]

    def state_size(self) -> int:
        return 2


class RollingZScore(FeatureDecl, frozen=True, kw_only=True, tag="rolling_zscore"):
    """Z-score of the ``source`` output against its last ``buckets`` closes on a grid of ``bucket_ns``."""

    code = d.K_ROLLING_ZSCORE
    needs_book = False
    source: str
    bucket_ns: int
    buckets: int

    def _positive(self) -> list[tuple[str, object, int]]:
        return [("bucket_ns", self.bucket_ns, 1), ("buckets", self.buckets, 2)]

    def source_name(self) -> str | None:
        return self.source

    def params(self, alias_index: dict[str, int]) -> list[float]:
        return [float(self.bucket_ns), float(self.buckets)]

    def state_size(self) -> int:
        return ROLLING_STATE + self.buckets


AnyFeature = (ImbalanceL1 | ImbalanceTopN | Microprice | Spread | BookSlope | TradeFlowImbalance | VwapDeviation
              | TradeIntensity | EwmaVol | RealizedVol | RangeVol | Basis | LeadLag | EwmaCovariance | EwmaZScore
              | RollingZScore)
"""Every declaration kind (a tagged union: ``kind = "spread"`` in TOML)."""
