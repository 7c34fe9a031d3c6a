"""Batch scoring of a neural network across many instruments: ONNX Runtime on the CPU, and on a GPU when one exists.

    python bench/model_gpu.py [--instruments 1,64,1024,16384] [--repeat 20] [--hidden 128,128] [--threads 0]

Model: a scikit-learn MLP classifier (``--hidden`` units, ReLU) fitted on the zoo's real sample dataset
(shipped 2024-08-08 BTCUSDT spot + USDⓈ-M recording, 40 features, direction of the perp mid 5 s later),
converted to ONNX (float32). Workload: one feature row per instrument per tick, so a batch of N
instruments is N rows taken from the real rows (wrapping), scored in one ``session.run``.

Timed per batch size: the median of ``--repeat`` runs after one untimed warm-up, for the CPU provider
and, when :func:`arbkit.models.accelerators.onnx_gpu_providers` finds one that starts, the GPU provider
(the figure includes the host-to-device copy of the inputs and the copy back, as serving would).
Printed: ms per batch, rows/s, the ratio CPU / GPU, and the largest difference between the two
outputs. Without a GPU it says so plainly and prints the CPU figures only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from arbkit.models.accelerators import CPU_PROVIDER, detect_accelerators, onnx_gpu_providers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay import machine as replay_machine  # noqa: E402


def machine() -> str:
    """Platform, CPU model, cores and library versions, and ONNX Runtime's version."""
    import onnxruntime as ort

    return f"{replay_machine()}; onnxruntime {ort.__version__}"


def fitted_onnx(hidden: tuple[int, ...], max_rows: int) -> tuple[bytes, np.ndarray, str]:
    """(ONNX model bytes, float32 real feature rows, description) of an MLP fitted on the sample dataset."""
    from skl2onnx import to_onnx
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from arbkit.models.zoo.datasets import sample_basis_dataset

    data = sample_basis_dataset(max_rows=max_rows)
    x = data.x.astype(np.float32)
    pipeline = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=hidden, max_iter=200, random_state=0,
                                                             early_stopping=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the bench times scoring; the fit's quality is moot
        pipeline.fit(x, data.y.astype(np.int64))
    onnx_model = to_onnx(pipeline, x[:1], options={"zipmap": False}, target_opset=17)
    return (onnx_model.SerializeToString(), x,
            f"MLP {'x'.join(map(str, hidden))} on {len(x):,} real rows x {x.shape[1]} features")


def session(model: bytes, provider: str, threads: int) -> object:
    """An inference session on ``provider`` (with the CPU as fallback); refuses a silent fallback."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads > 0:
        options.intra_op_num_threads = threads
    providers = [provider] if provider == CPU_PROVIDER else [provider, CPU_PROVIDER]
    made = ort.InferenceSession(model, sess_options=options, providers=providers)
    if made.get_providers()[0] != provider:
        raise RuntimeError(f"{provider} did not start (session runs on {made.get_providers()})")
    return made


def batch(rows: np.ndarray, instruments: int) -> np.ndarray:
    """``instruments`` real rows, wrapping around the dataset: one feature row per instrument."""
    index = np.arange(instruments) % len(rows)
    return np.ascontiguousarray(rows[index])


def time_scoring(scorer: object, x: np.ndarray, repeat: int) -> tuple[float, np.ndarray]:
    """(median seconds of one ``run``, P(class 1) per row) after one untimed warm-up."""
    name = scorer.get_inputs()[0].name  # type: ignore[attr-defined]
    output = scorer.run(None, {name: x})  # type: ignore[attr-defined]
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        output = scorer.run(None, {name: x})  # type: ignore[attr-defined]
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), np.asarray(output[1])[:, 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", default="1,64,1024,16384", help="batch sizes: instruments scored per run")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per batch size (median is printed)")
    parser.add_argument("--hidden", default="128,128", help="hidden layer sizes of the MLP")
    parser.add_argument("--max-rows", type=int, default=3000, help="real rows to fit on and draw batches from")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for ONNX Runtime (0: its default)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.instruments.split(",") if s]
    hidden = tuple(int(h) for h in args.hidden.split(",") if h)

    print(f"machine: {machine()}")
    accelerators = detect_accelerators()
    gpu = onnx_gpu_providers()[0] if onnx_gpu_providers() else None
    if gpu is None:
        print("no GPU/accelerator found: CPU figures only"
              + (f" (found {', '.join(accelerators)}, but no ONNX Runtime GPU provider)" if accelerators else ""))
    else:
        print(f"accelerators: {', '.join(accelerators)}; GPU figures on {gpu}")
    model, rows, described = fitted_onnx(hidden, args.max_rows)
    print(f"model: {described}, ONNX float32; workload: one row per instrument per batch")
    cpu = session(model, CPU_PROVIDER, args.threads)
    on_gpu = session(model, gpu, 0) if gpu is not None else None

    header = f"{'instruments':>12} {'CPU ms/batch':>13} {'CPU rows/s':>13}"
    if on_gpu is not None:
        header += f" {'GPU ms/batch':>13} {'GPU rows/s':>13} {'CPU/GPU':>8} {'max |diff|':>11}"
    print(header)
    for size in sizes:
        x = batch(rows, size)
        cpu_s, cpu_out = time_scoring(cpu, x, args.repeat)
        line = f"{size:>12,} {cpu_s * 1e3:>13.3f} {size / cpu_s:>13,.0f}"
        if on_gpu is not None:
            gpu_s, gpu_out = time_scoring(on_gpu, x, args.repeat)
            line += (f" {gpu_s * 1e3:>13.3f} {size / gpu_s:>13,.0f} {cpu_s / gpu_s:>7.2f}x"
                     f" {float(np.max(np.abs(cpu_out - gpu_out))):>11.2e}")
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
