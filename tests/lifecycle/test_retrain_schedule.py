"""RetrainSchedule (period, drift, gap), RetrainWorker (a niced child process) and the registry retrain route."""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.lifecycle.modes import LifecycleError
from arbkit.lifecycle.retrain import (
    RetrainSchedule,
    RetrainWorker,
    child_niceness,
    child_numeric_threads,
    child_pid,
    fit_basis_logistic,
    registry_retrain,
)
from arbkit.models.logistic import LogisticModel

HOUR = 3_600_000_000_000
MINUTE = 60_000_000_000


def test_periodic_schedule_is_due_one_period_after_the_anchor_and_after_each_start() -> None:
    schedule = RetrainSchedule(every_ns=HOUR, on_drift_psi=None, min_gap_ns=0, anchor_ns=1_000)
    assert schedule.due(1_000 + HOUR - 1, None) is None
    assert schedule.due(1_000 + HOUR, None) == "scheduled: 3600.000 s since the last retrain >= every 3600 s"
    schedule.mark_started(1_000 + HOUR + 5)
    assert schedule.last_started_ns == 1_000 + HOUR + 5
    assert schedule.due(1_000 + 2 * HOUR, None) is None
    assert schedule.due(1_000 + 2 * HOUR + 5, None) is not None


def test_without_an_anchor_the_first_call_starts_the_period() -> None:
    schedule = RetrainSchedule(every_ns=HOUR, on_drift_psi=None, min_gap_ns=0)
    assert schedule.due(7 * HOUR, None) is None
    assert schedule.due(8 * HOUR - 1, None) is None
    assert schedule.due(8 * HOUR, None) is not None


def test_drift_triggers_at_the_threshold_and_the_gap_holds_back_both_triggers() -> None:
    schedule = RetrainSchedule(every_ns=HOUR, on_drift_psi=0.25, min_gap_ns=10 * MINUTE, anchor_ns=0)
    assert schedule.due(MINUTE, 0.2499) is None
    assert schedule.due(MINUTE, 0.25) == "drift: max PSI 0.25 >= 0.25"
    schedule.mark_started(MINUTE)
    assert schedule.due(5 * MINUTE, 3.0) is None  # within the gap
    assert schedule.due(11 * MINUTE, 3.0) == "drift: max PSI 3 >= 0.25"
    assert schedule.due(11 * MINUTE, None) is None  # no measurement, no drift trigger, period not over
    assert schedule.due(MINUTE + HOUR, 0.5).startswith("drift")  # drift is named first when both hold


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"every_ns": None, "on_drift_psi": None, "min_gap_ns": 0}, "needs every_ns or on_drift_psi"),
    ({"every_ns": 0, "on_drift_psi": None, "min_gap_ns": 0}, "every_ns must be a positive int of ns, got 0"),
    ({"every_ns": 1.5, "on_drift_psi": None, "min_gap_ns": 0}, "every_ns must be a positive int of ns, got 1.5"),
    ({"every_ns": None, "on_drift_psi": float("nan"), "min_gap_ns": 0}, "on_drift_psi must be a finite PSI > 0, got nan"),
    ({"every_ns": None, "on_drift_psi": -0.1, "min_gap_ns": 0}, "on_drift_psi must be a finite PSI > 0, got -0.1"),
    ({"every_ns": HOUR, "on_drift_psi": None, "min_gap_ns": -1}, "min_gap_ns must be an int of ns >= 0, got -1"),
])
def test_bad_schedule_settings_are_refused_naming_the_value(kwargs: dict, message: str) -> None:
    with pytest.raises(LifecycleError, match=message):
        RetrainSchedule(**kwargs)


def test_bad_clock_and_psi_inputs_are_refused() -> None:
    schedule = RetrainSchedule(every_ns=HOUR, on_drift_psi=0.2, min_gap_ns=0)
    schedule.due(10, None)
    with pytest.raises(LifecycleError, match="clock moved backwards: now 9 ns, last seen 10 ns"):
        schedule.due(9, None)
    with pytest.raises(LifecycleError, match="now_ns must be int ns, got float 11.0"):
        schedule.due(11.0, None)  # type: ignore[arg-type]
    with pytest.raises(LifecycleError, match="max_psi must be a finite PSI >= 0 or None, got nan"):
        schedule.due(12, float("nan"))
    with pytest.raises(LifecycleError, match="max_psi must be a finite PSI >= 0 or None, got '0.3'"):
        schedule.due(12, "0.3")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 3 * HOUR), st.one_of(st.none(), st.floats(0, 2))), min_size=1,
                      max_size=60),
       every=st.one_of(st.none(), st.integers(1, 5 * HOUR)), gap=st.integers(0, 2 * HOUR))
