"""Basis reversion as a LabelSet: the same labels as reversion_label, with t1 = first hit time or t0 + horizon."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from label_kit import STEP_NS, S

from arbkit.models.labels import UNDEFINED, reversion_label, reversion_labels


def test_t1_is_the_first_row_that_closes_the_gap_else_the_horizon() -> None:
    ts = np.array([0, 1, 2, 3, 4, 10], dtype=np.int64) * S
    basis = np.array([4.0, 3.0, 1.9, 5.0, 0.0, 0.0])
    labels = reversion_labels(ts, basis, np.zeros(6), horizon_ns=2 * S)
    # row 0: hit at 2 s; row 1: never (t1 = 3 s); row 2: hit at 4 s; row 3: hit at 4 s; row 4: no row by 6 s
    assert labels.t1.tolist() == [2 * S, 3 * S, 4 * S, 4 * S, 6 * S, 12 * S]
    assert labels.label[:5].tolist() == [1.0, 0.0, 1.0, 1.0, 0.0] and np.isnan(labels.label[5])
    assert labels.definition["name"] == "basis_reversion" and labels.definition["revert_fraction"] == 0.5


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.lists(STEP_NS, min_size=n, max_size=n), st.lists(st.floats(-20, 20), min_size=n, max_size=n),
    st.lists(st.floats(-20, 20), min_size=n, max_size=n))), st.sampled_from([1, S, 2 * S, 10 * S]))
def test_labels_agree_with_reversion_label_and_t1_is_a_hit_or_the_horizon(
        case: tuple[list[int], list[float], list[float]], horizon: int) -> None:
    steps, basis, mean = case
    ts = np.cumsum(np.array(steps, dtype=np.int64))
    basis_a, mean_a = np.array(basis), np.array(mean)
    legacy = reversion_label(ts, basis_a, mean_a, horizon)
    labels = reversion_labels(ts, basis_a, mean_a, horizon)
    assert np.array_equal(np.where(legacy == UNDEFINED, np.nan, legacy), labels.label, equal_nan=True)
    assert ((labels.t0 <= labels.t1) & (labels.t1 <= labels.t0 + horizon)).all()
    for i in np.flatnonzero(labels.label == 1.0):
        j = np.flatnonzero((ts == labels.t1[i]) & (np.arange(len(ts)) > i))
        assert any(abs(basis_a[k] - mean_a[i]) <= abs(basis_a[i] - mean_a[i]) * 0.5 for k in j)
    assert (labels.t1[labels.label != 1.0] == ts[labels.label != 1.0] + horizon).all()


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 40).flatmap(lambda n: st.tuples(
    st.lists(STEP_NS, min_size=n, max_size=n), st.lists(st.floats(-20, 20), min_size=n, max_size=n))),
    st.sampled_from([1, S, 2 * S, 10 * S]), st.data())
def test_basis_after_a_rows_t1_does_not_change_its_label(case: tuple[list[int], list[float]], horizon: int,
                                                         data: st.DataObject) -> None:
    steps, basis = case
    ts = np.cumsum(np.array(steps, dtype=np.int64))
    mean = np.zeros(len(ts))
    before = reversion_labels(ts, np.array(basis), mean, horizon)
    i = data.draw(st.integers(0, len(ts) - 1))
    shocked = np.where(ts > before.t1[i], data.draw(st.sampled_from([0.0, 99.0])), np.array(basis))
    after = reversion_labels(ts, shocked, mean, horizon)
    assert after.t1[i] == before.t1[i]
    np.testing.assert_array_equal(after.label[i], before.label[i])
