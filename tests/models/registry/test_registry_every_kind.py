"""Every kind of the zoo, trained on the real sample features, validated leak-free, registered with its
lineage and served back from the registry through its compiled path with the same outputs."""

from __future__ import annotations

import functools
import importlib.util
from typing import Any

import msgspec
import numpy as np
import pytest

from arbkit.models.jobs import training_data
from arbkit.models.registry import FeatureSetRecord, Lineage, ModelRegistry
from arbkit.models.validation import PurgedKFold, ZooAdapter, cross_validate
from arbkit.models.zoo import KINDS, TASKS, ModelSpec, build_model
from arbkit.models.zoo.datasets import Dataset, sample_basis_dataset, window_rows

SMALL = {"linear": {}, "logistic": {}, "decision_tree": {"max_depth": 5},
         "random_forest": {"n_estimators": 10, "max_depth": 5}, "svm": {},
         "lightgbm": {"n_estimators": 10, "num_leaves": 15}, "xgboost": {"n_estimators": 10, "max_depth": 4},
         "mlp": {"hidden_layer_sizes": [8], "max_iter": 40}, "lstm": {"window": 3, "hidden_size": 4, "epochs": 2}}
"""Small models: the point is the registry round trip, not the score."""


@functools.lru_cache(maxsize=2)
def dataset(task: str) -> Dataset:
    return sample_basis_dataset(task, max_rows=600)  # type: ignore[arg-type]


def task_of(kind: str) -> str:
    return "classification" if "classification" in TASKS[kind] else "regression"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_registers_with_lineage_and_serves_the_same_outputs(kind: str, registry: ModelRegistry) -> None:
    if kind == "lstm" and importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed (optional extra arbkit[torch]); the LSTM kind needs it")
    task = task_of(kind)
    data = dataset(task)
    x, y, t0, t1, names = data.x, data.y, data.t0_ns, data.t1_ns, data.feature_names
    if kind == "lstm":
        x, names = window_rows(x, names, 3)
        y, t0, t1 = y[2:], t0[2:], t1[2:]
    spec = ModelSpec(kind=kind, task=task, params=dict(SMALL[kind]), seed=3)  # type: ignore[arg-type]
    report = cross_validate(lambda: ZooAdapter(build_model(spec), names, data.feature_digest), x, y, t0, t1,
                            PurgedKFold(n_splits=3, embargo_ns=1_000_000_000), task=task)  # type: ignore[arg-type]
    model: Any = build_model(spec).fit(x, y, feature_names=names, feature_digest=data.feature_digest)
    lineage = Lineage(data=training_data(data),
                      features=FeatureSetRecord(name="spot_perp_40", digest=data.feature_digest, names=tuple(names)),
                      label={"name": "perp_mid_direction" if task == "classification" else "perp_mid_move_bps",
                             "horizon_ns": 5_000_000_000},
                      validation=msgspec.to_builtins(report))
    registered = registry.register(model, lineage, actor="quant@desk", name=f"every-{kind.replace('_', '-')}")

    record = registry.show(registered.name, registered.version).lineage
    assert record.model_version == model.version and record.features.digest == data.feature_digest
    assert [f.sha256 for f in record.data.files] == [s.sha256 for s in data.source_files]
    assert record.validation is not None and record.validation["pooled"]
    served = registry.load(registered.name, registered.version, feature_digest=data.feature_digest)
    rows = x[:50]
    expected = model.predict_many(rows)
    np.testing.assert_array_equal([served.predict_one(row) for row in rows], expected)
    np.testing.assert_array_equal(served.predict_many(rows), expected)
