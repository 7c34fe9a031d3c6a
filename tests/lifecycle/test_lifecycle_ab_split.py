"""A/B on split order flow: two live versions, each signal's new risk routed to one by a deterministic rule."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.lifecycle.demo import SignFlippedModel
from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.router import AB_SPLIT
from arbkit.lifecycle.split import SplitRule
from testkit import lifecycle_setup, sample_timeline

POLICY = """
[evaluation]
interval = "5s"
[canary]
capital_usd = 5000
[rollback]
max_error_rate = 0.5
[ab]
split = "hash"
share_a = 0.5
salt = "test"
min_trades_per_arm = 2
max_trades_per_arm = 1000
"""


def run_ab(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine, controller, champion, _, start = lifecycle_setup(tmp_path, POLICY)
    other = SignFlippedModel(champion)  # two versions that want different entries

    def begin(now: int) -> None:
        controller.deploy(champion, mode=DeploymentMode.LIVE, actor="alice", reason="arm a", model_name="m")
        controller.deploy(other, mode=DeploymentMode.CANARY, actor="alice", reason="arm b", model_name="m")
        controller.start_ab(champion.version, other.version, "alice", "split the flow")

    controller.at(start, begin)
    assert engine.run(sample_timeline()).script_failures == []
    engine.journal.flush()
    with Journal(tmp_path / "journal.sqlite") as journal:
        entries = [(e.ts_ns, e.payload) for e in journal.entries(kind=kinds.AB_ROUTE)]
    routes = [(ts, p) for ts, p in entries if p["action"] == "assigned"]
    refused = [p for _, p in entries if p["action"] == "refused"]
    assert len(refused) == len(controller.router.refused)  # every refusal journaled with its intent
    return controller, routes


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return run_ab(tmp_path_factory.mktemp("ab1")), run_ab(tmp_path_factory.mktemp("ab2"))


def test_the_split_is_reproducible_run_to_run(two_runs) -> None:  # type: ignore[no-untyped-def]
    (first, routes_1), (second, routes_2) = two_runs
    assert routes_1 and routes_1 == routes_2
    def without_timing(ab):  # type: ignore[no-untyped-def]  # inference latency is wall-clock: not reproducible
        return msgspec.structs.replace(ab, latency_p99_a_us=None, latency_p99_b_us=None)

    assert without_timing(first.summary().ab) == without_timing(second.summary().ab)


def test_every_signal_goes_where_the_hash_rule_says(two_runs) -> None:  # type: ignore[no-untyped-def]
    (controller, routes), _ = two_runs
    rule = SplitRule.hash(0.5, "test")
    assert all(rule.assign(p["signal_id"], p["instrument_id"]) == p["arm"] for _, p in routes)
    arms = {p["arm"] for _, p in routes}
    assert arms == {"a", "b"}, f"one arm got every signal: {arms}"
    assert len({p["signal_id"] for _, p in routes}) == len(routes)  # one routing per signal, both legs included


def test_intents_of_the_other_arm_are_refused_and_never_sent(two_runs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (controller, routes), _ = two_runs
    router = controller.router
    assert router is not None and router.refused, "no signal was ever wanted by the arm it was not routed to"
    routed = {p["signal_id"]: p["arm"] for _, p in routes}
    sent = {o.intent_id for o in controller.engine.path.oms.open_orders()}
    with Journal(controller.journal.path) as journal:
        sent |= {e.payload["order"]["intent_id"] for e in journal.entries(kind=kinds.ORDER)}
    for intent, decision in router.refused:
        arm_key = "a" if intent.script_id == router.arms["a"].script_id else "b"
        assert routed[f"basis-btc:{intent.ts_created}"] != arm_key
        assert decision.reason_code == AB_SPLIT and not decision.approved
        assert intent.intent_id not in sent
    for arm in router.arms.values():
        assert any(f.script_id == arm.script_id for f in controller.engine.path.fills), f"{arm.version} never traded"


def test_the_comparison_reports_both_arms(two_runs) -> None:  # type: ignore[no-untyped-def]
    (controller, _), _ = two_runs
    ab = controller.summary().ab
    assert ab is not None and ab.split == "hash"
    assert ab.signals_a > 0 and ab.signals_b > 0
    assert ab.decision in ("continue", "a", "b", "no difference") and ab.decision_reason
