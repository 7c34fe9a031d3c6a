"""Dotted config keys: parse ``strategy.entry_z`` or ``risk.instruments."BTCUSDT.BINANCE_SPOT".max_position_qty``,
check that a key names an existing setting, and apply overrides to a :class:`BacktestConfig`.

A key is the setting's path in the TOML file, sections and fields joined by dots; a segment that
contains a dot itself (an instrument id) is written in double quotes, as TOML writes it. Overrides are
applied by re-validating the whole section, so a bad value is a :class:`ConfigError` naming the key
and the value, exactly as the same value in the file would be.

>>> split_key('risk.instruments."BTCUSDT.BINANCE_SPOT".max_position_qty')
('risk', 'instruments', 'BTCUSDT.BINANCE_SPOT', 'max_position_qty')
>>> join_key(('risk', 'instruments', 'BTCUSDT.BINANCE_SPOT', 'max_position_qty'))
'risk.instruments."BTCUSDT.BINANCE_SPOT".max_position_qty'
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec

from arbkit.backtest.config import BacktestConfig
from arbkit.core.errors import ConfigError

_TOP_LEVEL_SCALARS = ("capital_usd", "equity_interval_ms")
"""Top-level settings a sweep may vary (``name`` and ``source`` are labels, not parameters)."""


def split_key(key: str) -> tuple[str, ...]:
    """Segments of a dotted key; raises :class:`ConfigError` for an empty segment or an unclosed quote."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    closed_quote = False
    for ch in key.strip():
        if ch == '"':
            quoted = not quoted
            closed_quote = not quoted
            continue
        if ch == "." and not quoted:
            if not current and not closed_quote:
                raise ConfigError(f"sweep key {key!r} has an empty segment")
            parts.append("".join(current))
            current, closed_quote = [], False
            continue
        current.append(ch)
    if quoted:
        raise ConfigError(f"sweep key {key!r} has an unclosed quote")
    if not current and not closed_quote:
        raise ConfigError(f"sweep key {key!r} has an empty segment")
    parts.append("".join(current))
    return tuple(parts)


def join_key(parts: tuple[str, ...]) -> str:
    """The dotted key of ``parts``, quoting a segment that contains a dot."""
    return ".".join(f'"{p}"' if "." in p else p for p in parts)


def _sections(config: BacktestConfig) -> dict[str, msgspec.Struct]:
    return {f: getattr(config, f) for f in config.__struct_fields__ if isinstance(getattr(config, f), msgspec.Struct)}


def _known(node: Any) -> str:
    return ", ".join(sorted(str(k) for k in node)) if isinstance(node, Mapping) else "none (not a table)"


def check_key(config: BacktestConfig, key: str) -> tuple[str, ...]:
    """The segments of ``key`` if it names a setting of ``config``; else :class:`ConfigError` naming the key.

    A key must end at a value, not a table (``strategy`` alone is refused), and every segment must
    exist in ``config`` (a sweep cannot add an instrument or a venue that the config does not have).
    """
    parts = split_key(key)
    sections = _sections(config)
    head = parts[0]
    if len(parts) == 1:
        if head in _TOP_LEVEL_SCALARS:
            return parts
        raise ConfigError(f"sweep key {key!r} is not a setting (top-level settings: {', '.join(_TOP_LEVEL_SCALARS)};"
                          f" sections: {', '.join(sorted(sections))})")
    if head not in sections:
        raise ConfigError(f"sweep key {key!r}: unknown section {head!r} (sections: {', '.join(sorted(sections))})")
    node: Any = msgspec.to_builtins(sections[head])
    for depth, part in enumerate(parts[1:], start=1):
        if not isinstance(node, Mapping) or part not in node:
            where = join_key(parts[:depth])
            raise ConfigError(f"sweep key {key!r}: {where} has no key {part!r} (known: {_known(node)})")
        node = node[part]
    if isinstance(node, Mapping):
        raise ConfigError(f"sweep key {key!r} names a table, not a value (its keys: {_known(node)})")
    return parts


def _set(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = tree
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _top_level(config: BacktestConfig, name: str, value: Any) -> BacktestConfig:
    if name == "capital_usd":
        try:
            capital = Decimal(str(value))
        except ArithmeticError:
            raise ConfigError(f"capital_usd {value!r} is not a number") from None
        if not capital.is_finite() or capital <= 0:
            raise ConfigError(f"capital_usd {capital} must be > 0")
        return msgspec.structs.replace(config, capital_usd=capital)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"equity_interval_ms {value!r} must be a positive integer")
    return msgspec.structs.replace(config, equity_interval_ms=value)


def apply_overrides(config: BacktestConfig, overrides: Mapping[str, Any]) -> BacktestConfig:
    """``config`` with each dotted key set to its value, every touched section re-validated.

    Raises:
        ConfigError: an unknown key, or a value the section refuses (the message names the key).
    """
    grouped: dict[str, list[tuple[tuple[str, ...], str, Any]]] = {}
    for key, value in overrides.items():
        parts = check_key(config, key)
        if len(parts) == 1:
            config = _top_level(config, parts[0], value)
        else:
            grouped.setdefault(parts[0], []).append((parts[1:], key, value))
    changes: dict[str, msgspec.Struct] = {}
    for name, edits in grouped.items():
        section = getattr(config, name)
        tree = msgspec.to_builtins(section)
        for path, _, value in edits:
            _set(tree, path, value)
        try:
            changes[name] = msgspec.convert(tree, type(section), strict=False)
        except (msgspec.ValidationError, ConfigError) as exc:
            keys = ", ".join(f"{key}={value!r}" for _, key, value in edits)
            raise ConfigError(f"sweep override {keys}: [{name}] {exc}") from None
    return msgspec.structs.replace(config, **changes) if changes else config
