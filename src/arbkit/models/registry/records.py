"""What the registry hands back: registered versions, their summaries, full records and comparisons."""

from __future__ import annotations

from typing import Any

import msgspec

from arbkit.models.registry.lineage import LineageRecord


class RegisteredVersion(msgspec.Struct, frozen=True, kw_only=True):
    """A model version just registered.

    Attributes:
        name: registered model name.
        version: the registry's version number under ``name`` (1, 2, ...).
        run_id: the MLflow run that holds its artifacts, params and metrics.
        model_version: the model's content version (``<kind>-<8 hex>``), as journaled with intents.
    """

    name: str
    version: int
    run_id: str
    model_version: str

    @property
    def ref(self) -> str:
        """``name@version``, as the CLI takes it."""
        return f"{self.name}@{self.version}"


class VersionSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One row of :meth:`ModelRegistry.list <arbkit.models.registry.registry.ModelRegistry.list>`.

    Attributes:
        name, version, run_id, model_version: as in :class:`RegisteredVersion`.
        kind: model family (``lightgbm``, ``mlp``, ...).
        feature_set: feature-set name.
        feature_digest: digest of the feature set it was trained on.
        created_ns: registration time, int ns since the Unix epoch (UTC).
        actor: who registered it.
        aliases: MLflow aliases pointing at it (set by the lifecycle, never by the registry).
        metrics: the validation report's pooled metrics.
    """

    name: str
    version: int
    run_id: str
    model_version: str
    kind: str
    feature_set: str
    feature_digest: str
    created_ns: int
    actor: str
    aliases: tuple[str, ...] = ()
    metrics: dict[str, float] = msgspec.field(default_factory=dict)

    @property
    def ref(self) -> str:
        """``name@version``."""
        return f"{self.name}@{self.version}"


class ModelRecord(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the registry holds about one version: summary, MLflow params, metrics, tags and lineage.

    Attributes:
        summary: the :class:`VersionSummary`.
        params: MLflow run params (flattened spec and label definition).
        metrics: MLflow run metrics (the validation report's pooled metrics).
        tags: MLflow model-version tags (``arbkit.*``).
        lineage: the stored ``lineage.json`` record.
        source: the artifact location of the model folder.
    """

    summary: VersionSummary
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]
    lineage: LineageRecord
    source: str


class CompareRow(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a comparison: a section (model, data, params, metrics, ...), a key and both values."""

    section: str
    key: str
    a: str
    b: str

    @property
    def differs(self) -> bool:
        """True when the two values differ."""
        return self.a != self.b


class Comparison(msgspec.Struct, frozen=True, kw_only=True):
    """Side-by-side view of two versions (``a`` and ``b`` are ``name@version``)."""

    a: str
    b: str
    rows: tuple[CompareRow, ...]

    @property
    def differences(self) -> tuple[CompareRow, ...]:
        """Only the rows whose values differ."""
        return tuple(row for row in self.rows if row.differs)


_MISSING = "-"


def _text(value: Any) -> str:
    if value is None:
        return _MISSING
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list, tuple)):
        return msgspec.json.encode(value, order="sorted").decode("utf-8")
    return str(value)


def _pairs(section: str, a: dict[str, Any], b: dict[str, Any]) -> list[CompareRow]:
    return [CompareRow(section=section, key=key, a=_text(a.get(key)), b=_text(b.get(key)))
            for key in sorted(set(a) | set(b))]


def _identity(record: ModelRecord) -> dict[str, Any]:
    lineage = record.lineage
    return {"model_version": lineage.model_version, "kind": lineage.spec.get("kind"),
            "task": lineage.spec.get("task"), "seed": lineage.spec.get("seed"),
            "created_ns": lineage.created_ns, "actor": lineage.actor}


def _data(record: ModelRecord) -> dict[str, Any]:
    data = record.lineage.data
    return {"description": data.description, "sha256": data.sha256, "files": len(data.files),
            "first_event_ns": data.first_event_ns, "last_event_ns": data.last_event_ns, "rows": data.rows,
            "feature_set": record.lineage.features.name, "feature_digest": record.lineage.features.digest}


def _code(record: ModelRecord) -> dict[str, Any]:
    code = record.lineage.code
    return {"package_version": code.package_version, "git_commit": code.git_commit, "git_dirty": code.git_dirty,
            "source_sha256": code.source_sha256}


def compare_records(a: ModelRecord, b: ModelRecord) -> Comparison:
    """Rows for identity, data, label, params, metrics and code of two records, in that order."""
    rows: list[CompareRow] = []
    rows += _pairs("model", _identity(a), _identity(b))
    rows += _pairs("data", _data(a), _data(b))
    rows += _pairs("label", a.lineage.label, b.lineage.label)
    rows += _pairs("params", dict(a.lineage.spec.get("params") or {}), dict(b.lineage.spec.get("params") or {}))
    rows += _pairs("metrics", a.metrics, b.metrics)
    rows += _pairs("code", _code(a), _code(b))
    return Comparison(a=a.summary.ref, b=b.summary.ref, rows=tuple(rows))
