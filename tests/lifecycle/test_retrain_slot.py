"""ModelSlot and BackgroundLoad: verified, atomic swaps while another thread predicts; loads off the inference path."""

from __future__ import annotations

import math
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from arbkit.core.time import SimulatedClock
from arbkit.lifecycle.model_slot import BackgroundLoad, BackgroundLoadError, ModelSlot, SwapRefusedError
from arbkit.lifecycle.modes import LifecycleError
from arbkit.lifecycle.retrain import RetrainWorker, fit_basis_logistic
from arbkit.models.errors import ModelMismatchError
from arbkit.models.logistic import LogisticModel

DIGEST = "feat-digest-1"
NAMES = ("a", "b", "c")


class ConstModel:
    """Predicts its own id scaled into [0, 1]; version ``m<id>``. ``bad`` makes it predict NaN."""

    def __init__(self, ident: int, bad: bool = False, digest: str = DIGEST) -> None:
        self.ident = ident
        self.bad = bad
        self.digest = digest

    @property
    def version(self) -> str:
        return f"m{self.ident}"

    def check_features(self, feature_digest: str) -> None:
        if feature_digest != self.digest:
            raise ModelMismatchError(f"{self.version} trained on {self.digest}, not {feature_digest}")

    def predict_one(self, x: np.ndarray) -> float:
        return math.nan if self.bad else self.ident / 10_000


def _data(rows: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3)) * [1.0, 3.0, 0.5] + [0.0, 2.0, -1.0]
    y = (x[:, 0] - 0.3 * x[:, 1] + rng.normal(scale=0.5, size=rows) > -0.6).astype(int)
    return x, y


def test_a_reader_hammering_predict_never_sees_a_version_prediction_mismatch_over_1000_swaps() -> None:
    slot = ModelSlot(ConstModel(0), DIGEST, np.zeros(3), SimulatedClock(0))
    probe = np.zeros(3)
    stop = threading.Event()
    seen: list[tuple[str, float]] = []
    served_versions: set[str] = set()

    def reader() -> None:
        while not stop.is_set():
            served = slot.current  # read once per decision
            seen.append((served.version, served.model.predict_one(probe)))
            model = slot.model  # the other reading style: one model object, its own version
            seen.append((model.version, model.predict_one(probe)))
            served_versions.add(served.version)

    def wait_for_reader() -> None:
        """Let the reader make progress (no timing: waits for its next observations)."""
        count = len(seen)
        while len(seen) == count and thread.is_alive():
            time.sleep(0)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    try:
        thread = threading.Thread(target=reader)
        thread.start()
        for i in range(1, 1001):
            if i % 20 == 0:
                wait_for_reader()
            slot.swap(ConstModel(i), actor="test", reason=f"swap {i}")
        wait_for_reader()
        stop.set()
        thread.join()
    finally:
        sys.setswitchinterval(old)
    mismatches = [(v, p) for v, p in seen if p != int(v[1:]) / 10_000]
    assert not mismatches, mismatches[:5]
    assert len(served_versions) >= 50  # the reader really ran across the swaps
    assert slot.version == "m1000" and len(slot.history) == 1000
    assert [r.new_version for r in slot.history[:2]] == ["m1", "m2"]


def test_refused_swaps_interleaved_with_good_ones_never_reach_a_reader() -> None:
    slot = ModelSlot(ConstModel(0), DIGEST, np.zeros(3), SimulatedClock(0))
    stop = threading.Event()
    bad_seen: list[float] = []

    def reader() -> None:
        while not stop.is_set():
            p = slot.model.predict_one(np.zeros(3))
            if not math.isfinite(p):
                bad_seen.append(p)

    thread = threading.Thread(target=reader)
    thread.start()
    refused = 0
    for i in range(1, 401):
        try:
            slot.swap(ConstModel(i, bad=i % 2 == 0), actor="test", reason="alternate")
        except SwapRefusedError:
            refused += 1
    stop.set()
    thread.join()
    assert refused == 200 and not bad_seen
    assert slot.version == "m399" and len(slot.history) == 200


def test_swap_with_another_feature_set_is_refused_and_the_old_model_stays() -> None:
    clock = SimulatedClock(1_000)
    slot = ModelSlot(ConstModel(1), DIGEST, np.zeros(3), clock)
    with pytest.raises(SwapRefusedError, match=r"candidate m2 refused: feature check against feat-digest-1 failed"):
        slot.swap(ConstModel(2, digest="other"), actor="alice", reason="promote")
    assert slot.version == "m1" and slot.history == ()


@pytest.mark.parametrize(("value", "why"), [(math.nan, "nan"), (1.5, "1.5"), (-0.1, "-0.1"), (math.inf, "inf")])
def test_swap_with_a_probe_prediction_outside_the_range_is_refused(value: float, why: str) -> None:
    class Fixed(ConstModel):
        def predict_one(self, x: np.ndarray) -> float:
            return value

    slot = ModelSlot(ConstModel(1), DIGEST, np.zeros(3), SimulatedClock(0))
    with pytest.raises(SwapRefusedError, match=rf"candidate m7 refused: probe prediction {why} is outside \[0.0, 1.0\]"):
        slot.swap(Fixed(7), actor="alice", reason="promote")
    assert slot.model.predict_one(np.zeros(3)) == 1 / 10_000


