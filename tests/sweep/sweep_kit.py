"""Shared builders for the sweep tests: a short real-data config and a small grid with failing points."""

from __future__ import annotations

from typing import Any

import msgspec

SHORT_END = "2024-08-08T23:55:15Z"
"""The first ~61 s of the shipped BTC spot + USDⓈ-M sample: a point runs in about a second."""

SMALL_GRID = ["strategy.entry_z=1.5,2.5", "model.min_abs_z=1,99"]
"""Four points; ``model.min_abs_z = 99`` leaves no labelled class to fit, so two of them fail."""


def short_config(end: str = SHORT_END) -> Any:
    """The embedded default config on the shipped sample up to ``end`` (``[data] end``)."""
    from arbkit.backtest.config import load_config

    config = load_config()
    return msgspec.structs.replace(config, data=msgspec.structs.replace(config.data, end=end))


def short_config_toml(end: str = SHORT_END) -> str:
    """The embedded default TOML with ``end`` added to its ``[data]`` table (for the CLI)."""
    from arbkit.backtest.config import DEFAULT_CONFIG

    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    return text.replace("[data]\n", f'[data]\nend = "{end}"\n', 1)
