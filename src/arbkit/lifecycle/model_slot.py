"""The model a deployment serves, swapped atomically; models loaded or fitted off the inference path.

A :class:`ModelSlot` holds one :class:`Served` record (model + its version, read together). A decision
reads :attr:`ModelSlot.current` (or :attr:`ModelSlot.model`) **once** and uses that object for the whole
decision, so a decision never mixes two models. :meth:`ModelSlot.swap` checks the candidate first
(feature set, a finite in-range prediction on a probe row) and only then publishes it with one reference
assignment, which is atomic under the GIL: a reader sees the old record or the new one, never a mix, and
never a model that failed its checks.

:class:`BackgroundLoad` runs a load or fit in a worker (a thread to read a file, a process to fit) and
hands the result to the caller, who swaps it in at its next decision event once :meth:`BackgroundLoad.ready`.

>>> from arbkit.core.time import SimulatedClock
>>> class Const:
...     def __init__(self, v): self.v = v
...     version = property(lambda self: f"const-{self.v}")
...     def check_features(self, digest): pass
...     def predict_one(self, x): return self.v
>>> slot = ModelSlot(Const(0.25), "digest", np.zeros(3), SimulatedClock(5))
>>> slot.swap(Const(0.75), actor="alice", reason="promoted").new_version
'const-0.75'
>>> slot.current.model.predict_one(np.zeros(3))
0.75
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, NamedTuple

import msgspec
import numpy as np

from arbkit.core.errors import ArbkitError
from arbkit.core.time import Clock
from arbkit.lifecycle.modes import LifecycleError
from arbkit.models.base import TickModel

__all__ = ["BackgroundLoad", "BackgroundLoadError", "ModelSlot", "Served", "SwapRecord", "SwapRefusedError"]


class SwapRefusedError(LifecycleError):
    """A candidate model failed a check before publication; the slot still serves the old model."""


class BackgroundLoadError(LifecycleError):
    """A background load or fit failed, or its result was taken before it was ready or twice."""


class SwapRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One published swap: when (``ts_ns``, from the slot's clock), what, who and why.

    ``probe_prediction`` is the candidate's prediction on the slot's probe row (checked finite and in range).
    """

    ts_ns: int
    old_version: str
    new_version: str
    actor: str
    reason: str
    probe_prediction: float


class Served(NamedTuple):
    """The model a slot serves and its version, published together (read once per decision)."""

    model: TickModel
    version: str


class ModelSlot:
    """Holds the model a deployment serves; swaps are verified first, then published atomically.

    Args:
        model: the first model served (it is checked like any candidate).
        feature_digest: digest of the feature set the deployment computes; every model must match it.
        probe: a representative feature vector (1-d, finite); every candidate must predict on it.
        clock: stamps the swap history (int ns).
        low, high: the range a probe prediction must fall in (default [0, 1], a probability).
    """

    def __init__(self, model: TickModel, feature_digest: str, probe: np.ndarray, clock: Clock, *,
                 low: float = 0.0, high: float = 1.0) -> None:
        probe = np.ascontiguousarray(probe, dtype=np.float64)
        if probe.ndim != 1 or not np.isfinite(probe).all():
            raise LifecycleError(f"the probe must be a finite 1-d feature vector, got shape {probe.shape} "
                                 f"with {int((~np.isfinite(probe)).sum())} non-finite values")
        if not (math.isfinite(low) and math.isfinite(high) and low <= high):
            raise LifecycleError(f"probe range must be finite with low <= high, got [{low}, {high}]")
        self._digest = feature_digest
        self._probe = probe
        self._probe.setflags(write=False)
        self._clock = clock
        self._low, self._high = low, high
        self._lock = threading.Lock()  # serialises writers only; readers never take it
        version, _ = self._verify(model)
        self._served = Served(model, version)
        self._history: list[SwapRecord] = []

    @property
    def current(self) -> Served:
        """The served (model, version) record: read it once per decision and use only that record."""
        return self._served

    @property
    def model(self) -> TickModel:
        """The served model (read once per decision)."""
        return self._served.model

    @property
    def version(self) -> str:
        """Version of the served model (cached at publication)."""
        return self._served.version

    @property
    def history(self) -> tuple[SwapRecord, ...]:
        """Every published swap, oldest first (refused swaps are not in it: they raised)."""
        return tuple(self._history)

    def _verify(self, model: TickModel) -> tuple[str, float]:
        """(version, probe prediction) of a candidate, or :class:`SwapRefusedError` naming the failed check."""
        try:
            version = str(model.version)
        except Exception as exc:  # noqa: BLE001 - a half-built model may fail anywhere; it must not reach the slot
            raise SwapRefusedError(f"candidate model has no readable version: {type(exc).__name__}: {exc}") from None
        try:
            model.check_features(self._digest)
        except ArbkitError as exc:
            raise SwapRefusedError(f"candidate {version} refused: feature check against {self._digest} failed: "
                                   f"{exc}") from None
        try:
            prediction = float(model.predict_one(self._probe))
        except Exception as exc:  # noqa: BLE001 - any failure on the probe refuses the swap; the old model keeps serving
            raise SwapRefusedError(f"candidate {version} refused: probe prediction raised "
                                   f"{type(exc).__name__}: {exc}") from None
        if not math.isfinite(prediction) or not self._low <= prediction <= self._high:
            raise SwapRefusedError(f"candidate {version} refused: probe prediction {prediction!r} is outside "
                                   f"[{self._low}, {self._high}]")
        return version, prediction

    def swap(self, new_model: TickModel, actor: str, reason: str) -> SwapRecord:
        """Verify ``new_model``, then publish it with one reference assignment; returns the history record.

        Raises:
            SwapRefusedError: the feature check or the probe prediction failed; nothing changed.
            LifecycleError: ``actor`` or ``reason`` is empty.
        """
        if not actor.strip() or not reason.strip():
            raise LifecycleError(f"a swap needs an actor and a reason, got actor={actor!r} reason={reason!r}")
        version, prediction = self._verify(new_model)
        with self._lock:
            old = self._served.version
            record = SwapRecord(ts_ns=self._clock.now_ns(), old_version=old, new_version=version, actor=actor,
                                reason=reason, probe_prediction=prediction)
            self._served = Served(new_model, version)  # the publication: one atomic reference assignment
            self._history.append(record)
        return record


