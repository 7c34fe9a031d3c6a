"""``arbkit lifecycle``: a run's deployment history, the promotion policy's verdict on its versions, and a governed
promotion (approver role checked, policy met, journaled with the evidence).

RUN_DIR is a run's output folder holding ``journal.sqlite`` (scores, kind ``lifecycle_score``) and
``deployments.sqlite`` (the deployment history), as ``arbkit demo`` writes them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from arbkit.core.errors import ArbkitError

lifecycle_app = typer.Typer(add_completion=False, no_args_is_help=True,
                            help="Model lifecycle: deployment history, policy evaluation, governed promotion.")

JOURNAL_FILE = "journal.sqlite"
HISTORY_FILE = "deployments.sqlite"


class _BadInput(Exception):
    """A missing file or an empty run: message and exit code 2."""


def _console() -> Console:
    return Console()


def _fail(message: str) -> typer.Exit:
    _console().print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(2)


def _when(ns: int | None) -> str:
    if ns is None:
        return "(open)"
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _file(run_dir: Path, name: str) -> Path:
    path = run_dir / name
    if not path.is_file():
        raise _BadInput(f"no {name} in {run_dir} (expected a run folder written by arbkit demo)")
    return path


def _base_script(score: Any) -> str:
    suffix = f"@{score.version}"
    return str(score.script_id).removesuffix(suffix)


def _scores(journal: Any) -> dict[str, list[Any]]:
    """version → its ArmScores in journal order."""
    from arbkit.audit import kinds
    from arbkit.lifecycle.evidence import ArmScore

    by_version: dict[str, list[Any]] = {}
    for entry in journal.entries(kind=kinds.LIFECYCLE_SCORE):
        try:
            score = msgspec.convert(entry.payload, ArmScore)
        except msgspec.ValidationError as exc:
            raise _BadInput(f"journal entry {entry.seq} (lifecycle_score) is not an ArmScore: {exc}") from None
        by_version.setdefault(score.version, []).append(score)
    return by_version


def _champion(history: Any, scores: dict[str, list[Any]], score: Any) -> Any:
    """The live version's score at (or last before) ``score.ts_ns``; None when nothing is live or it has no score."""
    current = history.current(_base_script(score))
    live = [v for v, (mode, _) in current.items() if mode.value == "live" and v != score.version]
    if not live or live[0] not in scores:
        return None
    series = scores[live[0]]
    before = [s for s in series if s.ts_ns <= score.ts_ns]
    return before[-1] if before else series[-1]


def _verdict_table(score: Any, verdict: Any) -> Table:
    table = Table(title=f"{score.version} ({score.mode} since {_when(score.since_ns)}, scored {_when(score.ts_ns)}) "
                        f"→ {verdict.to_mode}")
    for column in ("criterion", "value", "op", "limit", "pass", "detail"):
        table.add_column(column, overflow="fold")
    from arbkit.lifecycle.policy import show_value

    for c in verdict.criteria:
        value = "undefined" if c.value is None else show_value(c.name, c.value)
        mark = "[green]pass[/green]" if c.passed else "[red]FAIL[/red]"
        table.add_row(c.name, value, c.op, show_value(c.name, c.limit), mark, escape(c.detail))
    return table


@lifecycle_app.command("history")
def history_cmd(run_dir: Annotated[Path, typer.Argument(help="Run folder holding deployments.sqlite.")],
                script: Annotated[str | None, typer.Option("--script", help="Only this script id.")] = None,
                version: Annotated[str | None, typer.Option("--version", help="Only this version.")] = None) -> None:
    """Which version was in which mode, from when to when, who put it there and why; then every change."""
    from arbkit.lifecycle.history import DeploymentHistory

    console = _console()
    try:
        path = _file(run_dir, HISTORY_FILE)
        with DeploymentHistory(path) as history:
            intervals = [i for i in history.intervals(script) if version is None or i.version == version]
            changes = history.changes(script, version)
    except (_BadInput, ArbkitError) as exc:
        raise _fail(str(exc)) from None
    table = Table(title=f"{path}: modes over time")
    for column in ("script", "version", "mode", "from", "to", "actor", "reason"):
        table.add_column(column, overflow="fold")
    for i in intervals:
        table.add_row(i.script_id, i.version, i.mode, _when(i.start_ns), _when(i.end_ns), i.actor, escape(i.reason))
    console.print(table)
    rows = Table(title="changes")
    for column in ("when", "version", "registry", "action", "from", "to", "actor", "reason"):
        rows.add_column(column, overflow="fold")
    for c in changes:
        rows.add_row(_when(c.ts_ns), c.version, "-" if c.registry_version is None else str(c.registry_version),
                     c.action, c.old_mode or "-", c.new_mode, c.actor, escape(c.reason))
    console.print(rows)


