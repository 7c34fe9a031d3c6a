"""Every shared real-data folder ingests into a store and ``info()`` lists its instruments."""

from __future__ import annotations

import pytest

from arbkit.data.store import TickStore
from testkit import SHARED_REAL

FOLDERS = ("binance_spot_usdm_coinm_2024-08-08", "binance_usdm_btc_eth_2024-07-18", "cme_es_futures_databento",
           "crypto_btc_minute_multi_venue_2022-12-13", "exchange_format_samples", "fx_eurusd_fxcm_vs_oanda_tick_2014-05",
           "pairs_daily", "us_equity_tick_multi_exchange_2013-10-08")


@pytest.mark.parametrize("folder", FOLDERS)
def test_shared_folder_ingests_and_info_lists_its_instruments(folder: str, tmp_path) -> None:
    path = SHARED_REAL / folder
    if not path.is_dir():
        pytest.skip(f"shared real data folder {folder} is not present")
    files = sorted(p for p in path.iterdir() if p.is_file())
    store = TickStore(tmp_path / "store")
    records = store.ingest(files)
    assert {r.status for r in records} <= {"ingested", "skipped"}
    stored = {i for r in records if r.status == "ingested" for i in r.instruments}
    info = {i.instrument_id: i for i in store.info()}
    assert set(info) == stored
    for record in records:
        if record.status == "ingested":
            assert record.rows > 0 and record.files
    if folder == "pairs_daily":
        assert stored == set() and all(r.status == "skipped" for r in records)
    else:
        assert stored
        assert sum(i.rows for i in info.values()) == sum(r.rows for r in records)
