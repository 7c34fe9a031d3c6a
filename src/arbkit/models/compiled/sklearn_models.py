"""scikit-learn estimators → programs: trees and forests, linear and logistic models, MLPs.

Trees (``DecisionTree*``, ``RandomForest*``, ``ExtraTrees*``): scikit-learn casts the row to float32
and sends it left iff ``float32(x) <= threshold`` (rewritten as ``x <= T``, see
:func:`~.thresholds.sklearn_threshold`); a leaf's ``tree_.value`` is the class fractions (classifier)
or the mean (regressor); a forest adds its trees' outputs in order from 0.0 and divides by their
number, as ``predict_proba`` / ``predict`` do with ``n_jobs=1`` (with several jobs the threads add in
whatever order they finish, and the library's own last bit varies from call to call). The output is
P(``classes_[1]``) for a binary classifier, the prediction for a single-output regressor.

Linear (``LinearRegression``, ``Ridge``, ``Lasso``, ``ElasticNet``, ``LogisticRegression``) and MLPs
(``MLPClassifier``, ``MLPRegressor``), each optionally as the last step of a ``Pipeline`` after a
``StandardScaler``: see :mod:`.dense`. They equal the library's ``predict`` / ``predict_proba`` of
the *same row alone* bit for bit (tanh MLPs to about 1e-15). scikit-learn's batch call uses a matrix
product whose rounding differs from its own one-row call in the last bit, so a batch from the
library can differ from both by about 1e-16 relative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arbkit.models.compiled import dense as D
from arbkit.models.compiled import layout as L
from arbkit.models.compiled.model import CompiledModel, make_meta
from arbkit.models.compiled.thresholds import sklearn_threshold
from arbkit.models.compiled.tree_program import Split, TreeProgramBuilder
from arbkit.models.compiled.verify import TANH_TOLERANCE, verify
from arbkit.models.errors import ModelConfigError

_LEAF = -1  # sklearn.tree._tree.TREE_LEAF


def _binary_classes(model: Any) -> None:
    classes = getattr(model, "classes_", None)
    if classes is None or np.ndim(classes) != 1 or len(classes) != 2:
        raise ModelConfigError(f"{type(model).__name__} with classes {classes!r}: only binary classification "
                               "(two classes) is supported")


def _is_classifier(model: Any) -> bool:
    return hasattr(model, "classes_")


def compile_sklearn(model: Any, *, feature_names: Sequence[str] | None = None,
                    check_rows: np.ndarray | None = None) -> CompiledModel:
    """Compile a fitted scikit-learn decision tree or forest (random forest, extra trees), classifier or regressor."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    forests = (RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier, ExtraTreesRegressor)
    if isinstance(model, forests):
        trees, kind = list(model.estimators_), "random_forest"
    elif isinstance(model, DecisionTreeClassifier | DecisionTreeRegressor):
        trees, kind = [model], "decision_tree"
    else:
        raise ModelConfigError(f"{type(model).__name__} is not a scikit-learn tree or forest this path compiles")
    classifier = _is_classifier(model)
    if classifier:
        _binary_classes(model)
    if getattr(model, "n_outputs_", 1) != 1:
        raise ModelConfigError(f"{type(model).__name__} with {model.n_outputs_} outputs: one is supported")
    n_features = int(model.n_features_in_)
    builder = TreeProgramBuilder(n_features)
    column = 1 if classifier else 0
    for tree in trees:
        t = tree.tree_
        left, right, feature, threshold = t.children_left, t.children_right, t.feature, t.threshold
        value = t.value[:, 0, column]

        def describe(i: int, left: Any = left, right: Any = right, feature: Any = feature, threshold: Any = threshold,
                     value: Any = value) -> Split[int] | float:
            if left[i] == _LEAF:
                return float(value[i])
            return Split(int(feature[i]), sklearn_threshold(float(threshold[i])), int(left[i]), int(right[i]))

        builder.add_tree(0, describe)
    program = builder.program(link=L.LINK_IDENTITY, divisor=float(len(trees)))
    meta = make_meta(kind, "probability" if classifier else "value", n_features, "sklearn", model,
                     feature_names=feature_names, detail={"trees": len(trees), "leaves": builder.n_leaves})
    return verify(CompiledModel(program, meta), _library_predict(model), extra_rows=check_rows)


