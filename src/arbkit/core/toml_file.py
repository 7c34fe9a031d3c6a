"""Read a TOML configuration file with exact decimals, turning every failure into a ConfigError."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from arbkit.core.errors import ConfigError


def read_toml(path: str | Path, what: str = "config") -> dict[str, Any]:
    """Parse ``path``; floats become :class:`~decimal.Decimal` (read from their text, never via binary floats).

    Raises:
        ConfigError: ``cannot read <what> ...`` if the file cannot be read, ``<path>: not valid TOML``
            if it does not parse.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {str(path)!r}: {exc}") from None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({what}): {exc}") from None
