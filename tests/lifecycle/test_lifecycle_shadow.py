"""Shadow mode on the real sample: a second version decides on the same ticks as the live one, sends nothing."""

from __future__ import annotations

import numpy as np
import pytest

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.retrain import fit_basis_logistic
from arbkit.models.logistic import LogisticModel
from testkit import default_config, lifecycle_setup, sample_timeline

POLICY = """
[evaluation]
interval = "5s"
[shadow]
min_duration = "1h"
[canary]
capital_usd = 1500
[rollback]
max_error_rate = 0.5
"""


def challenger(recorded: dict, cutoff_ns: int) -> LogisticModel:  # type: ignore[type-arg]
    """A second version: the same recipe with 100 times stronger regularisation, on the same training rows."""
    from arbkit.models.labels import reversion_label

    config = default_config()
    ts, x = recorded["ts_ns"], recorded["features"]
    horizon = config.model.horizon_ms * 1_000_000
    labels = reversion_label(ts, x[:, 0], x[:, 0] - x[:, 2], horizon, config.model.revert_fraction)
    rows = (ts + horizon < cutoff_ns) & (np.abs(x[:, 1]) >= config.model.min_abs_z) & (labels >= 0)
    spec = config.features.spec()
    return LogisticModel(fit_basis_logistic(x[rows], labels[rows].astype(np.int64), tuple(spec.names), spec.digest(),
                                            config.model.c_regularisation / 100, config.model.seed))


@pytest.fixture(scope="module")
def shadow_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp_path = tmp_path_factory.mktemp("shadow")
    engine, controller, champion, recorded, start = lifecycle_setup(tmp_path, POLICY)
    other = challenger(recorded, start)
    assert other.version != champion.version

    def deploy_both(now: int) -> None:
        controller.deploy(champion, mode=DeploymentMode.LIVE, actor="alice", reason="champion", model_name="m")
        controller.deploy(other, mode=DeploymentMode.SHADOW, actor="bob", reason="challenger", model_name="m")

    controller.at(start, deploy_both)
    assert engine.run(sample_timeline()).script_failures == []
    engine.journal.flush()
    return engine, controller, champion, other, tmp_path


def test_shadow_intents_are_journaled_and_never_reach_the_venue(shadow_run) -> None:  # type: ignore[no-untyped-def]
    engine, controller, _, other, tmp_path = shadow_run
    arm = controller.arms[other.version]
    with Journal(tmp_path / "journal.sqlite") as journal:
        shadow = [e.payload for e in journal.entries(kind=kinds.SHADOW_INTENT)]
        shadow_fills = [e.payload for e in journal.entries(kind=kinds.SHADOW_FILL)]
        real_orders = [e.payload for e in journal.entries(kind=kinds.ORDER)
                       if e.payload["order"]["script_id"] == arm.script_id]
        real_intents = [e for e in journal.entries(kind=kinds.INTENT) if e.payload["script_id"] == arm.script_id]
    assert shadow, "the shadow version never wanted to trade: nothing was tested"
    assert not real_orders and not real_intents
    assert {s["intent"]["deployment_mode"] for s in shadow} == {"shadow"}
    assert {s["intent"]["model_version"] for s in shadow} == {other.version}
    assert len(shadow_fills) == arm.lane.fills and {f["deployment_mode"] for f in shadow_fills} <= {"shadow"}
    assert all(f.script_id != arm.script_id for f in engine.path.fills)


def test_shadow_and_live_decide_on_the_same_ticks_and_are_compared(shadow_run) -> None:  # type: ignore[no-untyped-def]
    _, controller, champion, other, _ = shadow_run
    live, shadow = controller.arms[champion.version], controller.arms[other.version]
    assert live.decisions == shadow.decisions > 100
    assert live.outcome.resolved == shadow.outcome.resolved > 0  # the same scored decision points
    champion_version, shadow_score, champion_score = controller.shadow_comparisons[other.version]
    assert champion_version == champion.version and champion_score.since_ns == shadow_score.since_ns
    summary = controller.summary()
    rows = {(r[0], r[2]): r for r in summary.shadow_vs_live}
    assert rows[(other.version, "calls")][3] == rows[(other.version, "calls")][4]  # same ticks, same scored calls
    assert rows[(other.version, "pnl_usd")][4] == pytest.approx(champion_score.pnl_usd)


def test_live_intents_orders_and_fills_carry_the_version_and_mode(shadow_run) -> None:  # type: ignore[no-untyped-def]
    engine, controller, champion, _, tmp_path = shadow_run
    arm = controller.arms[champion.version]
    fills = [f for f in engine.path.fills if f.script_id == arm.script_id]
    assert fills and {(f.model_version, f.deployment_mode) for f in fills} == {(champion.version, "live")}
    with Journal(tmp_path / "journal.sqlite") as journal:
        orders = [e.payload["order"] for e in journal.entries(kind=kinds.ORDER)]
    assert orders and {(o["model_version"], o["deployment_mode"]) for o in orders} == {(champion.version, "live")}