class BackgroundLoad:
    """A model being loaded or fitted off the inference path; the caller swaps it in when ready.

    Build one with :meth:`in_thread` (reading a file: I/O releases the GIL) or :meth:`on` (any executor,
    e.g. :class:`arbkit.lifecycle.retrain.RetrainWorker` for a fit in another process). ``build`` turns
    the worker's result into the model in this process (e.g. ``LogisticModel`` from fitted
    ``LogisticParams``, so only plain parameters cross the process boundary).

    **Replays** (``wait_in_replay=True``): :meth:`ready` called at or after ``ready_at_ns`` of event time
    *waits* for the result, so the swap lands at the same decision event on every run and tests are
    reproducible. The trade-off: the replay stalls (in wall time, never in event time) for as long as the
    fit takes, and the simulated swap time is the scheduled one, not the one a live system would see (it
    swaps when the job really finishes, some decision events later). Never use it live: live callers keep
    ``wait_in_replay=False``, where :meth:`ready` never blocks.
    """

    def __init__(self, future: Future[Any], *, label: str, build: Callable[[Any], TickModel] | None = None,
                 wait_in_replay: bool = False, ready_at_ns: int | None = None) -> None:
        if wait_in_replay and ready_at_ns is None:
            raise LifecycleError(f"background load {label!r}: wait_in_replay needs ready_at_ns, the event time "
                                 "at which the replay swaps")
        self.label = label
        self._future = future
        self._build = build
        self._wait = wait_in_replay
        self._ready_at_ns = ready_at_ns
        self._taken = False

    @classmethod
    def in_thread(cls, fn: Callable[..., Any], *args: Any, label: str, build: Callable[[Any], TickModel] | None = None,
                  wait_in_replay: bool = False, ready_at_ns: int | None = None) -> BackgroundLoad:
        """Run ``fn(*args)`` in a new daemon worker thread (for loading a file: the read releases the GIL)."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"arbkit-load-{label}")
        future = pool.submit(fn, *args)
        pool.shutdown(wait=False)  # the thread exits after its one task
        return cls(future, label=label, build=build, wait_in_replay=wait_in_replay, ready_at_ns=ready_at_ns)

    @classmethod
    def on(cls, executor: Executor | Any, fn: Callable[..., Any], *args: Any, label: str,
           build: Callable[[Any], TickModel] | None = None, wait_in_replay: bool = False,
           ready_at_ns: int | None = None) -> BackgroundLoad:
        """Submit ``fn(*args)`` to ``executor`` (anything with ``submit`` returning a Future)."""
        return cls(executor.submit(fn, *args), label=label, build=build, wait_in_replay=wait_in_replay,
                   ready_at_ns=ready_at_ns)

    @property
    def future(self) -> Future[Any]:
        """The worker's future (its result is the raw result, before ``build``)."""
        return self._future

    def ready(self, now_ns: int | None = None) -> bool:
        """True when :meth:`take` will return at once; never blocks unless ``wait_in_replay``.

        With ``wait_in_replay``, returns False before ``ready_at_ns`` and, from then on, waits for the result.
        """
        if self._taken:
            return False
        if self._wait:
            assert self._ready_at_ns is not None
            if now_ns is None:
                raise LifecycleError(f"background load {self.label!r} waits in replay: ready() needs now_ns")
            if now_ns < self._ready_at_ns:
                return False
            self._future.exception()  # waits for the worker; the error, if any, is raised by take()
            return True
        return self._future.done()

    def take(self) -> TickModel:
        """The loaded model (built by ``build``); once only.

        Raises:
            BackgroundLoadError: not finished yet, already taken, or the worker (or ``build``) failed.
        """
        if self._taken:
            raise BackgroundLoadError(f"background load {self.label!r} was already taken")
        if not self._future.done():
            raise BackgroundLoadError(f"background load {self.label!r} is not finished; check ready() first")
        self._taken = True
        error = self._future.exception()
        if error is not None:
            raise BackgroundLoadError(f"background load {self.label!r} failed in its worker: "
                                      f"{type(error).__name__}: {error}") from error
        result = self._future.result()
        if self._build is None:
            return result  # type: ignore[no-any-return]
        try:
            return self._build(result)
        except Exception as exc:
            raise BackgroundLoadError(f"background load {self.label!r}: building the model from the worker's "
                                      f"result failed: {type(exc).__name__}: {exc}") from exc
