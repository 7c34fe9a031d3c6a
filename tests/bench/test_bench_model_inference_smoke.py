"""Smoke test of bench/model_inference.py in --quick mode: every path runs for every model and the outputs agree.

Speed is never asserted here; the measured figures are in docs/compiled-inference.md.
"""

from __future__ import annotations

import re

import pytest
from testkit import load_bench

MODELS = ("lightgbm", "xgboost", "random_forest", "logistic", "mlp")


def test_quick_run_times_three_paths_per_model_and_finds_bit_equal_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench("model_inference")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "data: SYNTHETIC" in out
    for model in MODELS:
        for path in ("arbkit", "library", "onnx"):
            assert re.search(rf"^{model}\s+{path}\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+$", out, re.MULTILINE), (model, path)
        summary = re.search(rf"^{model}\s.*?([0-9.]+)×\s+([0-9.]+)×\s+([0-9.]+)×\s+([0-9.]+)×\s+(\S+)\s+([0-9.e+-]+)$",
                            out, re.MULTILINE)
        assert summary is not None, model
        assert all(float(summary.group(i)) > 0 for i in range(1, 5))
        assert summary.group(5) == "bit-equal", model
        assert float(summary.group(6)) < 1e-5, model  # ONNX Runtime works in float32
        assert re.search(rf"^{model}\s+[0-9,]+\s+[0-9,]+\s+[0-9,]+$", out, re.MULTILINE), model
