"""Malformed or inconsistent recorded input: every problem is a typed error or a counted event, never a leak.

Each case starts from REAL lines of the shipped sample (the first lines of a 2024-08-08 file hold the
REST snapshot and the diffs buffered before it) and mutates one of them.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arbkit.adapters.binance.instruments import USDM
from arbkit.adapters.binance.reader import BinanceRecording
from arbkit.core.errors import MalformedMessageError, MissingSnapshotError
from arbkit.core.messages import BestBidOffer, BookGap, BookUpdate, Trade
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC
from testkit import registry, sample_file

USDM_LINES = 160
"""USDⓈ-M sample, lines 1-160: diffs on lines 1, 12, 20, 38, 42, 50 (buffered), the snapshot on line 55
(lastUpdateId 5123107852948), then diffs on lines 57, 71, 136, 148, 149 and 159."""
USDM_SNAPSHOT_LINE = 55
USDM_SNAPSHOT_ID = 5123107852948
USDM_STRADDLING_LINE = 42  # U <= lastUpdateId <= u
SPOT_LINES = 200
"""Spot sample, lines 1-200: diffs on lines 1, 2, 6 (buffered), the snapshot on line 8, diffs on 10, 54, 187."""


# -- builders -----------------------------------------------------------------------------------
def real_lines(name: str, count: int) -> list[bytes]:
    """The first ``count`` lines of a shipped sample file, newline kept."""
    lines: list[bytes] = []
    with gzip.open(sample_file(name), "rb") as handle:
        for line in handle:
            lines.append(line)
            if len(lines) == count:
                break
    return lines


def stream_kind(line: bytes) -> str:
    """``depth``, ``bookTicker``, ``trade`` or ``snapshot`` of a real line."""
    payload = json.loads(line.partition(b" ")[2])
    if "stream" not in payload:
        return "snapshot"
    kind = payload["stream"].partition("@")[2]
    return "depth" if kind.startswith("depth") else kind


def line_no_of(lines: list[bytes], kind: str, after: int = 0) -> int:
    """1-based number of the first line of ``kind`` after line ``after``."""
    for number, line in enumerate(lines, start=1):
        if number > after and stream_kind(line) == kind:
            return number
    raise AssertionError(f"no {kind} line after line {after}")


def edit_data(line: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
    """Re-encode a real line after ``edit`` changed its ``data`` object (or the snapshot object)."""
    ts, _, payload = line.partition(b" ")
    obj = json.loads(payload)
    edit(obj["data"] if "stream" in obj else obj)
    return ts + b" " + json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def write_recording(folder: Path, lines: list[bytes], name: str = SAMPLE_USDM_BTC, compress: bool = True) -> Path:
    """Write lines as a recorded file; the name lets the reader infer the venue."""
    path = folder / name
    if compress:
        with gzip.open(path, "wb") as handle:
            handle.writelines(lines)
    else:
        path.write_bytes(b"".join(lines))
    return path


def read_all(path: Path, **kwargs: Any) -> tuple[BinanceRecording, list[object]]:
    recording = BinanceRecording(path, registry(), **kwargs)
    return recording, list(recording)


def malformed(path: Path) -> MalformedMessageError:
    with pytest.raises(MalformedMessageError) as raised:
        list(BinanceRecording(path, registry()))
    return raised.value


@pytest.fixture(scope="module")
def usdm_lines() -> list[bytes]:
    return real_lines(SAMPLE_USDM_BTC, USDM_LINES)


@pytest.fixture(scope="module")
def spot_lines() -> list[bytes]:
    return real_lines(SAMPLE_SPOT_BTC, SPOT_LINES)


def test_the_real_lines_hold_the_layout_the_cases_rely_on(usdm_lines: list[bytes], spot_lines: list[bytes]) -> None:
    assert line_no_of(usdm_lines, "snapshot") == USDM_SNAPSHOT_LINE
    assert json.loads(usdm_lines[USDM_SNAPSHOT_LINE - 1].partition(b" ")[2])["lastUpdateId"] == USDM_SNAPSHOT_ID
    assert line_no_of(spot_lines, "snapshot") == 8
    depth = [n for n, line in enumerate(usdm_lines, start=1) if stream_kind(line) == "depth"]
    assert depth == [1, 12, 20, 38, 42, 50, 57, 71, 136, 148, 149, 159]


# -- well-formed real lines ---------------------------------------------------------------------
def test_diffs_before_the_snapshot_are_buffered_then_dropped_or_applied_futures(
    tmp_path: Path, usdm_lines: list[bytes]
) -> None:
    recording, messages = read_all(write_recording(tmp_path, usdm_lines))
    stats = recording.stats
    assert (stats.lines, stats.snapshots, stats.diffs) == (USDM_LINES, 1, 12)
    assert stats.diffs_dropped_stale == 4  # lines 1, 12, 20, 38 end before lastUpdateId
    assert stats.diffs_applied == 8  # line 42 straddles it, then the chain holds
    assert (stats.gaps, stats.diffs_skipped_out_of_sync, stats.rejected_lines) == (0, 0, [])
    books = [m for m in messages if isinstance(m, BookUpdate)]
    assert books[0].is_snapshot
    assert books[1].first_update_id <= USDM_SNAPSHOT_ID <= books[1].last_update_id
    # the buffered diffs come out right after the snapshot, before the next line's messages
    first_book = messages.index(books[0])
    assert messages[first_book + 1 : first_book + 3] == books[1:3]


def test_diffs_before_the_snapshot_are_buffered_then_dropped_or_applied_spot(
    tmp_path: Path, spot_lines: list[bytes]
) -> None:
    recording, messages = read_all(write_recording(tmp_path, spot_lines, SAMPLE_SPOT_BTC))
    stats = recording.stats
    assert (stats.snapshots, stats.diffs, stats.diffs_dropped_stale, stats.diffs_applied) == (1, 6, 2, 4)
    assert (stats.gaps, stats.diffs_skipped_out_of_sync) == (0, 0)
    first_diff = [m for m in messages if isinstance(m, BookUpdate)][1]
    assert first_diff.first_update_id <= 50093239218 + 1 <= first_diff.last_update_id


def test_plain_text_file_reads_like_the_gzip_one(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    (tmp_path / "gz").mkdir()
    (tmp_path / "plain").mkdir()
    _, from_gzip = read_all(write_recording(tmp_path / "gz", usdm_lines))
    _, from_text = read_all(write_recording(tmp_path / "plain", usdm_lines, compress=False))
    assert from_text == from_gzip


def test_file_name_without_venue_needs_an_explicit_venue(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    path = write_recording(tmp_path, usdm_lines, name="recording.txt", compress=False)
    with pytest.raises(MalformedMessageError, match="cannot infer the venue"):
        BinanceRecording(path, registry())
    recording, messages = read_all(path, venue=USDM)
    assert recording.stats.diffs_applied == 8
    assert messages[0].instrument_id == "BTCUSDT.BINANCE_USDM"  # type: ignore[attr-defined]


# -- malformed lines ----------------------------------------------------------------------------
def test_malformed_json_line_raises_naming_file_and_line(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    lines = list(usdm_lines)
    lines[2] = lines[2][: len(lines[2]) // 2] + b"\n"  # truncated mid-object
    error = malformed(write_recording(tmp_path, lines))
    assert error.source == SAMPLE_USDM_BTC
    assert error.line == 3
    assert "malformed JSON" in error.reason
    assert str(error).startswith(f"{SAMPLE_USDM_BTC}:3: ")


def test_unknown_stream_raises_naming_the_stream(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    lines = list(usdm_lines)
    number = line_no_of(lines, "trade")
    lines[number - 1] = lines[number - 1].replace(b'"btcusdt@trade"', b'"btcusdt@kline_1m"')
    error = malformed(write_recording(tmp_path, lines))
    assert (error.source, error.line) == (SAMPLE_USDM_BTC, number)
    assert "btcusdt@kline_1m" in error.reason


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.pop(key)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.__setitem__(key, value)


def _set_level(side: str, index: int, column: int, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data[side][index].__setitem__(column, value)


FIELD_CASES = [
    # (case id, line kind, edit, fragments the error must contain)
    ("depth_missing_u", "depth", _drop("u"), ["missing field 'u'"]),
    ("depth_missing_pu", "depth", _drop("pu"), ["missing field 'pu'"]),
    ("book_ticker_missing_u", "bookTicker", _drop("u"), ["missing field 'u'"]),
    ("depth_u_not_numeric", "depth", _set("u", "abc"), ["'u'", "'abc'", "not an integer"]),
    ("book_ticker_u_not_numeric", "bookTicker", _set("u", "abc"), ["'u'", "'abc'", "not an integer"]),
    ("book_ticker_bid_price_not_numeric", "bookTicker", _set("b", "abc"), ["b:", "'abc'"]),
    ("trade_price_not_numeric", "trade", _set("p", "abc"), ["p:", "'abc'"]),
    ("depth_level_price_not_numeric", "depth", _set_level("b", 0, 0, "abc"), ["b price", "'abc'"]),
    ("depth_level_price_a_number", "depth", _set_level("a", 0, 0, 61800.3), ["a price", "not a decimal string"]),
    ("depth_level_not_a_pair", "depth", _set("b", ["12"]), ["level '12'", "not [price, qty]"]),
    ("depth_levels_not_a_list", "depth", _set("a", "none"), ["'a'", "not a list"]),
    ("depth_negative_quantity", "depth", _set_level("a", 0, 1, "-1.000"), ["a qty", "'-1.000'", "negative"]),
    ("book_ticker_negative_quantity", "bookTicker", _set("A", "-1.000"), ["A", "'-1.000'", "negative"]),
    ("trade_negative_quantity", "trade", _set("q", "-1.000"), ["q", "'-1.000'", "negative"]),
    ("book_ticker_price_off_the_tick_grid", "bookTicker", _set("b", "61800.25"), ["'61800.25'", "tick size 0.1"]),
    ("depth_price_off_the_tick_grid", "depth", _set_level("b", 0, 0, "61800.25"), ["'61800.25'", "tick size 0.1"]),
    ("trade_price_off_the_tick_grid", "trade", _set("p", "61800.35"), ["'61800.35'", "tick size 0.1"]),
    ("depth_quantity_off_the_lot_grid", "depth", _set_level("b", 0, 1, "0.0005"), ["'0.0005'", "lot size 0.001"]),
    ("depth_zero_price", "depth", _set_level("b", 0, 0, "0.0"), ["b price", "not positive"]),
    ("trade_zero_quantity", "trade", _set("q", "0.000"), ["quantity 'q' is zero"]),
    ("trade_maker_flag_not_boolean", "trade", _set("m", "false"), ["'m'", "not a boolean"]),
    ("exchange_time_as_string", "trade", _set("T", "1723161256322"), ["'T'", "not an integer"]),
    ("exchange_time_as_float", "bookTicker", _set("T", 1723161256313.5), ["'T'", "not an integer"]),
    ("exchange_time_negative", "depth", _set("T", -1), ["'T'", "negative"]),
    ("update_ids_reversed", "depth", lambda d: d.update(U=d["u"] + 1), ["U=", "after last update id u="]),
    ("snapshot_bids_missing", "snapshot", _drop("bids"), ["'bids'", "not a list"]),
]


@pytest.mark.parametrize(("kind", "edit", "fragments"), [c[1:] for c in FIELD_CASES], ids=[c[0] for c in FIELD_CASES])
def test_bad_field_raises_typed_error_naming_the_field(
    tmp_path: Path, usdm_lines: list[bytes], kind: str, edit: Callable[[dict[str, Any]], None], fragments: list[str]
) -> None:
    lines = list(usdm_lines)
    # after the snapshot for message kinds, so the error is not hidden behind buffering
    number = line_no_of(lines, kind, after=0 if kind == "snapshot" else USDM_SNAPSHOT_LINE)
    lines[number - 1] = edit_data(lines[number - 1], edit)
    path = write_recording(tmp_path, lines)
    try:
        list(BinanceRecording(path, registry()))
    except MalformedMessageError as error:
        assert (error.source, error.line) == (SAMPLE_USDM_BTC, number)
        for fragment in fragments:
            assert fragment in error.reason, error.reason
    else:
        raise AssertionError(f"line {number} edited to {lines[number - 1][:200]!r} was accepted")


def test_diff_buffered_before_the_snapshot_is_validated_when_it_arrives(
    tmp_path: Path, usdm_lines: list[bytes]
) -> None:
    lines = list(usdm_lines)
    lines[0] = edit_data(lines[0], _drop("u"))
    error = malformed(write_recording(tmp_path, lines))
    assert (error.line, "missing field 'u'" in error.reason) == (1, True)


@pytest.mark.parametrize("bad_ts", [b"1723161255.088", b"abc", b"0x66b5", b"-1723161255088169167", b"0"])
def test_local_timestamp_that_is_not_a_positive_integer_raises(
    tmp_path: Path, usdm_lines: list[bytes], bad_ts: bytes
) -> None:
    lines = list(usdm_lines)
    lines[1] = bad_ts + b" " + lines[1].partition(b" ")[2]
    error = malformed(write_recording(tmp_path, lines))
    assert (error.source, error.line) == (SAMPLE_USDM_BTC, 2)
    assert "local timestamp" in error.reason


def test_line_without_a_payload_raises(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    lines = list(usdm_lines)
    lines[1] = lines[1].partition(b" ")[0] + b"\n"
    error = malformed(write_recording(tmp_path, lines))
    assert error.line == 2 and "<local_ns> <json>" in error.reason


def test_line_of_another_symbol_raises(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    lines = list(usdm_lines)
    number = line_no_of(lines, "trade")
    lines[number - 1] = lines[number - 1].replace(b'"btcusdt@trade"', b'"ethusdt@trade"')
    error = malformed(write_recording(tmp_path, lines))
    assert error.line == number and "'ETHUSDT'" in error.reason


# -- broken update-id chain ---------------------------------------------------------------------
def test_changed_pu_yields_a_gap_naming_file_line_and_expected_id_then_skips_diffs(
    tmp_path: Path, usdm_lines: list[bytes]
) -> None:
    lines = list(usdm_lines)
    expected_pu = json.loads(lines[70].partition(b" ")[2])["data"]["pu"]  # line 71
    lines[70] = edit_data(lines[70], _set("pu", expected_pu - 1))
    recording, messages = read_all(write_recording(tmp_path, lines))
    gaps = [m for m in messages if isinstance(m, BookGap)]
    assert len(gaps) == 1
    gap = gaps[0]
    assert (gap.source, gap.line, gap.expected_update_id) == (SAMPLE_USDM_BTC, 71, expected_pu)
    assert gap.got_prev_update_id == expected_pu - 1
    assert gap.instrument_id == "BTCUSDT.BINANCE_USDM"
    assert "pu" in gap.reason and str(expected_pu) in gap.reason
    stats = recording.stats
    assert stats.gaps == 1
    assert stats.diffs_skipped_out_of_sync == 5  # line 71 itself, then 136, 148, 149, 159
    assert stats.diffs_applied == 3  # 42, 50, 57
    after = messages[messages.index(gap) + 1 :]
    assert not any(isinstance(m, BookUpdate) for m in after)
    expected_after = sum(stream_kind(line) in ("trade", "bookTicker") for line in lines[71:])
    assert expected_after > 0
    assert sum(isinstance(m, (Trade, BestBidOffer)) for m in after) == expected_after


def test_deleted_diff_line_yields_a_spot_gap_and_later_trades_still_flow(
    tmp_path: Path, spot_lines: list[bytes]
) -> None:
    lines = list(spot_lines)
    del lines[53]  # the diff on line 54 (U=50093239238); the next diff moves from line 187 to 186
    recording, messages = read_all(write_recording(tmp_path, lines, SAMPLE_SPOT_BTC))
    (gap,) = [m for m in messages if isinstance(m, BookGap)]
    assert (gap.source, gap.line, gap.expected_update_id, gap.got_first_update_id) == (
        SAMPLE_SPOT_BTC, 186, 50093239238, 50093239408)
    assert recording.stats.diffs_skipped_out_of_sync == 1
    assert recording.stats.diffs_applied == 2
    after = messages[messages.index(gap) + 1 :]
    assert sum(isinstance(m, (Trade, BestBidOffer)) for m in after) == len(lines) - 186


def test_missing_straddling_diff_yields_a_gap_at_the_first_diff_after_the_snapshot(
    tmp_path: Path, usdm_lines: list[bytes]
) -> None:
    lines = list(usdm_lines)
    del lines[USDM_STRADDLING_LINE - 1]
    recording, messages = read_all(write_recording(tmp_path, lines))
    (gap,) = [m for m in messages if isinstance(m, BookGap)]
    assert gap.line == 49  # the diff of original line 50, one line up
    assert gap.expected_update_id == USDM_SNAPSHOT_ID
    assert "does not straddle" in gap.reason
    assert recording.stats.diffs_applied == 0
    assert recording.stats.diffs_skipped_out_of_sync == 7  # 50, 57, 71, 136, 148, 149, 159
    assert [m for m in messages if isinstance(m, BookUpdate)][0].is_snapshot


def test_duplicated_diff_line_is_dropped_as_stale_not_a_gap(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    lines = list(usdm_lines)
    lines.insert(57, lines[56])  # the diff of line 57 again, right after it
    recording, messages = read_all(write_recording(tmp_path, lines))
    assert recording.stats.gaps == 0
    assert recording.stats.diffs_dropped_stale == 5
    assert recording.stats.diffs_applied == 8


def test_json_object_that_is_neither_stream_nor_snapshot_raises(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    lines = list(usdm_lines)
    lines[1] = lines[1].partition(b" ")[0] + b' {"result":null,"id":1}\n'
    error = malformed(write_recording(tmp_path, lines))
    assert error.line == 2 and "neither a combined-stream message nor a REST depth snapshot" in error.reason


def test_snapshot_without_last_update_id_leaves_the_file_without_a_snapshot(
    tmp_path: Path, usdm_lines: list[bytes]
) -> None:
    lines = list(usdm_lines)
    lines[USDM_SNAPSHOT_LINE - 1] = edit_data(lines[USDM_SNAPSHOT_LINE - 1], _drop("lastUpdateId"))
    with pytest.raises(MissingSnapshotError, match="no REST snapshot"):
        list(BinanceRecording(write_recording(tmp_path, lines), registry()))


def test_file_whose_snapshot_never_comes_raises_missing_snapshot(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    lines = [line for number, line in enumerate(usdm_lines, start=1) if number != USDM_SNAPSHOT_LINE]
    with pytest.raises(MissingSnapshotError, match="binance_usdm_btcusdt_20240807.gz"):
        list(BinanceRecording(write_recording(tmp_path, lines), registry()))


# -- errors="record" ----------------------------------------------------------------------------
def test_record_mode_skips_and_records_bad_lines_and_keeps_going(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    (tmp_path / "good").mkdir()
    _, clean = read_all(write_recording(tmp_path / "good", usdm_lines))
    lines = list(usdm_lines)
    trade_no = line_no_of(lines, "trade", after=USDM_SNAPSHOT_LINE)
    ticker_no = line_no_of(lines, "bookTicker", after=USDM_SNAPSHOT_LINE)
    lines[trade_no - 1] = lines[trade_no - 1][:40] + b"\n"
    lines[ticker_no - 1] = edit_data(lines[ticker_no - 1], _set("b", "abc"))
    recording, messages = read_all(write_recording(tmp_path, lines), errors="record")
    rejected = recording.stats.rejected_lines
    assert len(rejected) == 2
    assert sorted(rejected)[0].startswith(f"{SAMPLE_USDM_BTC}:{min(trade_no, ticker_no)}:")
    assert any(f":{ticker_no}:" in text and "'abc'" in text for text in rejected)
    assert len(messages) == len(clean) - 2
    assert recording.stats.lines == USDM_LINES
    assert recording.stats.diffs_applied == 8


def test_record_mode_still_raises_when_the_snapshot_is_missing(tmp_path: Path, usdm_lines: list[bytes]) -> None:
    lines = [line for number, line in enumerate(usdm_lines, start=1) if number != USDM_SNAPSHOT_LINE]
    with pytest.raises(MissingSnapshotError):
        list(BinanceRecording(write_recording(tmp_path, lines), registry(), errors="record"))


# -- fuzz -----------------------------------------------------------------------------------------
FUZZ_LINES = real_lines(SAMPLE_USDM_BTC, 60)
JSONISH = b'0123456789-.,:"[]{}eE aZ\\\x00\xff\n'


@st.composite
def mutated_lines(draw: st.DrawFn) -> list[bytes]:
    """Real lines with one to three random byte-level mutations (replace, delete, insert, truncate)."""
    lines = list(FUZZ_LINES)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        at = draw(st.integers(0, len(line)))
        op = draw(st.sampled_from(["replace", "delete", "insert", "truncate", "json_token"]))
        if op == "replace":
            line = line[:at] + draw(st.binary(min_size=1, max_size=4)) + line[at + 4 :]
        elif op == "delete":
            line = line[:at] + line[at + draw(st.integers(1, 40)) :]
        elif op == "insert":
            line = line[:at] + draw(st.binary(min_size=1, max_size=8)) + line[at:]
        elif op == "truncate":
            line = line[:at] + b"\n"
        else:
            token = bytes(draw(st.lists(st.sampled_from(list(JSONISH)), min_size=1, max_size=6)))
            line = line[:at] + token + line[at + draw(st.integers(0, 6)) :]
        lines[index] = line
    return lines


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=mutated_lines(), errors=st.sampled_from(["raise", "record"]))
def test_mutated_real_lines_raise_only_typed_errors(lines: list[bytes], errors: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_recording(Path(folder), lines, compress=False)
        recording = BinanceRecording(path, registry(), errors=errors)  # type: ignore[arg-type]
        try:
            for message in recording:
                assert isinstance(message, (BookUpdate, BestBidOffer, Trade, BookGap))
        except MalformedMessageError as error:
            assert errors == "raise"
            assert error.source == SAMPLE_USDM_BTC and error.line >= 1
        except MissingSnapshotError:
            pass
        else:
            if errors == "record":
                # every line is accounted for: skipped ones are recorded, never dropped silently
                assert all(text.startswith(f"{SAMPLE_USDM_BTC}:") for text in recording.stats.rejected_lines)


def test_truncated_gzip_file_raises_a_typed_error_naming_the_line(tmp_path: Path) -> None:
    whole = sample_file(SAMPLE_SPOT_BTC).read_bytes()
    cut = tmp_path / SAMPLE_SPOT_BTC
    cut.write_bytes(whole[: len(whole) // 2])
    recording = BinanceRecording(cut, registry())
    with pytest.raises(MalformedMessageError, match="truncated or corrupt") as info:
        for _ in recording:
            pass
    assert info.value.source == SAMPLE_SPOT_BTC
    assert info.value.line == recording.stats.lines + 1


def test_truncated_gzip_file_in_record_mode_keeps_what_was_read_and_records_the_loss(tmp_path: Path) -> None:
    whole = sample_file(SAMPLE_SPOT_BTC).read_bytes()
    cut = tmp_path / SAMPLE_SPOT_BTC
    cut.write_bytes(whole[: len(whole) // 2])
    recording, messages = read_all(cut, errors="record")
    assert len(messages) > 1000
    assert len(recording.stats.rejected_lines) == 1
    assert "truncated or corrupt" in recording.stats.rejected_lines[0]
