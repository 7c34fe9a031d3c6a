"""Which class serves which kind; :func:`build_model` from a spec and :func:`load_model` from a folder.

>>> from arbkit.models.zoo.contract import ModelSpec
>>> build_model(ModelSpec(kind="lightgbm", params={"n_estimators": 20}))
LightGbmModel(ModelSpec(kind='lightgbm', task='classification', params={'n_estimators': 20}, seed=0), unfitted)
>>> sorted(TASKS["logistic"]), sorted(TASKS["linear"])
(['classification'], ['regression'])
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import msgspec

from arbkit.models.errors import ModelArtifactError, ModelConfigError
from arbkit.models.zoo import artifacts
from arbkit.models.zoo.contract import KINDS, ModelSpec, Task
from arbkit.models.zoo.params import json_params

CLASSES: dict[str, str] = {
    "linear": "arbkit.models.zoo.sklearn_models:LinearModel",
    "logistic": "arbkit.models.zoo.sklearn_models:LogisticModel",
    "decision_tree": "arbkit.models.zoo.sklearn_models:DecisionTreeModel",
    "random_forest": "arbkit.models.zoo.sklearn_models:RandomForestModel",
    "svm": "arbkit.models.zoo.svm:SvmModel",
    "lightgbm": "arbkit.models.zoo.boosting:LightGbmModel",
    "xgboost": "arbkit.models.zoo.boosting:XgBoostModel",
    "mlp": "arbkit.models.zoo.sklearn_models:MlpModel",
    "lstm": "arbkit.models.zoo.lstm:LstmModel",
}
"""``module:Class`` of each kind (imported on first use, so an optional library is needed only for its kind)."""

TASKS: dict[str, tuple[Task, ...]] = {
    "linear": ("regression",),
    "logistic": ("classification",),
    **{kind: ("classification", "regression")
       for kind in ("decision_tree", "random_forest", "svm", "lightgbm", "xgboost", "mlp", "lstm")},
}
"""Tasks each kind supports (a classifier outputs P(class 1))."""

EXTRAS = {"lstm": ("torch", "torch")}
"""Kinds that need an optional library: kind → (import name, extra that installs it)."""


def model_class(kind: str) -> Any:
    """The class serving ``kind``; ModelConfigError for an unknown kind or a missing optional library."""
    if kind not in CLASSES:
        raise ModelConfigError(f"unknown model kind {kind!r}; kinds: {', '.join(KINDS)}")
    if kind in EXTRAS:
        module, extra = EXTRAS[kind]
        try:
            importlib.import_module(module)
        except ImportError:
            raise ModelConfigError(f"kind {kind!r} needs {module}, which is not installed (install the optional "
                                   f"extra arbkit[{extra}])") from None
    module_name, _, name = CLASSES[kind].partition(":")
    return getattr(importlib.import_module(module_name), name)


def build_model(spec: ModelSpec) -> Any:
    """An unfitted :class:`~arbkit.models.zoo.contract.ZooModel` for ``spec``.

    Raises :class:`ModelConfigError` for an unknown kind, a task the kind does not support, or an
    unknown or reserved hyperparameter (naming it and the allowed ones). ``spec.params`` are normalised
    to their JSON form (tuples become lists), so a model's spec equals the spec it is loaded with.
    """
    if spec.kind not in KINDS:
        raise ModelConfigError(f"unknown model kind {spec.kind!r}; kinds: {', '.join(KINDS)}")
    if spec.task not in TASKS[spec.kind]:
        raise ModelConfigError(f"kind {spec.kind!r} does not support task {spec.task!r}; it supports "
                               f"{', '.join(TASKS[spec.kind])}")
    cls = model_class(spec.kind)
    params = json_params(spec.kind, spec.params)
    if params != spec.params:
        spec = msgspec.structs.replace(spec, params=params)
    cls.validate_spec(spec)
    return cls(spec)


def load_model(folder: str | Path, *, feature_digest: str | None) -> Any:
    """Read a model saved by ``save``, verified; refuses a feature set other than ``feature_digest``.

    Args:
        folder: the model folder (``model.json`` and the model's files).
        feature_digest: digest of the feature set the caller will feed; pass ``None`` explicitly only to
            inspect a model without serving it.

    Raises:
        ModelArtifactError: missing, corrupted or edited files, an unknown format version or kind, or a
            library of another major version than the one that wrote the model.
        ModelMismatchError: ``feature_digest`` differs from the model's (both are named).
    """
    path = Path(folder)
    meta, files = artifacts.read_folder(path)
    if meta.kind not in CLASSES:
        raise ModelArtifactError(f"{path}: unknown model kind {meta.kind!r}; kinds: {', '.join(KINDS)}")
    artifacts.check_digest(path, meta, feature_digest)
    try:
        cls = model_class(meta.kind)
    except ModelConfigError as exc:
        raise ModelArtifactError(f"{path}: {exc}") from None
    return cls.from_artifact(path, meta, files)
