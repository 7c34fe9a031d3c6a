"""Compiled inference for the tick path: fitted models as flat arrays, scored by compiled code.

A fitted model becomes a :class:`CompiledModel`: one float64 array (the *program*, laid out in
:mod:`.layout`) and a kernel that reads it. ``predict_one(x)`` is one compiled call for one feature
vector; ``predict_many(rows)`` runs the same row function over a batch. Outputs are float64: the
probability of the second class (``classes_[1]``) for a binary classifier, the value for a regressor.

Equal to the library's own predict:

- trees, bit for bit: LightGBM ``Booster.predict``, XGBoost ``inplace_predict`` / ``predict_proba``
  (float32 arithmetic reproduced), scikit-learn trees and forests ``predict_proba`` / ``predict``;
- linear and logistic models and MLPs (relu, logistic, identity), bit for bit against the library's
  one-row call (tanh MLPs within about 1e-15; see :mod:`.dense`).

Every compiler checks its result against the library on probe rows before returning (:mod:`.verify`).

Input contract (both ``predict_one`` and ``predict_many``): float64 of the model's width, else
:class:`~arbkit.models.errors.ModelMismatchError`; NaN or ±inf anywhere, else
:class:`~arbkit.models.errors.NonFiniteInputError` naming the column and value (NaN is refused
everywhere, so a library's missing-value branches never run); a non-finite output raises
:class:`~arbkit.models.errors.NonFiniteOutputError`. Unsupported models (categorical splits,
multi-class, linear trees, unknown objectives) raise :class:`~arbkit.models.errors.ModelConfigError`
at compile time. A saved model (:meth:`CompiledModel.save`, ``.npz`` + ``.json``) that is corrupted or
of another format version raises :class:`~arbkit.models.errors.ModelArtifactError` on load.

Entry points: :func:`compile_estimator` (any of the below), :func:`compile_lightgbm`,
:func:`compile_xgboost`, :func:`compile_sklearn` (trees, forests), :func:`compile_linear`,
:func:`compile_mlp`. See docs/compiled-inference.md for the layout, the arithmetic of each library
and measured latencies.
"""

from arbkit.models.compiled.dispatch import compile_estimator
from arbkit.models.compiled.layout import FORMAT_VERSION
from arbkit.models.compiled.model import CompiledMeta, CompiledModel
from arbkit.models.compiled.sklearn_models import compile_linear, compile_mlp, compile_sklearn
from arbkit.models.compiled.trees_lightgbm import compile_lightgbm
from arbkit.models.compiled.trees_xgboost import compile_xgboost

__all__ = [
    "FORMAT_VERSION",
    "CompiledMeta",
    "CompiledModel",
    "compile_estimator",
    "compile_lightgbm",
    "compile_linear",
    "compile_mlp",
    "compile_sklearn",
    "compile_xgboost",
]
