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


@pytest.mark.parametrize("folder", [f for f in FOLDERS if f != "pairs_daily"])
def test_shared_folder_validates_with_a_report_queries_and_replays(folder: str, tmp_path) -> None:
    """The issue's bar for every shared tick set: ingest → validate (report file) → query → replay."""
    import numpy as np

    from arbkit.book.replay_kernel import replay_book
    from arbkit.data.events import DELTA
    from arbkit.data.quality import QualityPolicy, validate, write_report
    from arbkit.data.quality.policy import Action

    path = SHARED_REAL / folder
    if not path.is_dir():
        pytest.skip(f"shared real data folder {folder} is not present")
    store = TickStore(tmp_path / "store")
    store.ingest(sorted(p for p in path.iterdir() if p.is_file()))
    flag_only = QualityPolicy(**{name: Action.FLAG for name in QualityPolicy.__struct_fields__})
    tick_instruments = [row.instrument_id for row in store.info()
                        if store.query(f"SELECT count(*) AS n FROM ticks_raw WHERE instrument_id = "
                                       f"'{row.instrument_id}'").column("n")[0].as_py() > 0]
    reports = []
    for instrument_id in tick_instruments:
        frame = store.frame(instrument_id)
        _, report = validate(frame, flag_only)
        assert report.rows_in == frame.table.num_rows and report.checks
        reports.append(report)
    if reports:
        written = write_report(reports, tmp_path / "quality.json")
        assert written.stat().st_size > 0
    for instrument_id in tick_instruments:
        first, last = store.query(f"SELECT min(ts_recv) AS a, max(ts_recv) AS b FROM ticks_raw "
                                  f"WHERE instrument_id = '{instrument_id}'").to_pylist()[0].values()
        minute = store.ticks(instrument_id=instrument_id, start_ns=first, end_ns=min(last + 1, first + 60_000_000_000))
        assert minute.num_rows > 0
        table = store.replay([instrument_id])
        assert len(table) == store.frame(instrument_id).table.num_rows
        if np.any(table["kind"] == DELTA):
            rows, best_bid, best_ask, _ = replay_book(table)
            assert rows > 0 and len(best_bid) > 0
