"""Scheduled retraining that never runs in the inference thread or process.

- :class:`RetrainSchedule` says when a retrain is due: every ``every_ns`` of clock time, or when feature
  drift (the largest PSI against the training distribution) reaches ``on_drift_psi``, never twice within
  ``min_gap_ns``. It is pure bookkeeping on int ns, so replays exercise it in event time.
- :class:`RetrainWorker` is a process pool (``spawn`` or ``forkserver``) whose children run at a lower
  priority (``os.nice``) with one BLAS/OpenMP thread each, so a fit takes spare CPU, not the inference
  thread's. Send it a picklable function (:func:`fit_basis_logistic`); only plain parameters come back,
  and the parent builds the model (``LogisticModel(params)``) and swaps it in through a
  :class:`~arbkit.lifecycle.model_slot.ModelSlot` at a decision event.
- :func:`registry_retrain` runs :func:`arbkit.models.jobs.retrain` (a child process or a Ray task) from a
  waiting thread, so the caller gets a Future and is never blocked.

>>> schedule = RetrainSchedule(every_ns=3_600_000_000_000, on_drift_psi=0.25, min_gap_ns=600_000_000_000)
>>> schedule.due(0, max_psi=0.1) is None   # the first call anchors the period
True
>>> schedule.due(700_000_000_000, max_psi=0.3)
'drift: max PSI 0.3 >= 0.25'
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Self

import numpy as np

from arbkit.lifecycle.modes import LifecycleError
from arbkit.models.logistic import LogisticModel, LogisticParams

__all__ = ["RetrainSchedule", "RetrainWorker", "fit_basis_logistic", "registry_retrain"]

THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS")
"""Thread-count variables a worker child sets to 1 (read by the numeric libraries it loads after start)."""


class RetrainSchedule:
    """When a retrain is due: by period, by drift, and never within ``min_gap_ns`` of the last start.

    Args:
        every_ns: period in ns between retrains (None: no periodic retrain). The first period is counted
            from ``anchor_ns``, or from the first :meth:`due` call when None.
        on_drift_psi: retrain when the largest feature PSI reaches this (None: drift does not trigger).
        min_gap_ns: least time in ns between two retrain starts (also after a drift trigger).
    """

    def __init__(self, every_ns: int | None, on_drift_psi: float | None, min_gap_ns: int,
                 anchor_ns: int | None = None) -> None:
        if every_ns is None and on_drift_psi is None:
            raise LifecycleError("a retrain schedule needs every_ns or on_drift_psi (both are None)")
        if every_ns is not None and (not isinstance(every_ns, int) or every_ns <= 0):
            raise LifecycleError(f"every_ns must be a positive int of ns, got {every_ns!r}")
        if on_drift_psi is not None and not (isinstance(on_drift_psi, (int, float)) and math.isfinite(on_drift_psi)
                                             and on_drift_psi > 0):
            raise LifecycleError(f"on_drift_psi must be a finite PSI > 0, got {on_drift_psi!r}")
        if not isinstance(min_gap_ns, int) or min_gap_ns < 0:
            raise LifecycleError(f"min_gap_ns must be an int of ns >= 0, got {min_gap_ns!r}")
        self.every_ns = every_ns
        self.on_drift_psi = on_drift_psi
        self.min_gap_ns = min_gap_ns
        self._anchor_ns = anchor_ns
        self._last_started_ns: int | None = None
        self._last_seen_ns: int | None = None

    @property
    def last_started_ns(self) -> int | None:
        """Clock time (ns) of the last :meth:`mark_started`, or None."""
        return self._last_started_ns

    def _see(self, now_ns: int) -> None:
        if not isinstance(now_ns, int):
            raise LifecycleError(f"now_ns must be int ns, got {type(now_ns).__name__} {now_ns!r}")
        if self._last_seen_ns is not None and now_ns < self._last_seen_ns:
            raise LifecycleError(f"clock moved backwards: now {now_ns} ns, last seen {self._last_seen_ns} ns")
        self._last_seen_ns = now_ns
        if self._anchor_ns is None:
            self._anchor_ns = now_ns

    def due(self, now_ns: int, max_psi: float | None) -> str | None:
        """The reason a retrain is due at ``now_ns`` (ns), or None. Does not mark it started.

        ``max_psi`` is the largest feature PSI now (None when not measured). A drift trigger is reported
        before a periodic one when both hold.

        Raises:
            LifecycleError: ``now_ns`` is not int or moved backwards, or ``max_psi`` is not a finite number ≥ 0.
        """
        self._see(now_ns)
        if max_psi is not None and not (isinstance(max_psi, (int, float)) and math.isfinite(max_psi) and max_psi >= 0):
            raise LifecycleError(f"max_psi must be a finite PSI >= 0 or None, got {max_psi!r}")
        if self._last_started_ns is not None and now_ns - self._last_started_ns < self.min_gap_ns:
            return None
        if self.on_drift_psi is not None and max_psi is not None and max_psi >= self.on_drift_psi:
            return f"drift: max PSI {max_psi:.4g} >= {self.on_drift_psi:.4g}"
        if self.every_ns is not None:
            since = self._last_started_ns if self._last_started_ns is not None else self._anchor_ns
            assert since is not None
            if now_ns - since >= self.every_ns:
                return (f"scheduled: {(now_ns - since) / 1e9:.3f} s since the last retrain >= every "
                        f"{self.every_ns / 1e9:g} s")
        return None

    def mark_started(self, now_ns: int) -> None:
        """Record that a retrain started at ``now_ns`` (ns); the next period and the gap count from here."""
        self._see(now_ns)
        self._last_started_ns = now_ns


def _child_init(niceness: int) -> None:
    """Initializer of a worker child: lower priority, one numeric thread per library."""
    for name in THREAD_ENV:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    global _LIMITS  # keep the limits alive for the child's lifetime
    _LIMITS = threadpool_limits(limits=1)
    if niceness:
        os.nice(niceness)


_LIMITS: Any = None


def child_niceness() -> int:
    """``os.nice(0)`` of the calling process: submit it to a worker to read the child's niceness."""
    return os.nice(0)


