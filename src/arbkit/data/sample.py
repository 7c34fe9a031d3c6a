"""Where the shipped sample of real market data lives (inside the installed package)."""

from __future__ import annotations

from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"

SAMPLE_SPOT_BTC = "binance_spot_btcusdt_20240808.gz"
SAMPLE_USDM_BTC = "binance_usdm_btcusdt_20240808.gz"


def sample_path(name: str) -> Path:
    """Path of a shipped sample file; raises FileNotFoundError naming what is shipped."""
    path = SAMPLE_DIR / name
    if not path.exists():
        shipped = ", ".join(sorted(p.name for p in SAMPLE_DIR.glob("*.gz")))
        raise FileNotFoundError(f"{name} is not in the shipped sample ({SAMPLE_DIR}); shipped: {shipped}")
    return path
