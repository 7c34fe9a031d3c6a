"""What ``arbkit models train`` trains: model, data, validation, as a frozen config loaded from TOML.

The embedded default trains a LightGBM classifier on the zoo's real sample dataset (the shipped
BTCUSDT spot + USDⓈ-M recording, 40 features, direction of the perp mid 5 s later), validated by
purged 5-fold cross-validation. A TOML file overrides any part of it; unknown keys are a
:class:`~arbkit.core.errors.ConfigError` naming the key. The config, as plain data, is stored with
each registered version (``lineage.recipe``) so ``arbkit models retrain`` can repeat it.

>>> config = load_train_config()
>>> config.model_name, config.model.kind, config.validation.scheme, config.data.horizon_ns
('basis-lightgbm', 'lightgbm', 'purged_kfold', 5000000000)
>>> load_train_config(overrides={"model": {"kind": "logistic"}}).model_name
'basis-logistic'
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import msgspec

from arbkit.core.errors import ConfigError

NS_PER_S = 1_000_000_000

DEFAULT_TRAIN_TOML = """\
# arbkit models train: the embedded default (every key may be overridden by a TOML file)
# name = "basis-lightgbm"        # registered model name; default basis-<kind>

[model]
kind = "lightgbm"                # linear, logistic, decision_tree, random_forest, svm, lightgbm, xgboost, mlp, lstm
task = "classification"          # classification (P(class 1)) or regression
seed = 0

[model.params]
n_estimators = 200
num_leaves = 15
learning_rate = 0.05

[data]
dataset = "sample_basis"         # the zoo's real sample: shipped BTCUSDT spot + USDM perp, 40 features
horizon_ns = 5_000_000_000       # label horizon: perp mid move over the next 5 s of event time
max_rows = 3000                  # rows kept, evenly spaced over the recording

[validation]
scheme = "purged_kfold"          # purged_kfold or walk_forward
n_splits = 5                     # purged_kfold: folds
embargo_ns = 1_000_000_000       # purged_kfold: rows this long after a test fold are left out of training
train_ns = 120_000_000_000       # walk_forward: training window
test_ns = 30_000_000_000         # walk_forward: test window
"""


class ModelSection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The model: zoo kind, task, seed and library hyperparameters (see :class:`~arbkit.models.zoo.contract.ModelSpec`)."""

    kind: str
    task: Literal["classification", "regression"] = "classification"
    seed: int = 0
    params: dict[str, Any] = msgspec.field(default_factory=dict)


class DataSection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The training data.

    Attributes:
        dataset: ``sample_basis``, the zoo's real sample dataset (the only one so far).
        horizon_ns: label horizon, ns of event time (> 0).
        max_rows: most rows kept (> 0).
    """

    dataset: Literal["sample_basis"] = "sample_basis"
    horizon_ns: int = 5 * NS_PER_S
    max_rows: int = 3000


class ValidationSection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the model is validated before it is registered.

    Attributes:
        scheme: ``purged_kfold`` or ``walk_forward``.
        n_splits: folds of the purged k-fold (>= 2).
        embargo_ns: purged k-fold embargo after each test fold, ns (>= 0).
        train_ns: walk-forward training window, ns (> 0).
        test_ns: walk-forward test window, ns (> 0).
    """

    scheme: Literal["purged_kfold", "walk_forward"] = "purged_kfold"
    n_splits: int = 5
    embargo_ns: int = NS_PER_S
    train_ns: int = 120 * NS_PER_S
    test_ns: int = 30 * NS_PER_S


class TrainConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One training job: what to train, on what, how to validate it, under which registered name."""

    model: ModelSection
    data: DataSection = msgspec.field(default_factory=DataSection)
    validation: ValidationSection = msgspec.field(default_factory=ValidationSection)
    name: str = ""

    def __post_init__(self) -> None:
        if self.data.horizon_ns <= 0 or self.data.max_rows <= 0:
            raise ConfigError(f"data.horizon_ns and data.max_rows must be > 0, got {self.data.horizon_ns} and "
                              f"{self.data.max_rows}")
        if self.validation.n_splits < 2:
            raise ConfigError(f"validation.n_splits must be >= 2, got {self.validation.n_splits}")
        if self.validation.embargo_ns < 0 or self.validation.train_ns <= 0 or self.validation.test_ns <= 0:
            raise ConfigError("validation.embargo_ns must be >= 0 and train_ns, test_ns > 0; got "
                              f"{self.validation.embargo_ns}, {self.validation.train_ns}, {self.validation.test_ns}")

    @property
    def model_name(self) -> str:
        """The registered name: ``name`` when set, else ``basis-<kind>``."""
        return self.name or f"basis-{self.model.kind.replace('_', '-')}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the recipe stored with a registered version), with the resolved name."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        data["name"] = self.model_name
        return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` laid over it, tables merged key by key (``model.params`` replaced whole)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "params":
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def config_from_dict(data: dict[str, Any], where: str = "train config") -> TrainConfig:
    """Build a :class:`TrainConfig` from plain data; :class:`ConfigError` naming the bad key and ``where``."""
    try:
        return msgspec.convert(data, TrainConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_train_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """The embedded default, overlaid by the TOML at ``path`` (if any), then by ``overrides``.

    A changed ``model.kind`` without ``model.params`` drops the default LightGBM hyperparameters (they
    belong to that kind), so ``--kind logistic`` trains with the library defaults.
    """
    data = tomllib.loads(DEFAULT_TRAIN_TOML)
    where = "embedded default"
    for layer, name in ((_read_toml(path) if path is not None else None, str(path)), (overrides, "overrides")):
        if not layer:
            continue
        model = layer.get("model")
        if isinstance(model, dict) and "kind" in model and "params" not in model and model["kind"] != data["model"]["kind"]:
            data["model"]["params"] = {}
        data = _merge(data, layer)
        where = name
    return config_from_dict(data, where)


def _read_toml(path: str | Path) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read train config {str(path)!r}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"train config {str(path)!r} is not valid TOML: {exc}") from exc
