"""Optional accelerators for neural-network training and inference, found at runtime, never required.

Two routes are looked for: ONNX Runtime's GPU execution providers (CUDA, TensorRT, ROCm, DirectML,
CoreML; a provider counts only when a session on it actually starts, since a GPU build of ONNX
Runtime lists CUDA even on a machine without a GPU) and PyTorch CUDA (when ``torch`` is importable).
With neither, everything runs on the CPU and :func:`detect_accelerators` returns an empty list.

>>> isinstance(detect_accelerators(), list)
True
>>> onnx_providers(prefer_gpu=False)
['CPUExecutionProvider']
"""

from __future__ import annotations

import functools
import importlib.util
from typing import Any

GPU_PROVIDERS = ("TensorrtExecutionProvider", "CUDAExecutionProvider", "ROCMExecutionProvider",
                 "MIGraphXExecutionProvider", "DmlExecutionProvider", "CoreMLExecutionProvider")
"""ONNX Runtime providers that run on an accelerator, in order of preference."""
CPU_PROVIDER = "CPUExecutionProvider"


def _probe_model() -> bytes | None:
    """A one-node ONNX graph (y = x + x) to try a provider on; None when ``onnx`` is not installed."""
    if importlib.util.find_spec("onnx") is None:
        return None
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])
    graph = helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "probe", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return bytes(model.SerializeToString())


def _provider_starts(provider: str, probe: bytes | None) -> bool:
    if probe is None:
        return False
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 4  # silence the fallback warning; the check below decides
    try:
        session = ort.InferenceSession(probe, sess_options=options, providers=[provider, CPU_PROVIDER])
    except Exception:  # noqa: BLE001 - a provider that cannot start is simply absent
        return False
    return provider in session.get_providers()


@functools.lru_cache(maxsize=1)
def onnx_gpu_providers() -> tuple[str, ...]:
    """ONNX Runtime GPU providers that start a session here, in order of preference (empty without one)."""
    if importlib.util.find_spec("onnxruntime") is None:
        return ()
    import onnxruntime as ort

    listed = [p for p in GPU_PROVIDERS if p in ort.get_available_providers()]
    if not listed:
        return ()
    probe = _probe_model()
    return tuple(p for p in listed if _provider_starts(p, probe))


@functools.lru_cache(maxsize=1)
def torch_cuda_devices() -> tuple[str, ...]:
    """``cuda:<i> (<device name>)`` for each CUDA device PyTorch sees (empty without torch or a GPU)."""
    if importlib.util.find_spec("torch") is None:
        return ()
    import torch

    if not torch.cuda.is_available():
        return ()
    return tuple(f"cuda:{i} ({torch.cuda.get_device_name(i)})" for i in range(torch.cuda.device_count()))


def detect_accelerators() -> list[str]:
    """Accelerators usable now, e.g. ``["onnxruntime:CUDAExecutionProvider", "torch:cuda:0 (NVIDIA H100)"]``.

    Empty when there is none: the caller then runs on the CPU.
    """
    found = [f"onnxruntime:{p}" for p in onnx_gpu_providers()]
    found += [f"torch:{d}" for d in torch_cuda_devices()]
    return found


def onnx_providers(prefer_gpu: bool = True) -> list[str]:
    """Providers for an ``onnxruntime.InferenceSession``: the working GPU ones first (when asked), then CPU."""
    return [*(onnx_gpu_providers() if prefer_gpu else ()), CPU_PROVIDER]


def torch_device(prefer_gpu: bool = True) -> Any:
    """``torch.device("cuda")`` when asked and available, else ``torch.device("cpu")``; needs torch."""
    import torch

    return torch.device("cuda" if prefer_gpu and torch_cuda_devices() else "cpu")