def _unpipe(model: Any) -> tuple[Any, np.ndarray | None, np.ndarray | None]:
    """(final estimator, scaler mean, scaler scale) of a model or a ``Pipeline(StandardScaler, model)``."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if not isinstance(model, Pipeline):
        return model, None, None
    steps = [step for _, step in model.steps if step not in (None, "passthrough")]
    if len(steps) != 2 or not isinstance(steps[0], StandardScaler):
        raise ModelConfigError(f"Pipeline of {[type(s).__name__ for s in steps]}: only StandardScaler followed by "
                               "the model is supported")
    scaler = steps[0]
    k = int(scaler.n_features_in_)
    mean = scaler.mean_ if scaler.with_mean else np.zeros(k)
    scale = scaler.scale_ if scaler.with_std else np.ones(k)
    return steps[1], np.asarray(mean, dtype=np.float64), np.asarray(scale, dtype=np.float64)


def compile_linear(model: Any, *, feature_names: Sequence[str] | None = None,
                   check_rows: np.ndarray | None = None) -> CompiledModel:
    """Compile a fitted linear regressor or binary ``LogisticRegression`` (optionally after a ``StandardScaler``)."""
    from sklearn.linear_model import LogisticRegression

    final, mean, scale = _unpipe(model)
    if not hasattr(final, "coef_"):
        raise ModelConfigError(f"{type(final).__name__} has no coef_: not a fitted linear model")
    if isinstance(final, LogisticRegression):
        _binary_classes(final)
        link, output, kind = L.LINK_SIGMOID, "probability", "logistic"
    elif _is_classifier(final):
        raise ModelConfigError(f"{type(final).__name__} is a classifier without probabilities; use LogisticRegression")
    else:
        link, output, kind = L.LINK_IDENTITY, "value", "linear"
    coef = np.asarray(final.coef_, dtype=np.float64)
    if coef.ndim > 2 or (coef.ndim == 2 and coef.shape[0] != 1):
        raise ModelConfigError(f"{type(final).__name__} with coefficients of shape {coef.shape}: one output is "
                               "supported")
    intercept = float(np.ravel(np.asarray(final.intercept_, dtype=np.float64))[0]) \
        if np.size(final.intercept_) else 0.0
    program = D.linear_program(coef.reshape(-1), intercept, link=link, mean=mean, scale=scale)
    meta = make_meta(kind, output, coef.size, "sklearn", model, feature_names=feature_names,  # type: ignore[arg-type]
                     detail={"estimator": type(final).__name__, "scaled": int(mean is not None)})
    return verify(CompiledModel(program, meta), _library_predict(model), one_row_at_a_time=True,
                  tolerance=0.0 if _same_blas() else _BLAS_TOLERANCE, extra_rows=check_rows)


def compile_mlp(model: Any, *, feature_names: Sequence[str] | None = None,
                check_rows: np.ndarray | None = None) -> CompiledModel:
    """Compile a fitted ``MLPClassifier`` (binary) or ``MLPRegressor`` (one output), optionally after a scaler."""
    final, mean, scale = _unpipe(model)
    if not hasattr(final, "coefs_") or not hasattr(final, "out_activation_"):
        raise ModelConfigError(f"{type(final).__name__} is not a fitted scikit-learn MLP")
    if _is_classifier(final):
        _binary_classes(final)
    out_act = final.out_activation_
    if out_act not in ("logistic", "identity") or final.coefs_[-1].shape[1] != 1:
        raise ModelConfigError(f"{type(final).__name__} with output activation {out_act!r} and "
                               f"{final.coefs_[-1].shape[1]} outputs: one logistic or identity output is supported")
    if final.activation not in D.ACTIVATIONS:
        raise ModelConfigError(f"hidden activation {final.activation!r}; supported: {sorted(D.ACTIVATIONS)}")
    link = L.LINK_SIGMOID if out_act == "logistic" else L.LINK_IDENTITY
    program = D.mlp_program(list(final.coefs_), list(final.intercepts_), hidden=D.ACTIVATIONS[final.activation],
                            link=link, mean=mean, scale=scale)
    n_features = int(final.coefs_[0].shape[0])
    meta = make_meta("mlp", "probability" if out_act == "logistic" else "value", n_features, "sklearn", model,
                     feature_names=feature_names,
                     detail={"activation": final.activation, "layers": len(final.coefs_),
                             "hidden": "x".join(str(w.shape[1]) for w in final.coefs_[:-1]),
                             "scaled": int(mean is not None)})
    exact = final.activation != "tanh" and _same_blas()
    return verify(CompiledModel(program, meta), _library_predict(model), one_row_at_a_time=True,
                  tolerance=0.0 if exact else TANH_TOLERANCE, extra_rows=check_rows)


def _library_predict(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    if hasattr(model, "predict_proba"):
        return lambda rows: model.predict_proba(rows)[:, 1]
    return model.predict  # type: ignore[no-any-return]


_BLAS_TOLERANCE = 1e-12


def _same_blas() -> bool:
    """Whether numpy (scikit-learn's products) and scipy (numba's BLAS) both run OpenBLAS, the bit-for-bit case."""
    import scipy

    def blas(config: dict[str, Any]) -> str:
        return str(config.get("Build Dependencies", {}).get("blas", {}).get("name", "")).lower()

    try:
        return "openblas" in blas(np.show_config(mode="dicts")) and "openblas" in blas(scipy.show_config(mode="dicts"))
    except (TypeError, AttributeError):
        return False
