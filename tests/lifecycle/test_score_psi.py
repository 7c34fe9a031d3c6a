"""Population stability index: hand-computed values, drift detection, storage round trip, input handling."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.stats.errors import StatsError
from arbkit.stats.psi import EPSILON, PsiReference, StreamingPsi, psi

counts = st.lists(st.integers(0, 1_000), min_size=2, max_size=12).filter(lambda c: sum(c) > 0)


def _stream(reference: PsiReference, rows: np.ndarray, min_count: int = 50) -> StreamingPsi:
    live = StreamingPsi(reference, min_count=min_count)
    for row in rows:
        live.update(row)
    return live


def test_hand_computed_value() -> None:
    # (0.8 − 0.5)·ln(0.8/0.5) + (0.2 − 0.5)·ln(0.2/0.5)
    expected = 0.3 * math.log(1.6) + (-0.3) * math.log(0.4)
    assert psi(np.array([50, 50]), np.array([80, 20])) == pytest.approx(expected, rel=1e-12)
    assert psi(np.array([50, 50]), np.array([80, 20])) == pytest.approx(0.41588830833596715)


def test_empty_bin_uses_the_epsilon_floor() -> None:
    value = psi(np.array([1, 1]), np.array([1, 0]))
    expected = (1.0 - 0.5) * math.log(1.0 / 0.5) + (EPSILON - 0.5) * math.log(EPSILON / 0.5)
    assert value == pytest.approx(expected, rel=1e-12) and math.isfinite(value)


def test_same_distribution_gives_small_psi_and_a_shift_gives_large() -> None:
    rng = np.random.default_rng(1)
    reference = PsiReference.from_sample(rng.normal(size=(20_000, 2)), ["a", "b"], bins=10)
    same = _stream(reference, rng.normal(size=(5_000, 2))).psi()
    assert same is not None and (same < 0.02).all()
    shifted_rows = np.column_stack([rng.normal(size=5_000), rng.normal(loc=0.5, scale=2.0, size=5_000)])
    shifted = _stream(reference, shifted_rows)
    values = shifted.psi()
    assert values is not None and values[0] < 0.02 and values[1] > 0.25
    assert shifted.max_psi() == ("b", pytest.approx(values[1]))


def test_streaming_counts_equal_batch_histogram_and_psi() -> None:
    rng = np.random.default_rng(2)
    train = rng.standard_t(df=3, size=(3_000, 1))
    reference = PsiReference.from_sample(train, ["x"], bins=8)
    live_rows = rng.standard_t(df=3, size=(700, 1)) * 1.3
    live = _stream(reference, live_rows)
    batch_counts = np.bincount(np.searchsorted(reference.edges[0], live_rows[:, 0], side="right"), minlength=8)
    np.testing.assert_array_equal(live.counts[0], batch_counts)
    expected_counts = np.histogram(train[:, 0], bins=np.concatenate([[-np.inf], reference.edges[0], [np.inf]]))[0]
    np.testing.assert_array_equal(reference.expected[0], expected_counts)  # no training value sits on an edge
    assert live.psi()[0] == pytest.approx(psi(expected_counts, batch_counts))


def test_reference_bins_are_equal_mass_quantiles() -> None:
    reference = PsiReference.from_sample(np.arange(1_000, dtype=float).reshape(-1, 1), ["x"], bins=10)
    np.testing.assert_array_equal(reference.edges[0], [99, 199, 299, 399, 499, 599, 699, 799, 899])
    np.testing.assert_array_equal(reference.expected[0], [99] + [100] * 8 + [101])  # x = edge goes up a bin


def test_discrete_feature_merges_tied_quantiles() -> None:
    x = np.repeat([0.0, 1.0, 2.0], [500, 300, 200]).reshape(-1, 1)
    reference = PsiReference.from_sample(x, ["level"], bins=10)
    np.testing.assert_array_equal(reference.edges[0], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(reference.expected[0], [0.0, 500.0, 300.0, 200.0])


def test_non_finite_values_are_counted_as_invalid_never_binned() -> None:
    rng = np.random.default_rng(3)
    reference = PsiReference.from_sample(rng.normal(size=(1_000, 2)), ["a", "b"], bins=5)
    live = StreamingPsi(reference, min_count=3)
    live.update(np.array([np.nan, 0.0]))
    live.update(np.array([np.inf, 1.0]))
    live.update(np.array([0.1, -np.inf]))
    assert live.invalid.tolist() == [2, 1]
    assert [int(c.sum()) for c in live.counts] == [1, 2] and live.count == 3


def test_training_non_finite_values_are_ignored() -> None:
    x = np.concatenate([np.arange(40.0), [np.nan, np.inf]]).reshape(-1, 1)
    reference = PsiReference.from_sample(x, ["x"], bins=4)
    assert reference.expected[0].sum() == 40


def test_psi_is_none_before_min_count_and_nan_for_a_feature_never_finite() -> None:
    rng = np.random.default_rng(4)
    reference = PsiReference.from_sample(rng.normal(size=(500, 2)), ["a", "b"], bins=5)
    live = StreamingPsi(reference, min_count=10)
    for i in range(9):
        live.update(np.array([float(i), np.nan]))
    assert live.psi() is None and live.max_psi() is None
    live.update(np.array([0.0, np.nan]))
    values = live.psi()
    assert values is not None and math.isfinite(values[0]) and math.isnan(values[1])
    assert live.max_psi() == ("a", pytest.approx(values[0]))
    live.reset()
    assert live.count == 0 and live.psi() is None and live.invalid.sum() == 0


def test_reference_round_trips_through_json() -> None:
    rng = np.random.default_rng(5)
    reference = PsiReference.from_sample(rng.normal(size=(800, 3)), ["basis_bps", "basis_z", "imb"], bins=10)
    back = PsiReference.from_dict(json.loads(json.dumps(reference.to_dict())))
    assert back.names == reference.names
    for a, b in zip(back.edges + back.expected, reference.edges + reference.expected, strict=True):
        np.testing.assert_array_equal(a, b)
    rows = rng.normal(loc=0.3, size=(200, 3))
    np.testing.assert_array_equal(_stream(back, rows).psi(), _stream(reference, rows).psi())


@pytest.mark.parametrize("data, message", [
    ({"format": "other"}, "not a PSI reference"),
    ({"format": "psi_reference", "version": 99}, "version 99 is not supported"),
    ({"format": "psi_reference", "version": 1, "names": ["x"]}, "lacks edges, expected"),
    ({"format": "psi_reference", "version": 1, "names": ["x"], "edges": [[1.0, 0.0]], "expected": [[1, 1, 1]]},
     "strictly increasing"),
    ({"format": "psi_reference", "version": 1, "names": ["x"], "edges": [[0.0]], "expected": [[1, 1, 1]]},
     "1 edges make 2 bins, got 3 counts"),
])
def test_malformed_stored_reference_is_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(StatsError, match=message):
        PsiReference.from_dict(data)


def test_too_few_finite_training_rows_is_refused_naming_the_feature() -> None:
    x = np.column_stack([np.arange(30.0), np.concatenate([np.arange(19.0), np.full(11, np.nan)])])
    with pytest.raises(StatsError, match=r"feature 'b' has 19 finite training values; at least 20 \(2 × bins\)"):
        PsiReference.from_sample(x, ["a", "b"], bins=10)


@pytest.mark.parametrize("call, message", [
    (lambda: PsiReference.from_sample(np.zeros(50), ["x"]), "must be 2-D"),
    (lambda: PsiReference.from_sample(np.zeros((50, 2)), ["x"]), "2 columns but 1 names"),
    (lambda: PsiReference.from_sample(np.zeros((50, 1)), ["x"], bins=1), "bins must be an integer >= 2, got 1"),
    (lambda: psi(np.array([1, 2]), np.array([1, 2, 3])), "2 bins but actual_counts has 3"),
    (lambda: psi(np.array([1, -2]), np.array([1, 2])), "bin 1 is -2.0"),
    (lambda: psi(np.array([0, 0]), np.array([1, 2])), "expected_counts sums to 0"),
    (lambda: psi(np.array([1, np.nan]), np.array([1, 2])), "bin 1 is nan"),
])
def test_bad_inputs_are_refused_with_a_message(call: object, message: str) -> None:
    with pytest.raises(StatsError, match=message):
        call()  # type: ignore[operator]


def test_row_of_the_wrong_width_is_refused() -> None:
    reference = PsiReference.from_sample(np.random.default_rng(0).normal(size=(100, 2)), ["a", "b"], bins=5)
    with pytest.raises(StatsError, match=r"row has 3 values; the reference has 2 features \(a, b\)"):
        StreamingPsi(reference).update(np.zeros(3))
    with pytest.raises(StatsError, match="min_count must be an integer >= 1, got 0"):
        StreamingPsi(reference, min_count=0)


@given(counts, st.data())
def test_psi_is_non_negative_symmetric_and_zero_on_itself(expected: list[int], data: st.DataObject) -> None:
    actual = data.draw(st.lists(st.integers(0, 1_000), min_size=len(expected), max_size=len(expected))
                       .filter(lambda c: sum(c) > 0))
    e, a = np.array(expected), np.array(actual)
    value = psi(e, a)
    assert value >= 0.0
    assert value == pytest.approx(psi(a, e), rel=1e-12, abs=1e-15)
    assert psi(e, e) == 0.0
    # the floor bounds every share below by EPSILON, so a term is at most (1 − ε)·ln(1/ε)
    assert value <= len(e) * (1 - EPSILON) * math.log(1 / EPSILON)


@given(counts, st.integers(1, 50))
def test_psi_depends_on_shares_not_on_totals(expected: list[int], scale: int) -> None:
    e = np.array(expected)
    a = np.roll(e, 1)
    assert psi(e * scale, a) == pytest.approx(psi(e, a), rel=1e-9, abs=1e-12)


@settings(deadline=None, max_examples=30)
@given(st.integers(0, 2**32 - 1))
def test_streaming_psi_is_invariant_to_row_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    reference = PsiReference.from_sample(rng.normal(size=(300, 2)), ["a", "b"], bins=6)
    rows = rng.normal(loc=0.4, size=(120, 2))
    rows[rng.integers(0, 120, size=5), 1] = np.nan
    forward, shuffled = _stream(reference, rows), _stream(reference, rng.permutation(rows))
    np.testing.assert_array_equal(forward.psi(), shuffled.psi())
    assert forward.invalid.tolist() == shuffled.invalid.tolist()