def test_swap_of_a_model_that_raises_on_the_probe_is_refused_naming_the_error() -> None:
    x, y = _data()
    slot = ModelSlot(LogisticModel.fit(x, y, NAMES, DIGEST), DIGEST, x[0], SimulatedClock(0))
    wide = LogisticModel.fit(np.hstack([x, x[:, :1]]), y, (*NAMES, "d"), DIGEST)  # 4 features for a 3-wide probe
    with pytest.raises(SwapRefusedError, match=r"probe prediction raised ModelMismatchError: .*3 features given"):
        slot.swap(wide, actor="alice", reason="promote")


def test_history_records_clock_time_versions_actor_and_reason() -> None:
    x, y = _data()
    first = LogisticModel.fit(x, y, NAMES, DIGEST)
    second = LogisticModel.fit(x, y, NAMES, DIGEST, c_regularisation=0.01)
    clock = SimulatedClock(5_000)
    slot = ModelSlot(first, DIGEST, x[0], clock)
    clock.advance_to(9_000)
    record = slot.swap(second, actor="alice", reason="weekly retrain")
    assert (record.ts_ns, record.old_version, record.new_version) == (9_000, first.version, second.version)
    assert (record.actor, record.reason) == ("alice", "weekly retrain")
    assert record.probe_prediction == second.predict_one(x[0])
    assert slot.history == (record,) and slot.current.model is second


def test_slot_rejects_bad_probe_empty_actor_and_a_bad_first_model() -> None:
    with pytest.raises(LifecycleError, match=r"finite 1-d feature vector, got shape \(3,\) with 1 non-finite"):
        ModelSlot(ConstModel(1), DIGEST, np.array([0.0, np.nan, 1.0]), SimulatedClock(0))
    with pytest.raises(SwapRefusedError, match="candidate m1 refused: probe prediction nan"):
        ModelSlot(ConstModel(1, bad=True), DIGEST, np.zeros(3), SimulatedClock(0))
    slot = ModelSlot(ConstModel(1), DIGEST, np.zeros(3), SimulatedClock(0))
    with pytest.raises(LifecycleError, match="a swap needs an actor and a reason, got actor=' '"):
        slot.swap(ConstModel(2), actor=" ", reason="x")
    assert slot.version == "m1"


def test_background_thread_load_of_a_saved_model_is_taken_once_and_swapped(tmp_path: Path) -> None:
    x, y = _data()
    live = LogisticModel.fit(x, y, NAMES, DIGEST)
    new = LogisticModel.fit(x[:200], y[:200], NAMES, DIGEST)
    path = new.save(tmp_path / "new.json")
    slot = ModelSlot(live, DIGEST, x[0], SimulatedClock(0))
    load = BackgroundLoad.in_thread(LogisticModel.load, path, DIGEST, label="new")
    load.future.result(timeout=30)
    assert load.ready()
    model = load.take()
    slot.swap(model, actor="loader", reason="loaded")
    assert slot.version == new.version
    assert not load.ready()
    with pytest.raises(BackgroundLoadError, match="background load 'new' was already taken"):
        load.take()


def test_background_load_not_finished_or_failed_is_a_typed_error(tmp_path: Path) -> None:
    gate = threading.Event()
    pending = BackgroundLoad.in_thread(gate.wait, 30, label="slow")
    assert not pending.ready()
    with pytest.raises(BackgroundLoadError, match="background load 'slow' is not finished; check ready"):
        pending.take()
    gate.set()
    (tmp_path / "bad.json").write_text('{"feature_names": 3}')
    failed = BackgroundLoad.in_thread(LogisticModel.load, tmp_path / "bad.json", label="broken")
    failed.future.exception(timeout=30)
    assert failed.ready()
    with pytest.raises(BackgroundLoadError, match=r"'broken' failed in its worker: ModelMismatchError: .*not a saved"):
        failed.take()
    with pytest.raises(LifecycleError, match="wait_in_replay needs ready_at_ns"):
        BackgroundLoad.in_thread(gate.wait, 0, label="x", wait_in_replay=True)


def _replay_with_scheduled_fit(worker: RetrainWorker, x: np.ndarray, y: np.ndarray) -> list[tuple[int, str]]:
    """Ten decision events (ns 0..9); a fit is scheduled to swap at event 5. Returns (event, served version)."""
    clock = SimulatedClock(0)
    slot = ModelSlot(LogisticModel.fit(x[:100], y[:100], NAMES, DIGEST), DIGEST, x[0], clock)
    load = BackgroundLoad.on(worker, fit_basis_logistic, x, y, NAMES, DIGEST, 1.0, 0, label="refit",
                             build=LogisticModel, wait_in_replay=True, ready_at_ns=5)
    served = []
    for event in range(10):
        clock.advance_to(event)
        if load.ready(event):
            slot.swap(load.take(), actor="replay", reason="scheduled refit")
        served.append((event, slot.current.version))
    return served


def test_a_replay_that_waits_for_a_process_fit_swaps_at_the_scheduled_event_every_time() -> None:
    x, y = _data(rows=3_000)
    expected = LogisticModel.fit(x, y, NAMES, DIGEST).version
    with RetrainWorker(niceness=5) as worker:
        runs = [_replay_with_scheduled_fit(worker, x, y) for _ in range(2)]
    assert runs[0] == runs[1]
    assert [v for _, v in runs[0][5:]] == [expected] * 5
    assert all(v != expected for _, v in runs[0][:5])
