"""Accelerators are detected at runtime and never required; the GPU bench says plainly when there is none.

Speed is never asserted here (the bench prints figures; see bench/README.md).
"""

from __future__ import annotations

import re

import pytest
from testkit import load_bench

from arbkit.models.accelerators import CPU_PROVIDER, detect_accelerators, onnx_gpu_providers, onnx_providers


def test_detected_accelerators_name_their_route() -> None:
    found = detect_accelerators()
    assert all(name.startswith(("onnxruntime:", "torch:")) for name in found)
    assert [f"onnxruntime:{p}" for p in onnx_gpu_providers()] == [n for n in found if n.startswith("onnxruntime:")]


def test_onnx_providers_always_end_with_the_cpu() -> None:
    assert onnx_providers()[-1] == CPU_PROVIDER
    assert onnx_providers(prefer_gpu=False) == [CPU_PROVIDER]


def test_gpu_bench_prints_cpu_rows_and_says_whether_a_gpu_was_used(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench("model_gpu")
    assert bench.main(["--instruments", "1,32", "--repeat", "1", "--hidden", "8", "--max-rows", "300"]) == 0
    out = capsys.readouterr().out
    if onnx_gpu_providers():
        assert "GPU figures on" in out and "CPU/GPU" in out
    else:
        assert "no GPU/accelerator found: CPU figures only" in out
    rows = re.findall(r"^\s+(\d[\d,]*)\s+([0-9.]+)\s+([\d,]+)", out, flags=re.MULTILINE)
    assert [r[0] for r in rows] == ["1", "32"]
    assert all(float(r[1]) > 0 for r in rows)
