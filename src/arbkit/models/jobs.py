"""Training jobs: train, validate and register one model; retrain a registered one in a separate process.

:func:`train_and_register` is the whole recipe in this process: build the dataset, cross-validate
(purged k-fold or walk-forward), fit on every row, register with lineage. :func:`retrain` repeats the
recipe stored with a registered version, in a child Python process (``python -m arbkit.models.jobs``)
or, when a Ray address is given and Ray is importable, as a Ray task. Either way it only adds a new
version: the versions already registered, and any model object already loaded from them, are never
touched, and no alias is moved (promotion is the lifecycle's decision).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from arbkit.core.errors import ArbkitError, ConfigError
from arbkit.models.errors import ModelConfigError, ModelMismatchError
from arbkit.models.registry import FeatureSetRecord, Lineage, ModelRegistry, RegisteredVersion, TrainingData
from arbkit.models.registry.errors import JobError, RegistryError
from arbkit.models.registry.lineage import DataFile
from arbkit.models.train_config import TrainConfig, config_from_dict

Progress = Callable[[str, int, int], None]
"""``progress(stage, advance, total)``: stages ``dataset``, ``validate`` (one step per fold), ``fit``, ``register``."""

PROTOCOL_PREFIX = "arbkit-job "
"""Prefix of the child's JSON event lines on stdout (anything else a library prints there is passed on)."""
_TAIL_CHARS = 4_000


class TrainOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What one training job produced.

    Attributes:
        registered: the new version.
        pooled: the validation report's pooled out-of-sample metrics (undefined ones left out).
        folds: number of validation folds.
        rows: training rows.
        pid: id of the process that trained (a retrain's differs from its caller's).
    """

    registered: RegisteredVersion
    pooled: dict[str, float]
    folds: int
    rows: int
    pid: int


class RetrainRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the child process (or Ray task) needs: the recipe and where the registry is."""

    name: str
    recipe: dict[str, Any]
    tracking_uri: str
    root: str
    journal_path: str | None
    actor: str


class RetrainResult(msgspec.Struct, frozen=True, kw_only=True):
    """A finished retrain: the outcome, where it ran (``local process`` or ``ray <address>``), and notes."""

    outcome: TrainOutcome
    ran_on: str
    previous: RegisteredVersion | None
    notes: tuple[str, ...] = ()


def _none(stage: str, advance: int, total: int) -> None:
    """A progress callback that ignores everything."""


def _dataset(config: TrainConfig) -> Any:
    from arbkit.models.zoo.datasets import sample_basis_dataset

    return sample_basis_dataset(task=config.model.task, horizon_ns=config.data.horizon_ns,
                                max_rows=config.data.max_rows)


def training_data(dataset: Any) -> TrainingData:
    """Lineage of the zoo's sample dataset: the shipped files (path, sha256 checked against the dataset's), span, rows."""
    from arbkit.data.sample import sample_path
    from arbkit.models.registry.lineage import file_sha256

    files = []
    for source in dataset.source_files:
        path = sample_path(source.name).resolve()
        actual = file_sha256(path)
        if actual != source.sha256:
            raise RegistryError(f"training file {path} has sha256 {actual[:16]}…, but the dataset read "
                                f"{source.sha256[:16]}…: the file changed while training")
        files.append(DataFile(path=str(path), sha256=actual, size_bytes=path.stat().st_size))
    return TrainingData(description=dataset.description, files=tuple(sorted(files, key=lambda f: f.path)),
                        first_event_ns=int(dataset.t0_ns.min()), last_event_ns=int(dataset.t0_ns.max()),
                        rows=len(dataset.y))


def label_definition(config: TrainConfig) -> dict[str, Any]:
    """The sample dataset's label, as parameters (the dataset's description says it in words)."""
    if config.model.task == "classification":
        return {"name": "perp_mid_direction", "horizon_ns": config.data.horizon_ns,
                "rule": "1 if the perp mid is higher after horizon_ns, 0 if lower, no move dropped"}
    return {"name": "perp_mid_move_bps", "horizon_ns": config.data.horizon_ns,
            "rule": "perp mid change over horizon_ns in bps of the mid"}


def _splitter(config: TrainConfig) -> Any:
    from arbkit.models.validation import PurgedKFold, WalkForward

    v = config.validation
    if v.scheme == "purged_kfold":
        return PurgedKFold(n_splits=v.n_splits, embargo_ns=v.embargo_ns)
    return WalkForward(train_ns=v.train_ns, test_ns=v.test_ns)


