"""PurgedKFold: a worked example, and properties against a brute-force reading of the rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from split_kit import S, intervals, overlap, reference_kfold_train

from arbkit.models.errors import CrossValidationError
from arbkit.models.validation import PurgedKFold


def test_worked_example_purges_both_sides_and_embargoes_after_the_fold() -> None:
    t0 = np.arange(12, dtype=np.int64) * S          # one row a second, each label 2 s long
    t1 = t0 + 2 * S
    folds = PurgedKFold(n_splits=3, embargo_ns=1 * S).folds(t0, t1)
    assert [f.test.tolist() for f in folds] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    # fold 1 tests rows 4-7 (t0 4-7 s, t1 up to 9 s): rows 2, 3 end at 4, 5 s → purged; rows 8, 9 start by 9 s →
    # purged; row 10 starts at 10 s ≤ 9 + 1 s → embargoed
    assert folds[1].train.tolist() == [0, 1, 11] and (folds[1].purged, folds[1].embargoed) == (4, 1)
    assert folds[0].train.tolist() == [7, 8, 9, 10, 11] and (folds[0].purged, folds[0].embargoed) == (2, 1)
    assert folds[2].train.tolist() == [0, 1, 2, 3, 4, 5] and (folds[2].purged, folds[2].embargoed) == (2, 0)
    assert [(tr.tolist(), te.tolist()) for tr, te in PurgedKFold(3, S).split(t0, t1)][1] == ([0, 1, 11], [4, 5, 6, 7])


def test_too_few_rows_or_labels_longer_than_the_data_are_refused_with_the_numbers() -> None:
    t0 = np.arange(3, dtype=np.int64) * S
    with pytest.raises(CrossValidationError, match="3 rows cannot make 4 folds"):
        PurgedKFold(4).folds(t0, t0)
    with pytest.raises(CrossValidationError, match="fold 0: all 2 candidate training rows were purged"):
        PurgedKFold(3).folds(t0, t0 + 10 * S)
    with pytest.raises(CrossValidationError, match="n_splits must be an int >= 2, got 1"):
        PurgedKFold(1)
    with pytest.raises(CrossValidationError, match="embargo_ns must be an int number of ns >= 0, got -1"):
        PurgedKFold(3, embargo_ns=-1)


@settings(max_examples=200, deadline=None)
@given(intervals(), st.integers(2, 6), st.sampled_from([0, 1, S, 4 * S]))
def test_purged_folds_partition_the_rows_and_never_train_on_an_overlapping_or_embargoed_row(
        rows: tuple[np.ndarray, np.ndarray], n_splits: int, embargo_ns: int) -> None:
    t0, t1 = rows
    if len(t0) < n_splits:
        return
    blocks = np.array_split(np.arange(len(t0)), n_splits)
    references = [reference_kfold_train(t0, t1, block, embargo_ns) for block in blocks]
    splitter = PurgedKFold(n_splits, embargo_ns)
    if not all(references):
        with pytest.raises(CrossValidationError, match="purged"):
            splitter.folds(t0, t1)
        return
    folds = splitter.folds(t0, t1)
    tested = np.concatenate([f.test for f in folds])
    assert sorted(tested.tolist()) == list(range(len(t0)))                         # each row tested exactly once
    for fold, reference in zip(folds, references):
        assert (np.diff(fold.test) == 1).all()                                     # test folds are contiguous
        assert fold.train.tolist() == reference
        assert not set(fold.train.tolist()) & set(fold.test.tolist())
        for i in fold.train:                                                        # no interval overlap
            assert not any(overlap(t0[i], t1[i], t0[j], t1[j]) for j in fold.test)
        after = fold.train[fold.train > fold.test[-1]]
        assert (t0[after] > t1[fold.test].max() + embargo_ns).all()                # embargo respected
        assert fold.purged + fold.embargoed + len(fold.train) + len(fold.test) == len(t0)
