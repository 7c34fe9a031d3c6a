"""The compiled ingest gives exactly the validating reader's event table, and steps aside on anything unusual."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from arbkit.adapters.binance.fast_ingest import ingest_binance_file
from arbkit.adapters.binance.reader import BinanceRecording, read_recordings
from arbkit.core.errors import MalformedMessageError, MissingSnapshotError
from arbkit.data.events import COLUMNS, EventTable
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC
from testkit import BINANCE_0808, SHARED_REAL, registry, sample_file, shared_file

STAT_FIELDS = ("lines", "snapshots", "diffs", "diffs_applied", "diffs_dropped_stale", "bbo", "trades", "gaps",
               "recv_time_regressions", "first_ts_recv", "last_ts_recv")

SHARED_0808 = [f"binance_{m}_20240808.gz" for m in ("spot_btcusdt", "spot_ethusdt", "usdm_btcusdt", "usdm_ethusdt",
                                                    "coinm_btcusd_perp", "coinm_ethusd_perp")]
CHAINS = [  # (folder, predecessor, continuation)
    ("binance_spot_usdm_coinm_2024-08-08", "binance_spot_btcusdt_20240808.gz", "binance_spot_btcusdt_20240809.gz"),
    ("binance_spot_usdm_coinm_2024-08-08", "binance_spot_ethusdt_20240808.gz", "binance_spot_ethusdt_20240809.gz"),
    ("binance_spot_usdm_coinm_2024-08-08", "binance_coinm_btcusd_perp_20240808.gz", "binance_coinm_btcusd_perp_20240809.gz"),
    ("binance_spot_usdm_coinm_2024-08-08", "binance_coinm_ethusd_perp_20240808.gz", "binance_coinm_ethusd_perp_20240809.gz"),
    ("binance_usdm_btc_eth_2024-07-18", "binance_usdm_btcusdt_20240718.gz", "binance_usdm_btcusdt_20240719.gz"),
    ("binance_usdm_btc_eth_2024-07-18", "binance_usdm_ethusdt_20240718.gz", "binance_usdm_ethusdt_20240719.gz"),
]


def assert_same_table(fast: EventTable, slow: EventTable) -> None:
    assert len(fast) == len(slow)
    for name, _ in COLUMNS:
        assert np.array_equal(fast[name], slow[name]), f"column {name} differs"


def assert_same_stats(fast_stats: object, slow_stats: object) -> None:
    for name in STAT_FIELDS:
        assert getattr(fast_stats, name) == getattr(slow_stats, name), name


@pytest.mark.parametrize("name", [SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC])
def test_compiled_ingest_equals_the_validating_reader_on_the_shipped_sample(name: str) -> None:
    path = sample_file(name)
    ingested = ingest_binance_file(path, registry())
    recording = BinanceRecording(path, registry())
    slow = EventTable.from_messages(recording)
    assert ingested.fast
    assert_same_table(ingested.table, slow)
    assert_same_stats(ingested.stats, recording.stats)
    assert ingested.end == recording.end_position()


@pytest.mark.parametrize("name", SHARED_0808)
def test_compiled_ingest_equals_the_validating_reader_on_every_shared_0808_file(name: str) -> None:
    path = shared_file(BINANCE_0808.name, name)
    ingested = ingest_binance_file(path, registry(), stream=3)
    recording = BinanceRecording(path, registry())
    slow = EventTable.from_messages(recording)
    slow["stream"][:] = 3
    assert ingested.fast
    assert_same_table(ingested.table, slow)
    assert_same_stats(ingested.stats, recording.stats)


@pytest.mark.parametrize(("folder", "first", "second"), CHAINS)
def test_compiled_ingest_continues_a_chain_across_files_like_the_reader(folder: str, first: str, second: str) -> None:
    paths = [shared_file(folder, first), shared_file(folder, second)]
    head = ingest_binance_file(paths[0], registry())
    tail = ingest_binance_file(paths[1], registry(), resume_from=head.end)
    assert head.fast and tail.fast
    slow = EventTable.from_messages(read_recordings(paths, registry()))
    joined = {name: np.concatenate([head.table[name], tail.table[name]]) for name, _ in COLUMNS}
    assert_same_table(EventTable(joined), slow)
    assert tail.stats.diffs_applied == tail.stats.diffs - tail.stats.diffs_dropped_stale > 0


def test_a_continuation_file_alone_falls_back_and_names_its_predecessor() -> None:
    path = shared_file("binance_spot_usdm_coinm_2024-08-08", "binance_spot_btcusdt_20240809.gz")
    with pytest.raises(MissingSnapshotError, match="binance_spot_btcusdt_20240808.gz"):
        ingest_binance_file(path, registry())


def _sample_lines(name: str, count: int) -> list[bytes]:
    with gzip.open(sample_file(name), "rb") as handle:
        return [handle.readline() for _ in range(count)]


def _write(folder: Path, lines: list[bytes], name: str = SAMPLE_USDM_BTC) -> Path:
    path = folder / name
    with gzip.open(path, "wb") as handle:
        handle.writelines(lines)
    return path


def test_a_malformed_line_makes_the_compiled_path_step_aside_and_the_reader_name_the_line(tmp_path: Path) -> None:
    lines = _sample_lines(SAMPLE_USDM_BTC, 80)
    lines[60] = lines[60][:40] + b"\n"  # cut a JSON message short
    path = _write(tmp_path, lines)
    with pytest.raises(MalformedMessageError) as info:
        ingest_binance_file(path, registry())
    assert info.value.line == 61 and info.value.source == SAMPLE_USDM_BTC
    recorded = ingest_binance_file(path, registry(), errors="record")
    assert not recorded.fast
    assert len(recorded.stats.rejected_lines) == 1 and ":61:" in recorded.stats.rejected_lines[0]


def test_a_sequence_gap_is_left_to_the_reader_which_records_it(tmp_path: Path) -> None:
    lines = _sample_lines(SAMPLE_USDM_BTC, 400)
    depth = [i for i, line in enumerate(lines) if b"@depth" in line]
    snapshot = next(i for i, line in enumerate(lines) if b"lastUpdateId" in line)
    victim = next(i for i in depth if i > snapshot + 5)
    del lines[victim]
    path = _write(tmp_path, lines)
    ingested = ingest_binance_file(path, registry())
    assert not ingested.fast
    assert ingested.stats.gaps == 1 and ingested.stats.diffs_skipped_out_of_sync > 0


def test_a_price_off_the_tick_grid_is_refused_with_the_readers_error(tmp_path: Path) -> None:
    lines = _sample_lines(SAMPLE_USDM_BTC, 80)
    trade = next(i for i, line in enumerate(lines) if b"@trade" in line)
    lines[trade] = lines[trade].replace(b'"p":"', b'"p":"0.05', 1)  # 0.0561800.xx is not a price at all
    path = _write(tmp_path, lines)
    with pytest.raises(MalformedMessageError) as info:
        ingest_binance_file(path, registry())
    assert info.value.line == trade + 1


def test_a_file_of_another_symbol_than_its_name_is_not_read_by_the_compiled_path(tmp_path: Path) -> None:
    lines = _sample_lines(SAMPLE_USDM_BTC, 80)
    path = _write(tmp_path, lines, name="binance_usdm_ethusdt_20240808.gz")
    with pytest.raises(MalformedMessageError):
        ingest_binance_file(path, registry())


def test_shared_folder_is_where_testkit_says() -> None:
    assert SHARED_REAL.name == "real"
