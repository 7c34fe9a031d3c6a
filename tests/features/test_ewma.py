"""Event-time EWMA z-score: hand-computed steps from the documented formula, bursts, gaps, batch twin."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arbkit.features.ewma import STATE_SIZE, EwmaZScore, ewma_batch, ewma_step

SECOND = 1_000_000_000


def weight(dt_ns: float, halflife_ns: float) -> float:
    """The documented weight of an observation ``dt_ns`` after the previous one."""
    return 1.0 - math.exp(-dt_ns * math.log(2.0) / halflife_ns)


def test_three_steps_match_the_documented_formula_with_z_against_the_state_before_the_update() -> None:
    ewma = EwmaZScore(halflife_ns=2 * SECOND)
    # step 1 (t = 0 s, x = 10): the first value seeds the mean; z is 0.0 and the variance 0
    assert ewma.update(0, 10.0) == 0.0
    assert (ewma.mean, ewma.std) == (10.0, 0.0)
    # step 2 (t = 1 s, x = 14): the variance is still 0 before this update, so z is 0.0
    assert ewma.update(1 * SECOND, 14.0) == 0.0
    a1 = weight(1 * SECOND, 2 * SECOND)  # 1 - 2**-0.5
    mean1 = 10.0 + a1 * (14.0 - 10.0)
    var1 = (1.0 - a1) * (0.0 + (14.0 - 10.0) * a1 * (14.0 - 10.0))
    assert ewma.mean == pytest.approx(mean1, rel=1e-15)
    assert ewma.std == pytest.approx(math.sqrt(var1), rel=1e-15)
    # step 3 (t = 4 s, x = 9): z uses mean1 and var1, the state before x is folded in
    z = ewma.update(4 * SECOND, 9.0)
    assert z == pytest.approx((9.0 - mean1) / math.sqrt(var1), rel=1e-14)
    a2 = weight(3 * SECOND, 2 * SECOND)
    assert ewma.mean == pytest.approx(mean1 + a2 * (9.0 - mean1), rel=1e-15)
    assert ewma.std ** 2 == pytest.approx((1.0 - a2) * (var1 + (9.0 - mean1) * a2 * (9.0 - mean1)), rel=1e-14)


def test_an_observation_one_halflife_later_moves_the_mean_halfway() -> None:
    ewma = EwmaZScore(halflife_ns=5 * SECOND)
    ewma.update(0, 0.0)
    ewma.update(5 * SECOND, 1.0)
    assert ewma.mean == pytest.approx(0.5, rel=1e-15)


def test_a_burst_at_the_same_timestamp_gets_zero_weight_but_still_gets_a_z_score() -> None:
    ewma = EwmaZScore(halflife_ns=SECOND)
    ewma.update(0, 1.0)
    ewma.update(SECOND, 3.0)
    mean, std = ewma.mean, ewma.std
    z = ewma.update(SECOND, 100.0)  # dt = 0
    assert z == pytest.approx((100.0 - mean) / std, rel=1e-15)
    assert (ewma.mean, ewma.std) == (mean, std)


def test_a_timestamp_going_backwards_counts_as_zero_elapsed_time() -> None:
    ewma = EwmaZScore(halflife_ns=SECOND)
    ewma.update(10 * SECOND, 1.0)
    ewma.update(11 * SECOND, 2.0)
    mean, std = ewma.mean, ewma.std
    ewma.update(5 * SECOND, 50.0)
    assert (ewma.mean, ewma.std) == (mean, std)


def test_a_long_gap_lets_the_new_value_take_almost_all_the_weight() -> None:
    ewma = EwmaZScore(halflife_ns=SECOND)
    ewma.update(0, 1.0)
    ewma.update(SECOND, 2.0)
    ewma.update(SECOND + 3_600 * SECOND, 7.0)  # an hour later: weight 1 - 2**-3600 == 1.0 in float
    assert ewma.mean == 7.0


@pytest.mark.parametrize("halflife_ns", [0, -1])
def test_non_positive_halflife_is_refused(halflife_ns: int) -> None:
    with pytest.raises(ValueError, match="halflife_ns"):
        EwmaZScore(halflife_ns=halflife_ns)


def test_batch_twin_equals_the_streaming_object_bit_for_bit_and_reports_the_mean_before() -> None:
    rng = np.random.default_rng(3)
    ts = np.cumsum(rng.choice([0, 1_000_000, 250_000_000, 40 * SECOND], size=500)).astype(np.float64)
    x = np.cumsum(rng.normal(size=500))
    out_z, out_mean = np.empty(500), np.empty(500)
    ewma_batch(ts, x, float(3 * SECOND), out_z, out_mean)
    ewma = EwmaZScore(halflife_ns=3 * SECOND)
    means_before, zs = [], []
    for i in range(500):
        means_before.append(ewma.mean if i else x[0])
        zs.append(ewma.update(int(ts[i]), float(x[i])))
    np.testing.assert_array_equal(out_z, np.array(zs))
    np.testing.assert_array_equal(out_mean, np.array(means_before))


def test_step_function_returns_zero_and_seeds_state_on_first_call() -> None:
    state = np.zeros(STATE_SIZE)
    assert ewma_step(state, 123.0, 4.5, 1.0e9) == 0.0
    assert state.tolist() == [4.5, 0.0, 123.0, 1.0]
