"""Model inference per tick and per batch: arbkit's compiled path against the library's own predict and ONNX Runtime.

    python bench/model_inference.py [--calls 20000] [--batch-rows 100000] [--quick]

Data: SYNTHETIC training data — 20,000 rows of 32 features (Gaussian, heavy-tailed, uniform and
integer-valued columns) with a non-linear label, from a fixed seed. Latency does not depend on the
realism of the data, only on the models' shapes, which are those of the issue:

- LightGBM: 200 trees, 31 leaves, binary objective (``lightgbm.train``);
- XGBoost: 200 trees, depth 6, ``binary:logistic`` (``xgboost.train``, CPU ``hist``);
- random forest: scikit-learn, 100 trees, depth 10;
- logistic regression: scikit-learn ``LogisticRegression``;
- MLP: scikit-learn ``MLPClassifier``, two hidden layers of 64 relu units.

Every path runs on one thread (``threadpool_limits(1)``, ``num_threads``/``nthread`` 1, ONNX Runtime
``intra_op_num_threads = inter_op_num_threads = 1``).

Single-row latency, per model and path, each call timed alone with ``time.perf_counter_ns`` after a
warm-up, ``--calls`` calls each (default 20,000), cycling through 2,000 distinct held-out rows; the
three paths take turns in five rounds so that machine noise falls on all of them:

(a) **arbkit** ``CompiledModel.predict_one(row)`` (validation included: width, dtype, finiteness);
(b) **library** ``Booster.predict(row[None])`` (LightGBM), ``Booster.inplace_predict(row[None])``
    (XGBoost), ``predict_proba(row[None])`` (scikit-learn);
(c) **ONNX Runtime** ``InferenceSession.run`` on a float32 ``(1, 32)`` row prepared beforehand (the
    cast is not timed, which flatters ONNX slightly).

Also printed, for the LightGBM and logistic models: the p50 of an empty compiled call with the same
two arrays, of the kernel with and without its input checks (width and finiteness, inside the
compiled call), and of ``predict_one`` (adds the Python method and the output check).

Printed: p50 / p99 / p99.9 in µs, the ratios arbkit / library and arbkit / ONNX at p50 and p99 (targets
for the tree models: p99 ≤ 0.1× library and ≤ 0.5× ONNX), whether arbkit's outputs equal the library's
bit for bit on the 2,000 rows (the library called one row at a time for the linear model and the MLP,
as the tick path compares), and the largest |ONNX − arbkit|. Then batch throughput in rows/s on
``--batch-rows`` rows (default 100,000; median of three runs): ``predict_many``, the library's batch
predict, ``InferenceSession.run``. ``--quick`` shrinks everything for the smoke test.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit
from threadpoolctl import threadpool_limits

from arbkit.models.compiled import CompiledModel, compile_estimator, dense, kernels
from arbkit.models.compiled.onnx_runtime import OnnxScorer, onnx_scorer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay import machine, timer_overhead_ns

N_FEATURES = 32
POOL_ROWS = 2_000
ROUNDS = 5
PATHS = ("arbkit", "library", "onnx")


@dataclass(frozen=True)
class Sizes:
    """How big the run is: training rows, model sizes, timed calls and batch rows."""

    train_rows: int
    trees: int
    forest_trees: int
    mlp_iterations: int
    calls: int
    batch_rows: int
    batch_repeat: int


def synthetic_rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """SYNTHETIC (n, 32) float64 rows and 0/1 labels: mixed marginals, a non-linear signal, label noise."""
    rng = np.random.default_rng(seed)
    x = np.empty((n, N_FEATURES))
    x[:, :12] = rng.standard_normal((n, 12))
    x[:, 12:20] = rng.standard_t(3, (n, 8))
    x[:, 20:28] = rng.uniform(-2.0, 2.0, (n, 8))
    x[:, 28:] = rng.integers(0, 5, (n, 4))
    signal = (x[:, 0] - 0.7 * x[:, 1] * x[:, 2] + np.sin(2 * x[:, 3]) + 0.3 * np.abs(x[:, 12])
              - 0.5 * (x[:, 20] > 0.5) + 0.2 * x[:, 28] + 0.1 * x[:, 4:12].sum(axis=1))
    y = (signal + rng.standard_normal(n) > 0.3).astype(np.int64)
    return x, y


def train(x: np.ndarray, y: np.ndarray, sizes: Sizes) -> dict[str, Any]:
    """The five models, single-threaded, deterministic."""
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the MLP stops at its iteration budget before converging; fine for timing
        return {
            "lightgbm": lgb.train({"objective": "binary", "num_leaves": 31, "learning_rate": 0.05, "num_threads": 1,
                                   "seed": 0, "deterministic": True, "verbose": -1}, lgb.Dataset(x, y), sizes.trees),
            "xgboost": xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.05, "nthread": 1,
                                  "seed": 0, "tree_method": "hist"}, xgb.DMatrix(x, y), sizes.trees),
            "random_forest": RandomForestClassifier(n_estimators=sizes.forest_trees, max_depth=10, n_jobs=1,
                                                    random_state=0).fit(x, y),
            "logistic": LogisticRegression(max_iter=1000).fit(x, y),
            "mlp": MLPClassifier(hidden_layer_sizes=(64, 64), max_iter=sizes.mlp_iterations,
                                 random_state=0).fit(x, y),
        }


def library_one(name: str, model: Any) -> Callable[[np.ndarray], Any]:
    """The library's own single-row call, on a (1, k) view of the row."""
    if name == "lightgbm":
        return lambda row: model.predict(row[None], num_threads=1)
    if name == "xgboost":
        return lambda row: model.inplace_predict(row[None])
    return lambda row: model.predict_proba(row[None])


