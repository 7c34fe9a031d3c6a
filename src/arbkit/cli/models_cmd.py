"""``arbkit models``: train, list, show, compare and retrain registered models (MLflow registry with lineage)."""

from __future__ import annotations

import getpass
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from arbkit.cli.progress import StageProgress
from arbkit.core.errors import ArbkitError

models_app = typer.Typer(add_completion=False, no_args_is_help=True,
                         help="Model registry (MLflow; embedded SQLite by default): train, list, show, compare, "
                              "retrain.")

REGISTRY_OPTION = typer.Option(None, "--registry", envvar="ARBKIT_MODELS",
                               help="Registry folder of the embedded backend [default: $ARBKIT_HOME/models or "
                                    "./arbkit-models].")
TRACKING_OPTION = typer.Option(None, "--tracking-uri", envvar="MLFLOW_TRACKING_URI",
                               help="MLflow tracking server URI (used as is instead of the embedded backend).")
ACTOR_OPTION = typer.Option(None, "--actor", help="Who registers the model [default: the login name].")
JOURNAL_OPTION = typer.Option(None, "--journal", help="Audit journal (SQLite) to record the registration in.")
STAGES = {"dataset": "dataset (real sample, features, labels)", "validate": "cross-validation folds",
          "fit": "fit on all rows", "register": "register with lineage"}


def _console() -> Console:
    """A console sized when the command runs (so ``COLUMNS`` set by the caller applies)."""
    return Console()


def _fail(message: str) -> typer.Exit:
    _console().print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(2)


def _registry(root: Optional[Path], tracking_uri: Optional[str], journal: Optional[Path] = None) -> Any:
    from arbkit.models.registry import ModelRegistry

    for noisy in ("mlflow", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return ModelRegistry(tracking_uri=tracking_uri or None, root=root, journal_path=journal)


def _actor(actor: Optional[str]) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError):
        return "unknown"


