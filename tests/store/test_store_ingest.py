"""Ingesting the shipped Binance sample: partitions, row counts, metadata, idempotency, replacement, bad input."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from arbkit.core.errors import MalformedMessageError
from arbkit.data.sources import UnknownSourceError, reader_for
from arbkit.data.store import INGEST_VERSION, TickStore
from store_helpers import SAMPLE_SPOT, SAMPLE_USDM, parquet_files
from testkit import SPOT_BTC, USDM_BTC, sample_file


def test_sample_ingest_writes_one_file_per_instrument_and_utc_date(sample_store) -> None:
    store, records = sample_store
    assert [r.status for r in records] == ["ingested", "ingested"]
    relative = sorted(p.relative_to(store.root).as_posix() for p in parquet_files(store.root))
    assert relative == [
        f"ticks/venue=BINANCE_SPOT/instrument={SPOT_BTC}/date=2024-08-08/binance_spot_btcusdt_20240808-5d263f4c.parquet",
        f"ticks/venue=BINANCE_SPOT/instrument={SPOT_BTC}/date=2024-08-09/binance_spot_btcusdt_20240808-5d263f4c.parquet",
        f"ticks/venue=BINANCE_USDM/instrument={USDM_BTC}/date=2024-08-08/binance_usdm_btcusdt_20240808-0ad7b3a0.parquet",
        f"ticks/venue=BINANCE_USDM/instrument={USDM_BTC}/date=2024-08-09/binance_usdm_btcusdt_20240808-0ad7b3a0.parquet",
    ]


def test_stored_rows_equal_the_event_table_rows(sample_store, sample_events) -> None:
    store, records = sample_store
    by_source = {r.source: r for r in records}
    assert by_source[SAMPLE_SPOT].rows == len(sample_events[SPOT_BTC])
    assert by_source[SAMPLE_USDM].rows == len(sample_events[USDM_BTC])
    for info in store.info():
        assert info.rows == len(sample_events[info.instrument_id])
    counts = store.query("SELECT instrument_id, count(*) AS n FROM ticks GROUP BY 1 ORDER BY 1").to_pydict()
    assert counts == {"instrument_id": [SPOT_BTC, USDM_BTC],
                      "n": [len(sample_events[SPOT_BTC]), len(sample_events[USDM_BTC])]}


def _files_of(store: TickStore, instrument_id: str) -> list[str]:
    return store.query(f"SELECT path FROM files WHERE instrument_id = '{instrument_id}' ORDER BY date").column(0).to_pylist()


def test_stored_rows_keep_source_order_and_date_split_by_ts_event(sample_store, sample_events) -> None:
    store, _ = sample_store
    for instrument_id, events in sample_events.items():
        table = pq.read_table([store.root / p for p in _files_of(store, instrument_id)], partitioning=None)
        for column in ("ts_recv", "ts_event", "price", "size", "update_id"):
            np.testing.assert_array_equal(table.column(column).to_numpy(), events[column])
        np.testing.assert_array_equal(table.column("flags").to_numpy(), events["flags"].astype(np.uint16))


def test_parquet_metadata_has_source_sha256_version_instrument_and_clock_offset(sample_store) -> None:
    store, _ = sample_store
    expected_sha = hashlib.sha256(sample_file(SAMPLE_SPOT).read_bytes()).hexdigest()
    path = store.root / _files_of(store, SPOT_BTC)[0]
    meta = {k.decode(): v.decode() for k, v in pq.read_schema(path).metadata.items()}
    assert meta["arbkit.source"] == SAMPLE_SPOT
    assert meta["arbkit.sha256"] == expected_sha
    assert meta["arbkit.ingest_version"] == str(INGEST_VERSION)
    assert '"tick_size":"0.01"' in meta["arbkit.instrument"] and '"kind":"spot"' in meta["arbkit.instrument"]
    assert int(meta["arbkit.rows"]) == pq.ParquetFile(path).metadata.num_rows
    assert -1.30e9 <= int(meta["arbkit.clock_offset_ns"]) <= -1.24e9
    for info in store.info():
        assert -1.30e9 <= info.clock_offset_ns <= -1.24e9


def test_reingesting_the_same_file_writes_nothing(sample_store) -> None:
    store, _ = sample_store
    before = {p: p.stat().st_mtime_ns for p in parquet_files(store.root)}
    again = store.ingest([sample_file(SAMPLE_SPOT), sample_file(SAMPLE_USDM)])
    assert [r.status for r in again] == ["already ingested", "already ingested"]
    assert all("already in the store" in r.message for r in again)
    assert {p: p.stat().st_mtime_ns for p in parquet_files(store.root)} == before


def _shortened_copy(source: Path, target: Path, keep_fraction: float) -> None:
    """A valid recording with the same name and fewer lines (different bytes)."""
    lines = gzip.decompress(source.read_bytes()).splitlines(keepends=True)
    target.write_bytes(gzip.compress(b"".join(lines[: int(len(lines) * keep_fraction)])))


def test_changed_file_with_the_same_name_replaces_its_partitions(tmp_path: Path) -> None:
    store = TickStore(tmp_path / "store")
    original = tmp_path / "in" / SAMPLE_SPOT
    original.parent.mkdir()
    shutil.copy(sample_file(SAMPLE_SPOT), original)
    first = store.ingest([original])[0]
    old_files = parquet_files(store.root)
    _shortened_copy(sample_file(SAMPLE_SPOT), original, 0.5)
    second = store.ingest([original])[0]
    assert (first.status, second.status) == ("ingested", "replaced")
    assert 0 < second.rows < first.rows
    new_files = parquet_files(store.root)
    assert not set(old_files) & set(new_files)  # old sha8 files deleted
    assert all(second.sha256[:8] in p.name for p in new_files)
    assert store.info()[0].rows == second.rows
    assert store.query("SELECT count(*) FROM sources").column(0).to_pylist() == [1]


def test_unknown_file_name_is_rejected_naming_the_known_patterns(tmp_path: Path) -> None:
    with pytest.raises(UnknownSourceError, match=r"(?s)notes\.txt: no reader.*binance-collector.*lean-fx-quotes"):
        reader_for(tmp_path / "notes.txt")


def test_truncated_file_raises_malformed_message_and_leaves_no_file(tmp_path: Path) -> None:
    truncated = tmp_path / SAMPLE_SPOT
    data = sample_file(SAMPLE_SPOT).read_bytes()
    truncated.write_bytes(data[: len(data) * 2 // 3])
    store = TickStore(tmp_path / "store")
    with pytest.raises(MalformedMessageError, match=SAMPLE_SPOT):
        store.ingest([truncated])
    assert parquet_files(store.root) == []
    assert store.info() == []


def test_pairs_daily_file_is_skipped_with_a_reason(tmp_path: Path) -> None:
    daily = tmp_path / "arbitragelab_XLF-XLK.csv"
    daily.write_text("Date,XLF,XLK\n2020-01-02,30.1,92.3\n")
    record = TickStore(tmp_path / "store").ingest([daily])[0]
    assert record.status == "skipped" and "not ticks" in record.message
