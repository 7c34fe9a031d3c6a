"""ONNX Runtime scoring of the same models, single-threaded: the comparison path of the benchmark.

Converted with onnxmltools (LightGBM, XGBoost) or skl2onnx (scikit-learn). ONNX tree ensembles and
these converters work in float32 (inputs, thresholds, sums and the sigmoid), so outputs differ from
the library's float64 (LightGBM, scikit-learn) or float32-with-another-summation-order (XGBoost)
results by up to about 1e-6 absolute on probabilities (see docs/compiled-inference.md for measured
figures). ``intra_op_num_threads = inter_op_num_threads = 1``: one tick, one core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from arbkit.models.errors import ModelConfigError

OPSET = 15
"""ONNX default-domain opset of the converted graphs."""


def to_onnx(model: Any, n_features: int) -> bytes:
    """The serialized ONNX graph of a fitted LightGBM, XGBoost or scikit-learn model (float32 input ``input``)."""
    library = type(model).__module__.split(".")[0]
    if library in ("lightgbm", "xgboost"):
        import onnxmltools
        from onnxmltools.convert.common.data_types import FloatTensorType

        types = [("input", FloatTensorType([None, n_features]))]
        if library == "lightgbm":
            onnx_model = onnxmltools.convert_lightgbm(model, initial_types=types, zipmap=False, target_opset=OPSET)
        else:
            onnx_model = onnxmltools.convert_xgboost(model, initial_types=types, target_opset=OPSET)
    elif library == "sklearn":
        from skl2onnx import to_onnx as skl_to_onnx
        from skl2onnx.common.data_types import FloatTensorType as SklFloat

        options = {"zipmap": False} if hasattr(model, "predict_proba") else None
        onnx_model = skl_to_onnx(model, initial_types=[("input", SklFloat([None, n_features]))],
                                 target_opset=OPSET, options=options)
    else:
        raise ModelConfigError(f"no ONNX conversion for {type(model).__module__}.{type(model).__name__}")
    return onnx_model.SerializeToString()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class OnnxScorer:
    """An ``InferenceSession`` on one thread, and which output column is P(class 1) or the value."""

    session: Any
    input_name: str
    output_name: str
    column: int

    def run(self, rows32: np.ndarray) -> Any:
        """The raw ``session.run`` on float32 rows (n × k): the call the benchmark times."""
        return self.session.run([self.output_name], {self.input_name: rows32})[0]

    def predict_many(self, rows: np.ndarray) -> np.ndarray:
        """float64 (n,) outputs for float64 rows, cast to float32 on the way in."""
        out = np.asarray(self.run(np.ascontiguousarray(rows, dtype=np.float32)))
        return out.reshape(out.shape[0], -1)[:, self.column].astype(np.float64)


def onnx_scorer(model: Any, n_features: int) -> OnnxScorer:
    """Convert ``model`` and open a single-threaded CPU session on it."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    session = ort.InferenceSession(to_onnx(model, n_features), options, providers=["CPUExecutionProvider"])
    outputs = [o.name for o in session.get_outputs()]
    classifier = hasattr(model, "predict_proba") or "probabilities" in outputs
    if classifier:
        name = "probabilities" if "probabilities" in outputs else outputs[-1]
    else:
        name = "variable" if "variable" in outputs else outputs[0]
    return OnnxScorer(session, session.get_inputs()[0].name, name, 1 if classifier else 0)
