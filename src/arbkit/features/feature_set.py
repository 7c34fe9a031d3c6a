"""A feature set declared once (code or TOML), hashed, versioned, and compiled for streaming and batch use.

>>> fs = FeatureSet(name="demo", instruments={"spot": "BTCUSDT.BINANCE_SPOT", "perp": "BTCUSDT.BINANCE_USDM"},
...                 features=(Basis(name="basis", a="spot", b="perp"),
...                           EwmaZScore(name="basis_z", source="basis.bps", halflife_ns=10_000_000_000)))
>>> fs.names
('basis.bps', 'basis.ratio', 'basis_z.z', 'basis_z.dev')
>>> len(fs.digest())
16

A model stores :meth:`FeatureSet.digest` when it is trained and refuses to run against another
digest (see :class:`arbkit.models.logistic.LogisticModel.check_features`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import msgspec

from arbkit.core.errors import ConfigError
from arbkit.core.toml_file import read_toml
from arbkit.features.declarations import AnyFeature, Basis, EwmaZScore  # noqa: F401  (doctest names)

KERNEL_VERSION = 1
"""Bumped whenever a kernel would compute different numbers for the same declaration (changes every digest)."""
NS_PER_S = 1_000_000_000
MAX_INSTRUMENTS = 62
"""Instruments per set (one bit each in a 64-bit mask)."""


class FeatureSet(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One declaration of the features a model consumes.

    Attributes:
        name: what the set is for.
        version: bumped by its author on any change of meaning (part of the digest).
        instruments: alias → instrument id; features refer to instruments by alias.
        features: declarations, evaluated in this order (a z-score's source must come earlier).
        book_levels: levels per side used by top-N imbalance and book slope.
        max_gap_ns: a feature whose previous update is older than this (event time, ns) is reset
            and warms up again.
    """

    name: str
    instruments: dict[str, str]
    features: tuple[AnyFeature, ...]
    version: int = 1
    book_levels: int = 5
    max_gap_ns: int = 60 * NS_PER_S

    def __post_init__(self) -> None:
        where = f"feature set {self.name!r}"
        if not self.features:
            raise ConfigError(f"{where}: no features declared")
        if not 1 <= len(self.instruments) <= MAX_INSTRUMENTS:
            raise ConfigError(f"{where}: {len(self.instruments)} instruments, allowed 1..{MAX_INSTRUMENTS}")
        for alias in self.instruments:
            if not alias.isidentifier():
                raise ConfigError(f"{where}: instrument alias {alias!r} must be an identifier")
        if not 1 <= self.book_levels <= 50:
            raise ConfigError(f"{where}: book_levels {self.book_levels} must be in 1..50")
        if self.max_gap_ns <= 0:
            raise ConfigError(f"{where}: max_gap_ns {self.max_gap_ns} must be > 0")
        seen_names: set[str] = set()
        outputs: set[str] = set()
        for feature in self.features:
            if feature.name in seen_names:
                raise ConfigError(f"{where}: feature name {feature.name!r} declared twice")
            seen_names.add(feature.name)
            for alias in feature.instrument_aliases():
                if alias not in self.instruments:
                    raise ConfigError(f"{where}: feature {feature.name!r} reads instrument alias {alias!r}; "
                                      f"declared: {', '.join(self.instruments)}")
            source = feature.source_name()
            if source is not None and source not in outputs:
                raise ConfigError(f"{where}: feature {feature.name!r} reads {source!r}, which is not an output of "
                                  f"an earlier feature; earlier outputs: {', '.join(sorted(outputs)) or 'none'}")
            outputs.update(feature.output_names())

    # -- identity -------------------------------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Every output name, in column order."""
        return tuple(name for feature in self.features for name in feature.output_names())

    def digest(self) -> str:
        """Stable hash of the declaration and the kernel version (16 hex digits)."""
        payload = msgspec.json.encode({"set": self, "kernel_version": KERNEL_VERSION})
        return hashlib.sha256(payload).hexdigest()[:16]

    def index(self, output_name: str) -> int:
        """Column of an output name; raises ConfigError naming the known outputs."""
        try:
            return self.names.index(output_name)
        except ValueError:
            raise ConfigError(f"feature set {self.name!r} has no output {output_name!r}; outputs: "
                              f"{', '.join(self.names)}") from None

    # -- loading --------------------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "feature set") -> "FeatureSet":
        """Build from plain data (TOML tables); errors name the offending field."""
        try:
            return msgspec.convert(data, cls)
        except msgspec.ValidationError as exc:
            raise ConfigError(f"{where}: {exc}") from None

    @classmethod
    def from_toml(cls, path: str | Path) -> "FeatureSet":
        """Load a set from TOML (top-level keys are the fields; ``[[features]]`` tables with ``kind``)."""
        return cls.from_dict(read_toml(path), where=str(path))

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` turns back into an equal set."""
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]
