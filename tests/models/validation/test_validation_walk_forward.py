"""WalkForward: anchored and rolling windows by hand, and properties of every window."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from split_kit import S, intervals, overlap

from arbkit.models.errors import CrossValidationError
from arbkit.models.validation import WalkForward


def test_rolling_and_anchored_windows_on_event_time_with_purge_and_gap() -> None:
    t0 = np.arange(20, dtype=np.int64) * S           # one row a second, labels 1.5 s long
    t1 = t0 + 3 * S // 2
    rolling = WalkForward(train_ns=8 * S, test_ns=4 * S, embargo_ns=1 * S).folds(t0, t1)
    assert [f.test.tolist() for f in rolling] == [[8, 9, 10, 11], [12, 13, 14, 15], [16, 17, 18, 19]]
    # window 1 trains on t0 in [4, 12) s; rows 10, 11 end at 11.5, 12.5 s: row 11 overlaps the test (purged),
    # row 10 ends within 1 s before 12 s (embargoed)
    assert rolling[1].train.tolist() == [4, 5, 6, 7, 8, 9] and (rolling[1].purged, rolling[1].embargoed) == (1, 1)
    anchored = WalkForward(train_ns=8 * S, test_ns=4 * S, anchored=True).folds(t0, t1)
    assert anchored[2].train.tolist() == list(range(15)) and anchored[2].purged == 1
    stepped = WalkForward(train_ns=8 * S, test_ns=2 * S, step_ns=5 * S).folds(t0, t1)
    assert [f.test.tolist() for f in stepped] == [[8, 9], [13, 14], [18, 19]]


def test_windows_without_rows_are_skipped_across_a_gap() -> None:
    t0 = np.array([0, 1, 2, 3, 1000, 1001, 1002], dtype=np.int64) * S
    folds = WalkForward(train_ns=2 * S, test_ns=1 * S, anchored=True).folds(t0, t0)
    assert [f.test.tolist() for f in folds] == [[2], [3], [4], [5], [6]]


def test_bad_windows_are_refused_with_the_numbers() -> None:
    t0 = np.arange(10, dtype=np.int64) * S
    with pytest.raises(CrossValidationError, match="step_ns .1000000000. must be >= test_ns .2000000000."):
        WalkForward(train_ns=S, test_ns=2 * S, step_ns=S)
    with pytest.raises(CrossValidationError, match="not more than train_ns = 20000000000"):
        WalkForward(train_ns=20 * S, test_ns=S).folds(t0, t0)
    with pytest.raises(CrossValidationError, match="fold 0: all 2 candidate training rows were purged"):
        WalkForward(train_ns=2 * S, test_ns=S).folds(t0, t0 + 5 * S)
    with pytest.raises(CrossValidationError, match="test_ns must be an int number of ns > 0, got 0"):
        WalkForward(train_ns=S, test_ns=0)


@settings(max_examples=200, deadline=None)
@given(intervals(min_size=3), st.sampled_from([S, 3 * S, 10 * S]), st.sampled_from([S // 2, S, 4 * S]),
       st.sampled_from([None, 6 * S]), st.booleans(), st.sampled_from([0, S, 3 * S]))
def test_every_window_trains_strictly_before_it_tests(rows: tuple[np.ndarray, np.ndarray], train_ns: int,
                                                      test_ns: int, step_ns: int | None, anchored: bool,
                                                      embargo_ns: int) -> None:
    t0, t1 = rows
    splitter = WalkForward(train_ns=train_ns, test_ns=test_ns, step_ns=step_ns, anchored=anchored,
                           embargo_ns=embargo_ns)
    try:
        folds = splitter.folds(t0, t1)
    except CrossValidationError as error:
        assert "no test window fits" in str(error) or "were purged" in str(error)
        return
    tested = np.concatenate([f.test for f in folds])
    assert len(np.unique(tested)) == len(tested)                                    # no row tested twice
    assert (np.diff([f.test[0] for f in folds]) > 0).all()                          # windows in time order
    for fold in folds:
        first_test = t0[fold.test[0]]
        assert t0[fold.test[-1]] - first_test < test_ns
        assert (t0[fold.train] < first_test).all()                                  # train before test
        assert (t1[fold.train] < first_test - embargo_ns).all()                     # purged and gapped
        for i in fold.train:
            assert not any(overlap(t0[i], t1[i], t0[j], t1[j]) for j in fold.test)
        if anchored:
            assert fold.train[0] >= 0 and t0[fold.train].min() >= t0[0]
        else:
            assert (t0[fold.train] >= first_test - train_ns - test_ns).all()
