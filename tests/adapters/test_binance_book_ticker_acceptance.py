"""Acceptance on real data: the book built from snapshot + diffs shows exactly Binance's own bookTicker.

For every bookTicker whose update id is the last update id of an applied diff, the book's best bid and
ask (price and size) right after that diff must equal the bookTicker's. The comparison counts were
checked independently on the 2024-08-08 files.
"""

from __future__ import annotations

import pytest

from arbkit.adapters.binance.reader import BinanceRecording
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC
from bookticker_check import TopCheck, check_book_against_book_ticker
from testkit import BINANCE_0808, registry, sample_file, shared_file

EXPECTED_COMPARISONS_0808 = {
    "binance_spot_btcusdt_20240808.gz": 564,
    "binance_spot_ethusdt_20240808.gz": 577,
    "binance_usdm_btcusdt_20240808.gz": 629,
    "binance_usdm_ethusdt_20240808.gz": 551,
    "binance_coinm_btcusd_perp_20240808.gz": 1124,
    "binance_coinm_ethusd_perp_20240808.gz": 1345,
}
"""bookTicker/diff pairs with the same update id in each file (the sample files are two of these)."""


def _check_file(path) -> tuple[BinanceRecording, TopCheck]:  # type: ignore[no-untyped-def]
    recording = BinanceRecording(path, registry())
    return recording, check_book_against_book_ticker(recording)


def _report(name: str, recording: BinanceRecording, check: TopCheck) -> str:
    shown = "; ".join(check.mismatches[:5])
    return (f"{name}: {check.comparisons} comparisons, {len(check.mismatches)} mismatches, "
            f"{recording.stats.gaps} gaps, {check.book.crossed_levels_pruned if check.book else '-'} pruned. {shown}")


@pytest.fixture(scope="module")
def shared_0808_results() -> dict[str, tuple[BinanceRecording, TopCheck]]:
    """Each shared 2024-08-08 file read once for the whole module."""
    results = {}
    for name in EXPECTED_COMPARISONS_0808:
        results[name] = _check_file(shared_file(BINANCE_0808.name, name))
    return results


@pytest.mark.parametrize("name", sorted(EXPECTED_COMPARISONS_0808))
def test_book_top_equals_book_ticker_at_every_shared_update_id(
    name: str, shared_0808_results: dict[str, tuple[BinanceRecording, TopCheck]], record_property
) -> None:
    recording, check = shared_0808_results[name]
    report = _report(name, recording, check)
    record_property("book_ticker_check", report)
    assert check.mismatches == [], report
    assert check.comparisons == EXPECTED_COMPARISONS_0808[name], report
    assert recording.stats.gaps == 0, report
    assert check.book is not None and check.book.crossed_levels_pruned == 0, report
    assert not check.book.is_crossed()


@pytest.mark.parametrize("name", [SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC])
def test_book_top_equals_book_ticker_on_the_shipped_sample(name: str, record_property) -> None:
    recording, check = _check_file(sample_file(name))
    report = _report(name, recording, check)
    record_property("book_ticker_check", report)
    assert check.mismatches == [], report
    assert check.comparisons == EXPECTED_COMPARISONS_0808[name], report
    assert recording.stats.gaps == 0, report
    assert recording.stats.diffs_skipped_out_of_sync == 0, report
    assert check.book is not None and check.book.crossed_levels_pruned == 0, report
    assert check.diffs_applied == recording.stats.diffs_applied
