"""Each rollback trigger on the real sample: feature drift, inference latency, error rate; canary-only triggers."""

from __future__ import annotations

import time

import numpy as np
import pytest

from arbkit.lifecycle.demo import BrokenExportModel
from arbkit.lifecycle.evidence import ArmScore
from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.policy import PromotionPolicy
from arbkit.stats.psi import PsiReference
from testkit import default_config, lifecycle_setup, sample_timeline


class SlowModel:
    """The champion, made slow on purpose: each prediction busy-waits ``delay_us`` first."""

    def __init__(self, model, delay_us: int) -> None:  # type: ignore[no-untyped-def]
        self._model = model
        self._delay_ns = delay_us * 1_000
        self.version = f"{model.version}-slow"

    def check_features(self, digest: str) -> None:
        self._model.check_features(digest)

    def predict_one(self, x: np.ndarray) -> float:
        until = time.perf_counter_ns() + self._delay_ns
        while time.perf_counter_ns() < until:
            pass
        return self._model.predict_one(x)


def run_live(tmp_path, policy: str, model_of=lambda champion: champion, with_reference: bool = False):  # type: ignore[no-untyped-def]
    engine, controller, champion, recorded, start = lifecycle_setup(tmp_path, policy)
    model = model_of(champion)
    reference = None
    if with_reference:
        rows = recorded["ts_ns"] < start  # the training period's decision points
        reference = PsiReference.from_sample(recorded["features"][rows], default_config().features.spec().names)
    controller.at(start, lambda now: controller.deploy(model, mode=DeploymentMode.LIVE, actor="alice", reason="test",
                                                       model_name="m", psi_reference=reference))
    assert engine.run(sample_timeline()).script_failures == []
    return controller, model


def test_drift_of_the_live_features_from_the_training_sample_rolls_the_version_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    controller, model = run_live(tmp_path, '[canary]\ncapital_usd = 1000\n[rollback]\nmax_psi = 0.25\n',
                                 with_reference=True)
    [rollback] = controller.summary_data.rollbacks
    assert rollback.version == model.version and rollback.trigger == "max_psi" and rollback.value > 0.25
    psi = controller.arms[model.version].psi
    assert psi is not None and psi.count >= 50  # judged only once the monitor had its minimum of rows


def test_a_version_without_a_training_reference_is_never_judged_on_drift(tmp_path) -> None:  # type: ignore[no-untyped-def]
    controller, model = run_live(tmp_path, '[canary]\ncapital_usd = 1000\n[rollback]\nmax_psi = 0.25\n')
    assert controller.summary_data.rollbacks == []
    assert controller.arms[model.version].mode is DeploymentMode.LIVE


def test_inference_slower_than_its_budget_rolls_the_version_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    policy = '[canary]\ncapital_usd = 1000\n[rollback]\nmax_latency_p99_us = 1000\nmin_decisions = 20\n'
    controller, model = run_live(tmp_path, policy, lambda champion: SlowModel(champion, delay_us=2_000))
    [rollback] = controller.summary_data.rollbacks
    assert rollback.trigger == "max_latency_p99_us" and rollback.value >= 2_000
    arm = controller.arms[model.version]
    assert arm.decisions == 20  # judged at the first decision allowed, and nothing after it


def test_non_finite_predictions_roll_the_version_back_and_never_become_orders(tmp_path) -> None:  # type: ignore[no-untyped-def]
    policy = '[canary]\ncapital_usd = 1000\n[rollback]\nmax_error_rate = 0.02\nmin_decisions = 20\n'
    controller, model = run_live(tmp_path, policy, lambda champion: BrokenExportModel(champion, max_abs_z=2.0))
    [rollback] = controller.summary_data.rollbacks
    assert rollback.trigger == "max_error_rate" and rollback.value > 0.02
    arm = controller.arms[model.version]
    assert arm.served.errors > 0
    assert not [f for f in controller.engine.path.fills if f.script_id == arm.script_id and
                f.deployment_mode == "live" and f.ts_event > rollback.ts_ns]


def score(mode: str, **values) -> ArmScore:  # type: ignore[no-untyped-def]
    return ArmScore(script_id="s@v", model_name="m", version="v", mode=mode, since_ns=0, ts_ns=10**12,
                    decisions=100, **values)


def test_canary_triggers_replace_the_live_ones_for_canaries_only() -> None:
    policy = PromotionPolicy.from_toml_dict({
        "canary": {"capital_usd": 1000},
        "rollback": {"min_pnl_usd": -10, "max_drawdown_usd": 20, "canary": {"min_pnl_usd": -1}}}, "test")
    losing = score("canary", pnl_usd=-2.0, max_drawdown_usd=2.0)
    assert [c.name for c in policy.rollback_breaches(losing)] == ["min_pnl_usd"]
    assert policy.rollback_breaches(score("live", pnl_usd=-2.0, max_drawdown_usd=2.0)) == ()
    assert [c.limit for c in policy.rollback_breaches(score("live", pnl_usd=-11.0))] == [-10.0]
    assert [c.name for c in policy.rollback_breaches(score("canary", max_drawdown_usd=25.0))] == ["max_drawdown_usd"]


@pytest.mark.parametrize(("table", "message"), [
    ({"canary": {"min_pnl_usd": "x"}}, "min_pnl_usd"),
    ({"canary": {"min_decisions": -1}}, "rollback.canary"),
    ({"canary": {"nonsense": 1}}, "nonsense"),
])
def test_a_bad_canary_trigger_table_is_refused_with_its_key(table, message: str) -> None:  # type: ignore[no-untyped-def]
    from arbkit.lifecycle.modes import LifecycleError

    with pytest.raises(LifecycleError, match=message):
        PromotionPolicy.from_toml_dict({"rollback": table}, "test policy")
