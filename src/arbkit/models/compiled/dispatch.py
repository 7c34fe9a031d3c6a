"""``compile_estimator``: pick the compiler for a fitted model by its library and class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arbkit.models.compiled.model import CompiledModel
from arbkit.models.compiled.sklearn_models import compile_linear, compile_mlp, compile_sklearn
from arbkit.models.compiled.trees_lightgbm import compile_lightgbm
from arbkit.models.compiled.trees_xgboost import compile_xgboost
from arbkit.models.errors import ModelConfigError

_TREE_CLASSES = ("DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
                 "ExtraTreesClassifier", "ExtraTreesRegressor")


def _final_step(model: Any) -> Any:
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def compile_estimator(model: Any, *, feature_names: Sequence[str] | None = None,
                      check_rows: np.ndarray | None = None) -> CompiledModel:
    """Compile any supported fitted model (see :mod:`arbkit.models.compiled`); ModelConfigError otherwise."""
    library = type(model).__module__.split(".")[0]
    final = _final_step(model)
    name = type(final).__name__
    if library == "lightgbm":
        compiler = compile_lightgbm
    elif library == "xgboost":
        compiler = compile_xgboost
    elif library == "sklearn" and name in _TREE_CLASSES and final is model:
        compiler = compile_sklearn
    elif library == "sklearn" and hasattr(final, "coefs_"):
        compiler = compile_mlp
    elif library == "sklearn" and hasattr(final, "coef_"):
        compiler = compile_linear
    else:
        raise ModelConfigError(f"no compiled path for {type(model).__module__}.{type(model).__name__}"
                               f"{f' ending in {name}' if final is not model else ''}; supported: LightGBM and "
                               "XGBoost boosters, scikit-learn trees, forests, linear models and MLPs")
    return compiler(model, feature_names=feature_names, check_rows=check_rows)
