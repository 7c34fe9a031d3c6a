"""The deployment history: legal moves only, append-only storage, journaled changes, intervals, mode_at, last_stable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.lifecycle.history import DeploymentChange, DeploymentHistory
from arbkit.lifecycle.modes import DeploymentMode, LifecycleError

S = "basis"


def change(version: str, old: str | None, new: str, action: str, ts: int, actor: str = "alice") -> DeploymentChange:
    return DeploymentChange(ts_ns=ts, script_id=S, model_name="basis-logit", version=version, registry_version=None,
                            old_mode=old, new_mode=new, action=action, actor=actor, reason=f"{action} {version}",
                            evidence={"ts": ts})  # type: ignore[arg-type]


@pytest.fixture
def history() -> DeploymentHistory:
    return DeploymentHistory(":memory:")


def test_shadow_to_canary_to_live_supersedes_champion(history: DeploymentHistory) -> None:
    history.record(change("v1", None, "live", "deploy", 10))
    history.record(change("v2", None, "shadow", "deploy", 20, actor="bob"))
    history.record(change("v2", "shadow", "canary", "promote", 30))
    history.record(change("v2", "canary", "live", "promote", 40))
    history.record(change("v1", "live", "retired", "retire", 40))
    assert history.current(S) == {"v1": (DeploymentMode.RETIRED, 40), "v2": (DeploymentMode.LIVE, 40)}
    assert [(c.version, c.action, c.actor) for c in history.changes(S, "v2")] == [
        ("v2", "deploy", "bob"), ("v2", "promote", "alice"), ("v2", "promote", "alice")]
    assert history.changes(S)[0].evidence == {"ts": 10}


@pytest.mark.parametrize(("steps", "bad", "message"), [
    ([], ("v1", None, "retired", "deploy"), "version v1 of basis is not deployed; requested deploy to retired"),
    ([("v1", None, "shadow", "deploy")], ("v1", "shadow", "live", "promote"),
     r"version v1 of basis is shadow; requested promote to live: not allowed \(a promotion goes shadow"),
    ([("v1", None, "shadow", "deploy")], ("v1", "canary", "live", "promote"),
     "version v1 of basis is shadow; requested promote to live, but the change says it was canary"),
    ([("v1", None, "shadow", "deploy")], ("v1", None, "shadow", "deploy"),
     "version v1 of basis is shadow; requested deploy to shadow, but the change says it was not deployed"),
    ([("v1", None, "live", "deploy")], ("v1", "live", "shadow", "promote"), "requested promote to shadow: not allowed"),
    ([("v1", None, "canary", "deploy")], ("v1", "canary", "live", "demote"), "requested demote to live: not allowed"),
    ([("v1", None, "live", "deploy"), ("v1", "live", "retired", "retire")], ("v1", "retired", "live", "promote"),
     "version v1 of basis is retired; requested promote to live: not allowed"),
    ([("v1", None, "shadow", "deploy")], ("v1", "shadow", "live", "restore"),
     r"requested restore to live: not allowed \(a restore moves the last stable version from retired"),
    ([("v1", None, "live", "deploy")], ("v1", "live", "retired", "promote"), "requested promote to retired"),
    ([("v1", None, "live", "deploy")], ("v1", "live", "retired", "sack"), "unknown action 'sack'"),
    ([("v1", None, "live", "deploy")], ("v1", "live", "paused", "retire"), "unknown deployment mode 'paused'"),
])
def test_illegal_moves_are_refused_naming_version_and_modes(history: DeploymentHistory, steps: list[tuple],
                                                            bad: tuple, message: str) -> None:
    for i, step in enumerate(steps):
        history.record(change(*step, ts=i))
    with pytest.raises(LifecycleError, match=message):
        history.record(change(*bad, ts=100))
    assert len(history.changes()) == len(steps)


def test_change_older_than_the_scripts_last_is_refused(history: DeploymentHistory) -> None:
    history.record(change("v1", None, "live", "deploy", 100))
    with pytest.raises(LifecycleError, match="change time 99 ns is before the script's last change at 100 ns"):
        history.record(change("v2", None, "shadow", "deploy", 99))


def test_rows_cannot_be_edited_or_deleted(tmp_path: Path) -> None:
    path = tmp_path / "deployments.sqlite"
    with DeploymentHistory(path) as history:
        history.record(change("v1", None, "live", "deploy", 1))
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only: UPDATE refused"):
        conn.execute("UPDATE deployment SET new_mode = 'retired'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only: DELETE refused"):
        conn.execute("DELETE FROM deployment")
    conn.close()
    with DeploymentHistory(path) as reopened:
        assert reopened.current(S) == {"v1": (DeploymentMode.LIVE, 1)}


def test_each_change_is_journaled_with_its_actor(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        history = DeploymentHistory(":memory:", journal=journal)
        history.record(change("v1", None, "live", "deploy", 5, actor="alice"))
        history.record(change("v2", None, "shadow", "deploy", 6, actor="retrain-bot"))
        entries = list(journal.entries(kind=kinds.DEPLOYMENT))
        assert journal.verify().ok
    assert [(e.ts_ns, e.actor, e.payload["version"], e.payload["new_mode"], e.payload["action"]) for e in entries] == [
        (5, "alice", "v1", "live", "deploy"), (6, "retrain-bot", "v2", "shadow", "deploy")]


def test_mode_at_follows_the_changes_in_time(history: DeploymentHistory) -> None:
    history.record(change("v2", None, "shadow", "deploy", 10))
    history.record(change("v2", "shadow", "canary", "promote", 20))
    history.record(change("v2", "canary", "retired", "rollback", 30))
    assert [history.mode_at(S, "v2", t) for t in (9, 10, 19, 20, 29, 30, 10**18)] == [
        None, DeploymentMode.SHADOW, DeploymentMode.SHADOW, DeploymentMode.CANARY, DeploymentMode.CANARY,
        DeploymentMode.RETIRED, DeploymentMode.RETIRED]
    assert history.mode_at(S, "v9", 20) is None


def test_intervals_close_at_the_next_change_and_open_ones_end_at_end_ns(history: DeploymentHistory) -> None:
    history.record(change("v1", None, "live", "deploy", 10))
    history.record(change("v2", None, "shadow", "deploy", 20, actor="bob"))
    history.record(change("v2", "shadow", "canary", "promote", 30))
    assert [(i.version, i.mode, i.start_ns, i.end_ns, i.actor) for i in history.intervals(S)] == [
        ("v1", "live", 10, None, "alice"), ("v2", "shadow", 20, 30, "bob"), ("v2", "canary", 30, None, "alice")]
    assert [i.end_ns for i in history.intervals(S, end_ns=99)] == [99, 30, 99]
    assert history.intervals("other") == []


def test_last_stable_is_the_latest_version_superseded_from_live_never_one_rolled_back(
        history: DeploymentHistory) -> None:
    history.record(change("v1", None, "live", "deploy", 1))
    history.record(change("v2", None, "canary", "deploy", 2))
    history.record(change("v2", "canary", "live", "promote", 3))
    history.record(change("v1", "live", "retired", "retire", 3))
    assert history.last_stable(S, excluding="v2") == "v1"
    history.record(change("v3", None, "canary", "deploy", 4))
    history.record(change("v3", "canary", "live", "promote", 5))
    history.record(change("v2", "live", "retired", "retire", 5))
    assert history.last_stable(S, excluding="v3") == "v2"  # the most recent to leave live
    history.record(change("v3", "live", "retired", "rollback", 6))
    history.record(change("v2", "retired", "live", "restore", 6, actor="guard"))
    history.record(change("v2", "live", "retired", "rollback", 7))
    # v2 and v3 were last taken out of live by rollbacks: only v1 is stable
    assert history.last_stable(S, excluding="v9") == "v1"
    assert history.last_stable(S, excluding="v1") is None


def test_last_stable_skips_a_version_that_is_not_retired(history: DeploymentHistory) -> None:
    history.record(change("v1", None, "live", "deploy", 1))
    history.record(change("v1", "live", "shadow", "demote", 2))
    assert history.last_stable(S, excluding="v2") is None  # in shadow: not restorable
