"""A ``*_20240809`` file has no snapshot: it continues the diff chain of its ``*_20240808`` predecessor."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from arbkit.adapters.binance.reader import BinanceRecording, read_recordings
from arbkit.core.errors import MissingSnapshotError
from arbkit.core.messages import BookGap, BookUpdate
from bookticker_check import BookTopRecorder, TopCheck
from testkit import BINANCE_0808, registry, shared_file

DEPTH_LINES_0809 = {"spot_btcusdt": 3_044, "coinm_btcusd_perp": 17_948}
"""Depth diffs in each ``*_20240809`` file (data README): every one of them must be applied."""


def _first_ts_recv(path: Path) -> int:
    with gzip.open(path, "rb") as lines:
        return int(lines.readline().partition(b" ")[0])


class Continuation:
    """The two files read as one chain, with the messages of the second file checked against bookTicker."""

    def __init__(self, market_symbol: str) -> None:
        first = shared_file(BINANCE_0808.name, f"binance_{market_symbol}_20240808.gz")
        second = shared_file(BINANCE_0808.name, f"binance_{market_symbol}_20240809.gz")
        boundary = _first_ts_recv(second)  # the 0808 files end before midnight, the 0809 files start after
        recorder = BookTopRecorder()
        recorder.recording = False
        self.gaps: list[BookGap] = []
        self.diffs_second = 0
        for message in read_recordings([first, second], registry()):
            if isinstance(message, BookGap):
                self.gaps.append(message)
            if not recorder.recording and message.ts_recv >= boundary:
                recorder.recording = True
            if recorder.recording:
                if isinstance(message, BookUpdate):
                    self.diffs_second += 1
            recorder.feed([message])
        self.check: TopCheck = recorder.result()


@pytest.fixture(scope="module", params=sorted(DEPTH_LINES_0809))
def continuation(request: pytest.FixtureRequest) -> tuple[str, Continuation]:
    return request.param, Continuation(request.param)


def test_continuation_file_keeps_the_update_id_chain_without_gaps(continuation: tuple[str, Continuation]) -> None:
    market_symbol, run = continuation
    assert run.gaps == []
    assert run.diffs_second == DEPTH_LINES_0809[market_symbol]  # every diff of the 0809 file applied
    assert run.check.book is not None and run.check.book.crossed_levels_pruned == 0


def test_continuation_file_book_top_equals_book_ticker(continuation: tuple[str, Continuation]) -> None:
    market_symbol, run = continuation
    shown = "; ".join(run.check.mismatches[:5])
    assert run.check.mismatches == [], f"{market_symbol} 0809: {len(run.check.mismatches)} mismatches: {shown}"
    assert run.check.comparisons > 0
    assert run.check.diffs_applied == DEPTH_LINES_0809[market_symbol]


@pytest.mark.parametrize("market_symbol", sorted(DEPTH_LINES_0809))
def test_continuation_file_alone_raises_missing_snapshot_naming_its_predecessor(market_symbol: str) -> None:
    path = shared_file(BINANCE_0808.name, f"binance_{market_symbol}_20240809.gz")
    with pytest.raises(MissingSnapshotError) as raised:
        list(BinanceRecording(path, registry()))
    assert f"binance_{market_symbol}_20240808.gz" in str(raised.value)