def build_config_model(config: TrainConfig) -> Any:
    """The unfitted zoo model of ``config``; :class:`~arbkit.models.errors.ModelConfigError` for a bad kind or params.

    Cheap, so a caller can check a config before opening a registry or starting a job.
    """
    from arbkit.models.zoo import build_model
    from arbkit.models.zoo.contract import ModelSpec

    return build_model(ModelSpec(kind=config.model.kind, task=config.model.task, params=dict(config.model.params),
                                 seed=config.model.seed))


def train_and_register(config: TrainConfig, registry: ModelRegistry, actor: str,
                       progress: Progress | None = None) -> TrainOutcome:
    """Build the dataset, cross-validate, fit on all rows and register; returns the new version and scores."""
    from arbkit.models.validation import ZooAdapter, cross_validate

    report_progress = progress or _none
    model = build_config_model(config)
    report_progress("dataset", 0, 1)
    data = _dataset(config)
    if len(data.y) == 0:
        raise ConfigError(f"dataset {config.data.dataset!r} has no labelled rows with horizon_ns "
                          f"{config.data.horizon_ns}: the horizon may be longer than the recording")
    feature_set = _feature_set()
    if feature_set.digest() != data.feature_digest:
        raise ModelMismatchError(f"dataset feature digest {data.feature_digest} differs from the declared feature set "
                                 f"{feature_set.name!r} digest {feature_set.digest()}")
    report_progress("dataset", 1, 1)
    splitter = _splitter(config)
    folds = len(splitter.folds(data.t0_ns, data.t1_ns))
    report_progress("validate", 0, folds)
    started = [0]

    def fold_model() -> ZooAdapter:
        if started[0]:
            report_progress("validate", 1, folds)
        started[0] += 1
        return ZooAdapter(model.clone(), data.feature_names, data.feature_digest)

    label = label_definition(config)
    report = cross_validate(fold_model, data.x, data.y, data.t0_ns, data.t1_ns, splitter, task=config.model.task,
                            label_definition=label)
    report_progress("validate", 1, folds)
    report_progress("fit", 0, 1)
    model.fit(data.x, data.y, feature_names=data.feature_names, feature_digest=data.feature_digest)
    report_progress("fit", 1, 1)
    report_progress("register", 0, 1)
    lineage = Lineage(data=training_data(data),
                      features=FeatureSetRecord(name=feature_set.name, digest=data.feature_digest,
                                                names=tuple(data.feature_names),
                                                declaration=feature_set.to_dict()),
                      label=label, validation=msgspec.to_builtins(report), recipe=config.to_dict())
    registered = registry.register(model, lineage, actor, name=config.model_name)
    report_progress("register", 1, 1)
    pooled = {k: float(v) for k, v in report.pooled.items() if math.isfinite(v)}
    return TrainOutcome(registered=registered, pooled=pooled, folds=len(report.folds), rows=len(data.y),
                        pid=os.getpid())


def _feature_set() -> Any:
    """The feature set of the sample dataset (its digest is the dataset's)."""
    from arbkit.features.presets import spot_perp_feature_set
    from arbkit.models.zoo.datasets import PERP_ID, SPOT_ID

    return spot_perp_feature_set(SPOT_ID, PERP_ID)


# -- retraining in a separate process ---------------------------------------------------------------------------------
def _recipe(registry: ModelRegistry, name: str, config: TrainConfig | None) -> tuple[dict[str, Any], Any]:
    """(recipe, latest version summary or None): ``config`` when given, else the latest version's stored recipe."""
    from arbkit.models.registry import UnknownModelError

    try:
        latest = registry.version(name)
    except UnknownModelError:
        if config is None:
            raise
        latest = None
    if config is not None:
        recipe = config.to_dict()
        recipe["name"] = name
        return recipe, latest
    stored = registry.show(name, latest.version).lineage.recipe
    if not stored:
        raise JobError(f"{latest.ref} has no stored training recipe (it was not trained by arbkit models train); "
                       "pass a config to retrain it")
    return {**stored, "name": name}, latest


