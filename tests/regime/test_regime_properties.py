"""Properties under bad input (NaN, inf, zero or negative prices, time going backwards, gaps).

For any stream: nothing raises, every label is a real label (an int in range, never NaN), and a
refused input leaves the state exactly as it was: a twin fed only the accepted inputs (decided here,
independently) produces the same outputs and ends in the same state.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.regime.events import DISLOCATED, WARMING_UP
from arbkit.regime.guard import DislocationGuard, GuardConfig
from arbkit.regime.model import FORMAT_VERSION, RegimeModel, RegimeModelParams
from arbkit.regime.monitor import RegimeMonitor
from arbkit.regime.status import UpdateStatus
from arbkit.regime.vol_features import BarVolSpec

T0 = 1_700_000_000_000_000_000
MS = 1_000_000
GUARD = GuardConfig(warmup_ns=50 * MS, warmup_events=5, cooldown_ns=100 * MS, max_gap_ns=2_000 * MS,
                    window_ns=20 * MS)
BAD_VALUES = [math.nan, math.inf, -math.inf, 0.0, -1.0, -0.0]

steps = st.one_of(st.integers(0, 30 * MS), st.integers(-50 * MS, -1), st.integers(2_000 * MS, 10_000 * MS))
prices = st.one_of(st.floats(95.0, 105.0), st.floats(1e-3, 1e6), st.sampled_from(BAD_VALUES))
features = st.one_of(st.floats(-5.0, 5.0), st.sampled_from([math.nan, math.inf, -math.inf]))
events = st.lists(st.tuples(steps, prices, features, st.sampled_from([None, 0.5, 40.0, -1.0, math.nan])),
                  min_size=1, max_size=120)


def hmm() -> RegimeModel:
    return RegimeModel(RegimeModelParams(
        format_version=FORMAT_VERSION, kind="hmm", feature_names=("log_rv",), feature_digest="d",
        regime_names=("calm", "volatile"), order_by="log_rv", means=[[0.0], [2.0]],
        covariances=[[[0.5]], [[0.8]]], startprob=[0.6, 0.4], transmat=[[0.95, 0.05], [0.1, 0.9]]))


def timeline(stream: list[tuple[int, float, float, float | None]]) -> list[tuple[int, float, float, float | None]]:
    ts, out = T0, []
    for step, mid, x, spread in stream:
        ts += step
        out.append((ts, mid, x, spread))
    return out


def accepted(items: list[tuple[int, float, bool]]) -> list[bool]:
    """Which inputs a component must accept: values valid and time not before the last accepted one."""
    last, keep = None, []
    for ts, _, valid in items:
        ok = valid and (last is None or ts >= last)
        keep.append(ok)
        if ok:
            last = ts
    return keep


@settings(max_examples=150, deadline=None)
@given(events)
def test_guard_refuses_bad_input_without_changing_state(stream) -> None:  # type: ignore[no-untyped-def]
    items = timeline(stream)
    keep = accepted([(ts, mid, math.isfinite(mid) and mid > 0 and (s is None or (math.isfinite(s) and s >= 0)))
                     for ts, mid, _, s in items])
    guard, twin = DislocationGuard(GUARD), DislocationGuard(GUARD)
    for (ts, mid, _, spread), ok in zip(items, keep):
        status = guard.update(ts, mid, spread_bps=spread)
        if ok:
            assert twin.update(ts, mid, spread_bps=spread) == status
            assert status in (UpdateStatus.OK, UpdateStatus.WARMING_UP, UpdateStatus.GAP_RESET)
        else:
            assert status in (UpdateStatus.INVALID_INPUT, UpdateStatus.TIME_BACKWARDS)
        assert guard.tripped == twin.tripped
    assert guard.invalid_count == keep.count(False) and twin.invalid_count == 0
    np.testing.assert_array_equal(guard._fstate, twin._fstate)


@settings(max_examples=150, deadline=None)
@given(events, st.sampled_from(["hmm", "kmeans"]))
def test_classifier_refuses_bad_rows_and_never_returns_a_nan_label(stream, kind) -> None:  # type: ignore[no-untyped-def]
    model = hmm()
    if kind == "kmeans":
        model = RegimeModel(RegimeModelParams(format_version=FORMAT_VERSION, kind="kmeans", feature_names=("log_rv",),
                                              feature_digest="d", regime_names=("calm", "volatile"),
                                              order_by="log_rv", means=[[0.0], [2.0]]))
    items = timeline(stream)
    keep = accepted([(ts, x, math.isfinite(x)) for ts, _, x, _ in items])
    clf, twin = model.online(max_gap_ns=1_000 * MS, warmup_rows=2), model.online(max_gap_ns=1_000 * MS, warmup_rows=2)
    for (ts, _, x, _), ok in zip(items, keep):
        label = clf.update(ts, np.array([x]))
        assert isinstance(label, int) and -1 <= label < 2
        if ok:
            assert twin.update(ts, np.array([x])) == label
        else:
            assert label == -1 and clf.status in (UpdateStatus.INVALID_INPUT, UpdateStatus.TIME_BACKWARDS)
        probs = clf.probabilities
        assert np.isfinite(probs).all() and abs(probs.sum() - 1.0) < 1e-9
        np.testing.assert_array_equal(probs, twin.probabilities)
    assert clf.invalid_count == keep.count(False)


@settings(max_examples=100, deadline=None)
@given(events)
def test_monitor_label_is_always_one_of_its_regimes_and_bad_input_changes_nothing(stream) -> None:  # type: ignore[no-untyped-def]
    items = timeline(stream)
    valid = [math.isfinite(mid) and mid > 0 and math.isfinite(x) and (s is None or (math.isfinite(s) and s >= 0))
             for _, mid, x, s in items]
    keep = accepted([(ts, 0.0, v) for (ts, *_), v in zip(items, valid)])
    make = lambda: RegimeMonitor("m", classifier=hmm().online(max_gap_ns=1_000 * MS),
                                 guard=DislocationGuard(GUARD))
    monitor, twin = make(), make()
    for (ts, mid, x, spread), ok in zip(items, keep):
        change = monitor.update(ts, mid, np.array([x]), spread_bps=spread)
        assert monitor.current in monitor.regimes
        if ok:
            twin_change = twin.update(ts, mid, np.array([x]), spread_bps=spread)
            assert change == twin_change
        else:
            assert change is None
            assert monitor.status in (UpdateStatus.INVALID_INPUT, UpdateStatus.TIME_BACKWARDS)
        assert monitor.current == twin.current
        if change is not None:
            assert change.old != change.new and change.new == monitor.current
    assert monitor.invalid_count == keep.count(False)
    assert set(monitor.regimes) == {WARMING_UP, "calm", "volatile", DISLOCATED}


@settings(max_examples=100, deadline=None)
@given(events)
def test_feature_engine_refuses_bad_mids_and_emits_finite_rows(stream) -> None:  # type: ignore[no-untyped-def]
    spec = BarVolSpec(bar_ns=40 * MS, sample_ns=10 * MS, max_gap_ns=1_000 * MS, warmup_ns=0)
    items = timeline(stream)
    keep = accepted([(ts, mid, math.isfinite(mid) and mid > 0) for ts, mid, _, _ in items])
    engine, twin = spec.streaming(), spec.streaming()
    for (ts, mid, _, _), ok in zip(items, keep):
        row = engine.update(ts, mid)
        if ok:
            twin_row = twin.update(ts, mid)
            assert (row is None) == (twin_row is None)
            if row is not None:
                assert np.isfinite(row).all()
                np.testing.assert_array_equal(row, twin_row)  # type: ignore[arg-type]
        else:
            assert row is None
    assert engine.invalid_count == keep.count(False)