def library_many(name: str, model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """The library's own batch call, as float64 P(class 1)."""
    if name == "lightgbm":
        return lambda rows: np.asarray(model.predict(rows, num_threads=1), dtype=np.float64)
    if name == "xgboost":
        return lambda rows: np.asarray(model.inplace_predict(rows), dtype=np.float64)
    return lambda rows: np.asarray(model.predict_proba(rows)[:, 1], dtype=np.float64)


def time_calls(call: Callable[[Any], Any], rows: list[Any], start: int, count: int) -> np.ndarray:
    """ns of ``count`` calls, each timed alone, on rows cycled from ``start``."""
    clock = time.perf_counter_ns
    out = np.empty(count, dtype=np.int64)
    n = len(rows)
    for i in range(count):
        row = rows[(start + i) % n]
        t0 = clock()
        call(row)
        out[i] = clock() - t0
    return out


def latencies(paths: dict[str, tuple[Callable[[Any], Any], list[Any]]], calls: int) -> dict[str, np.ndarray]:
    """ns per call of every path; warm-up first, then ``ROUNDS`` rounds in which the paths take turns."""
    for call, rows in paths.values():
        time_calls(call, rows, 0, min(1_000, max(50, calls // 10)))
    chunk = -(-calls // ROUNDS)
    samples: dict[str, list[np.ndarray]] = {name: [] for name in paths}
    gc.collect()
    gc.disable()
    try:
        for r in range(ROUNDS):
            for name, (call, rows) in paths.items():
                samples[name].append(time_calls(call, rows, r * chunk, min(chunk, calls - r * chunk)))
    finally:
        gc.enable()
    return {name: np.concatenate(parts) for name, parts in samples.items()}


def throughput(fn: Callable[[], Any], rows: int, repeat: int) -> float:
    """rows/s of ``fn`` (median of ``repeat`` runs after one warm-up)."""
    fn()
    seconds = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t0)
    return rows / statistics.median(seconds)


@njit(kernels.ONE_SIG, _nrt=False)
def _empty_call(x, p):  # type: ignore[no-untyped-def]
    return p[0]


@njit(kernels.ONE_SIG, _nrt=False)
def _trees_unchecked(x, p):  # type: ignore[no-untyped-def]
    return kernels._trees_row(x, p)


@njit(kernels.ONE_SIG, _nrt=False)
def _linear_unchecked(x, p):  # type: ignore[no-untyped-def]
    return dense._linear_row(x, p)


def overheads(compiled: CompiledModel, pool: np.ndarray, calls: int) -> dict[str, float]:
    """ns of: an empty compiled call with the same two arrays, the kernel without its input checks, the kernel
    with them (what ``predict_one`` calls), and ``predict_one`` itself.

    Each figure is the smallest of five per-round medians (the least disturbed round on a shared machine);
    the cost of the timing lambda is subtracted from the three kernel figures.
    """
    program = compiled.to_arrays()[0]["program"]
    one = kernels.trees_one if compiled.kind in ("lightgbm", "xgboost", "random_forest") else dense.linear_one
    unchecked = _trees_unchecked if one is kernels.trees_one else _linear_unchecked
    rows = [np.ascontiguousarray(row) for row in pool]
    paths = {"lambda": (lambda x: None, rows), "empty call": (lambda x: _empty_call(x, program), rows),
             "kernel, no checks": (lambda x: unchecked(x, program), rows),
             "kernel with checks": (lambda x: one(x, program), rows), "predict_one": (compiled.predict_one, rows)}
    best = {name: float("inf") for name in paths}
    for _ in range(ROUNDS):
        for name, ns in latencies(paths, max(ROUNDS, calls // ROUNDS)).items():
            best[name] = min(best[name], float(np.median(ns)))
    lam = best.pop("lambda")
    return {name: value - (lam if name != "predict_one" else 0.0) for name, value in best.items()}


@dataclass
class Result:
    """Everything printed for one model."""

    name: str
    detail: str
    ns: dict[str, np.ndarray]
    identical: bool
    max_library_diff: float
    max_onnx_diff: float
    rows_per_s: dict[str, float]


def measure(name: str, fitted: Any, pool: np.ndarray, batch: np.ndarray, sizes: Sizes) -> Result:
    """Compile, check agreement, time single rows and batches for one model."""
    compiled: CompiledModel = compile_estimator(fitted)
    onnx: OnnxScorer = onnx_scorer(fitted, N_FEATURES)
    ours = compiled.predict_many(pool)
    if name in ("logistic", "mlp"):  # the tick comparison: the library's one-row call (see compiled-inference.md)
        theirs = np.array([float(np.ravel(library_one(name, fitted)(row))[-1]) for row in pool])
    else:
        theirs = library_many(name, fitted)(pool)
    onnx_out = onnx.predict_many(pool)
    rows64 = [np.ascontiguousarray(row) for row in pool]
    rows32 = [np.ascontiguousarray(row, dtype=np.float32)[None] for row in pool]
    ns = latencies({"arbkit": (compiled.predict_one, rows64), "library": (library_one(name, fitted), rows64),
                    "onnx": (onnx.run, rows32)}, sizes.calls)
    batch32 = np.ascontiguousarray(batch, dtype=np.float32)
    library_batch = library_many(name, fitted)
    rows_per_s = {
        "arbkit": throughput(lambda: compiled.predict_many(batch), len(batch), sizes.batch_repeat),
        "library": throughput(lambda: library_batch(batch), len(batch), sizes.batch_repeat),
        "onnx": throughput(lambda: onnx.run(batch32), len(batch), sizes.batch_repeat),
    }
    detail = ", ".join(f"{k} {v}" for k, v in compiled.meta.detail.items() if k in ("trees", "leaves", "hidden"))
    return Result(name, detail, ns, bool(np.array_equal(ours, theirs)), float(np.max(np.abs(ours - theirs))),
                  float(np.max(np.abs(onnx_out - ours))), rows_per_s)


def report_overheads(name: str, ns: dict[str, float]) -> None:
    """The cost of the call itself and of the input checks, for one model."""
    checks = ns["kernel with checks"] - ns["kernel, no checks"]
    wrapper = ns["predict_one"] - ns["kernel with checks"]
    print(f"{name}: empty compiled call with two arrays {ns['empty call']:.0f} ns; kernel without checks "
          f"{ns['kernel, no checks']:.0f} ns, with checks {ns['kernel with checks']:.0f} ns (checks {checks:+.0f} ns); "
          f"predict_one {ns['predict_one']:.0f} ns (Python method and output check {wrapper:+.0f} ns)")


def report(results: list[Result], overhead_ns: float, calls: int) -> None:
    """Print the latency table, the ratios, agreement and throughput."""
    print(f"\nsingle-row latency, µs ({calls:,} calls per path after warm-up; timer overhead {overhead_ns:.0f} ns "
          "included)")
    print(f"{'model':14s} {'path':8s} {'p50':>8s} {'p99':>8s} {'p99.9':>8s}")
    for r in results:
        for path in PATHS:
            p50, p99, p999 = (float(np.percentile(r.ns[path], q)) / 1e3 for q in (50, 99, 99.9))
            print(f"{r.name:14s} {path:8s} {p50:8.2f} {p99:8.2f} {p999:8.2f}")
    print("\nsummary (ratios < 1: arbkit faster; tree targets: p99 ≤ 0.10× library and ≤ 0.50× ONNX)")
    print(f"{'model':14s} {'shape':26s} {'p50 lib':>8s} {'p99 lib':>8s} {'p50 onnx':>9s} {'p99 onnx':>9s}  "
          f"{'= library':10s} {'|onnx - ours|':>13s}")
    for r in results:
        p = {path: {q: float(np.percentile(r.ns[path], q)) for q in (50, 99)} for path in PATHS}
        same = "bit-equal" if r.identical else f"max {r.max_library_diff:.1e}"
        print(f"{r.name:14s} {r.detail:26s} {p['arbkit'][50] / p['library'][50]:7.3f}× "
              f"{p['arbkit'][99] / p['library'][99]:7.3f}× {p['arbkit'][50] / p['onnx'][50]:8.3f}× "
              f"{p['arbkit'][99] / p['onnx'][99]:8.3f}×  {same:10s} {r.max_onnx_diff:13.1e}")
    print("\nbatch throughput, rows/s (median of the runs; one thread)")
    print(f"{'model':14s} {'arbkit':>12s} {'library':>12s} {'onnx':>12s}")
    for r in results:
        print(f"{r.name:14s} {r.rows_per_s['arbkit']:12,.0f} {r.rows_per_s['library']:12,.0f} "
              f"{r.rows_per_s['onnx']:12,.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=20_000, help="timed single-row calls per path and model")
    parser.add_argument("--batch-rows", type=int, default=100_000, help="rows of the batch-throughput run")
    parser.add_argument("--quick", action="store_true", help="small models, 300 calls, 2,000 batch rows")
    args = parser.parse_args(argv)
    if args.quick:
        sizes = Sizes(train_rows=2_000, trees=20, forest_trees=10, mlp_iterations=5, calls=300, batch_rows=2_000,
                      batch_repeat=1)
    else:
        sizes = Sizes(train_rows=20_000, trees=200, forest_trees=100, mlp_iterations=50, calls=args.calls,
                      batch_rows=args.batch_rows, batch_repeat=3)
    print(f"machine: {machine()}")
    import lightgbm
    import onnxruntime
    import sklearn
    import xgboost

    print(f"libraries: lightgbm {lightgbm.__version__}, xgboost {xgboost.__version__}, scikit-learn "
          f"{sklearn.__version__}, onnxruntime {onnxruntime.__version__}")
    print(f"data: SYNTHETIC, {sizes.train_rows:,} training rows × {N_FEATURES} features (seed 0); "
          f"{POOL_ROWS:,} held-out rows for single-row calls; {sizes.batch_rows:,} rows for batches")
    with threadpool_limits(limits=1):
        x, y = synthetic_rows(sizes.train_rows, seed=0)
        pool, _ = synthetic_rows(POOL_ROWS, seed=1)
        batch, _ = synthetic_rows(sizes.batch_rows, seed=2)
        t0 = time.perf_counter()
        models = train(x, y, sizes)
        print(f"trained {len(models)} models in {time.perf_counter() - t0:.1f} s")
        overhead = timer_overhead_ns()
        results = [measure(name, fitted, pool, batch, sizes) for name, fitted in models.items()]
        costs = {name: overheads(compile_estimator(models[name]), pool, sizes.calls)
                 for name in ("lightgbm", "logistic")}
    report(results, overhead, sizes.calls)
    print("\ncost of the call and of the input checks (least-disturbed p50 of five rounds, ns)")
    for name, ns in costs.items():
        report_overheads(name, ns)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
