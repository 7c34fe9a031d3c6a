"""XGBoost ``Booster`` (or ``XGBModel``) → tree program, from the model's JSON (``save_raw('json')``).

What XGBoost's CPU predictor does, and how the program reproduces it bit for bit:

- the row is cast to float32; a split sends it left iff ``float32(x) < split_condition`` (a float32),
  rewritten here as ``x <= T`` on the float64 value (:func:`~.thresholds.xgboost_threshold`);
- the margin starts at the base score turned into a margin (``-logf(1/b - 1)`` in float32 for the
  logistic objectives, ``b`` itself otherwise) and adds the trees' leaf values in order, each sum
  rounded to float32;
- ``binary:logistic`` / ``reg:logistic`` apply XGBoost's float32 sigmoid
  (``1 / (expf(min(-m, 88.7)) + 1 + 1e-16)``); the other supported objectives are the identity.

The output is that float32 value widened to float64, exactly what ``inplace_predict`` /
``predict_proba`` return. For an ``XGBModel`` with early stopping, the trees up to
``best_iteration`` are used, as its ``predict`` does.

Refused with :class:`~arbkit.models.errors.ModelConfigError`: categorical splits, multi-class or
multi-target models, boosters other than ``gbtree`` (``dart``, ``gblinear``) and other objectives.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from numba import njit

from arbkit.models.compiled import layout as L
from arbkit.models.compiled.model import CompiledModel, make_meta
from arbkit.models.compiled.thresholds import xgboost_threshold
from arbkit.models.compiled.tree_program import Split, TreeProgramBuilder
from arbkit.models.compiled.verify import verify
from arbkit.models.errors import ModelConfigError

_SIGMOID_OBJECTIVES = {"binary:logistic": "probability", "reg:logistic": "value"}
_IDENTITY_OBJECTIVES = ("reg:squarederror", "reg:absoluteerror", "reg:pseudohubererror")


@njit("float32(float32)", cache=True)
def _logit_f32(b):  # type: ignore[no-untyped-def]
    """XGBoost's ``ProbToMargin`` of the logistic objectives, in float32 with the C library's ``logf``."""
    one = np.float32(1.0)
    return -np.float32(np.log(np.float32(np.float32(one / b) - one)))


def _booster(model: Any) -> Any:
    """The booster ``predict`` would use: an ``XGBModel``'s trees up to ``best_iteration``, if set."""
    if not hasattr(model, "get_booster"):
        return model
    booster = model.get_booster()
    try:
        best = model.best_iteration
    except AttributeError:
        return booster
    return booster[: int(best) + 1] if best is not None else booster


def _base_score(text: str) -> float:
    values = text.strip().strip("[]").split(",")
    if len(values) != 1:
        raise ModelConfigError(f"XGBoost base_score {text!r} has {len(values)} values; only one output is supported")
    return float(values[0])


def compile_xgboost(model: Any, *, feature_names: Sequence[str] | None = None,
                    check_rows: np.ndarray | None = None) -> CompiledModel:
    """Compile a fitted XGBoost ``Booster``, ``XGBClassifier`` (binary) or ``XGBRegressor``.

    The result is checked against ``inplace_predict`` / ``predict_proba`` on probe rows plus
    ``check_rows`` (see :mod:`.verify`). Raises :class:`ModelConfigError` for what the compiled path
    does not support (see module docs).
    """
    booster = _booster(model)
    learner = json.loads(booster.save_raw("json"))["learner"]
    params = learner["learner_model_param"]
    if int(params.get("num_class", 0)) > 1 or int(params.get("num_target", 1)) != 1:
        raise ModelConfigError(f"XGBoost model with num_class={params.get('num_class')} and num_target="
                               f"{params.get('num_target')}: only binary classification and single-target "
                               "regression are supported")
    gb = learner["gradient_booster"]
    if gb.get("name") != "gbtree":
        raise ModelConfigError(f"XGBoost booster {gb.get('name')!r} is not supported; only 'gbtree'")
    objective = str(learner["objective"]["name"])
    base = np.float32(_base_score(params["base_score"]))
    if objective in _SIGMOID_OBJECTIVES:
        link, output, margin = L.LINK_SIGMOID_F32, _SIGMOID_OBJECTIVES[objective], _logit_f32(base)
    elif objective in _IDENTITY_OBJECTIVES:
        link, output, margin = L.LINK_IDENTITY, "value", base
    else:
        raise ModelConfigError(f"XGBoost objective {objective!r} is not supported by the compiled path; supported: "
                               f"{', '.join([*_SIGMOID_OBJECTIVES, *_IDENTITY_OBJECTIVES])}")
    n_features = int(params["num_feature"])
    trees = gb["model"]["trees"]
    if not trees:
        raise ModelConfigError("XGBoost model has no trees")
    builder = TreeProgramBuilder(n_features)
    for index, tree in enumerate(trees):
        if any(int(t) != 0 for t in tree.get("split_type", [])):
            raise ModelConfigError(f"XGBoost tree {index} has categorical splits; not supported")
        lefts, rights = tree["left_children"], tree["right_children"]
        features, conditions = tree["split_indices"], tree["split_conditions"]

        def describe(i: int, lefts: list[int] = lefts, rights: list[int] = rights, features: list[int] = features,
                     conditions: list[float] = conditions) -> Split[int] | float:
            if lefts[i] == -1:
                return float(np.float32(conditions[i]))
            return Split(int(features[i]), xgboost_threshold(conditions[i]), int(lefts[i]), int(rights[i]))

        builder.add_tree(0, describe)
    program = builder.program(link=link, base=float(margin), accumulate=L.ACC_F32)
    meta = make_meta("xgboost", output, n_features, "xgboost", model, feature_names=feature_names,  # type: ignore[arg-type]
                     detail={"objective": objective, "trees": len(trees), "leaves": builder.n_leaves,
                             "base_score": float(base)})
    if hasattr(model, "predict_proba"):
        def library(rows: np.ndarray) -> np.ndarray:
            return model.predict_proba(rows)[:, 1]  # type: ignore[no-any-return]
    elif hasattr(model, "get_booster"):
        library = model.predict
    else:
        library = booster.inplace_predict
    return verify(CompiledModel(program, meta), library, extra_rows=check_rows)
