"""Policies (reject / repair / flag) on planted problems in the real sample, and the report's formats."""

from __future__ import annotations

import io

import msgspec
import numpy as np
import pytest
from rich.console import Console

from arbkit.core.errors import ConfigError
from arbkit.data.quality import (Action, DataQualityError, QualityPolicy, QualityReport, read_reports, render, validate,
                                 write_report)
from arbkit.data.schema import BBO, F_LAST, F_REPAIRED, TRADE
from quality_kit import columns_of, frame_of, insert_copies, usdm_sample


def planted_zero_price():  # type: ignore[no-untyped-def]
    frame = usdm_sample()[0]
    columns = columns_of(frame)
    row = int(np.flatnonzero(columns["kind"] == TRADE)[4321])
    columns["price"][row] = 0
    return frame_of(columns, frame), row


def test_reject_policy_raises_a_typed_error_naming_the_check_with_the_full_report() -> None:
    frame, row = planted_zero_price()
    with pytest.raises(DataQualityError, match=r"non_positive \(1\)") as caught:
        validate(frame)  # non_positive: reject is the default
    error = caught.value
    assert error.failing == [("non_positive", 1)] and not error.report.passed
    assert error.report.result("non_positive").examples[0].row == row
    assert len(error.report.checks) == 10  # every check ran before the frame was rejected


def test_repair_policy_drops_non_positive_rows_and_lists_them() -> None:
    frame, row = planted_zero_price()
    out, report = validate(frame, QualityPolicy(non_positive=Action.REPAIR))
    assert report.passed and report.rows_out == report.rows_in - 1 == out.table.num_rows
    assert report.dropped_indices() == [row] and report.dropped_rows == 1
    action = next(a for a in report.actions if a.check == "non_positive")
    assert action.action is Action.REPAIR and action.remaining == 0
    assert out.table.column("price").to_numpy().min() > 0


def test_repair_drops_a_message_end_and_hands_its_last_flag_to_the_row_before() -> None:
    frame = usdm_sample()[0]
    columns = columns_of(frame)
    ask = int(np.flatnonzero((columns["kind"] == BBO) & (columns["side"] == -1))[50])
    columns["price"][ask] = -1
    out, report = validate(frame_of(columns, frame), QualityPolicy(non_positive=Action.REPAIR))
    assert report.dropped_indices() == [ask]
    flags = out.table.column("flags").to_numpy()
    assert flags[ask - 1] & F_LAST and flags[ask - 1] & F_REPAIRED  # the bid row now ends its message
    assert report.repaired_rows == 1 == np.count_nonzero(flags & F_REPAIRED)


def test_duplicates_are_repaired_by_default_and_every_dropped_copy_is_listed() -> None:
    frame = usdm_sample()[0]
    trades = np.flatnonzero(columns_of(frame)["kind"] == TRADE)
    planted, copies = insert_copies(columns_of(frame), [int(trades[7]), int(trades[70])])
    out, report = validate(frame_of(planted, frame))
    assert report.dropped_indices() == copies and out.table.num_rows == frame.table.num_rows
    assert out.table.equals(frame.table)  # dropping the copies restores the recording exactly


def test_out_of_order_is_flagged_by_default_and_sorted_on_repair_with_moved_rows_marked() -> None:
    frame = usdm_sample()[0]
    columns = columns_of(frame)
    trades = np.flatnonzero(columns["kind"] == TRADE)
    rises = np.flatnonzero(np.diff(columns["ts_recv"][trades]) > 0)
    a, b = trades[rises[100]], trades[rises[100] + 1]
    columns["ts_recv"][a], columns["ts_recv"][b] = columns["ts_recv"][b], columns["ts_recv"][a]
    planted = frame_of(columns, frame)

    flagged, report = validate(planted)
    assert flagged is planted and report.result("out_of_order").count == 1
    assert next(x for x in report.actions if x.check == "out_of_order").action is Action.FLAG

    repaired, report = validate(planted, QualityPolicy(out_of_order=Action.REPAIR))
    flags = repaired.table.column("flags").to_numpy()
    assert np.flatnonzero(flags & F_REPAIRED).tolist() == [a]  # row b moved back into a's place
    assert report.repaired_rows == 1 and report.dropped_rows == 0
    assert next(x for x in report.actions if x.check == "out_of_order").remaining == 0
    ts = repaired.table.column("ts_recv").to_numpy()
    assert ts[a] == columns["ts_recv"][b] and ts[b] == columns["ts_recv"][a]


def test_policy_refuses_repair_for_a_check_without_one() -> None:
    with pytest.raises(ConfigError, match="crossed_or_locked"):
        QualityPolicy(crossed_or_locked=Action.REPAIR)
    policy = msgspec.toml.decode(b'duplicates = "flag"\nout_of_order = "repair"\n', type=QualityPolicy)
    assert policy.duplicates is Action.FLAG and policy.out_of_order is Action.REPAIR
    with pytest.raises(msgspec.ValidationError):
        msgspec.toml.decode(b'duplicate = "flag"\n', type=QualityPolicy)


def test_report_renders_as_rich_table_and_round_trips_json_and_html(tmp_path) -> None:  # type: ignore[no-untyped-def]
    frame, stats, gaps = usdm_sample()
    _, report = validate(frame, book_gaps=gaps, read_stats=stats)
    console = Console(file=io.StringIO(), width=200, record=True)
    render(report, console)
    text = console.export_text()
    for name in ("non_positive", "duplicates", "crossed_or_locked", "stale_quotes", "clock_offset"):
        assert name in text
    assert "clock offset median -1268" in text
    assert QualityReport.from_json(report.to_json()) == report
    assert read_reports(write_report([report, report], tmp_path / "q.json")) == [report, report]
    page = write_report(report, tmp_path / "q.html").read_text()
    assert page.startswith("<!doctype html>") and page.count("<tr>") == 11 and "<script" not in page
    with pytest.raises(ValueError, match="json or .html"):
        write_report(report, tmp_path / "q.txt")