RUN_DIR_HELP = "Run folder holding journal.sqlite and deployments.sqlite."


@lifecycle_app.command("evaluate")
def evaluate_cmd(run_dir: Annotated[Path, typer.Argument(help=RUN_DIR_HELP)],
                 policy: Annotated[Path, typer.Option("--policy", help="Promotion policy TOML.")],
                 version: Annotated[str | None, typer.Option("--version", help="Only this version.")] = None) -> None:
    """Evaluate each shadow or canary version's latest score against the policy; exit 0 if one is eligible, else 1."""
    from arbkit.audit.journal import Journal
    from arbkit.lifecycle.history import DeploymentHistory
    from arbkit.lifecycle.policy import PromotionPolicy

    console = _console()
    eligible = 0
    try:
        rules = PromotionPolicy.load(policy)
        journal_path, history_path = _file(run_dir, JOURNAL_FILE), _file(run_dir, HISTORY_FILE)
        with Journal(journal_path) as journal, DeploymentHistory(history_path) as history:
            scores = _scores(journal)
            if version is not None:
                if version not in scores:
                    raise _BadInput(f"no lifecycle_score for version {version!r} in {journal_path}; scored: "
                                    f"{', '.join(sorted(scores)) or 'none'}")
                scores_shown = {version: scores[version]}
            else:
                scores_shown = scores
            if not scores_shown:
                raise _BadInput(f"no lifecycle_score entries in {journal_path}: nothing to evaluate")
            for name, series in scores_shown.items():
                latest = series[-1]
                now = history.current(_base_script(latest)).get(name)
                mode = latest.mode if now is None else now[0].value
                if mode not in ("shadow", "canary"):
                    console.print(f"{name}: {mode}, not evaluated for promotion")
                    continue
                if mode != latest.mode:
                    console.print(f"{name}: now {mode}, but its latest score is from {latest.mode}: not evaluated "
                                  "(score it in its new mode first)")
                    continue
                verdict = rules.evaluate(latest, _champion(history, scores, latest))
                console.print(_verdict_table(latest, verdict))
                colour, word = ("green", "ELIGIBLE") if verdict.passed else ("red", "not eligible")
                console.print(f"[{colour}]{name}: {word} for {verdict.to_mode}[/{colour}]")
                eligible += verdict.passed
    except (_BadInput, ArbkitError) as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(0 if eligible else 1)


