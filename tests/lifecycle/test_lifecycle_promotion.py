"""Promotions in a running engine: the approver's role, the policy, the champion's retirement and restoration."""

from __future__ import annotations

import pytest

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.lifecycle.demo import SignFlippedModel
from arbkit.lifecycle.modes import DeploymentMode, LifecycleError, PermissionDeniedError
from testkit import lifecycle_setup, sample_timeline, synced_prefix

SECOND = 1_000_000_000

STRICT = """
[evaluation]
interval = "5s"
[shadow]
min_duration = "1h"
min_precision = 0.55
[canary]
capital_usd = 1500
min_duration = "1h"
[rollback]
max_error_rate = 0.5
"""


def test_a_promotion_without_the_approver_role_is_refused_and_journaled(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, controller, champion, _, _ = lifecycle_setup(tmp_path, STRICT)
    engine.run(synced_prefix())
    controller.deploy(champion, mode=DeploymentMode.SHADOW, actor="bob", reason="a quant may deploy in shadow",
                      model_name="m")
    with pytest.raises(PermissionDeniedError, match="bob.*promote"):
        controller.promote(champion.version, DeploymentMode.CANARY, "bob", "I think it is good")
    with pytest.raises(PermissionDeniedError, match="mallory"):
        controller.approve(champion.version, DeploymentMode.CANARY, "mallory")
    with pytest.raises(PermissionDeniedError, match="bob"):
        controller.deploy(SignFlippedModel(champion), mode=DeploymentMode.LIVE, actor="bob", reason="straight to live",
                          model_name="m")
    engine.journal.flush()
    with Journal(tmp_path / "journal.sqlite") as journal:
        refusals = [e.payload for e in journal.entries(kind=kinds.LIFECYCLE_REFUSAL)]
    assert [r["person"] for r in refusals] == ["bob", "mallory", "bob"]
    assert "promote" in refusals[0]["reason"]
    assert controller.arms[champion.version].mode is DeploymentMode.SHADOW
    assert [c.action for c in controller.history.changes(version=champion.version)] == ["deploy"]


def test_a_promotion_the_policy_does_not_pass_is_refused_even_for_the_approver(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, controller, champion, _, _ = lifecycle_setup(tmp_path, STRICT)
    engine.run(synced_prefix())
    controller.deploy(champion, mode=DeploymentMode.SHADOW, actor="alice", reason="candidate", model_name="m")
    with pytest.raises(LifecycleError, match="policy not met.*min_duration"):
        controller.promote(champion.version, DeploymentMode.CANARY, "alice", "too early")
    with pytest.raises(LifecycleError, match="next step is canary"):
        controller.promote(champion.version, DeploymentMode.LIVE, "alice", "skipping canary")
    assert controller.arms[champion.version].mode is DeploymentMode.SHADOW


FAST = """
[evaluation]
interval = "5s"
[shadow]
min_duration = "10s"
[canary]
capital_usd = 1500
min_duration = "10s"
[rollback]
min_pnl_usd = -1.0
max_drawdown_usd = 1.5
min_decisions = 20
"""


def test_a_live_version_rolled_back_gives_the_floor_back_to_the_last_stable_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, controller, champion, _, start = lifecycle_setup(tmp_path, FAST)
    broken = SignFlippedModel(champion)

    def begin(now: int) -> None:
        controller.deploy(champion, mode=DeploymentMode.LIVE, actor="alice", reason="champion", model_name="m")
        controller.deploy(broken, mode=DeploymentMode.CANARY, actor="alice", reason="looks fine", model_name="m")
        controller.promote(broken.version, DeploymentMode.LIVE, "alice", "promoted early on purpose",
                           waive_policy=True)

    controller.at(start, begin)
    assert engine.run(sample_timeline()).script_failures == []
    actions = [(c.version, c.action, c.new_mode) for c in controller.history.changes()]
    assert actions[:4] == [(champion.version, "deploy", "live"), (broken.version, "deploy", "canary"),
                           (broken.version, "promote", "live"), (champion.version, "retire", "retired")]
    changes = controller.history.changes()
    rollback = next(c for c in changes if c.version == broken.version and c.action == "rollback")
    restore = next(c for c in changes if c.version == champion.version and c.action == "restore")
    assert restore.ts_ns == rollback.ts_ns  # in the same decision event
    assert controller.history.mode_at("basis-btc", champion.version, restore.ts_ns) is DeploymentMode.LIVE
    promote = controller.history.changes(version=broken.version)[1]
    assert promote.evidence["policy_waived"] is True
    first = controller.summary_data.rollbacks[0]
    assert first.version == broken.version and first.mode == "live" and first.restored_version == champion.version


def test_a_failing_controller_fails_closed_every_version_that_trades(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, controller, champion, _, start = lifecycle_setup(tmp_path, FAST)
    broken_at = start + 20 * SECOND

    def bug(now: int) -> None:
        raise RuntimeError("a bug in the lifecycle's own work")

    controller.at(start, lambda now: controller.deploy(champion, mode=DeploymentMode.LIVE, actor="alice",
                                                       reason="champion", model_name="m"))
    controller.at(broken_at, bug)
    run = engine.run(sample_timeline())
    assert [f.script_id for f in run.script_failures] == ["lifecycle:basis-btc"]
    arm = controller.arms[champion.version]
    assert f"script:{arm.script_id}" in engine.path.gate.kill_switch.engaged_scopes
    [alert] = [a for a in engine.path.gate.alerts.alerts if a.code == "LIFECYCLE_FAILED"]
    assert "a bug in the lifecycle" in alert.detail and arm.script_id in alert.action
    assert not [o for o in engine.path.oms.open_orders() if o.script_id == arm.script_id]
    later = [d.reason_code for i, d in engine.path.rejections
             if i.script_id == arm.script_id and i.ts_created > broken_at]
    assert set(later) <= {"KILL_SWITCH"}  # whatever it still wanted was refused
    assert not [f for f in engine.path.fills if f.script_id == arm.script_id and f.ts_event > broken_at + SECOND]
