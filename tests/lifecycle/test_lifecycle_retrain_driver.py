"""Retraining in a running engine: due on drift, fitted in a child process, deployed in shadow on arrival."""

from __future__ import annotations

import os

import numpy as np

from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.retrain import RetrainSchedule, RetrainWorker, child_pid, fit_basis_logistic
from arbkit.lifecycle.retrain_driver import RetrainDriver
from arbkit.models.labels import reversion_label
from arbkit.models.logistic import LogisticModel
from arbkit.stats.psi import PsiReference
from testkit import default_config, lifecycle_setup, sample_timeline

SECOND = 1_000_000_000
POLICY = '[evaluation]\ninterval = "5s"\n[canary]\ncapital_usd = 1500\n[shadow]\nmin_duration = "1h"\n'


def test_drift_starts_a_retrain_in_a_child_and_its_model_enters_shadow(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, controller, champion, recorded, start = lifecycle_setup(tmp_path, POLICY)
    config = default_config()
    spec = config.features.spec()
    ts, x = recorded["ts_ns"], recorded["features"]
    horizon = config.model.horizon_ms * 1_000_000
    reference = PsiReference.from_sample(x[ts < start], spec.names)
    jobs: list[int] = []

    def make_job(now: int):  # type: ignore[no-untyped-def]
        jobs.append(now)
        known = ts + horizon <= now
        labels = reversion_label(ts[known], x[known, 0], (x[:, 0] - x[:, 2])[known], horizon, 0.5)
        rows = (np.abs(x[known][:, 1]) >= config.model.min_abs_z) & (labels >= 0)
        return fit_basis_logistic, (x[known][rows], labels[rows].astype(np.int64), tuple(spec.names), spec.digest(),
                                    0.5, 7), f"{int(rows.sum())} rows"  # C 0.5: the champion's recipe had 1.0

    with RetrainWorker(max_workers=1) as worker:
        assert worker.submit(child_pid).result() != os.getpid()  # the fits run in another process
        driver = RetrainDriver(controller, RetrainSchedule(every_ns=None, on_drift_psi=2.0, min_gap_ns=3600 * SECOND),
                               worker, make_job, LogisticModel, model_name="m", actor="bob",
                               approvals=[(DeploymentMode.CANARY, "alice")], delay_ns=3 * SECOND, wait=True,
                               psi_reference=reference)
        controller.at(start, lambda now: controller.deploy(champion, mode=DeploymentMode.LIVE, actor="alice",
                                                           reason="champion", model_name="m", psi_reference=reference))
        assert engine.run(sample_timeline()).script_failures == []
    assert len(jobs) == 1 and driver.failures == [], (jobs, driver.failures, list(controller.arms))  # once: the gap keeps it from retraining on every tick
    assert len(driver.deployed) == 1, ((jobs[0] - start) / 1e9, list(controller.arms))
    [version] = driver.deployed
    arm = controller.arms[version]
    deploy = controller.history.changes(version=version)[0]
    assert deploy.action == "deploy" and deploy.new_mode == "shadow" and deploy.actor == "bob"
    assert deploy.reason.startswith("retrain (drift: max PSI")
    assert jobs[0] + 3 * SECOND <= deploy.ts_ns < jobs[0] + 4 * SECOND  # the first tick at or after the delay
    assert arm.mode is DeploymentMode.SHADOW and arm.decisions > 100 and arm.lane.intents > 0
    assert controller.arms[champion.version].mode is DeploymentMode.LIVE
