"""Automatic rollback on the real sample: a sign-flipped version put in canary is taken out by its trigger."""

from __future__ import annotations


import pytest

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.lifecycle.demo import SignFlippedModel
from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.rollback import FLATTEN_TAG
from testkit import lifecycle_setup, sample_timeline

SECOND = 1_000_000_000

POLICY = """
[evaluation]
interval = "5s"
[shadow]
min_duration = "1h"
[canary]
capital_usd = 1500
min_duration = "1h"
[rollback]
min_pnl_usd = -1.0
max_drawdown_usd = 1.5
max_error_rate = 0.05
min_decisions = 20
"""


@pytest.fixture(scope="module")
def flipped_canary(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The champion in shadow from the start of trading (scored, never rolled back: it sends nothing), its
    sign-flipped copy in canary 10 s later."""
    tmp_path = tmp_path_factory.mktemp("rollback")
    engine, controller, champion, _, start = lifecycle_setup(tmp_path, POLICY)
    broken = SignFlippedModel(champion)
    controller.at(start, lambda now: controller.deploy(
        champion, mode=DeploymentMode.SHADOW, actor="alice", reason="champion", model_name="basis-logit"))
    controller.at(start + 10 * SECOND, lambda now: controller.deploy(
        broken, mode=DeploymentMode.CANARY, actor="alice", reason="broken on purpose", model_name="basis-logit"))
    run = engine.run(sample_timeline())
    assert run.script_failures == []
    engine.journal.flush()
    return engine, controller, champion, broken, tmp_path


def test_the_broken_canary_is_rolled_back_once_by_a_breached_trigger(flipped_canary) -> None:  # type: ignore[no-untyped-def]
    _, controller, champion, broken, _ = flipped_canary
    rollbacks = controller.summary_data.rollbacks
    assert [r.version for r in rollbacks] == [broken.version]
    rollback = rollbacks[0]
    assert rollback.mode == "canary" and rollback.restored_version is None  # a canary: the champion was never touched
    limit = {"min_pnl_usd": -1.0, "max_drawdown_usd": 1.5, "max_error_rate": 0.05}[rollback.trigger]
    assert rollback.limit == limit
    assert (rollback.value < limit) if rollback.trigger.startswith("min_") else (rollback.value > limit)
    assert controller.arms[broken.version].mode is DeploymentMode.RETIRED
    assert controller.arms[champion.version].mode is DeploymentMode.SHADOW


def test_the_rollback_is_journaled_with_its_trigger_and_raises_an_alert(flipped_canary) -> None:  # type: ignore[no-untyped-def]
    _, controller, _, broken, tmp_path = flipped_canary
    rollback = controller.summary_data.rollbacks[0]
    with Journal(tmp_path / "journal.sqlite") as journal:
        entries = list(journal.entries(kind=kinds.ROLLBACK))
        alerts = [e.payload for e in journal.entries(kind=kinds.ALERT) if e.payload["code"] == "MODEL_ROLLBACK"]
        changes = [e.payload for e in journal.entries(kind=kinds.DEPLOYMENT) if e.payload["version"] == broken.version]
        assert journal.verify().ok
    assert len(entries) == 1 and entries[0].payload["trigger"] == rollback.trigger
    assert entries[0].payload["value"] == rollback.value and entries[0].ts_ns == rollback.ts_ns
    assert len(alerts) == 1 and alerts[0]["values"]["trigger"] == rollback.trigger
    assert [(c["action"], c["new_mode"]) for c in changes] == [("deploy", "canary"), ("rollback", "retired")]
    assert changes[1]["evidence"]["trigger"] == rollback.trigger
    history = controller.history.changes(version=broken.version)
    assert [c.action for c in history] == ["deploy", "rollback"]


def test_exposure_of_the_canary_stays_under_its_capital_cap(flipped_canary) -> None:  # type: ignore[no-untyped-def]
    _, controller, _, broken, _ = flipped_canary
    arm = controller.arms[broken.version]
    rollback = [c for c in controller.history.changes(version=broken.version) if c.action == "rollback"][0]
    most = rollback.evidence["score"]["max_gross_exposure_usd"]  # the canary's whole life, taken at the rollback
    assert 0 < most <= 1500, f"max gross exposure {most} USD of the canary, cap 1500"
    fills = [f for f in arm.path.fills if f.script_id == arm.script_id]
    assert fills and {f.deployment_mode for f in fills} <= {"canary", "retired"}
    assert all(f.model_version == broken.version for f in fills)


def test_nothing_but_flattening_leaves_the_rolled_back_version_after_its_trigger(flipped_canary) -> None:  # type: ignore[no-untyped-def]
    _, controller, _, broken, tmp_path = flipped_canary
    rollback = controller.summary_data.rollbacks[0]
    arm = controller.arms[broken.version]
    with Journal(tmp_path / "journal.sqlite") as journal:
        later = [e.payload for e in journal.entries(kind=kinds.INTENT)
                 if e.payload["script_id"] == arm.script_id and e.payload["ts_created"] > rollback.ts_ns]
    assert all(intent["tag"] == FLATTEN_TAG and intent["deployment_mode"] == "retired" for intent in later)
    positions = [arm.path.script_books.position_lots(arm.script_id, i) for i in arm.instrument_ids()]
    assert positions == [0, 0], "the rolled-back version was not flattened"
