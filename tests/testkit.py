"""Shared builders and fixtures for the test suite: where the real data is, and small constructors."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.core.instruments import InstrumentRegistry

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "src" / "arbkit" / "sample_data"
SHARED_REAL = REPO_ROOT.parent / "shared" / "data" / "real"
BINANCE_0808 = SHARED_REAL / "binance_spot_usdm_coinm_2024-08-08"

SPOT_BTC = "BTCUSDT.BINANCE_SPOT"
USDM_BTC = "BTCUSDT.BINANCE_USDM"
COINM_BTC = "BTCUSD_PERP.BINANCE_COINM"


def sample_file(name: str) -> Path:
    """A file of the shipped sample (always present)."""
    return SAMPLE_DIR / name


def shared_file(folder: str, name: str) -> Path:
    """A file of the shared real-data set; skips the test with a reason when it is absent."""
    path = SHARED_REAL / folder / name
    if not path.exists():
        pytest.skip(f"shared real data not present at {path} (only the shipped sample is); run from a checkout "
                    "with the shared data folder beside it")
    return path


def registry() -> InstrumentRegistry:
    """The Binance instrument registry."""
    return binance_registry()
