"""The model registry on MLflow: register with lineage, list, show, compare, load behind a feature-digest check.

Backend: by default an embedded SQLite database ``<root>/mlflow.db`` with artifacts under
``<root>/artifacts``; a tracking URI (argument, or ``MLFLOW_TRACKING_URI``) is used as is, for the
tracking and the model registry both (with a ``sqlite:///`` URI the artifacts go beside the database;
with a server, where the server puts them). Each registration is one MLflow run in the experiment
``arbkit/<name>`` (params, metrics, the model folder under ``model/``, ``lineage.json``) and one
version of the registered model ``<name>``. The registry never sets aliases or stages: promotion is
the lifecycle's business.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from arbkit.models.errors import ModelArtifactError, ModelMismatchError
from arbkit.models.registry import fields
from arbkit.models.registry.artifacts import folder_manifest, loader_name, read_model, verify_folder
from arbkit.models.registry.code_version import code_version
from arbkit.models.registry.errors import RegistryError, UnknownModelError
from arbkit.models.registry.lineage import Lineage, LineageRecord, decode_record, encode_record, file_sha256
from arbkit.models.registry.records import Comparison, ModelRecord, RegisteredVersion, VersionSummary, compare_records

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

ROOT_ENV = "ARBKIT_HOME"
"""When set, the default registry root is ``$ARBKIT_HOME/models``."""
DEFAULT_ROOT = Path("arbkit-models")
"""Default registry root (relative to the working directory) when ``ARBKIT_HOME`` is not set."""
EXPERIMENT_PREFIX = "arbkit/"
_SQLITE = "sqlite:///"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def default_root() -> Path:
    """``$ARBKIT_HOME/models`` when ``ARBKIT_HOME`` is set, else ``./arbkit-models``."""
    home = os.environ.get(ROOT_ENV)
    return Path(home) / "models" if home else DEFAULT_ROOT


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid model name (letters, digits, ``. _ -``; 1–100 chars), else raise."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RegistryError(f"model name {name!r} is invalid: use 1-100 letters, digits, '.', '_' or '-', "
                            "starting with a letter or digit")
    return name


def parse_ref(ref: str) -> tuple[str, int | str | None]:
    """``"name@3"`` → ``("name", 3)``; ``"name@alias"`` → ``("name", "alias")``; ``"name"`` → ``("name", None)``."""
    name, sep, version = ref.partition("@")
    check_name(name)
    if not sep:
        return name, None
    if not version:
        raise RegistryError(f"model reference {ref!r} has an empty version after '@' (use NAME@N)")
    return name, int(version) if version.isdigit() else version


class ModelRegistry:
    """Registered models with lineage, on MLflow.

    Args:
        tracking_uri: MLflow tracking/registry URI; None takes ``MLFLOW_TRACKING_URI`` or, when that is
            unset, the embedded SQLite database under ``root``.
        root: folder of the embedded backend (database and artifacts); default :func:`default_root`.
        journal_path: audit journal (SQLite) to which each registration is appended (kind ``model``).
    """

    def __init__(self, tracking_uri: str | None = None, root: str | Path | None = None,
                 journal_path: str | Path | None = None) -> None:
        try:
            from mlflow import MlflowClient
        except ImportError as exc:
            raise RegistryError(f"the model registry needs MLflow, which cannot be imported ({exc}); install the "
                                "optional extra arbkit[registry]") from exc

        self._root = Path(root) if root is not None else default_root()
        uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or None
        if uri is None:
            try:
                self._root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RegistryError(f"cannot create registry folder {str(self._root)!r}: {exc}") from exc
            uri = f"{_SQLITE}{(self._root / 'mlflow.db').resolve()}"
        self._uri = uri
        self._journal_path = None if journal_path is None else Path(journal_path)
        self._client: MlflowClient = MlflowClient(tracking_uri=uri, registry_uri=uri)

    @property
    def tracking_uri(self) -> str:
        """The MLflow URI in use."""
        return self._uri

    @property
    def root(self) -> Path:
        """The embedded backend's folder (unused for the database when a tracking URI is configured)."""
        return self._root

    # -- writing -----------------------------------------------------------------------------------------------
    def register(self, model: Any, lineage: Lineage, actor: str, *, name: str | None = None,
                 loader: str | None = None) -> RegisteredVersion:
        """Store a fitted model with its lineage as a new version; returns what was registered.

        Args:
            model: a fitted model with ``save(folder)``, ``version``, ``feature_digest`` and ``spec``.
            lineage: what it was trained on (data, features, label, validation, recipe).
            actor: who registers it (journaled and tagged).
            name: registered model name; default ``<feature set name>-<kind>``.
            loader: ``module:function`` reading the folder back as ``loader(folder, feature_digest=...)``;
                default the model class's ``load``.
        """
        if not isinstance(actor, str) or not actor:
            raise RegistryError(f"actor must be a non-empty str, got {actor!r}")
        spec = msgspec.to_builtins(model.spec)
        name = check_name(name if name is not None else f"{lineage.features.name}-{spec.get('kind')}")
        if model.feature_digest != lineage.features.digest:
            raise ModelMismatchError(f"model {model.version} was fitted on feature digest {model.feature_digest}, but "
                                     f"the lineage names feature set {lineage.features.name!r} digest "
                                     f"{lineage.features.digest}")
        loader = loader_name(model, loader)
        with tempfile.TemporaryDirectory(prefix="arbkit-register-") as staging:
            folder = Path(staging) / "model"
            model.save(folder)
            record = LineageRecord(name=name, model_version=model.version, spec=spec, loader=loader, data=lineage.data,
                                   features=lineage.features, label=lineage.label, validation=lineage.validation,
                                   recipe=lineage.recipe, code=lineage.code or code_version(),
                                   files=folder_manifest(folder), created_ns=time.time_ns(), actor=actor)
            lineage_file = Path(staging) / "lineage.json"
            lineage_file.write_bytes(encode_record(record))
            lineage_sha = file_sha256(lineage_file)
            run_id = self._log_run(record, folder, lineage_file, lineage_sha)
        version = self._create_version(record, run_id, lineage_sha)
        registered = RegisteredVersion(name=name, version=version, run_id=run_id, model_version=record.model_version)
        self._journal(registered, record)
        return registered

    def _artifact_location(self, name: str) -> str | None:
        """``<database folder>/artifacts/<name>`` for a SQLite backend; None lets a server choose."""
        if not self._uri.startswith(_SQLITE):
            return None
        database = Path(self._uri[len(_SQLITE):])
        return (database.parent / "artifacts" / name).resolve().as_uri()

    def _experiment_id(self, name: str) -> str:
        experiment_name = EXPERIMENT_PREFIX + name
        experiment = self._client.get_experiment_by_name(experiment_name)
        if experiment is not None:
            return str(experiment.experiment_id)
        location = self._artifact_location(name)
        try:
            return str(self._client.create_experiment(experiment_name, artifact_location=location))
        except Exception:  # another process created it first: use that one
            experiment = self._client.get_experiment_by_name(experiment_name)
            if experiment is None:
                raise
            return str(experiment.experiment_id)

    def _log_run(self, record: LineageRecord, folder: Path, lineage_file: Path, lineage_sha: str) -> str:
        from mlflow.entities import Metric, Param
        from mlflow.exceptions import MlflowException

        try:
            run = self._client.create_run(self._experiment_id(record.name),
                                          run_name=f"{record.name}-{record.model_version}",
                                          tags=fields.run_tags(record, lineage_sha))
        except MlflowException as exc:
            raise RegistryError(f"cannot start a run for model {record.name!r} at {self._uri}: {exc}") from exc
        run_id = run.info.run_id
        now_ms = record.created_ns // 1_000_000
        try:
            self._client.log_batch(
                run_id, params=[Param(k, v) for k, v in fields.run_params(record).items()],
                metrics=[Metric(k, v, now_ms, 0) for k, v in fields.pooled_metrics(record.validation).items()])
            self._client.log_artifacts(run_id, str(folder), "model")
            self._client.log_artifact(run_id, str(lineage_file))
        except (MlflowException, OSError) as exc:
            self._client.set_terminated(run_id, "FAILED")
            raise RegistryError(f"cannot log model {record.name!r} ({record.model_version}) to run {run_id}: "
                                f"{exc}") from exc
        self._client.set_terminated(run_id, "FINISHED")
        return str(run_id)

    def _create_version(self, record: LineageRecord, run_id: str, lineage_sha: str) -> int:
        from mlflow.exceptions import MlflowException

        try:
            self._client.create_registered_model(record.name, tags={fields.TAG_PREFIX + "registry": "arbkit"})
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise RegistryError(f"cannot create registered model {record.name!r}: {exc}") from exc
        source = f"{self._client.get_run(run_id).info.artifact_uri}/model"
        try:
            created = self._client.create_model_version(record.name, source=source, run_id=run_id,
                                                        tags=fields.version_tags(record, lineage_sha),
                                                        description=f"{record.model_version} by {record.actor}")
        except MlflowException as exc:
            raise RegistryError(f"cannot create a version of model {record.name!r} for run {run_id}: {exc}") from exc
        return int(created.version)

    def _journal(self, registered: RegisteredVersion, record: LineageRecord) -> None:
        if self._journal_path is None:
            return
        from arbkit.audit import kinds
        from arbkit.audit.journal import Journal

        payload = {"event": "registered", "name": registered.name, "version": registered.version,
                   "run_id": registered.run_id, "model_version": registered.model_version,
                   "kind": record.spec.get("kind"), "feature_set": record.features.name,
                   "feature_digest": record.features.digest, "data_sha256": record.data.sha256,
                   "data_first_event_ns": record.data.first_event_ns, "data_last_event_ns": record.data.last_event_ns,
                   "code_git_commit": record.code.git_commit, "tracking_uri": self._uri}
        with Journal(self._journal_path, commit_every=1) as journal:
            journal.append(kinds.MODEL, ts_ns=record.created_ns, payload=payload, actor=record.actor)

    # -- reading -----------------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Registered model names, sorted."""
        names: list[str] = []
        token: str | None = None
        while True:
            page = self._client.search_registered_models(max_results=1000, page_token=token)
            names += [m.name for m in page]
            token = page.token
            if not token:
                return sorted(names)

    def _versions(self, name: str) -> list[ModelVersion]:
        found = list(self._client.search_model_versions(f"name='{name}'"))
        if not found:
            known = ", ".join(self.names()) or "none"
            raise UnknownModelError(f"no registered model named {name!r}; registered: {known}")
        return sorted(found, key=lambda mv: int(mv.version))

    def _version(self, name: str, version: int | str | None) -> ModelVersion:
        from mlflow.exceptions import MlflowException

        versions = self._versions(check_name(name))
        if version is None:
            return versions[-1]
        if isinstance(version, int) or (isinstance(version, str) and version.isdigit()):
            for mv in versions:
                if int(mv.version) == int(version):
                    return mv
            raise UnknownModelError(f"model {name!r} has no version {version}; versions: "
                                    f"{', '.join(str(mv.version) for mv in versions)}")
        try:
            return self._client.get_model_version_by_alias(name, version)
        except MlflowException:
            aliases = sorted({a for mv in versions for a in (mv.aliases or ())})
            raise UnknownModelError(f"model {name!r} has no version or alias {version!r}; versions: "
                                    f"{', '.join(str(mv.version) for mv in versions)}; aliases: "
                                    f"{', '.join(aliases) or 'none'}") from None

    @staticmethod
    def _summary(mv: ModelVersion) -> VersionSummary:
        tags = dict(mv.tags or {})
        return VersionSummary(name=mv.name, version=int(mv.version), run_id=str(mv.run_id),
                              model_version=tags.get(fields.MODEL_VERSION, "?"), kind=tags.get(fields.KIND, "?"),
                              feature_set=tags.get(fields.FEATURE_SET, "?"),
                              feature_digest=tags.get(fields.FEATURE_DIGEST, "?"),
                              created_ns=int(tags.get(fields.CREATED_NS, "0") or 0),
                              actor=tags.get(fields.ACTOR, "?"), aliases=tuple(sorted(mv.aliases or ())),
                              metrics=fields.metrics_from_tag(tags.get(fields.METRICS)))

    def list(self, name: str | None = None) -> list[VersionSummary]:
        """Every version of every model (or of ``name``), by name then version."""
        if name is not None:
            return [self._summary(mv) for mv in self._versions(check_name(name))]
        rows: list[VersionSummary] = []
        for model_name in self.names():
            rows += [self._summary(mv) for mv in self._versions(model_name)]
        return rows

    def version(self, name: str, version: int | str | None = None) -> VersionSummary:
        """Summary of one version (``None``: the latest; a non-numeric string: an alias)."""
        return self._summary(self._version(name, version))

    def _download(self, mv: ModelVersion, path: str, into: Path) -> Path:
        from mlflow.exceptions import MlflowException

        try:
            return Path(self._client.download_artifacts(str(mv.run_id), path, str(into)))
        except (MlflowException, OSError) as exc:
            raise ModelArtifactError(f"{mv.name}@{mv.version}: artifact {path!r} of run {mv.run_id} cannot be "
                                     f"read: {exc}") from exc

    def _record(self, mv: ModelVersion, into: Path) -> LineageRecord:
        where = f"{mv.name}@{mv.version}"
        path = self._download(mv, "lineage.json", into)
        expected = (mv.tags or {}).get(fields.LINEAGE_SHA256)
        if expected is None:
            raise ModelArtifactError(f"{where}: version has no {fields.LINEAGE_SHA256} tag (not registered by arbkit)")
        actual = file_sha256(path)
        if actual != expected:
            raise ModelArtifactError(f"{where}: lineage.json is corrupted: sha256 {actual[:16]}… differs from the "
                                     f"registered {expected[:16]}…")
        try:
            return decode_record(path.read_bytes(), where)
        except RegistryError as exc:
            raise ModelArtifactError(str(exc)) from exc

    def show(self, name: str, version: int | str | None = None) -> ModelRecord:
        """Full record of one version (``None``: the latest): summary, params, metrics, tags and lineage."""
        mv = self._version(name, version)
        run = self._client.get_run(str(mv.run_id))
        with tempfile.TemporaryDirectory(prefix="arbkit-show-") as scratch:
            record = self._record(mv, Path(scratch))
        return ModelRecord(summary=self._summary(mv), params=dict(run.data.params), metrics=dict(run.data.metrics),
                           tags=dict(mv.tags or {}), lineage=record, source=str(mv.source))

    def compare(self, a: str | tuple[str, int | str | None], b: str | tuple[str, int | str | None]) -> Comparison:
        """Side by side: identity, data, label, params, metrics and code of two versions (``"name@v"`` or tuples)."""
        ref_a = parse_ref(a) if isinstance(a, str) else a
        ref_b = parse_ref(b) if isinstance(b, str) else b
        return compare_records(self.show(*ref_a), self.show(*ref_b))

    def load(self, name: str, version: int | str | None = None, *, feature_digest: str) -> Any:
        """Read a version back for serving, refusing any feature set but its own.

        The digest is checked against the registry's tag before any artifact is read
        (:class:`ModelMismatchError` naming both digests); every artifact file is then re-hashed
        against the registered manifest (:class:`ModelArtifactError` naming the file) before the
        loader reads the folder.

        Args:
            name: registered model name.
            version: version number, alias, or None for the latest.
            feature_digest: digest of the feature set the caller will feed the model.
        """
        mv = self._version(name, version)
        where = f"{mv.name}@{mv.version}"
        tags = dict(mv.tags or {})
        trained_on = tags.get(fields.FEATURE_DIGEST)
        if trained_on != feature_digest:
            raise ModelMismatchError(f"{where} ({tags.get(fields.MODEL_VERSION, '?')}) was trained on feature set "
                                     f"{tags.get(fields.FEATURE_SET, '?')!r} digest {trained_on}; refusing to load it "
                                     f"against feature digest {feature_digest}")
        with tempfile.TemporaryDirectory(prefix="arbkit-load-") as scratch:
            record = self._record(mv, Path(scratch))
            folder = self._download(mv, "model", Path(scratch))
            verify_folder(folder, record.files, where)
            model = read_model(record.loader, folder, feature_digest, where)
        if getattr(model, "version", None) != record.model_version:
            raise ModelArtifactError(f"{where}: the loaded model is version {getattr(model, 'version', None)!r}, "
                                     f"registered as {record.model_version!r}")
        if getattr(model, "feature_digest", None) != feature_digest:
            raise ModelMismatchError(f"{where}: the loaded model reports feature digest "
                                     f"{getattr(model, 'feature_digest', None)}, expected {feature_digest}")
        return model

    # -- aliases (set by the lifecycle's deployment history, never by registration) ------------------------------
    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point ``alias`` of model ``name`` at ``version`` (moving it if it named another version)."""
        from mlflow.exceptions import MlflowException

        check_name(name)
        if not isinstance(alias, str) or not _NAME.fullmatch(alias) or alias.isdigit():
            raise RegistryError(f"alias {alias!r} of model {name!r} is invalid: use letters, digits, '.', '_' or '-', "
                                "not only digits")
        self._version(name, int(version))  # UnknownModelError naming the versions if absent
        try:
            self._client.set_registered_model_alias(name, alias, str(int(version)))
        except MlflowException as exc:
            raise RegistryError(f"cannot set alias {alias!r} of model {name!r} to version {version}: {exc}") from exc

    def delete_alias(self, name: str, alias: str) -> None:
        """Remove ``alias`` from model ``name`` (nothing happens if it has no such alias)."""
        from mlflow.exceptions import MlflowException

        if alias not in self.aliases(name):
            return
        try:
            self._client.delete_registered_model_alias(name, alias)
        except MlflowException as exc:
            raise RegistryError(f"cannot delete alias {alias!r} of model {name!r}: {exc}") from exc

    def aliases(self, name: str) -> dict[str, int]:
        """Alias → version number of model ``name`` (UnknownModelError if there is no such model)."""
        from mlflow.exceptions import MlflowException

        check_name(name)
        try:
            model = self._client.get_registered_model(name)
        except MlflowException:
            known = ", ".join(self.names()) or "none"
            raise UnknownModelError(f"no registered model named {name!r}; registered: {known}") from None
        return {alias: int(version) for alias, version in (model.aliases or {}).items()}
