"""Property: after ``repair`` the frame passes the repaired checks and no row disappears unlisted."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arbkit.data.quality import Action, QualityPolicy, validate
from arbkit.data.schema import F_LAST, F_REPAIRED
from quality_kit import NUMERIC, columns_of, frame_of, insert_copies, take, usdm_sample

REPAIR_ALL = QualityPolicy(non_positive=Action.REPAIR, duplicates=Action.REPAIR, out_of_order=Action.REPAIR)
WINDOW = slice(300_000, 302_000)  # 2,000 real rows: diffs, quotes and trades interleaved
IGNORED_FLAGS = F_REPAIRED | F_LAST  # what a repair may change on a kept row


def window():  # type: ignore[no-untyped-def]
    frame = usdm_sample()[0]
    columns = columns_of(frame)
    return take(columns, np.arange(len(columns["kind"]))[WINDOW]), frame


def row_keys(columns, rows):  # type: ignore[no-untyped-def]
    """Each row as a tuple of its values (flags without the bits a repair may set)."""
    return [tuple(int(columns[name][r]) & ~IGNORED_FLAGS if name == "flags" else int(columns[name][r]) for name in NUMERIC)
            for r in rows]


plants = st.lists(st.tuples(st.sampled_from(["duplicate", "swap", "zero_price", "negative_size"]),
                            st.integers(0, 1_998), st.integers(1, 40)), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plants)
def test_repair_leaves_a_clean_frame_and_lists_every_dropped_row(planted) -> None:  # type: ignore[no-untyped-def]
    columns, like = window()
    duplicates = []
    for what, row, distance in planted:
        other = min(row + distance, len(columns["kind"]) - 1)
        if what == "duplicate":
            duplicates.append(row)
        elif what == "swap":
            columns["ts_recv"][row], columns["ts_recv"][other] = columns["ts_recv"][other], columns["ts_recv"][row]
        elif what == "zero_price":
            columns["price"][row] = 0
        else:
            columns["size"][row] = -3
    if duplicates:
        columns, _ = insert_copies(columns, sorted(set(duplicates)))
    frame = frame_of(columns, like)

    out, report = validate(frame, REPAIR_ALL)

    dropped = report.dropped_indices()
    assert len(dropped) == len(set(dropped)) == report.dropped_rows
    assert out.table.num_rows == frame.table.num_rows - len(dropped)
    kept = sorted(set(range(frame.table.num_rows)) - set(dropped))
    out_columns = columns_of(out)
    assert Counter(row_keys(out_columns, range(out.table.num_rows))) == Counter(row_keys(columns, kept))
    _, again = validate(out, QualityPolicy(non_positive=Action.FLAG, duplicates=Action.FLAG))
    for name in ("non_positive", "duplicates", "out_of_order"):
        assert again.result(name).count == 0, (name, again.result(name))
    for action in report.actions:
        if action.action is Action.REPAIR:
            assert action.remaining == 0
