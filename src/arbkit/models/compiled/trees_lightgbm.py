"""LightGBM ``Booster`` (or ``LGBMModel``) → tree program, from ``Booster.dump_model()``.

What LightGBM does at predict time, and how the program reproduces it bit for bit:

- a row's values with ``|x| <= 1e-35f`` are read as exactly 0 (its dense-row reader drops them);
- numerical split ``decision_type '<='``: left iff ``x <= threshold`` in float64; ``missing_type``
  ``None`` and ``NaN`` only matter for NaN, which arbkit refuses; ``Zero`` sends the zero band to the
  ``default_left`` side (kept as a zero-as-missing node);
- leaf values already include the shrinkage, and the first tree carries the initial score
  (``boost_from_average``), so the raw score is ``0.0 + tree 0 + tree 1 + ...`` in float64;
- ``average_output`` (random-forest mode) divides that by the number of trees;
- objective ``binary sigmoid:σ`` → ``1 / (1 + exp(-σ·s))``; ``cross_entropy`` → ``1 / (1 + exp(-s))``;
  the regression objectives (``regression``, ``regression_l1``, ``huber``, ``fair``, ``quantile``,
  ``mape``) → identity.

Refused with :class:`~arbkit.models.errors.ModelConfigError`: categorical splits, linear trees,
multiclass / multi-tree iterations, ``reg_sqrt``, and other objectives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arbkit.models.compiled import layout as L
from arbkit.models.compiled.model import CompiledModel, make_meta
from arbkit.models.compiled.thresholds import lightgbm_threshold
from arbkit.models.compiled.tree_program import Split, TreeProgramBuilder
from arbkit.models.compiled.verify import verify
from arbkit.models.errors import ModelConfigError

_IDENTITY_OBJECTIVES = ("regression", "regression_l1", "huber", "fair", "quantile", "mape")


def _link(objective: str) -> tuple[float, float, str]:
    """(link code, sigmoid scale, output) for LightGBM's objective string, e.g. ``binary sigmoid:1``."""
    tokens = objective.split()
    name = tokens[0] if tokens else "none"
    params = dict(token.split(":", 1) for token in tokens[1:] if ":" in token)
    if "sqrt" in tokens[1:]:
        raise ModelConfigError(f"LightGBM objective {objective!r}: reg_sqrt is not supported by the compiled path")
    if name == "binary":
        return L.LINK_SIGMOID, float(params.get("sigmoid", 1.0)), "probability"
    if name in ("cross_entropy", "xentropy"):
        return L.LINK_SIGMOID, 1.0, "probability"
    if name in _IDENTITY_OBJECTIVES:
        return L.LINK_IDENTITY, 1.0, "value"
    raise ModelConfigError(f"LightGBM objective {objective!r} is not supported by the compiled path; supported: "
                           f"binary, cross_entropy, {', '.join(_IDENTITY_OBJECTIVES)}")


def _describer(index: int) -> Callable[[dict[str, Any]], Split[dict[str, Any]] | float]:
    """How to read one node of tree ``index`` of ``dump_model()``."""

    def describe(node: dict[str, Any]) -> Split[dict[str, Any]] | float:
        if "leaf_value" in node:
            if "leaf_coeff" in node:
                raise ModelConfigError(f"LightGBM tree {index} is a linear tree (linear_tree=true); not supported")
            return float(node["leaf_value"])
        if node.get("decision_type") != "<=":
            raise ModelConfigError(f"LightGBM tree {index}, split {node.get('split_index')}: decision type "
                                   f"{node.get('decision_type')!r} (categorical) is not supported; only '<='")
        zero = bool(node["default_left"]) if node.get("missing_type") == "Zero" else None
        return Split(int(node["split_feature"]), lightgbm_threshold(float(node["threshold"])),
                     node["left_child"], node["right_child"], zero)

    return describe


def compile_lightgbm(model: Any, *, feature_names: Sequence[str] | None = None,
                     check_rows: np.ndarray | None = None) -> CompiledModel:
    """Compile a fitted LightGBM ``Booster``, ``LGBMClassifier`` (binary) or ``LGBMRegressor``.

    Uses the same iterations as ``predict`` (``best_iteration`` when early stopping set one). The
    result is checked against ``predict`` on probe rows plus ``check_rows`` (see :mod:`.verify`).
    Raises :class:`ModelConfigError` for what the compiled path does not support (see module docs).
    """
    booster = getattr(model, "booster_", model)
    dump = booster.dump_model()
    if dump.get("num_class", 1) != 1 or dump.get("num_tree_per_iteration", 1) != 1:
        raise ModelConfigError(f"LightGBM model with num_class={dump.get('num_class')} and "
                               f"num_tree_per_iteration={dump.get('num_tree_per_iteration')}: only binary "
                               "classification and regression (one tree per iteration) are supported")
    objective = str(dump.get("objective", "none"))
    link, scale, output = _link(objective)
    n_features = int(dump["max_feature_idx"]) + 1
    builder = TreeProgramBuilder(n_features)
    trees = dump["tree_info"]
    if not trees:
        raise ModelConfigError("LightGBM model has no trees")
    for index, tree in enumerate(trees):
        builder.add_tree(tree["tree_structure"], _describer(index))
    divisor = float(len(trees)) if dump.get("average_output") else 1.0
    program = builder.program(link=link, divisor=divisor, link_scale=scale)
    meta = make_meta("lightgbm", output, n_features, "lightgbm", model, feature_names=feature_names,  # type: ignore[arg-type]
                     detail={"objective": objective, "trees": len(trees), "leaves": builder.n_leaves,
                             "average_output": int(bool(dump.get("average_output")))})
    return verify(CompiledModel(program, meta), _library_predict(model), extra_rows=check_rows)


def _library_predict(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    if hasattr(model, "predict_proba"):
        return lambda rows: model.predict_proba(rows)[:, 1]
    return model.predict  # type: ignore[no-any-return]
