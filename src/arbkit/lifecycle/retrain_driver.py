"""Scheduled retraining inside a running engine: due by period or by drift, fitted elsewhere, shadow on arrival.

A :class:`RetrainDriver` listens to the controller's ticks. When its
:class:`~arbkit.lifecycle.retrain.RetrainSchedule` says a retrain is due (a period of engine time has passed,
or the live version's largest feature PSI reached the drift threshold), it asks ``make_job(now)`` for a
picklable training function and its arguments (built from data known at ``now`` only) and submits it to a
:class:`~arbkit.lifecycle.retrain.RetrainWorker` (a low-priority child process) -- the inference thread only
hands the job over. When the job's result is in, ``build(result)`` makes the model and it is deployed in
**shadow** automatically (actor ``actor``, the schedule's reason in the history), then approved ahead of time
for the steps named in ``approvals`` (each approver's ``promote`` permission is checked).

When the result is used is a choice: live, at the first tick after the job finished (``wait=False``); in a
replay, at exactly ``now + delay_ns`` of engine time, waiting for the job there if it is still running
(``wait=True``), so a replay puts the new version in shadow at the same event every run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from arbkit.audit import kinds
from arbkit.lifecycle.controller import LifecycleController
from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.retrain import RetrainSchedule, RetrainWorker
from arbkit.models.base import TickModel
from arbkit.stats.psi import PsiReference

JobMaker = Callable[[int], tuple[Callable[..., Any], tuple[Any, ...], str]]
"""``make_job(now) -> (picklable function, its arguments, what it trains on)``, from data known at ``now``."""


class RetrainDriver:
    """Submits retraining jobs when due and deploys their models in shadow (see module docs).

    Args:
        controller: the lifecycle controller (its ticks, its live version's drift).
        schedule: when a retrain is due.
        worker: where jobs run (a child process pool).
        make_job: builds a job from data known at ``now``.
        build: turns a job's result into a model (in this process, after the job).
        model_name: the registered model name the versions are recorded under.
        actor: who deploys the new versions (needs ``deploy``).
        approvals: ``(mode, approver)`` steps approved ahead of time for every new version.
        delay_ns, wait: when the result is used (see module docs).
        psi_reference: the training sample new versions are watched for drift against.
    """

    def __init__(self, controller: LifecycleController, schedule: RetrainSchedule, worker: RetrainWorker,
                 make_job: JobMaker, build: Callable[[Any], TickModel], *, model_name: str, actor: str,
                 approvals: Sequence[tuple[DeploymentMode, str]] = (), delay_ns: int = 0, wait: bool = False,
                 psi_reference: PsiReference | None = None) -> None:
        self._controller = controller
        self._schedule = schedule
        self._worker = worker
        self._make_job = make_job
        self._build = build
        self._model_name = model_name
        self._actor = actor
        self._approvals = tuple(approvals)
        self._delay_ns = delay_ns
        self._wait = wait
        self._reference = psi_reference
        self._pending: tuple[Future[Any], int, str] | None = None
        self.deployed: list[str] = []
        """Versions this driver put in shadow, in order."""
        self.unchanged: list[str] = []
        """Retrains that gave back a version already deployed (journaled, kind ``model``), in order."""
        self.failures: list[str] = []
        """Jobs that raised, as text (the live versions are untouched)."""
        controller.on_tick(self.on_tick)

    def on_tick(self, now: int) -> None:
        """Hand over a due job, or deploy a finished one."""
        if self._pending is not None:
            future, ready_at, reason = self._pending
            if now < ready_at or (not self._wait and not future.done()):
                return
            self._pending = None
            self._arrive(future, reason)
            return
        champion = self._controller.champion()
        worst = champion.psi.max_psi() if champion is not None and champion.psi is not None else None
        due = self._schedule.due(now, None if worst is None else float(worst[1]))
        if due is None:
            return
        fn, args, data = self._make_job(now)
        self._schedule.mark_started(now)
        self._pending = (self._worker.submit(fn, *args), now + self._delay_ns, f"retrain ({due}) on {data}")

    def _arrive(self, future: Future[Any], reason: str) -> None:
        try:
            model = self._build(future.result())  # a replay waits here; live, the job is already done
        except Exception as exc:  # a failed fit changes nothing that trades; it is recorded for the operator
            self.failures.append(f"{type(exc).__name__}: {exc}")
            self._controller.journal.append(kinds.MODEL, self._controller.engine.clock.now_ns(), {
                "action": "retrain_failed", "error": self.failures[-1], "reason": reason}, actor=self._actor)
            return
        if model.version in self._controller.arms:  # the same data gave the same model: nothing new to try
            self.unchanged.append(model.version)
            self._controller.journal.append(kinds.MODEL, self._controller.engine.clock.now_ns(), {
                "action": "retrain_unchanged", "version": model.version, "reason": reason}, actor=self._actor)
            return
        self._controller.deploy(model, mode=DeploymentMode.SHADOW, actor=self._actor, reason=reason,
                                model_name=self._model_name, psi_reference=self._reference)
        self.deployed.append(model.version)
        for mode, approver in self._approvals:
            self._controller.approve(model.version, mode, approver)
