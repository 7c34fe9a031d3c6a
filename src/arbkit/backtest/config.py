"""Backtest configuration: one TOML file, validated into frozen typed sections.

``arbkit backtest CONFIG.toml`` reads it; ``arbkit demo`` uses the embedded ``default.toml``. Every
section rejects unknown keys, so a typo is an error naming the key, not a silently ignored setting.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from arbkit.lifecycle.demo_config import LifecycleDemoConfig
from arbkit.core.errors import ConfigError
from arbkit.core.toml_file import read_toml
from arbkit.data.window import parse_time_ns
from arbkit.features.basis import BasisFeatureSpec
from arbkit.risk.config import RiskConfig
from arbkit.scripts.basis_arb import BasisArbConfig
from arbkit.sim.config import SimVenueConfig, sim_config_from_dict

DEFAULT_CONFIG = Path(__file__).with_name("default.toml")


class DataConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Recorded files and the time window of them to run.

    Attributes:
        streams: each inner list is one instrument's files in chain order (empty: the shipped sample).
        start / end: the window, by local receive time: ISO-8601 UTC text (``"2024-08-08T00:03:00Z"``) or
            int ns since the epoch; ``""`` leaves that side open. The books' state at ``start`` is carried
            in (:func:`arbkit.data.window.window_timeline`); ``end`` is exclusive.
    """

    streams: list[list[str]] = msgspec.field(default_factory=list)
    start: str | int = ""
    end: str | int = ""

    def __post_init__(self) -> None:
        start, end = self.range_ns()
        if start is not None and end is not None and end <= start:
            raise ConfigError(f"data range is empty: end {self.end!r} is not after start {self.start!r}")

    def range_ns(self) -> tuple[int | None, int | None]:
        """``(start, end)`` in int ns since the epoch, None where open."""
        return parse_time_ns(self.start, "data.start"), parse_time_ns(self.end, "data.end")


class FeaturesConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Feature set parameters and the decision sampling interval."""

    halflife_ms: int = 60_000
    imbalance_levels: int = 5
    decision_interval_ms: int = 100

    def __post_init__(self) -> None:
        for name in ("halflife_ms", "imbalance_levels", "decision_interval_ms"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"features.{name} {getattr(self, name)} must be > 0")

    def spec(self) -> BasisFeatureSpec:
        """The feature-set declaration these settings describe."""
        return BasisFeatureSpec(halflife_ns=self.halflife_ms * 1_000_000, imbalance_levels=self.imbalance_levels)


class ModelConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Training settings: time split, label definition and regularisation."""

    train_fraction: float = 0.5
    horizon_ms: int = 2_000
    revert_fraction: float = 0.5
    min_abs_z: float = 1.0
    c_regularisation: float = 1.0
    seed: int = 7

    def __post_init__(self) -> None:
        if not 0.05 <= self.train_fraction <= 0.95:
            raise ConfigError(f"model.train_fraction {self.train_fraction} must be within [0.05, 0.95]")
        if self.horizon_ms <= 0:
            raise ConfigError(f"model.horizon_ms {self.horizon_ms} must be > 0")
        if not 0.0 < self.revert_fraction <= 1.0:
            raise ConfigError(f"model.revert_fraction {self.revert_fraction} must be within (0, 1]")
        if not self.c_regularisation > 0.0:
            raise ConfigError(f"model.c_regularisation {self.c_regularisation} must be > 0")
        if self.min_abs_z < 0.0:
            raise ConfigError(f"model.min_abs_z {self.min_abs_z} must be >= 0")


class BacktestConfig(msgspec.Struct, frozen=True, kw_only=True):
    """A whole backtest: data, features, model, strategy, risk limits and venue simulation."""

    name: str
    capital_usd: Decimal
    equity_interval_ms: int
    data: DataConfig
    features: FeaturesConfig
    model: ModelConfig
    strategy: BasisArbConfig
    sim: SimVenueConfig
    risk: RiskConfig
    lifecycle: LifecycleDemoConfig = msgspec.field(default_factory=LifecycleDemoConfig)
    source: str = ""


_SECTIONS = {"name", "capital_usd", "equity_interval_ms", "data", "features", "model", "strategy", "sim", "risk",
             "lifecycle"}


def _section(raw: dict[str, Any], key: str, kind: type, where: str) -> Any:
    try:
        return msgspec.convert(raw.get(key, {}), kind, strict=False)
    except (msgspec.ValidationError, ConfigError) as exc:
        raise ConfigError(f"{where}: [{key}] {exc}") from None


def _sim_section(raw: dict[str, Any], where: str) -> SimVenueConfig:
    """The ``[sim]`` table; errors name the field and the offending value (:func:`sim_config_from_dict`)."""
    try:
        return sim_config_from_dict(raw.get("sim", {}), strict=False)
    except ConfigError as exc:
        raise ConfigError(f"{where}: [sim] {exc}") from None


def parse_config(raw: dict[str, Any], where: str = "config") -> BacktestConfig:
    """Validate a parsed TOML document into a :class:`BacktestConfig`; raises :class:`ConfigError`."""
    unknown = sorted(set(raw) - _SECTIONS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_SECTIONS))})")
    try:
        risk = RiskConfig.from_toml_dict(raw.get("risk", {}))
    except ConfigError as exc:
        raise ConfigError(f"{where}: [risk] {exc}") from None
    try:
        capital = Decimal(str(raw.get("capital_usd", "10000")))
    except ArithmeticError:
        raise ConfigError(f"{where}: capital_usd {raw.get('capital_usd')!r} is not a number") from None
    if not capital.is_finite() or capital <= 0:
        raise ConfigError(f"{where}: capital_usd {capital} must be > 0")
    interval = raw.get("equity_interval_ms", 1000)
    if not isinstance(interval, int) or interval <= 0:
        raise ConfigError(f"{where}: equity_interval_ms {interval!r} must be a positive integer")
    return BacktestConfig(
        name=str(raw.get("name", "backtest")), capital_usd=capital, equity_interval_ms=interval,
        data=_section(raw, "data", DataConfig, where), features=_section(raw, "features", FeaturesConfig, where),
        model=_section(raw, "model", ModelConfig, where), strategy=_section(raw, "strategy", BasisArbConfig, where),
        sim=_sim_section(raw, where), risk=risk, lifecycle=_section(raw, "lifecycle", LifecycleDemoConfig, where),
        source=where,
    )


def load_config(path: str | Path | None = None) -> BacktestConfig:
    """Read a TOML config (the embedded default when ``path`` is None)."""
    path = Path(path) if path is not None else DEFAULT_CONFIG
    config = parse_config(read_toml(path, "config"), where=str(path))
    return _resolve_paths(config, path.parent)


def _resolve_paths(config: BacktestConfig, folder: Path) -> BacktestConfig:
    """Relative data paths are relative to the config file's folder, not the working directory."""
    streams = [[str(p if Path(p).is_absolute() else (folder / p)) for p in group] for group in config.data.streams]
    lifecycle = config.lifecycle
    files = {key: str(folder / value) if value and not Path(value).is_absolute() else value
             for key, value in (("policy", lifecycle.policy), ("roles", lifecycle.roles))}
    return msgspec.structs.replace(config, data=msgspec.structs.replace(config.data, streams=streams),
                                   lifecycle=msgspec.structs.replace(lifecycle, **files))