def test_starting_whenever_due_keeps_starts_at_least_the_gap_apart_and_never_misses_a_period(
        steps: list[tuple[int, float | None]], every: int | None, gap: int) -> None:
    schedule = RetrainSchedule(every_ns=every, on_drift_psi=0.5, min_gap_ns=gap, anchor_ns=0)
    now, starts = 0, []
    for step, psi in steps:
        now += step
        reason = schedule.due(now, psi)
        since = starts[-1] if starts else 0
        open_gap = not starts or now - starts[-1] >= gap
        drift = psi is not None and psi >= 0.5
        period = every is not None and now - since >= every
        assert (reason is not None) == (open_gap and (drift or period))
        if reason is not None:
            schedule.mark_started(now)
            starts.append(now)
    assert all(b - a >= gap for a, b in itertools.pairwise(starts))


def _rows(n: int = 2_000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)) * [1, 2, 3, 0.1, 10] + [0, 1, 2, 3, 4]
    y = (x @ np.array([1.0, -0.5, 0.2, 4.0, 0.05]) + rng.normal(size=n) > 12.2).astype(int)
    return x, y


def test_a_fit_in_the_worker_child_gives_the_parameters_of_an_in_process_fit() -> None:
    x, y = _rows()
    names = ("f0", "f1", "f2", "f3", "f4")
    here = LogisticModel.fit(x, y, names, "dg", c_regularisation=0.5, seed=7)
    with RetrainWorker() as worker:
        params = worker.submit(fit_basis_logistic, x, y, names, "dg", 0.5, 7).result(timeout=120)
        pid = worker.submit(child_pid).result(timeout=60)
    assert pid != os.getpid()
    assert params == here.params
    assert LogisticModel(params).version == here.version


def test_worker_children_run_niced_with_one_numeric_thread() -> None:
    base = os.nice(0)
    with RetrainWorker(niceness=10) as niced:
        assert niced.submit(child_niceness).result(timeout=60) == min(base + 10, 19)
        threads = niced.submit(child_numeric_threads).result(timeout=60)
    assert set(threads["env"].values()) == {"1"}
    assert threads["max_pool_threads"] == 1
    with RetrainWorker(niceness=0, mp_context="forkserver") as plain:
        assert plain.submit(child_niceness).result(timeout=60) == base


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"max_workers": 0}, "max_workers must be an int >= 1, got 0"),
    ({"niceness": 20}, r"niceness must be an int in 0..19, got 20"),
    ({"niceness": -1}, r"niceness must be an int in 0..19, got -1"),
    ({"mp_context": "fork"}, "mp_context must be 'spawn' or 'forkserver', got 'fork'"),
])
def test_bad_worker_settings_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(LifecycleError, match=message):
        RetrainWorker(**kwargs)


def test_a_failing_fit_comes_back_as_the_futures_error() -> None:
    x, y = _rows(100)
    with RetrainWorker() as worker:
        future = worker.submit(fit_basis_logistic, x, np.zeros_like(y), ("a", "b", "c", "d", "e"), "dg", 1.0, 0)
        error = future.exception(timeout=120)
    assert type(error).__name__ == "ModelMismatchError" and "single class" in str(error)


def test_registry_retrain_returns_a_future_and_registers_a_new_version_from_a_child(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arbkit.models.jobs import train_and_register
    from arbkit.models.registry import ModelRegistry
    from arbkit.models.train_config import load_train_config

    """Two real training jobs on the sample (about 45 s on 2 cores): one here, the retrain in a child process."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    root = tmp_path / "models"
    root.mkdir()
    registry = ModelRegistry(root=root)
    small = {"name": "basis-gbm", "model": {"kind": "lightgbm", "params": {"n_estimators": 10, "num_leaves": 7}},
             "data": {"max_rows": 400}, "validation": {"n_splits": 2}}
    train_and_register(load_train_config(overrides=small), registry, actor="alice")
    events: list[dict] = []
    threads: set[int] = set()

    def on_event(event: dict) -> None:
        events.append(event)
        threads.add(threading.get_ident())

    future = registry_retrain("basis-gbm", registry, actor="scheduler", on_event=on_event)
    result = future.result(timeout=600)
    assert threads and threading.get_ident() not in threads  # the caller's thread only waited on the Future
    assert result.outcome.pid != os.getpid() and result.outcome.registered.version == 2
    assert [s.version for s in registry.list("basis-gbm")] == [1, 2]
    assert any(e["event"] == "progress" for e in events)
