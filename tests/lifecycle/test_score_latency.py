"""Inference latency recorder: percentiles equal numpy's on what it holds, growth, the ring, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.lifecycle.latency import LatencyInputError, LatencyRecorder
from arbkit.lifecycle.modes import LifecycleError
from arbkit.report.latency import summarise_ns


def test_empty_recorder_has_no_percentiles() -> None:
    rec = LatencyRecorder()
    assert (rec.count, rec.p50_us, rec.p99_us, rec.percentile_us(90)) == (0, None, None, None)
    assert rec.summary().n == 0


def test_percentiles_equal_numpy_and_the_report_summary_after_growing_past_the_first_buffer() -> None:
    rng = np.random.default_rng(0)
    values = rng.integers(1_000, 5_000_000, size=5_000)
    rec = LatencyRecorder(initial_capacity=4)
    for v in values:
        rec.record(int(v))
    assert rec.count == rec.held == 5_000
    np.testing.assert_array_equal(rec.samples_ns(), values)
    assert rec.p50_us == pytest.approx(np.percentile(values / 1_000, 50), rel=1e-12)
    assert rec.p99_us == pytest.approx(np.percentile(values / 1_000, 99), rel=1e-12)
    assert rec.summary() == summarise_ns(values)
    assert rec.summary().p99_us == rec.p99_us


def test_ring_keeps_only_the_most_recent_samples() -> None:
    rec = LatencyRecorder(initial_capacity=2, max_samples=8)
    for v in range(20):
        rec.record(v * 1_000)
    assert rec.count == 20 and rec.held == 8
    assert sorted(rec.samples_ns().tolist()) == [v * 1_000 for v in range(12, 20)]
    assert rec.percentile_us(0) == 12.0 and rec.percentile_us(100) == 19.0


def test_reset_forgets_everything() -> None:
    rec = LatencyRecorder(initial_capacity=1, max_samples=4)
    for v in (5, 6, 7, 8, 9):
        rec.record(v)
    rec.reset()
    assert rec.count == 0 and rec.p99_us is None
    rec.record(3_000)
    assert rec.p50_us == 3.0


def test_measure_records_the_block_even_when_it_raises() -> None:
    rec = LatencyRecorder()
    with rec.measure():
        sum(range(1_000))
    with pytest.raises(RuntimeError), rec.measure():
        raise RuntimeError("model failed")
    assert rec.count == 2 and all(v >= 0 for v in rec.samples_ns())


@pytest.mark.parametrize("call, message", [
    (lambda: LatencyRecorder().record(-1), "duration_ns must be >= 0, got -1"),
    (lambda: LatencyRecorder().percentile_us(101), r"percentile q must be in \[0, 100\], got 101"),
    (lambda: LatencyRecorder().percentile_us(float("nan")), "got nan"),
    (lambda: LatencyRecorder(initial_capacity=0), "initial_capacity must be >= 1, got 0"),
    (lambda: LatencyRecorder(initial_capacity=8, max_samples=4), r"max_samples must be >= initial_capacity \(8\)"),
])
def test_bad_input_is_refused_with_a_message(call: object, message: str) -> None:
    with pytest.raises(LatencyInputError, match=message):
        call()  # type: ignore[operator]
    assert issubclass(LatencyInputError, LifecycleError)


@settings(deadline=None, max_examples=50)
@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=300), st.integers(1, 64), st.floats(0, 100))
def test_any_sequence_gives_numpys_percentile_of_the_last_max_samples(values: list[int], cap: int, q: float) -> None:
    rec = LatencyRecorder(initial_capacity=1, max_samples=cap)
    for v in values:
        rec.record(v)
    kept = np.array(values[-cap:], dtype=np.int64)
    assert rec.held == kept.size and rec.count == len(values)
    assert rec.percentile_us(q) == pytest.approx(float(np.percentile(kept / 1_000, q)), rel=1e-12, abs=1e-9)
