"""The sweep spec: a grid of dotted config keys to value lists, from a TOML file or ``KEY=V1,V2`` options.

A TOML spec file has a ``[sweep]`` table; its ``grid`` maps keys to lists, written flat or nested::

    [sweep]
    name = "entry-exit"
    [sweep.grid]
    "strategy.entry_z" = [1.5, 2.0, 2.5]
    "strategy.exit_z" = [0.25, 0.5]

The grid's points are the Cartesian product of the lists, in the order the keys were given, the last
key varying fastest:

>>> spec = parse_grid_options(["strategy.entry_z=1.5,2", "model.seed=7,8,9"])
>>> spec.size
6
>>> spec.points()[:2]
[{'strategy.entry_z': 1.5, 'model.seed': 7}, {'strategy.entry_z': 1.5, 'model.seed': 8}]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from arbkit.backtest.config import BacktestConfig
from arbkit.core.errors import ConfigError
from arbkit.core.toml_file import read_toml
from arbkit.sweep.keys import check_key, join_key, split_key

MAX_POINTS = 100_000
"""Largest grid a spec may describe: a typo such as one list of 10^6 values fails fast."""


class SweepSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A named grid: ``grid`` maps a dotted key (see :mod:`arbkit.sweep.keys`) to the values it takes."""

    grid: dict[str, list[Any]]
    name: str = "sweep"

    def __post_init__(self) -> None:
        if not self.grid:
            raise ConfigError("sweep grid is empty: give at least one KEY = [values]")
        for key, values in self.grid.items():
            split_key(key)
            if not isinstance(values, list):
                raise ConfigError(f"sweep key {key!r}: values must be a list, got {values!r}")
            if not values:
                raise ConfigError(f"sweep key {key!r} has an empty list of values")
        if self.size > MAX_POINTS:
            raise ConfigError(f"sweep grid has {self.size} points, above the limit {MAX_POINTS}")

    @property
    def size(self) -> int:
        """Number of points: the product of the list lengths."""
        return math.prod(len(v) for v in self.grid.values())

    def points(self) -> list[dict[str, Any]]:
        """Every point as ``{key: value}``, the last key varying fastest."""
        keys = list(self.grid)
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*self.grid.values())]

    def validate(self, config: BacktestConfig) -> SweepSpec:
        """Check every key names a setting of ``config``; raises :class:`ConfigError` naming the first bad key."""
        for key in self.grid:
            check_key(config, key)
        return self


def _flatten(table: Mapping[str, Any], prefix: tuple[str, ...], out: dict[str, list[Any]]) -> None:
    """A table name is one segment (TOML already unquoted it); a value's name may be a whole dotted key."""
    for name, value in table.items():
        if isinstance(value, Mapping):
            _flatten(value, prefix + (name,), out)
        else:
            out[join_key(prefix + split_key(name))] = value


def spec_from_dict(raw: Mapping[str, Any], where: str = "sweep spec") -> SweepSpec:
    """A :class:`SweepSpec` from a parsed TOML document with a ``[sweep]`` table."""
    table = raw.get("sweep")
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: no [sweep] table")
    unknown = sorted(set(table) - {"name", "grid"})
    if unknown:
        raise ConfigError(f"{where}: [sweep] unknown key {unknown[0]!r} (allowed: grid, name)")
    grid_table = table.get("grid", {})
    if not isinstance(grid_table, Mapping):
        raise ConfigError(f"{where}: [sweep] grid must be a table of KEY = [values], got {grid_table!r}")
    grid: dict[str, list[Any]] = {}
    _flatten(grid_table, (), grid)
    try:
        return SweepSpec(grid=grid, name=str(table.get("name", "sweep")))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_spec(path: str | Path) -> SweepSpec:
    """Read a sweep spec file (a ``[sweep]`` table, see the module docstring)."""
    return spec_from_dict(read_toml(Path(path), "sweep spec"), where=str(path))


def parse_value(text: str) -> Any:
    """One CLI value: an int, a float, ``true``/``false``, else the text itself (a Decimal field takes text).

    >>> [parse_value(t) for t in ("2", "2.5", "true", "0.01", "BTCUSDT.BINANCE_SPOT")]
    [2, 2.5, True, 0.01, 'BTCUSDT.BINANCE_SPOT']
    """
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    for kind in (int, float):
        try:
            return kind(t)
        except ValueError:
            continue
    return t


def parse_grid_options(options: Iterable[str], name: str = "sweep") -> SweepSpec:
    """A spec from ``KEY=V1,V2,...`` options (``--grid strategy.entry_z=1.5,2,2.5``)."""
    grid: dict[str, list[Any]] = {}
    for option in options:
        key, sep, values = option.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"grid option {option!r} must be KEY=V1,V2,...")
        key = join_key(split_key(key.strip()))
        if key in grid:
            raise ConfigError(f"grid option {option!r}: key {key!r} given twice")
        grid[key] = [parse_value(v) for v in values.split(",") if v.strip()]
    return SweepSpec(grid=grid, name=name)


def merge_specs(specs: Sequence[SweepSpec]) -> SweepSpec:
    """One spec of all grids (a file and CLI options); a key in two of them is a :class:`ConfigError`."""
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        for key, values in spec.grid.items():
            if key in grid:
                raise ConfigError(f"sweep key {key!r} is given twice")
            grid[key] = values
    return SweepSpec(grid=grid, name=specs[0].name if specs else "sweep")
