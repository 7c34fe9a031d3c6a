"""Smoke test of bench/replay_imbalance.py on the shipped sample: both sides count the same work and read the same imbalance.

Speed is never asserted here (see bench/RESULTS.md for the measured figures). The hftbacktest part is
skipped when hftbacktest is not installed.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from arbkit.book.imbalance_replay import replay_imbalance
from arbkit.book.order_book import OrderBook
from testkit import load_bench, sample_file

SAMPLE = "binance_usdm_btcusdt_20240808.gz"
EVENTS = 466_575  # 445,262 book rows applied after sync + 21,313 trades in the sample
BATCHES = 27_861  # 6,548 book messages (the snapshot and the applied diffs) + 21,313 trades


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("replay_imbalance")


@pytest.fixture(scope="module")
def inputs(bench: ModuleType) -> object:
    return bench.load(sample_file(SAMPLE))


def test_arbkit_measurement_counts_every_event_and_batch_and_reads_a_bounded_imbalance(bench, inputs) -> None:  # type: ignore[no-untyped-def]
    with bench.tempfile.TemporaryDirectory() as tmp:
        contenders = bench.arbkit_contenders(inputs, 5, str(Path(tmp) / "events.parquet"))
        timings = bench.time_interleaved(contenders, repeat=1)
    (memory_s, (result, book)), (parquet_s, (from_store, _)) = timings
    assert result.events == from_store.events == EVENTS
    assert (result.book_rows, result.trades, result.batches) == (445_262, 21_313, BATCHES)
    assert math.isfinite(result.checksum) and abs(result.checksum) < result.batches  # each reading lies in [-1, 1]
    assert from_store.checksum == result.checksum
    assert result.last_imbalance == pytest.approx(book.imbalance(5), abs=1e-12)
    assert book.best_bid()[0] == 616_597  # 61659.7 in 0.1 ticks
    assert len(memory_s) == len(parquet_s) == 1


def test_replay_trace_holds_the_imbalance_after_every_batch_and_ends_on_the_final_reading(inputs) -> None:  # type: ignore[no-untyped-def]
    trace = np.full(BATCHES, np.nan)
    result = replay_imbalance(inputs.table, n_levels=5, book=OrderBook("t"), trace=trace)
    assert not np.isnan(trace).any() and np.all(np.abs(trace) <= 1.0)
    assert trace.sum() == pytest.approx(result.checksum, abs=1e-6)
    assert trace[-1] == result.last_imbalance


def test_replay_with_zero_levels_is_refused(inputs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="n_levels"):
        replay_imbalance(inputs.table, n_levels=0)


def test_hftbacktest_peer_counts_the_stale_diffs_more_and_agrees_on_the_imbalance_after_sync(bench, inputs) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("hftbacktest")
    result, _ = bench.arbkit_replay(inputs.table, 5)
    with bench.tempfile.TemporaryDirectory() as tmp:
        peer = bench.hftbacktest_peer(inputs, result, 5, str(Path(tmp) / "events.npz"))
        assert isinstance(peer, bench.Peer), peer
        rows = [c for c in peer.contenders if c.name in (bench.ROI_TICK, bench.HASHMAP_TICK)]
        for contender, (_, out) in zip(rows, bench.time_interleaved(rows, repeat=1)):
            peer.check(contender.name, out)
    assert peer.events == EVENTS + 259  # the levels of the 4 diffs arbkit drops as stale before the snapshot
    assert peer.batches == BATCHES + inputs.stale_diffs == BATCHES + 4
    assert peer.last_imbalance == pytest.approx(result.last_imbalance, abs=1e-9)
    assert peer.best_bid_ticks == 616_597
    assert peer.agreeing_tail >= BATCHES - 100