@lifecycle_app.command("promote")
def promote_cmd(run_dir: Annotated[Path, typer.Argument(help=RUN_DIR_HELP)],
                version: Annotated[str, typer.Option("--version", help="The version to promote.")],
                approver: Annotated[str, typer.Option("--approver", help="Who approves (must hold the promote role).")],
                roles: Annotated[Path, typer.Option("--roles", help="Roles TOML ([roles] and [people]).")],
                policy: Annotated[Path, typer.Option("--policy", help="Promotion policy TOML.")],
                reason: Annotated[str, typer.Option("--reason", help="Why, in words (journaled).")],
                to: Annotated[str | None, typer.Option("--to", help="canary or live")] = None,
                registry: Annotated[Path | None, typer.Option(
                    "--registry", help="Model registry folder (embedded MLflow): move its live/canary/shadow "
                                       "aliases with the promotion.")] = None) -> None:
    """Promote VERSION one step (shadow → canary, canary → live) if the approver may and the policy is met."""
    from arbkit.audit import kinds
    from arbkit.audit.journal import Journal
    from arbkit.lifecycle.history import DeploymentChange, DeploymentHistory
    from arbkit.lifecycle.modes import PermissionDeniedError, parse_mode
    from arbkit.lifecycle.policy import PromotionPolicy
    from arbkit.lifecycle.roles import AccessControl

    console = _console()
    try:
        access = AccessControl.load(roles)
        rules = PromotionPolicy.load(policy)
        expected = None if to is None else parse_mode(to).value
        journal_path, history_path = _file(run_dir, JOURNAL_FILE), _file(run_dir, HISTORY_FILE)
        with Journal(journal_path, commit_every=1) as journal, DeploymentHistory(history_path,
                                                                                 journal=journal) as history:
            if registry is not None:
                from arbkit.lifecycle.history import MlflowAliasMirror
                from arbkit.models.registry import ModelRegistry

                history.attach_mirror(MlflowAliasMirror(ModelRegistry(root=registry), known=history.changes()))
            scores = _scores(journal)
            if version not in scores:
                raise _BadInput(f"no lifecycle_score for version {version!r} in {journal_path}; scored: "
                                f"{', '.join(sorted(scores)) or 'none'}")
            score = scores[version][-1]
            script_id = _base_script(score)
            past = history.changes(script_id)
            now = max(time.time_ns(), score.ts_ns, past[-1].ts_ns if past else 0)
            mode = history.current(script_id).get(version)
            if mode is None or mode[0].value != score.mode:
                raise _BadInput(f"version {version}'s latest score says {score.mode}, but the deployment history "
                                f"says {mode[0].value if mode else 'not deployed'}: the score is stale")
            to_mode = {"shadow": "canary", "canary": "live"}.get(score.mode)
            if to_mode is None or (expected is not None and expected != to_mode):
                raise _BadInput(f"version {version} is {score.mode}; its next step is {to_mode or 'none'}, not "
                                f"{expected or to_mode}")
            refusal = {"person": approver, "permission": "promote", "version": version, "script_id": script_id,
                       "from_mode": score.mode, "to_mode": to_mode, "requested_reason": reason}
            try:
                access.require(approver, "promote")
            except PermissionDeniedError as exc:
                journal.append(kinds.LIFECYCLE_REFUSAL, now, {**refusal, "reason": str(exc)}, actor=approver or "?")
                raise
            verdict = rules.evaluate(score, _champion(history, scores, score))
            console.print(_verdict_table(score, verdict))
            if not verdict.passed:
                failing = "; ".join(c.detail for c in verdict.failing)
                message = f"policy {rules.source} not met for {version} → {to_mode}: {failing}"
                journal.append(kinds.LIFECYCLE_REFUSAL, now,
                               {**refusal, "reason": message, "failing": [c.name for c in verdict.failing]},
                               actor=approver)
                raise _BadInput(message)
            change = DeploymentChange(
                ts_ns=now, script_id=script_id, model_name=score.model_name, version=version, registry_version=None,
                old_mode=score.mode, new_mode=to_mode, action="promote", actor=approver, reason=reason,
                evidence={"verdict": msgspec.to_builtins(verdict), "score": msgspec.to_builtins(score)})
            last = history.changes(script_id, version)
            if last and last[-1].registry_version is not None:
                change = msgspec.structs.replace(change, registry_version=last[-1].registry_version)
            seq = history.record(change)
            if to_mode == "live":  # as the controller does: the promoted version supersedes the live one
                for other, (other_mode, _) in history.current(script_id).items():
                    if other != version and other_mode.value == "live":
                        model = history.changes(script_id, other)[-1]
                        history.record(DeploymentChange(
                            ts_ns=now, script_id=script_id, model_name=model.model_name, version=other,
                            registry_version=model.registry_version, old_mode="live", new_mode="retired",
                            action="retire", actor=approver, reason=f"superseded by {version}", evidence={}))
    except (_BadInput, ArbkitError) as exc:
        raise _fail(str(exc)) from None
    console.print(f"[green]promoted[/green] {version} of {script_id}: {score.mode} → {to_mode} by {approver} "
                  f"(change {seq}, journaled as {kinds.DEPLOYMENT})")
