"""Constants and helpers of the tick-store tests (a module with a unique name, importable from each test file)."""

from __future__ import annotations

from pathlib import Path

SAMPLE_SPOT = "binance_spot_btcusdt_20240808.gz"
SAMPLE_USDM = "binance_usdm_btcusdt_20240808.gz"


def parquet_files(root: Path) -> list[Path]:
    """Every Parquet file (and temporary) under ``root``."""
    return sorted(p for p in root.rglob("*") if p.is_file() and (p.suffix == ".parquet" or p.name.endswith(".tmp")))
