"""Reversion labels: hand examples (horizon edge, end of data, bursts) and a slow reference implementation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.models.labels import UNDEFINED, reversion_label

S = 1_000_000_000


def slow_reversion_label(ts: list[int], basis: list[float], mean: list[float], horizon_ns: int,
                         revert_fraction: float) -> list[int]:
    """The documented definition, written out plainly: look at later rows within the horizon."""
    labels = []
    for i in range(len(ts)):
        if ts[i] + horizon_ns > ts[-1]:
            labels.append(UNDEFINED)
            continue
        target = abs(basis[i] - mean[i]) * (1.0 - revert_fraction)
        later = [basis[j] for j in range(i + 1, len(ts)) if ts[j] <= ts[i] + horizon_ns]
        labels.append(int(any(abs(b - mean[i]) <= target for b in later)))
    return labels


def label(ts_s: list[float], basis: list[float], mean: list[float], horizon_s: float,
          fraction: float = 0.5) -> list[int]:
    ts = np.array([round(t * S) for t in ts_s], dtype=np.int64)
    return reversion_label(ts, np.array(basis), np.array(mean), round(horizon_s * S), fraction).tolist()


def test_hand_example_with_undefined_rows_at_the_end() -> None:
    # gap 4 → target 2 (hit at t=2, exactly on the horizon); gap 3 → target 1.5 (never); gap 1.9 → hit at t=4;
    # the last two rows' horizons pass the end of the data
    assert label([0, 1, 2, 3, 4], [4.0, 3.0, 1.9, 5.0, 0.0], [0.0] * 5, horizon_s=2) == [1, 0, 1, -1, -1]


def test_a_row_exactly_at_the_horizon_counts_and_one_ns_later_does_not() -> None:
    ts = np.array([0, 2 * S, 2 * S + 1, 10 * S], dtype=np.int64)
    basis, mean = np.array([4.0, 2.0, 2.0, 9.0]), np.zeros(4)
    assert reversion_label(ts, basis, mean, 2 * S).tolist()[0] == 1
    assert reversion_label(ts[[0, 2, 3]], basis[[0, 2, 3]], mean[[0, 2, 3]], 2 * S).tolist()[0] == 0


def test_the_gap_is_measured_from_the_mean_known_at_the_decision_and_overshoot_counts() -> None:
    # mean 10 at row 0: basis 14 → target |.-10| <= 2; row 1 crosses through the mean to 8.5 (|−1.5| <= 2)
    assert label([0, 1, 5], [14.0, 8.5, 30.0], [10.0, 99.0, 99.0], horizon_s=2)[0] == 1
    # the later rows' own means do not matter: only mean[0] does
    assert label([0, 1, 5], [14.0, 13.0, 30.0], [10.0, 13.0, 99.0], horizon_s=2)[0] == 0


def test_burst_rows_at_one_timestamp_see_the_rows_after_them_in_file_order_only() -> None:
    # three decisions at t=0: row 0 (gap 4) is hit by row 1 (basis 1); row 1 (gap 1, target .5) only sees row 2
    # (basis 4) inside its horizon; row 2 sees nothing inside the horizon; row 3 is past the end
    assert label([0, 0, 0, 5], [4.0, 1.0, 4.0, 0.0], [0.0] * 4, horizon_s=1) == [1, 0, 0, -1]


def test_a_burst_at_the_last_timestamp_is_all_undefined() -> None:
    assert label([0, 3, 3, 3], [1.0, 1.0, 1.0, 1.0], [0.0] * 4, horizon_s=1) == [0, -1, -1, -1]


def test_revert_fraction_one_needs_a_full_return_to_the_mean() -> None:
    assert label([0, 1, 9], [4.0, 0.5, 0.0], [0.0] * 3, horizon_s=2, fraction=1.0)[0] == 0
    assert label([0, 1, 9], [4.0, 0.0, 0.0], [0.0] * 3, horizon_s=2, fraction=1.0)[0] == 1


def test_empty_input_gives_an_empty_int8_array() -> None:
    out = reversion_label(np.array([], dtype=np.int64), np.array([]), np.array([]), S)
    assert out.dtype == np.int8 and out.shape == (0,)


@pytest.mark.parametrize("kwargs, match", [
    ({"revert_fraction": 0.0}, "revert_fraction"), ({"revert_fraction": 1.5}, "revert_fraction"),
    ({"horizon_ns": 0}, "horizon_ns"),
])
def test_bad_parameters_are_refused_naming_them(kwargs: dict[str, float], match: str) -> None:
    args = {"horizon_ns": S, "revert_fraction": 0.5, **kwargs}
    with pytest.raises(ValueError, match=match):
        reversion_label(np.array([0, 1]), np.array([1.0, 0.0]), np.zeros(2), **args)  # type: ignore[arg-type]


def test_decreasing_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="non-decreasing"):
        reversion_label(np.array([2, 1]), np.array([1.0, 0.0]), np.zeros(2), S)


@st.composite
def series(draw: st.DrawFn) -> tuple[list[int], list[float], list[float], int, float]:
    n = draw(st.integers(0, 60))
    dts = draw(st.lists(st.sampled_from([0, 0, 1, 100_000_000, 700_000_000, S, 3 * S]), min_size=n, max_size=n))
    ts = np.cumsum(np.array(dts, dtype=np.int64)).tolist() if n else []
    values = st.one_of(st.integers(-8, 8).map(float), st.floats(-50.0, 50.0))
    basis = draw(st.lists(values, min_size=n, max_size=n))
    mean = draw(st.lists(values, min_size=n, max_size=n))
    horizon = draw(st.sampled_from([1, 100_000_000, S, 2 * S, 10 * S]))
    fraction = draw(st.sampled_from([0.25, 0.5, 0.75, 1.0]) | st.floats(0.01, 1.0))
    return ts, basis, mean, horizon, fraction


@settings(max_examples=300, deadline=None)
@given(series())
def test_compiled_labels_equal_the_slow_reference(case: tuple[list[int], list[float], list[float], int, float]) -> None:
    ts, basis, mean, horizon, fraction = case
    fast = reversion_label(np.array(ts, dtype=np.int64), np.array(basis, dtype=np.float64),
                           np.array(mean, dtype=np.float64), horizon, fraction)
    assert fast.tolist() == slow_reversion_label(ts, basis, mean, horizon, fraction)
