"""Every check on the shipped real USDⓈ-M sample: clean data passes, each planted problem is found exactly."""

from __future__ import annotations

import numpy as np
import pytest

from arbkit.book.replay_kernel import replay_book
from arbkit.core.messages import BookGap
from arbkit.data.events import COLUMNS, EventTable
from arbkit.data.quality import Action, QualityPolicy, Severity, validate
from arbkit.data.schema import BBO, DELTA, F_LAST, TRADE
from quality_kit import columns_of, frame_of, insert_copies, take, usdm_sample

FLAG_ALL = QualityPolicy(**{name: Action.FLAG for name in QualityPolicy.__struct_fields__})


def counts_of(columns):  # type: ignore[no-untyped-def]
    frame, _, _ = usdm_sample()
    _, report = validate(frame_of(columns, frame), FLAG_ALL)
    return report


@pytest.fixture(scope="module")
def clean():  # type: ignore[no-untyped-def]
    frame, stats, gaps = usdm_sample()
    return frame, validate(frame, book_gaps=gaps, read_stats=stats)


def trade_rows(columns):  # type: ignore[no-untyped-def]
    return np.flatnonzero(columns["kind"] == TRADE)


def test_clean_sample_passes_with_no_errors_and_the_recorder_clock_offset(clean) -> None:  # type: ignore[no-untyped-def]
    frame, (out, report) = clean
    assert report.passed and out is frame and report.rows_in == report.rows_out == frame.table.num_rows > 500_000
    counts = report.counts()
    assert counts["schema"] == counts["non_positive"] == counts["crossed_or_locked"] == 0
    assert counts["duplicates"] == counts["out_of_order"] == counts["sequence_gaps"] == 0
    assert counts["stale_quotes"] == counts["outlier_prints"] == counts["event_time_order"] == 0
    assert report.result("crossed_or_locked").stats["delta_levels_pruned"] == 0
    assert report.clock_offset is not None and -1300 < report.clock_offset.median_ms < -1240
    assert report.clock_offset.p1_ms <= report.clock_offset.median_ms <= report.clock_offset.p99_ms
    offset = report.result("clock_offset")
    assert offset.count == 1 and offset.severity is Severity.INFO  # information, and the policy only flags it


def test_converter_keeps_every_event_row_and_its_kinds() -> None:
    frame, stats, _ = usdm_sample()
    kinds = frame.table.column("kind").to_numpy()
    assert np.count_nonzero(kinds == TRADE) == stats.trades
    assert np.count_nonzero(kinds == BBO) == 2 * stats.bbo
    assert frame.table.column("instrument_id").unique().to_pylist() == ["BTCUSDT.BINANCE_USDM"]


def test_planted_duplicate_rows_are_counted_exactly() -> None:
    columns = columns_of(usdm_sample()[0])
    trades = trade_rows(columns)
    planted, copies = insert_copies(columns, [int(trades[10]), int(trades[5000]), int(trades[-3])])
    result = counts_of(planted).result("duplicates")
    assert result.count == 3 and result.stats["exact"] == 3
    assert [example.row for example in result.examples] == copies


