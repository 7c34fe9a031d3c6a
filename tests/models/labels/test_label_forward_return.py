"""Forward returns: hand examples, a slow reference, and no price after t1 is ever read."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from label_kit import S, price_series, slow_forward_return

from arbkit.models.labels import forward_return


def test_value_is_the_log_return_in_bps_to_the_last_price_at_or_before_the_horizon() -> None:
    ts = np.array([0, 1, 2, 2, 5], dtype=np.int64) * S
    price = np.array([100.0, 101.0, 99.0, 102.0, 200.0])
    labels = forward_return(ts, price, horizon_ns=2 * S)
    # row 0 sees rows up to t=2 s, the last of the burst at 2 s (102); row 1 the price at 2 s too, row 2 and 3 nothing
    # new before 4 s (their own burst's last price, 102); row 4 is past the data
    expected = 1e4 * np.log(np.array([102 / 100, 102 / 101, 102 / 99, 1.0]))
    np.testing.assert_allclose(labels.value[:4], expected, rtol=1e-12)
    assert np.isnan(labels.value[4]) and np.isnan(labels.label[4])
    assert labels.label[:4].tolist() == [1.0, 1.0, 1.0, 0.0]
    assert (labels.t1 == ts + 2 * S).all() and (labels.t0 == ts).all()
    assert labels.defined.tolist() == [True, True, True, True, False]


def test_a_row_whose_horizon_ends_exactly_at_the_last_row_is_defined_and_one_ns_more_is_not() -> None:
    ts = np.array([0, 3 * S], dtype=np.int64)
    assert forward_return(ts, np.array([1.0, 2.0]), 3 * S).defined.tolist() == [True, False]
    assert forward_return(ts, np.array([1.0, 2.0]), 3 * S + 1).defined.tolist() == [False, False]


def test_a_price_one_ns_after_the_horizon_is_not_used() -> None:
    ts = np.array([0, S, S + 1, 9 * S], dtype=np.int64)
    labels = forward_return(ts, np.array([100.0, 100.0, 150.0, 150.0]), S)
    assert labels.value[0] == 0.0 and labels.label[0] == 0.0


def test_events_idx_labels_only_those_rows_and_records_them() -> None:
    ts = np.arange(6, dtype=np.int64) * S
    price = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    labels = forward_return(ts, price, S, events_idx=np.array([1, 3]))
    assert labels.index.tolist() == [1, 3] and labels.t0.tolist() == [S, 3 * S]
    np.testing.assert_allclose(labels.value, [1e4 * np.log(2.0)] * 2)
    assert labels.definition == {"name": "forward_return", "version": 1, "horizon_ns": S,
                                 "value_unit": "log return, bps", "price_at_horizon": "last at or before t0 + horizon"}
    assert len(labels.defined_only()) == 2 and len(forward_return(ts, price, 2 * S).defined_only()) == 4


@settings(max_examples=200, deadline=None)
@given(price_series(), st.sampled_from([1, 100_000_000, S, 2 * S, 10 * S]))
def test_forward_returns_equal_the_slow_reference(series: tuple[np.ndarray, np.ndarray], horizon: int) -> None:
    ts, price = series
    labels = forward_return(ts, price, horizon)
    expected = slow_forward_return(ts.tolist(), price.tolist(), horizon)
    assert labels.t1.tolist() == [t1 for t1, _ in expected]
    np.testing.assert_allclose(labels.value, [v for _, v in expected], rtol=1e-9, atol=1e-9)
    assert ((labels.t0 <= labels.t1) & (labels.t1 == labels.t0 + horizon)).all()


@settings(max_examples=150, deadline=None)
@given(price_series(min_size=2), st.sampled_from([1, S, 2 * S, 10 * S]), st.data())
def test_prices_after_a_rows_t1_do_not_change_its_label(series: tuple[np.ndarray, np.ndarray], horizon: int,
                                                        data: st.DataObject) -> None:
    ts, price = series
    i = data.draw(st.integers(0, len(ts) - 1))
    before = forward_return(ts, price, horizon)
    later = ts > before.t1[i]
    shocked = price * np.where(later, data.draw(st.sampled_from([0.5, 3.0])), 1.0)
    after = forward_return(ts, shocked, horizon)
    assert after.t1[i] == before.t1[i]
    np.testing.assert_array_equal(after.value[i], before.value[i])
