"""``arbkit lifecycle history | evaluate | promote`` on a run folder holding a real journal and deployment history."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.cli.main import app
from arbkit.lifecycle.evidence import ArmScore
from arbkit.lifecycle.history import DeploymentChange, DeploymentHistory
from arbkit.lifecycle.modes import DeploymentMode
from testkit import TEST_ROLES

SEC = 10**9
POLICY = """
[shadow]
min_duration = "20s"
min_calls = 5
min_precision = 0.5
beat_champion = true
[canary]
capital_usd = 1500
min_duration = "20s"
min_pnl_usd = -1
"""
ROLES = TEST_ROLES
runner = CliRunner()


def arm(version: str, mode: str, since: int, ts: int, **over: object) -> ArmScore:
    base = ArmScore(script_id=f"basis@{version}", model_name="basis-logit", version=version, mode=mode,
                    since_ns=since, ts_ns=ts, calls=10, positive_calls=4, precision=0.6, recall=0.5, f1=0.55, trades=3,
                    hit_rate=0.66, pnl_usd=0.5, decisions=40)
    return msgspec.structs.replace(base, **over)


def deploy(history: DeploymentHistory, version: str, mode: str, ts: int, actor: str) -> None:
    history.record(DeploymentChange(ts_ns=ts, script_id="basis", model_name="basis-logit", version=version,
                                    registry_version=None, old_mode=None, new_mode=mode, action="deploy", actor=actor,
                                    reason=f"deploy {version}"))


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """v1 live since 0 s, v2 in shadow since 10 s with a good score at 40 s, v3 in shadow with too few calls."""
    run = tmp_path / "run"
    run.mkdir()
    (tmp_path / "policy.toml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "roles.toml").write_text(ROLES, encoding="utf-8")
    with Journal(run / "journal.sqlite") as journal, DeploymentHistory(run / "deployments.sqlite",
                                                                       journal=journal) as history:
        deploy(history, "v1", "live", 0, "alice")
        deploy(history, "v2", "shadow", 10 * SEC, "bob")
        deploy(history, "v3", "shadow", 10 * SEC, "bob")
        for ts in (20 * SEC, 40 * SEC):
            journal.append(kinds.LIFECYCLE_SCORE, ts, arm("v1", "live", 0, ts, pnl_usd=0.2), actor="controller")
            journal.append(kinds.LIFECYCLE_SCORE, ts, arm("v2", "shadow", 10 * SEC, ts), actor="controller")
            journal.append(kinds.LIFECYCLE_SCORE, ts, arm("v3", "shadow", 10 * SEC, ts, calls=2), actor="controller")
    return run


def invoke(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, ["lifecycle", *map(str, args)], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_history_lists_intervals_and_changes(run_dir: Path) -> None:
    code, out = invoke("history", run_dir)
    assert code == 0, out
    assert "modes over time" in out and "changes" in out
    assert out.count("deploy v2") == 2 and "bob" in out and "live" in out
    code, out = invoke("history", run_dir, "--version", "v1")
    assert code == 0 and "deploy v1" in out and "v2" not in out


def test_evaluate_shows_each_criterion_and_exits_0_when_one_is_eligible(run_dir: Path) -> None:
    code, out = invoke("evaluate", run_dir, "--policy", run_dir.parent / "policy.toml")
    assert code == 0, out
    assert "v2: ELIGIBLE for canary" in out and "v3: not eligible for canary" in out
    assert "v1: live, not evaluated for promotion" in out
    assert "calls 2 < 5 (min_calls)" in out
    assert "champion v1" in out  # beat_champion compared with the live version's score


def test_evaluate_judges_the_mode_in_the_history_not_the_one_of_a_stale_score(run_dir: Path) -> None:
    with DeploymentHistory(run_dir / "deployments.sqlite") as history:  # v2 retired after its last score
        history.record(DeploymentChange(ts_ns=50 * SEC, script_id="basis", model_name="basis-logit", version="v2",
                                        registry_version=None, old_mode="shadow", new_mode="retired", action="retire",
                                        actor="alice", reason="withdrawn"))
    code, out = invoke("evaluate", run_dir, "--policy", run_dir.parent / "policy.toml")
    assert code == 1, out  # v2 no longer counts; v3 is not eligible
    assert "v2: retired, not evaluated for promotion" in out and "ELIGIBLE" not in out


def test_evaluate_exits_1_when_no_version_is_eligible(run_dir: Path) -> None:
    code, out = invoke("evaluate", run_dir, "--policy", run_dir.parent / "policy.toml", "--version", "v3")
    assert code == 1 and "v3: not eligible" in out and "v2" not in out


@pytest.mark.parametrize(("args", "message"), [
    (("--version", "v9"), "no lifecycle_score for version 'v9'"),
    (("--policy", "missing.toml"), "cannot read promotion policy"),
])
def test_evaluate_bad_input_exits_2_with_a_message(run_dir: Path, args: tuple[str, ...], message: str) -> None:
    policy = ("--policy", str(run_dir.parent / "policy.toml")) if args[0] != "--policy" else ()
    code, out = invoke("evaluate", run_dir, *policy, *args)
    assert code == 2 and "error:" in out and message in " ".join(out.split())


def test_evaluate_on_a_folder_without_a_journal_exits_2(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text(POLICY, encoding="utf-8")
    code, out = invoke("evaluate", tmp_path, "--policy", tmp_path / "policy.toml")
    assert code == 2 and "no journal.sqlite in" in " ".join(out.split())


def promote(run_dir: Path, version: str, approver: str, *extra: str) -> tuple[int, str]:
    return invoke("promote", run_dir, "--version", version, "--approver", approver, "--roles",
                  run_dir.parent / "roles.toml", "--policy", run_dir.parent / "policy.toml", "--reason", "good shadow",
                  *extra)


def refusals(run_dir: Path) -> list[tuple[str, dict]]:
    with Journal(run_dir / "journal.sqlite") as journal:
        return [(e.actor, e.payload) for e in journal.entries(kind=kinds.LIFECYCLE_REFUSAL)]


def test_promotion_by_a_person_without_the_role_is_refused_and_journaled(run_dir: Path) -> None:
    code, out = promote(run_dir, "v2", "bob")
    assert code == 2 and "'bob' may not 'promote'" in " ".join(out.split())
    [(actor, payload)] = refusals(run_dir)
    assert actor == "bob" and payload["permission"] == "promote" and payload["version"] == "v2"
    assert "granted by: risk_officer" in payload["reason"] and payload["requested_reason"] == "good shadow"
    with DeploymentHistory(run_dir / "deployments.sqlite") as history:
        assert history.current("basis")["v2"][0] is DeploymentMode.SHADOW


def test_promotion_failing_the_policy_is_refused_listing_the_criteria(run_dir: Path) -> None:
    code, out = promote(run_dir, "v3", "alice")
    assert code == 2 and "not met for v3 → canary: calls 2 < 5 (min_calls)" in " ".join(out.split())
    [(actor, payload)] = refusals(run_dir)
    assert actor == "alice" and payload["failing"] == ["min_calls"]


def test_approved_promotion_is_recorded_with_its_evidence_and_journaled(run_dir: Path) -> None:
    code, out = promote(run_dir, "v2", "alice", "--to", "canary")
    assert code == 0, out
    assert "promoted v2 of basis: shadow → canary by alice" in " ".join(out.split())
    with DeploymentHistory(run_dir / "deployments.sqlite") as history:
        last = history.changes("basis", "v2")[-1]
        assert history.current("basis")["v2"][0] is DeploymentMode.CANARY
    assert (last.action, last.actor, last.reason) == ("promote", "alice", "good shadow")
    assert last.evidence["verdict"]["passed"] is True
    assert msgspec.convert(last.evidence["score"], ArmScore) == arm("v2", "shadow", 10 * SEC, 40 * SEC)
    with Journal(run_dir / "journal.sqlite") as journal:
        deployments = list(journal.entries(kind=kinds.DEPLOYMENT))
        assert journal.verify().ok
    assert deployments[-1].actor == "alice" and deployments[-1].payload["new_mode"] == "canary"
    assert refusals(run_dir) == []


def test_promotion_to_a_step_other_than_the_next_is_refused(run_dir: Path) -> None:
    code, out = promote(run_dir, "v2", "alice", "--to", "live")
    assert code == 2 and "its next step is canary, not live" in " ".join(out.split())


def test_promotion_with_a_stale_score_is_refused(run_dir: Path) -> None:
    with DeploymentHistory(run_dir / "deployments.sqlite") as history:
        history.record(DeploymentChange(ts_ns=50 * SEC, script_id="basis", model_name="basis-logit", version="v2",
                                        registry_version=None, old_mode="shadow", new_mode="retired",
                                        action="retire", actor="alice", reason="withdrawn"))
    code, out = promote(run_dir, "v2", "alice")
    assert code == 2 and "the deployment history says retired: the score is stale" in " ".join(out.split())


def test_promotion_from_canary_to_live_retires_the_superseded_champion(run_dir: Path) -> None:
    assert promote(run_dir, "v2", "alice")[0] == 0
    with DeploymentHistory(run_dir / "deployments.sqlite") as history:
        since = history.current("basis")["v2"][1]
    with Journal(run_dir / "journal.sqlite") as journal:
        journal.append(kinds.LIFECYCLE_SCORE, since + 30 * SEC, arm("v2", "canary", since, since + 30 * SEC),
                       actor="controller")
    code, out = promote(run_dir, "v2", "alice", "--to", "live")
    assert code == 0, out
    with DeploymentHistory(run_dir / "deployments.sqlite") as history:
        modes = {v: m.value for v, (m, _) in history.current("basis").items()}
        retired = history.changes("basis", "v1")[-1]
    assert modes == {"v1": "retired", "v2": "live", "v3": "shadow"}
    assert (retired.action, retired.reason) == ("retire", "superseded by v2")