def test_planted_repeated_trade_id_and_level_are_duplicates() -> None:
    columns = columns_of(usdm_sample()[0])
    trades = trade_rows(columns)
    columns["update_id"][trades[101]] = columns["update_id"][trades[100]]  # a trade id delivered twice
    deltas = np.flatnonzero((columns["kind"] == DELTA) & ((columns["flags"] & F_LAST) == 0))
    row = int(deltas[len(deltas) // 2])  # a level repeated inside its message (the next row of the message)
    columns["side"][row + 1], columns["price"][row + 1] = columns["side"][row], columns["price"][row]
    stats = counts_of(columns).result("duplicates").stats
    assert stats["trade_id"] == 1 and stats["level_in_message"] == 1 and stats["exact"] == 0


def test_planted_swapped_timestamps_are_out_of_order_rows() -> None:
    columns = columns_of(usdm_sample()[0])
    trades = trade_rows(columns)
    rises = np.flatnonzero((np.diff(columns["ts_recv"][trades]) > 0) & (np.diff(columns["ts_event"][trades]) > 0))
    swapped = [int(rises[rises >= 200][0]), int(rises[rises >= 9000][0])]  # trades i, i + 1 with both clocks rising
    for i in swapped:
        a, b = trades[i], trades[i + 1]
        for name in ("ts_recv", "ts_event"):
            columns[name][a], columns[name][b] = columns[name][b], columns[name][a]
    report = counts_of(columns)
    assert report.result("out_of_order").count == 2
    assert [e.row for e in report.result("out_of_order").examples] == [int(trades[i + 1]) for i in swapped]
    assert report.result("event_time_order").count == 2 and report.result("event_time_order").stats["trade"] == 2


def test_planted_zero_price_is_non_positive() -> None:
    columns = columns_of(usdm_sample()[0])
    bid = int(np.flatnonzero((columns["kind"] == BBO) & (columns["side"] == 1))[777])
    columns["price"][bid] = 0
    columns["size"][bid + 1] = -5
    result = counts_of(columns).result("non_positive")
    assert result.count == 2 and result.stats == {"price_le_0": 1, "size_lt_0": 1}
    assert [e.row for e in result.examples] == [bid, bid + 1] and result.severity is Severity.ERROR


def test_planted_price_spike_is_one_outlier_print() -> None:
    columns = columns_of(usdm_sample()[0])
    row = int(trade_rows(columns)[12_345])
    columns["price"][row] = columns["price"][row] * 6 // 5  # +20 %
    result = counts_of(columns).result("outlier_prints")
    assert result.count == 1 and result.examples[0].row == row and result.stats["trades"] == 1


def test_planted_crossed_and_locked_bbo_are_counted() -> None:
    columns = columns_of(usdm_sample()[0])
    asks = np.flatnonzero((columns["kind"] == BBO) & (columns["side"] == -1))
    crossed, locked = int(asks[1000]), int(asks[40_000])
    columns["price"][crossed - 1] = columns["price"][crossed] + 5
    columns["price"][locked - 1] = columns["price"][locked]
    result = counts_of(columns).result("crossed_or_locked")
    assert result.count == 2 and result.stats["bbo_crossed"] == 1 and result.stats["bbo_locked"] == 1
    assert [e.row for e in result.examples] == [crossed, locked]


def test_planted_crossing_delta_message_is_found_by_the_compiled_book_replay() -> None:
    frame = usdm_sample()[0]
    columns = columns_of(frame)
    last = int(np.flatnonzero(columns["kind"] == DELTA)[-1])  # the last diff message: nothing repairs it later
    first = last
    while first > 0 and not columns["flags"][first - 1] & F_LAST and columns["kind"][first - 1] == DELTA:
        first -= 1
    row = next(r for r in range(first, last + 1) if columns["side"][r] == 1)
    columns["price"][row] += 5_000  # a bid 500 USDT above the touch
    columns["size"][row] = 1
    report = counts_of(columns)
    result = report.result("crossed_or_locked")
    assert result.count == 1 and result.stats["delta_messages"] == 1 and result.examples[0].row == last
    events = EventTable({name: columns[name].astype(dtype) if name != "stream" else np.zeros(len(columns["kind"]), dtype)
                         for name, dtype in COLUMNS})
    assert result.stats["delta_levels_pruned"] == replay_book(events)[3] > 0


def test_planted_thirty_second_quote_gap_is_one_stale_interval() -> None:
    columns = columns_of(usdm_sample()[0])
    t0 = int(columns["ts_recv"][len(columns["ts_recv"]) // 2])
    hole = (columns["kind"] == BBO) & (columns["ts_recv"] >= t0) & (columns["ts_recv"] < t0 + 30_000_000_000)
    planted = take(columns, np.flatnonzero(~hole))
    result = counts_of(planted).result("stale_quotes")
    assert result.count == 1 and result.stats["update_gaps"] == 1 and result.stats["longest_update_gap_s"] >= 30


def test_missing_trade_and_reported_book_gaps_are_sequence_gaps() -> None:
    frame, _, _ = usdm_sample()
    columns = columns_of(frame)
    dropped = int(trade_rows(columns)[3000])
    planted = frame_of(take(columns, np.flatnonzero(np.arange(len(columns["kind"])) != dropped)), frame)
    gap = BookGap(instrument_id="BTCUSDT.BINANCE_USDM", ts_recv=1, source="x.gz", line=7, expected_update_id=5,
                  got_first_update_id=9, got_prev_update_id=8, reason="planted")
    _, report = validate(planted, FLAG_ALL, book_gaps=[gap])
    result = report.result("sequence_gaps")
    assert result.count == 2 and result.stats["frame_gaps"] == 1 and result.stats["reported_gaps"] == 1
    assert result.stats["missing_ids"] == 1 and result.examples[0].row == dropped


def test_schema_check_collects_every_bad_value_with_pandera() -> None:
    frame, _, _ = usdm_sample()
    columns = columns_of(frame)
    columns["kind"][5] = 9
    columns["side"][6] = 3
    columns["flags"][7] = 1 << 10
    result = counts_of(columns).result("schema")
    assert result.count == 3 and result.severity is Severity.ERROR
    assert sorted(e.values["column"] for e in result.examples) == ["flags", "kind", "side"]
    assert sorted(e.row for e in result.examples) == [5, 6, 7]