def _when(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _metric_text(metrics: dict[str, float], keys: tuple[str, ...] = ("roc_auc", "accuracy", "log_loss", "r2",
                                                                        "ic", "rmse")) -> str:
    shown = [f"{k} {metrics[k]:.4f}" for k in keys if k in metrics]
    return ", ".join(shown) or "-"


def _outcome_table(outcome: Any, title: str) -> Table:
    table = Table(title=title, show_header=False)
    registered = outcome.registered
    table.add_row("registered", f"{registered.ref}  ({registered.model_version})")
    table.add_row("run id", registered.run_id)
    table.add_row("training rows", f"{outcome.rows:,}")
    table.add_row("validation folds", str(outcome.folds))
    for key, value in sorted(outcome.pooled.items()):
        table.add_row(f"out-of-sample {key}", f"{value:,.0f}" if value.is_integer() else f"{value:.4f}")
    return table


@models_app.command("train")
def train(config: Optional[Path] = typer.Option(None, "--config", help="TOML training config (overrides the "
                                                                         "embedded default)."),
          kind: Optional[str] = typer.Option(None, "--kind", help="Model kind (lightgbm, xgboost, mlp, ...)."),
          name: Optional[str] = typer.Option(None, "--name", help="Registered model name [default: basis-<kind>]."),
          seed: Optional[int] = typer.Option(None, "--seed", help="Random seed."),
          registry: Optional[Path] = REGISTRY_OPTION, tracking_uri: Optional[str] = TRACKING_OPTION,
          actor: Optional[str] = ACTOR_OPTION, journal: Optional[Path] = JOURNAL_OPTION) -> None:
    """Train on the real sample dataset, validate with purged CV, register the model with its lineage."""
    from arbkit.models.jobs import build_config_model, train_and_register
    from arbkit.models.train_config import load_train_config

    overrides: dict[str, Any] = {}
    if kind is not None or seed is not None:
        overrides["model"] = {k: v for k, v in (("kind", kind), ("seed", seed)) if v is not None}
    if name is not None:
        overrides["name"] = name
    console = _console()
    try:
        train_config = load_train_config(config, overrides)
        build_config_model(train_config)
        store = _registry(registry, tracking_uri, journal)
        console.print(f"[bold]train[/bold] {train_config.model_name}: {train_config.model.kind} "
                      f"({train_config.model.task}), {train_config.validation.scheme} validation, registry "
                      f"{store.tracking_uri}")
        with StageProgress(console, titles=STAGES) as bars:
            outcome = train_and_register(train_config, store, _actor(actor), progress=bars)
    except ArbkitError as exc:
        raise _fail(str(exc)) from None
    console.print(_outcome_table(outcome, f"trained {outcome.registered.ref}"))


@models_app.command("list")
def list_models(name: Optional[str] = typer.Argument(None, help="Only the versions of this model."),
                registry: Optional[Path] = REGISTRY_OPTION, tracking_uri: Optional[str] = TRACKING_OPTION) -> None:
    """Every registered version: name, version, content version, kind, feature set, when, who, metrics."""
    try:
        store = _registry(registry, tracking_uri)
        rows = store.list(name)
    except ArbkitError as exc:
        raise _fail(str(exc)) from None
    console = _console()
    if not rows:
        console.print(f"no registered models at {store.tracking_uri} (arbkit models train)")
        return
    table = Table(title=f"registered models at {store.tracking_uri}")
    for column in ("model", "content version", "kind", "feature set", "feature digest", "registered (UTC)", "by",
                   "aliases", "metrics"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.ref, row.model_version, row.kind, row.feature_set, row.feature_digest, _when(row.created_ns),
                      row.actor, ", ".join(row.aliases) or "-", _metric_text(row.metrics))
    console.print(table)


def _pairs_table(title: str, pairs: list[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("key", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in pairs:
        table.add_row(key, value)
    return table


@models_app.command("show")
def show(name: str = typer.Argument(..., help="Registered model name (or NAME@VERSION)."),
         version: Optional[str] = typer.Option(None, "--version", help="Version number or alias [default: latest]."),
         registry: Optional[Path] = REGISTRY_OPTION, tracking_uri: Optional[str] = TRACKING_OPTION) -> None:
    """One version in full: identity, training data, feature set, label, params, metrics, code."""
    from arbkit.models.registry import parse_ref

    try:
        model_name, ref_version = parse_ref(name)
        store = _registry(registry, tracking_uri)
        record = store.show(model_name, version if version is not None else ref_version)
    except ArbkitError as exc:
        raise _fail(str(exc)) from None
    lineage, summary, data = record.lineage, record.summary, record.lineage.data
    console = _console()
    console.print(_pairs_table(f"{summary.ref}", [
        ("content version", lineage.model_version), ("kind", str(lineage.spec.get("kind"))),
        ("task", str(lineage.spec.get("task"))), ("seed", str(lineage.spec.get("seed"))),
        ("registered (UTC)", _when(lineage.created_ns)), ("by", lineage.actor), ("run id", summary.run_id),
        ("aliases", ", ".join(summary.aliases) or "-"), ("artifacts", record.source), ("loader", lineage.loader)]))
    data_rows = [("description", data.description), ("rows", f"{data.rows:,}"),
                 ("event time (UTC)", f"{_when(data.first_event_ns)} → {_when(data.last_event_ns)}"),
                 ("event time (ns)", f"{data.first_event_ns} → {data.last_event_ns}"), ("data sha256", data.sha256)]
    data_rows += [(Path(f.path).name, f"sha256 {f.sha256}  ({f.size_bytes:,} bytes)  {f.path}") for f in data.files]
    console.print(_pairs_table("training data", data_rows))
    console.print(_pairs_table("feature set", [("name", lineage.features.name), ("digest", lineage.features.digest),
                                               ("inputs", f"{len(lineage.features.names)}: "
                                                          + ", ".join(lineage.features.names))]))
    console.print(_pairs_table("label", [(k, str(v)) for k, v in sorted(lineage.label.items())]))
    console.print(_pairs_table("params", [(k, v) for k, v in sorted(record.params.items())]))
    console.print(_pairs_table("validation (pooled, out of sample)",
                               [(k, f"{v:.6g}") for k, v in sorted(record.metrics.items())]))
    code = lineage.code
    console.print(_pairs_table("code", [("arbkit", code.package_version), ("git commit", code.git_commit or "-"),
                                        ("uncommitted changes", "-" if code.git_dirty is None else str(code.git_dirty)),
                                        ("source sha256", code.source_sha256)]))


@models_app.command("compare")
def compare(a: str = typer.Argument(..., help="NAME@VERSION"), b: str = typer.Argument(..., help="NAME@VERSION"),
            only_differences: bool = typer.Option(False, "--diff", help="Only the rows that differ."),
            registry: Optional[Path] = REGISTRY_OPTION, tracking_uri: Optional[str] = TRACKING_OPTION) -> None:
    """Two versions side by side (model, data, label, params, metrics, code); differences highlighted."""
    try:
        store = _registry(registry, tracking_uri)
        comparison = store.compare(a, b)
    except ArbkitError as exc:
        raise _fail(str(exc)) from None
    table = Table(title=f"{comparison.a} vs {comparison.b}: {len(comparison.differences)} difference(s)")
    for column in ("", "section", "key", comparison.a, comparison.b):
        table.add_column(column, overflow="fold")
    for row in comparison.rows:
        if only_differences and not row.differs:
            continue
        style = "bold yellow" if row.differs else None
        table.add_row("≠" if row.differs else "", row.section, row.key, escape(row.a), escape(row.b), style=style)
    _console().print(table)


@models_app.command("retrain")
def retrain(name: str = typer.Argument(..., help="Registered model to retrain (its latest recipe is repeated)."),
            config: Optional[Path] = typer.Option(None, "--config", help="TOML config instead of the stored recipe."),
            ray_address: Optional[str] = typer.Option(None, "--ray-address", envvar="RAY_ADDRESS",
                                                      help="Ray cluster address; local child process otherwise."),
            registry: Optional[Path] = REGISTRY_OPTION, tracking_uri: Optional[str] = TRACKING_OPTION,
            actor: Optional[str] = ACTOR_OPTION, journal: Optional[Path] = JOURNAL_OPTION) -> None:
    """Retrain in a separate process (or on Ray), register a new version; the serving version is never touched."""
    from arbkit.models import jobs
    from arbkit.models.train_config import load_train_config

    console = _console()
    try:
        store = _registry(registry, tracking_uri)
        recipe = None if config is None else load_train_config(config)
        console.print(f"[bold]retrain[/bold] {name}: training as a separate job, registry {store.tracking_uri}")
        with StageProgress(console, titles=STAGES) as bars:
            def on_event(event: dict[str, Any]) -> None:
                if event["event"] == "progress":
                    bars(event["stage"], event["advance"], event["total"])
                elif event["event"] == "note":
                    console.print(f"[yellow]note:[/yellow] {escape(event['text'])}")

            result = jobs.retrain(name, store, _actor(actor), config=recipe, ray_address=ray_address,
                                  on_event=on_event, journal_path=journal)
    except ArbkitError as exc:
        raise _fail(str(exc)) from None
    console.print(_outcome_table(result.outcome, f"retrained {result.outcome.registered.ref} on {result.ran_on}"))
    if result.previous is not None:
        console.print(f"previous version {result.previous.ref} ({result.previous.model_version}) is unchanged; "
                      "promotion is decided by the model lifecycle, not by retraining")
