"""OnlineLogistic: learns a stream off the inference path, publishes snapshots that predict what the SGD model does."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.core.time import SimulatedClock
from arbkit.lifecycle.model_slot import ModelSlot
from arbkit.lifecycle.online import OnlineLearningError, OnlineLogistic, OnlineSnapshot

NAMES = ("spread_bps", "imbalance", "vol", "z")
DIGEST = "digest-online"
WEIGHTS = np.array([1.5, -2.0, 0.0, 0.8])


def stream(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows on very different scales and offsets; the label is a linear rule of the standardised row (separable)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(rows, 4))
    x = z * [3.0, 0.01, 50.0, 1.0] + [10.0, 0.5, 200.0, -1.0]
    y = (z @ WEIGHTS > 0).astype(int)
    return x, y


def feed(model: OnlineLogistic, x: np.ndarray, y: np.ndarray) -> None:
    for row, label in zip(x, y):
        model.learn(row, int(label))


def test_accuracy_on_held_out_rows_rises_as_the_separable_stream_is_learned() -> None:
    x, y = stream(4_000)
    hold_x, hold_y = stream(1_000, seed=99)
    accuracy = []
    with OnlineLogistic(NAMES, DIGEST, "logit-base", publish_every=40, batch_rows=20, background=False) as model:
        for start in range(0, 4_000, 40):
            feed(model, x[start:start + 40], y[start:start + 40])
            snapshot = model.latest_snapshot()
            assert snapshot is not None
            accuracy.append(float(((snapshot.predict_many(hold_x) > 0.5) == hold_y).mean()))
    assert accuracy[-1] >= 0.95
    assert np.mean(accuracy[-10:]) > np.mean(accuracy[:3]) + 0.05


def test_snapshot_predicts_what_the_sgd_model_predicts_to_1e_12() -> None:
    x, y = stream(1_000)
    with OnlineLogistic(NAMES, DIGEST, "logit-base", publish_every=200, background=False) as model:
        feed(model, x, y)
        snapshot = model.latest_snapshot()
        assert isinstance(snapshot, OnlineSnapshot)
        rng = np.random.default_rng(5)
        probe = rng.normal(size=(500, 4)) * [6.0, 0.02, 100.0, 2.0] + [10.0, 0.5, 200.0, -1.0]
        expected = model.estimator.predict_proba(model.standardise(probe))[:, 1]
    np.testing.assert_allclose(snapshot.predict_many(probe), expected, rtol=0, atol=1e-12)
    per_tick = np.array([snapshot.predict_one(row) for row in probe])
    np.testing.assert_allclose(per_tick, expected, rtol=0, atol=1e-12)


def test_snapshots_are_published_every_n_rows_with_an_online_version() -> None:
    x, y = stream(650)
    with OnlineLogistic(NAMES, DIGEST, "logit-3fa2c1d0", publish_every=200, background=False) as model:
        assert model.latest_snapshot() is None
        feed(model, x[:199], y[:199])
        assert model.latest_snapshot() is None and model.snapshots_published == 0
        feed(model, x[199:], y[199:])
        snapshot = model.latest_snapshot()
        assert snapshot is not None and snapshot.version == "logit-3fa2c1d0+online600"
        assert model.snapshots_published == 3 and snapshot.params.train_rows == 600
        model.drain()
        assert model.latest_snapshot().version == "logit-3fa2c1d0+online650"  # type: ignore[union-attr]
        assert model.snapshots_published == 4


def test_background_and_inline_learning_reach_the_same_snapshot_coefficients() -> None:
    x, y = stream(1_234)
    snapshots = []
    for background in (False, True):
        with OnlineLogistic(NAMES, DIGEST, "base", publish_every=100, batch_rows=10, background=background,
                            seed=3) as model:
            feed(model, x, y)
            model.drain(timeout_s=60)
            assert model.rows_learned == 1_234
            snapshots.append(model.latest_snapshot())
    inline, background_ = snapshots
    assert inline is not None and background_ is not None
    assert inline.params == background_.params and inline.version == background_.version == "base+online1234"


def test_non_finite_rows_are_counted_and_never_learned() -> None:
    x, y = stream(600)
    dirty_x = x.copy()
    bad = [3, 50, 51, 400]
    dirty_x[3, 0], dirty_x[50, 2], dirty_x[51, 1], dirty_x[400, 3] = np.nan, np.inf, -np.inf, np.nan
    with OnlineLogistic(NAMES, DIGEST, "base", background=True) as dirty:
        feed(dirty, dirty_x, y)
        dirty.drain(timeout_s=60)
        assert (dirty.rows_dropped, dirty.rows_learned) == (4, 596)
        dirty_snapshot = dirty.latest_snapshot()
    keep = np.setdiff1d(np.arange(600), bad)
    with OnlineLogistic(NAMES, DIGEST, "base", background=False) as clean:
        feed(clean, x[keep], y[keep])
        clean.drain()
        assert clean.rows_dropped == 0
        assert dirty_snapshot is not None and dirty_snapshot.params == clean.latest_snapshot().params  # type: ignore[union-attr]


@settings(max_examples=100, deadline=None)
@given(label=st.one_of(st.integers().filter(lambda v: v not in (0, 1)), st.floats(allow_nan=True), st.booleans(),
                       st.text(max_size=3), st.none()))
def test_a_label_other_than_the_int_0_or_1_is_a_typed_error_naming_it(label: object) -> None:
    model = OnlineLogistic(NAMES, DIGEST, "base", background=False)
    with pytest.raises(OnlineLearningError, match=r"label must be the int 0 or 1, got "):
        model.learn(np.zeros(4), label)  # type: ignore[arg-type]
    assert model.rows_learned == 0 and model.rows_dropped == 0


@settings(max_examples=100, deadline=None)
@given(row=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=4, max_size=4))
def test_any_row_is_learned_or_counted_as_dropped_never_both(row: list[float]) -> None:
    model = OnlineLogistic(NAMES, DIGEST, "base", publish_every=1, batch_rows=1, background=False)
    model.learn(np.array(row), 1)
    finite = all(math.isfinite(v) for v in row)
    assert (model.rows_learned, model.rows_dropped) == ((1, 0) if finite else (0, 1))


def test_wrong_width_and_bad_settings_are_refused() -> None:
    model = OnlineLogistic(NAMES, DIGEST, "base", background=False)
    with pytest.raises(OnlineLearningError, match=r"row has shape \(3,\); the model takes 4 features \(spread_bps"):
        model.learn(np.zeros(3), 1)
    with pytest.raises(OnlineLearningError, match="publish_every must be a positive multiple of batch_rows 20, got 30"):
        OnlineLogistic(NAMES, DIGEST, "base", publish_every=30)
    with pytest.raises(OnlineLearningError, match="batch_rows must be an int >= 1, got 0"):
        OnlineLogistic(NAMES, DIGEST, "base", batch_rows=0)


def test_close_stops_the_worker_thread_and_later_use_is_refused() -> None:
    before = {t.name for t in threading.enumerate()}
    model = OnlineLogistic(NAMES, DIGEST, "base", background=True)
    assert model.alive and "arbkit-online-learner" in {t.name for t in threading.enumerate()} - before
    x, y = stream(100)
    feed(model, x, y)
    model.close()
    assert not model.alive
    model.close()  # idempotent
    with pytest.raises(OnlineLearningError, match="the online learner is closed"):
        model.learn(x[0], 1)
    with pytest.raises(OnlineLearningError, match="the online learner is closed"):
        model.drain()


def test_snapshots_swap_into_a_model_slot_and_serve_per_tick() -> None:
    x, y = stream(800)
    clock = SimulatedClock(0)
    with OnlineLogistic(NAMES, DIGEST, "base", publish_every=200, background=True) as model:
        feed(model, x[:200], y[:200])
        model.drain(timeout_s=60)
        first = model.latest_snapshot()
        assert first is not None
        slot = ModelSlot(first, DIGEST, x[0], clock)
        feed(model, x[200:], y[200:])
        model.drain(timeout_s=60)
        clock.advance_to(10)
        latest = model.latest_snapshot()
        assert latest is not None
        record = slot.swap(latest, actor="online", reason="snapshot")
    assert (record.old_version, record.new_version) == ("base+online200", "base+online800")
    assert slot.current.model.predict_one(x[1]) == latest.predict_one(x[1])
