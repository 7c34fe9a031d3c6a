"""Online regime work per event: arbkit's compiled HMM filter and guard against the obvious no-look-ahead baseline.

    python bench/regime_online.py [--rows 600] [--repeat 3]

Data: the shipped 2024-08-08 BTCUSDT spot sample (real quotes): its BBO mids feed the guard; its
5-s bar features (``BarVolSpec(..., ewma_column=True)``, the real-data test's choice) feed a 2-state
HMM fitted once (not timed).

Timed, each the median of ``--repeat`` rounds after one untimed warm-up (numba compilation excluded):

1. **HMM, per row**: ``OnlineClassifier.update`` row by row (the streaming path a monitor uses), and
   ``classify_many`` (the compiled batch twin), against the no-look-ahead baseline written the obvious
   way with hmmlearn: at every row ``t``, ``score_samples(rows[:t + 1])`` and keep its last posterior
   (correct, but O(t) per row). The rows are the sample's bars tiled to ``--rows`` rows.
2. **Guard, per tick**: ``DislocationGuard.update`` tick by tick and ``update_many`` over all BBO mids.

Everything runs with BLAS/OpenMP limited to one thread. Printed: rows or ticks, seconds, per second, and
the ratio baseline / arbkit. The script checks that
the baseline and the filter agree to 1e-9 on every row, or stops with an error.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from arbkit.adapters.binance.fast_ingest import ingest_binance_file
from arbkit.adapters.binance.instruments import binance_registry
from arbkit.data.sample import SAMPLE_SPOT_BTC, sample_path
from arbkit.regime.bbo import bbo_of_table
from arbkit.regime.fit import fit_hmm
from arbkit.regime.guard import DislocationGuard
from arbkit.regime.vol_features import ORDER_BY, BarVolSpec

NS_PER_S = 1_000_000_000
SPEC = BarVolSpec(bar_ns=5 * NS_PER_S, sample_ns=NS_PER_S // 2, halflife_ns=30 * NS_PER_S, floor_bps_per_sqrt_s=0.1,
                  warmup_ns=15 * NS_PER_S, ewma_column=True)


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: compilation and first-call imports are not timed
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    registry = binance_registry()
    ingested = ingest_binance_file(sample_path(SAMPLE_SPOT_BTC), registry)
    bbo = bbo_of_table(ingested.table, float(registry.get(ingested.instrument_id).tick_size), clock="ts_event")
    bars = SPEC.batch(bbo.ts_ns, bbo.mid)
    model = fit_hmm(bars.rows, feature_names=SPEC.names, feature_digest=SPEC.digest(), order_by=ORDER_BY, seed=0)
    reps = -(-args.rows // len(bars.rows))
    rows = np.tile(bars.rows, (reps, 1))[: args.rows]
    ts = np.arange(len(rows), dtype=np.int64) * SPEC.bar_ns

    from hmmlearn.hmm import GaussianHMM

    ref = GaussianHMM(n_components=2, covariance_type="full")
    ref.startprob_ = np.array(model.params.startprob)
    ref.transmat_ = np.array(model.params.transmat)
    ref.means_ = np.array(model.params.means)
    ref.covars_ = np.array(model.params.covariances)

    def baseline() -> np.ndarray:
        return np.array([ref.score_samples(rows[: t + 1])[1][-1] for t in range(len(rows))])

    def streaming() -> list[int]:
        clf = model.online()
        return [clf.update(int(t), r) for t, r in zip(ts, rows)]

    expected = baseline()
    _, post, _ = model.classify_many(ts, rows)
    worst = float(np.abs(expected - post).max())
    if worst > 1e-9:
        raise SystemExit(f"the hmmlearn prefix baseline and the online filter differ by {worst:.3g}")

    t_base = timed(baseline, 1)
    t_stream = timed(streaming, args.repeat)
    t_batch = timed(lambda: model.classify_many(ts, rows), args.repeat)
    print(f"HMM forward filter, {len(rows)} rows of {rows.shape[1]} features (max |diff| vs hmmlearn {worst:.2g})")
    for name, seconds in (("hmmlearn score_samples on each prefix", t_base), ("arbkit online update", t_stream),
                          ("arbkit classify_many (batch)", t_batch)):
        print(f"  {name:40s} {seconds:9.4f} s {len(rows) / seconds:12,.0f} rows/s  "
              f"baseline/this {t_base / seconds:8.1f}x")

    def guard_stream() -> None:
        guard = DislocationGuard()
        for t, m, s in zip(bbo.ts_ns.tolist(), bbo.mid.tolist(), bbo.spread_bps.tolist()):
            guard.update(t, m, s)

    t_guard = timed(guard_stream, args.repeat)
    t_guard_batch = timed(lambda: DislocationGuard().update_many(bbo.ts_ns, bbo.mid, bbo.spread_bps), args.repeat)
    print(f"dislocation guard, {len(bbo)} BBO ticks of {SAMPLE_SPOT_BTC}")
    for name, seconds in (("update per tick (Python call)", t_guard), ("update_many (compiled loop)", t_guard_batch)):
        print(f"  {name:40s} {seconds:9.4f} s {len(bbo) / seconds:12,.0f} ticks/s")


if __name__ == "__main__":
    with threadpool_limits(limits=1):  # both sides single-threaded, as arbkit's fits run
        main()