def child_numeric_threads() -> dict[str, Any]:
    """The caller's thread settings: the ``*_NUM_THREADS`` variables and the largest BLAS/OpenMP pool size."""
    from threadpoolctl import threadpool_info

    pools = [int(info["num_threads"]) for info in threadpool_info()]
    return {"env": {name: os.environ.get(name) for name in THREAD_ENV}, "max_pool_threads": max(pools, default=1)}


def child_pid() -> int:
    """Process id of the caller (submit it to a worker to see that fits run elsewhere)."""
    return os.getpid()


class RetrainWorker:
    """A process pool for fits, at lower priority, one numeric thread per child.

    Args:
        max_workers: child processes (1 leaves the other cores to inference and the feed).
        niceness: added to the child's nice value (0–19; higher yields the CPU to inference first).
        mp_context: ``"spawn"`` (default, portable) or ``"forkserver"``; never ``"fork"`` (a forked child
            would inherit the parent's threads and locks mid-flight).
    """

    def __init__(self, max_workers: int = 1, niceness: int = 10, mp_context: str = "spawn") -> None:
        if not isinstance(max_workers, int) or max_workers < 1:
            raise LifecycleError(f"max_workers must be an int >= 1, got {max_workers!r}")
        if not isinstance(niceness, int) or not 0 <= niceness <= 19:
            raise LifecycleError(f"niceness must be an int in 0..19, got {niceness!r}")
        if mp_context not in ("spawn", "forkserver"):
            raise LifecycleError(f"mp_context must be 'spawn' or 'forkserver', got {mp_context!r}")
        self.niceness = niceness
        self._pool = ProcessPoolExecutor(max_workers=max_workers, mp_context=multiprocessing.get_context(mp_context),
                                         initializer=_child_init, initargs=(niceness,))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` in a child; ``fn`` and its arguments must be picklable (module-level function)."""
        return self._pool.submit(fn, *args)

    def close(self, wait: bool = True) -> None:
        """Stop the children: queued jobs are cancelled; with ``wait``, a running job is waited for."""
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fit_basis_logistic(features: np.ndarray, labels: np.ndarray, names: tuple[str, ...], feature_digest: str,
                       c_regularisation: float, seed: int) -> LogisticParams:
    """Fit the basis logistic model (``LogisticModel.fit``'s own code path) and return its parameters.

    Module-level and picklable, for :meth:`RetrainWorker.submit`; the parent builds ``LogisticModel(params)``.
    The parameters equal those of ``LogisticModel.fit`` in the parent on the same rows.
    """
    return LogisticModel.fit(features, labels, names, feature_digest, c_regularisation=c_regularisation,
                             seed=seed).params


def registry_retrain(name: str, registry: Any, actor: str, *, config: Any = None, ray_address: str | None = None,
                     on_event: Callable[[dict[str, Any]], None] | None = None,
                     journal_path: str | Path | None = None) -> Future[Any]:
    """Start :func:`arbkit.models.jobs.retrain` (a child process or a Ray task) and return at once.

    A waiting thread (it only reads the child's progress lines) runs the call; the Future's result is the
    :class:`arbkit.models.jobs.RetrainResult`. The new version is registered with no alias: put it in shadow
    through the lifecycle. ``on_event`` is called from the waiting thread.
    """
    from arbkit.models.jobs import retrain

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"arbkit-retrain-{name}")
    future = pool.submit(retrain, name, registry, actor, config=config, ray_address=ray_address, on_event=on_event,
                         journal_path=journal_path)
    pool.shutdown(wait=False)
    return future
