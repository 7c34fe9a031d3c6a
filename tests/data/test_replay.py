"""Deterministic multi-stream replay of recorded Binance files, ordered by local receive time."""

from __future__ import annotations

from collections import Counter

import pytest

from arbkit.adapters.binance.reader import BinanceRecording
from arbkit.data.replay import Replay
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC
from testkit import BINANCE_0808, SPOT_BTC, USDM_BTC, registry, sample_file, shared_file

SHARED_0808 = (
    "binance_spot_btcusdt_20240808.gz", "binance_spot_ethusdt_20240808.gz",
    "binance_usdm_btcusdt_20240808.gz", "binance_usdm_ethusdt_20240808.gz",
    "binance_coinm_btcusd_perp_20240808.gz", "binance_coinm_ethusd_perp_20240808.gz",
)
SHARED_0808_INSTRUMENTS = {
    "BTCUSDT.BINANCE_SPOT", "ETHUSDT.BINANCE_SPOT", "BTCUSDT.BINANCE_USDM", "ETHUSDT.BINANCE_USDM",
    "BTCUSD_PERP.BINANCE_COINM", "ETHUSD_PERP.BINANCE_COINM",
}
SHARED_0808_LINES = 41_249 + 33_618 + 93_954 + 74_655 + 48_270 + 40_454
"""Line counts of the six files, from the data README (one message per line)."""
SHARED_0808_STALE_DIFFS = 2 + 2 + 4 + 5 + 23 + 22
"""Diffs buffered before each file's snapshot that the snapshot already covers (dropped, not replayed)."""


def sample_replay() -> Replay:
    return Replay.from_binance_files([[sample_file(SAMPLE_SPOT_BTC)], [sample_file(SAMPLE_USDM_BTC)]], registry())


@pytest.fixture(scope="module")
def per_file() -> dict[str, list[object]]:
    """Each sample file read on its own, in file order, keyed by instrument id."""
    return {SPOT_BTC: list(BinanceRecording(sample_file(SAMPLE_SPOT_BTC), registry())),
            USDM_BTC: list(BinanceRecording(sample_file(SAMPLE_USDM_BTC), registry()))}


@pytest.fixture(scope="module")
def timed_run() -> list[tuple[int, object]]:
    return list(sample_replay().timed())


def test_replay_time_never_decreases(timed_run: list[tuple[int, object]]) -> None:
    times = [t for t, _ in timed_run]
    assert all(a <= b for a, b in zip(times, times[1:]))
    # replay time is the receive time, except for diffs buffered until the snapshot made them usable
    assert all(t >= message.ts_recv for t, message in timed_run)  # type: ignore[attr-defined]
    late = sum(t > message.ts_recv for t, message in timed_run)  # type: ignore[attr-defined]
    assert 0 < late < 20


def test_every_message_of_each_file_appears_once_in_file_order(
    timed_run: list[tuple[int, object]], per_file: dict[str, list[object]]
) -> None:
    counts = Counter(message.instrument_id for _, message in timed_run)  # type: ignore[attr-defined]
    assert counts == {instrument: len(messages) for instrument, messages in per_file.items()}
    for instrument, messages in per_file.items():
        in_replay = [m for _, m in timed_run if m.instrument_id == instrument]  # type: ignore[attr-defined]
        assert in_replay == messages


def test_the_two_streams_are_interleaved(timed_run: list[tuple[int, object]]) -> None:
    ids = [message.instrument_id for _, message in timed_run]  # type: ignore[attr-defined]
    switches = sum(a != b for a, b in zip(ids, ids[1:]))
    assert switches > 1_000


def test_a_second_run_yields_the_same_messages_in_the_same_order(timed_run: list[tuple[int, object]]) -> None:
    replay = sample_replay()
    assert replay.clock == "ts_recv"
    assert list(replay) == [message for _, message in timed_run]  # plain iteration, a fresh read
    stats = replay.stats()
    assert [s.source for s in stats] == [SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC]
    assert all(s.gaps == 0 and s.rejected_lines == [] for s in stats)


def test_stream_without_files_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one file"):
        Replay.from_binance_files([[]], registry())


def test_replay_of_the_six_shared_files_holds_every_message_of_all_six_instruments() -> None:
    replay = Replay.from_binance_files([[shared_file(BINANCE_0808.name, name)] for name in SHARED_0808], registry())
    counts: Counter[str] = Counter()
    last = 0
    for t, message in replay.timed():
        assert t >= last
        last = t
        counts[message.instrument_id] += 1  # type: ignore[attr-defined]
    assert set(counts) == SHARED_0808_INSTRUMENTS
    stats = replay.stats()
    emitted = sum(s.snapshots + s.diffs_applied + s.bbo + s.trades + s.gaps for s in stats)
    assert sum(counts.values()) == emitted == SHARED_0808_LINES - SHARED_0808_STALE_DIFFS
    assert sum(s.diffs_dropped_stale for s in stats) == SHARED_0808_STALE_DIFFS
    assert sum(s.gaps for s in stats) == 0
