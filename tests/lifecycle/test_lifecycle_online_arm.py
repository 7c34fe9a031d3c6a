"""Online learning in a deployment: a shadow version learns from its resolved calls; snapshots swap in atomically."""

from __future__ import annotations


from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.online import OnlineLogistic
from testkit import default_config, lifecycle_setup, sample_timeline

POLICY = """
[evaluation]
interval = "5s"
[shadow]
min_duration = "1h"
[canary]
capital_usd = 1500
"""


def test_an_online_version_learns_and_its_snapshots_are_swapped_in_and_journaled(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, controller, champion, _, start = lifecycle_setup(tmp_path, POLICY)
    config = default_config()
    spec = config.features.spec()
    learner = OnlineLogistic(tuple(spec.names), spec.digest(), base_version=champion.version, publish_every=20,
                             background=False)

    def begin(now: int) -> None:
        controller.deploy(champion, mode=DeploymentMode.SHADOW, actor="bob", reason="online", model_name="m")
        controller.attach_online(champion.version, learner, keep_ns=4 * config.model.horizon_ms * 1_000_000)

    controller.at(start, begin)
    assert engine.run(sample_timeline()).script_failures == []
    engine.journal.flush()
    feed = controller.online_feeds[champion.version]
    arm = controller.arms[champion.version]
    assert feed.rows_fed >= 20 and feed.swaps >= 1
    history = arm.served.slot.history
    assert len(history) == feed.swaps and all("+online" in r.new_version for r in history)
    assert arm.served.version == history[-1].new_version
    with Journal(tmp_path / "journal.sqlite") as journal:
        swaps = [e.payload for e in journal.entries(kind=kinds.MODEL) if e.payload.get("action") == "online_snapshot"]
        versions = {e.payload["intent"]["model_version"] for e in journal.entries(kind=kinds.SHADOW_INTENT)}
    assert [s["new_version"] for s in swaps] == [r.new_version for r in history]
    assert any("+online" in v for v in versions), "no intent was decided by a learned snapshot"
    learner.close()