def retrain(name: str, registry: ModelRegistry, actor: str, *, config: TrainConfig | None = None,
            ray_address: str | None = None, on_event: Callable[[dict[str, Any]], None] | None = None,
            journal_path: str | Path | None = None) -> RetrainResult:
    """Train a new version of ``name`` in a separate process (or a Ray task) and register it.

    Args:
        name: registered model to retrain (its latest version's recipe is repeated unless ``config``).
        registry: where ``name`` is registered; the child opens the same backend.
        actor: who asked (recorded with the new version).
        config: a recipe to use instead of the stored one.
        ray_address: a Ray cluster address; used only when Ray is importable, else a note says so and the
            job runs in a local child process.
        on_event: receives events as they happen: ``{"event": "note", "text"}`` (also kept in the result's
            notes), and the child's ``{"event": "progress", "stage", "advance", "total"}`` and
            ``{"event": "log", "line"}``; Ray tasks report only their result.
        journal_path: audit journal the child appends the registration to.
    """
    recipe, latest = _recipe(registry, name, config)
    build_config_model(config_from_dict(recipe, f"recipe of {name}"))
    previous = None if latest is None else RegisteredVersion(name=latest.name, version=latest.version,
                                                             run_id=latest.run_id, model_version=latest.model_version)
    request = RetrainRequest(name=name, recipe=recipe, tracking_uri=registry.tracking_uri, root=str(registry.root),
                             journal_path=None if journal_path is None else str(journal_path), actor=actor)
    notes: list[str] = []
    report = on_event or (lambda event: None)
    if ray_address:
        if importlib.util.find_spec("ray") is None:
            notes.append(f"Ray address {ray_address} given, but Ray is not installed (pip install 'ray[default]'); "
                         "retraining in a local child process instead")
            report({"event": "note", "text": notes[-1]})
        else:
            outcome = _run_on_ray(request, ray_address)
            return RetrainResult(outcome=outcome, ran_on=f"ray {ray_address}", previous=previous, notes=tuple(notes))
    outcome = _run_in_child(request, report)
    return RetrainResult(outcome=outcome, ran_on="local process", previous=previous, notes=tuple(notes))


def _run_on_ray(request: RetrainRequest, address: str) -> TrainOutcome:
    """Run the request as a Ray task on the cluster at ``address`` (``"local"`` starts a local Ray)."""
    import ray

    try:
        ray.init(address=address, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError or its own types
        raise ModelConfigError(f"cannot reach the Ray cluster at {address!r}: {type(exc).__name__}: {exc}") from None
    task = ray.remote(run_request)
    encoded = ray.get(task.remote(msgspec.json.encode(request)))
    return msgspec.json.decode(encoded, type=TrainOutcome)


def run_request(request_json: bytes) -> bytes:
    """Run a :class:`RetrainRequest` here (the child's or the Ray task's body); returns the outcome as JSON."""
    request = msgspec.json.decode(request_json, type=RetrainRequest)
    registry = ModelRegistry(tracking_uri=request.tracking_uri, root=request.root, journal_path=request.journal_path)
    config = config_from_dict(request.recipe, f"recipe of {request.name}")

    def emit(stage: str, advance: int, total: int) -> None:
        _emit({"event": "progress", "stage": stage, "advance": advance, "total": total})

    outcome = train_and_register(config, registry, request.actor, progress=emit)
    return msgspec.json.encode(outcome)


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(PROTOCOL_PREFIX + json.dumps(event) + "\n")
    sys.stdout.flush()


def _run_in_child(request: RetrainRequest, on_event: Callable[[dict[str, Any]], None]) -> TrainOutcome:
    with tempfile.TemporaryDirectory(prefix="arbkit-retrain-") as scratch:
        request_path = Path(scratch) / "request.json"
        request_path.write_bytes(msgspec.json.encode(request))
        stderr_path = Path(scratch) / "stderr.txt"
        result: dict[str, Any] | None = None
        with open(stderr_path, "wb") as stderr:
            child = subprocess.Popen([sys.executable, "-m", "arbkit.models.jobs", str(request_path)],
                                     stdout=subprocess.PIPE, stderr=stderr, text=True, env=dict(os.environ))
            assert child.stdout is not None
            for line in child.stdout:
                if not line.startswith(PROTOCOL_PREFIX):
                    on_event({"event": "log", "line": line.rstrip("\n")})
                    continue
                event = json.loads(line[len(PROTOCOL_PREFIX):])
                if event["event"] in ("done", "error"):
                    result = event
                else:
                    on_event(event)
            code = child.wait()
        tail = stderr_path.read_text(encoding="utf-8", errors="replace")[-_TAIL_CHARS:]
    if result is not None and result["event"] == "error":
        raise JobError(f"retraining {request.name!r} failed in the child process: {result['type']}: {result['message']}")
    if result is None or code != 0:
        raise JobError(f"retraining {request.name!r}: the child process exited with code {code} without a result; "
                       f"its stderr ends:\n{tail}")
    return msgspec.convert(result["outcome"], TrainOutcome)


def _child_main(argv: list[str]) -> int:
    """``python -m arbkit.models.jobs REQUEST.json``: run one request, report on stdout as protocol lines."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m arbkit.models.jobs REQUEST.json\n")
        return 2
    try:
        outcome = run_request(Path(argv[0]).read_bytes())
    except ArbkitError as exc:
        _emit({"event": "error", "type": type(exc).__name__, "message": str(exc)})
        return 1
    _emit({"event": "done", "outcome": msgspec.json.decode(outcome)})
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through retrain() in a child process
    raise SystemExit(_child_main(sys.argv[1:]))
