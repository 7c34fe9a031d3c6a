"""A lineage record as MLflow sees it: run params, run metrics and ``arbkit.*`` tags.

MLflow keys allow letters, digits, ``_ - . / `` and space; values are text of at most 6,000
characters. Params are the flattened spec (``kind``, ``task``, ``seed``, ``params.<name>``) and
label definition (``label.<name>``); metrics are the validation report's pooled metrics; the tags
carry what ``list`` and ``load`` need without reading an artifact (feature digest, loader, the
SHA-256 of ``lineage.json``, the data identity).
"""

from __future__ import annotations

import math
import re
from typing import Any

import msgspec

from arbkit.models.registry.lineage import LineageRecord

TAG_PREFIX = "arbkit."
_MAX_VALUE_CHARS = 6_000
_KEY_BAD = re.compile(r"[^A-Za-z0-9_\-./ ]")

MODEL_VERSION = TAG_PREFIX + "model_version"
KIND = TAG_PREFIX + "kind"
FEATURE_SET = TAG_PREFIX + "feature_set"
FEATURE_DIGEST = TAG_PREFIX + "feature_digest"
LOADER = TAG_PREFIX + "loader"
LINEAGE_SHA256 = TAG_PREFIX + "lineage_sha256"
CREATED_NS = TAG_PREFIX + "created_ns"
ACTOR = TAG_PREFIX + "actor"
METRICS = TAG_PREFIX + "metrics"


def _key(raw: str) -> str:
    return _KEY_BAD.sub("_", raw)[:250]


def _value(raw: Any) -> str:
    text = raw if isinstance(raw, str) else msgspec.json.encode(raw, order="sorted").decode("utf-8")
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def run_params(record: LineageRecord) -> dict[str, str]:
    """Flattened spec, label definition and feature set as MLflow params."""
    spec = record.spec
    params: dict[str, str] = {"kind": _value(spec.get("kind")), "task": _value(spec.get("task")),
                              "seed": _value(spec.get("seed")), "feature_set": record.features.name,
                              "feature_digest": record.features.digest}
    for name, value in sorted((spec.get("params") or {}).items()):
        params[_key(f"params.{name}")] = _value(value)
    for name, value in sorted(record.label.items()):
        params[_key(f"label.{name}")] = _value(value)
    return params


def pooled_metrics(validation: dict[str, Any] | None) -> dict[str, float]:
    """The finite numbers of a validation report's ``pooled`` metrics (or of its top level when it has none)."""
    if not validation:
        return {}
    source = validation.get("pooled")
    if not isinstance(source, dict):
        source = validation
    return {_key(str(name)): float(value) for name, value in sorted(source.items())
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value))}


def version_tags(record: LineageRecord, lineage_sha256: str) -> dict[str, str]:
    """Tags set on the MLflow model version (and on its run): identity, data, code, integrity."""
    data, code = record.data, record.code
    tags = {
        MODEL_VERSION: record.model_version,
        KIND: str(record.spec.get("kind")),
        FEATURE_SET: record.features.name,
        FEATURE_DIGEST: record.features.digest,
        LOADER: record.loader,
        LINEAGE_SHA256: lineage_sha256,
        CREATED_NS: str(record.created_ns),
        ACTOR: record.actor,
        METRICS: _value(pooled_metrics(record.validation)),
        TAG_PREFIX + "data_sha256": data.sha256,
        TAG_PREFIX + "data_first_event_ns": str(data.first_event_ns),
        TAG_PREFIX + "data_last_event_ns": str(data.last_event_ns),
        TAG_PREFIX + "data_rows": str(data.rows),
        TAG_PREFIX + "code_package_version": code.package_version,
        TAG_PREFIX + "code_source_sha256": code.source_sha256,
    }
    if code.git_commit is not None:
        tags[TAG_PREFIX + "code_git_commit"] = code.git_commit
    return tags


def run_tags(record: LineageRecord, lineage_sha256: str) -> dict[str, str]:
    """Version tags plus MLflow's own (user, git commit, note) so MLflow's UI shows them."""
    tags = version_tags(record, lineage_sha256)
    tags["mlflow.user"] = record.actor
    if record.code.git_commit is not None:
        tags["mlflow.source.git.commit"] = record.code.git_commit
    tags["mlflow.note.content"] = (f"{record.name}: {record.spec.get('kind')} model {record.model_version} on feature "
                                   f"set {record.features.name} ({record.features.digest}); data "
                                   f"{record.data.description}, {record.data.rows} rows")
    return tags


def metrics_from_tag(text: str | None) -> dict[str, float]:
    """Read back the :data:`METRICS` tag (``{}`` when absent or unreadable)."""
    if not text:
        return {}
    try:
        decoded = msgspec.json.decode(text.encode("utf-8"), type=dict[str, float])
    except msgspec.DecodeError:
        return {}
    return decoded
