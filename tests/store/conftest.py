"""Fixtures of the tick-store tests: one store holding the shipped sample, built once per session."""

from __future__ import annotations

import pytest

from arbkit.adapters.binance.fast_ingest import ingest_binance_file
from arbkit.data.store import TickStore
from testkit import SPOT_BTC, USDM_BTC, registry, sample_file

from store_helpers import SAMPLE_SPOT, SAMPLE_USDM


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[TickStore, list]:
    """A store with both shipped sample files ingested, and the ingest records."""
    store = TickStore(tmp_path_factory.mktemp("store") / "store")
    records = store.ingest([sample_file(SAMPLE_SPOT), sample_file(SAMPLE_USDM)])
    return store, records


@pytest.fixture(scope="session")
def sample_events() -> dict:
    """Instrument id → the EventTable the compiled Binance ingest produces for its sample file."""
    return {SPOT_BTC: ingest_binance_file(sample_file(SAMPLE_SPOT), registry()).table,
            USDM_BTC: ingest_binance_file(sample_file(SAMPLE_USDM), registry()).table}
