"""Batch feature throughput: arbkit's compiled engine against a pandas reference written the obvious way.

    python bench/features_batch.py [--repeat 3] [--pandas-repeat 3]

Data: the 2024-08-08 BTCUSDT spot and USDⓈ-M recordings (the shared copies beside the repository if
present, else the shipped sample, the same bytes, with a note), merged on the replay timeline and
tabulated once (not timed). Workload: all 40 outputs of ``spot_perp_feature_set`` after every event.

Timed, each the median of its repeats after one untimed warm-up (so numba compilation and pandas'
first-call imports are excluded):

(a) **arbkit**: ``inputs_from_events`` (the compiled book replay that extracts the book fields) plus
    ``FeatureEngine.batch`` (the compiled kernels); ``engine.batch`` alone is printed as well.
(b) **pandas**: ``reference_features`` (``bench/features_reference.py``) from the same ``FeatureInputs``.
    This is generous to pandas: it is handed the book fields that arbkit's figure (a) extracts itself.

Printed: events, seconds, events/s, the ratio pandas / arbkit (of the seconds), and the largest
relative difference between the two over the cells READY on both sides (the agreement test in
``tests/features/test_reference_agreement.py`` holds them to 1e-9).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.data.events import EventTable
from arbkit.data.sample import SAMPLE_DIR
from arbkit.features.batch_inputs import inputs_from_events
from arbkit.features.engine import FeatureEngine, FeatureInputs, FeatureMatrix
from arbkit.features.feature_set import FeatureSet
from arbkit.features.layout import EV_BOOK, EV_TRADE
from arbkit.features.presets import spot_perp_feature_set

sys.path.insert(0, str(Path(__file__).resolve().parent))
from features_reference import agreement, max_relative_difference, reference_features  # noqa: E402
from features_streaming import PERP, SPOT, event_table, recording_files  # noqa: E402
from replay import Measurement, machine, timed  # noqa: E402

STREAM_ALIASES = {0: "spot", 1: "perp"}
"""Stream index of :func:`features_streaming.event_table` → alias of ``spot_perp_feature_set``."""

def arbkit_batch(table: EventTable, feature_set: FeatureSet,
                 engine: FeatureEngine) -> tuple[FeatureInputs, FeatureMatrix]:
    """(a): the compiled book replay into feature inputs, then the compiled kernels over them."""
    inputs = inputs_from_events(table, feature_set, STREAM_ALIASES)
    return inputs, engine.batch(inputs)


def describe_data() -> str:
    """Which files the bench reads, with a note when the shared copies are absent."""
    spot, perp = recording_files()
    where = str(spot.parent)
    if spot.parent == SAMPLE_DIR:
        where = (f"the shipped sample ({SAMPLE_DIR.name}); note: the shared real-data folder beside the repository "
                 "is absent, and the sample holds the same bytes")
    return f"{spot.name} + {perp.name} from {where}"


def report(rows: list[Measurement], baseline: Measurement) -> None:
    """One line per workload: events, median seconds (min–max), events/s, and seconds relative to ``baseline``."""
    print(f"  {'workload':58s} {'events':>8s} {'median s':>9s} {'min–max s':>15s} {'events/s':>12s} {'× arbkit':>9s}")
    for row in rows:
        spread = f"{min(row.seconds):.4f}–{max(row.seconds):.4f}"
        ratio = row.median_s / baseline.median_s
        print(f"  {row.name:58s} {row.events:8,d} {row.median_s:9.4f} {spread:>15s} {row.events_per_s:12,.0f} "
              f"{ratio:8.2f}×")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of arbkit; the median is reported")
    parser.add_argument("--pandas-repeat", type=int, default=3, help="timed runs of the pandas reference")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print(f"data: {describe_data()}")
    registry = binance_registry()
    feature_set = spot_perp_feature_set(SPOT, PERP)
    engine = FeatureEngine(feature_set, registry)
    table = event_table()
    print(f"feature set {feature_set.name}: {len(feature_set.names)} outputs from {len(feature_set.features)} "
          f"declarations; {len(table):,} table rows (read and tabulated once, not timed)")
    print(f"median of {args.repeat} runs (arbkit) and {args.pandas_repeat} (pandas), each after one untimed "
          "warm-up: numba compilation is excluded")

    seconds, (inputs, matrix) = timed(lambda: arbkit_batch(table, feature_set, engine), args.repeat)
    n = len(inputs)
    arbkit = Measurement("arbkit: inputs_from_events + FeatureEngine.batch (compiled)", n, seconds)
    seconds, _ = timed(lambda: engine.batch(inputs), args.repeat)
    kernels = Measurement("arbkit: FeatureEngine.batch alone (book fields given)", n, seconds)
    seconds, frame = timed(lambda: reference_features(inputs, feature_set, registry), args.pandas_repeat)
    pandas = Measurement("pandas: reference_features (book fields given)", n, seconds)

    books = int(np.count_nonzero(inputs.kind == EV_BOOK))
    trades = int(np.count_nonzero(inputs.kind == EV_TRADE))
    span_s = (int(inputs.ts_ns.max()) - int(inputs.ts_ns.min())) / 1e9
    print(f"events: {n:,} ({books:,} book messages, {trades:,} trades) over {span_s:,.0f} s of event time")
    report([arbkit, kernels, pandas], arbkit)
    print(f"ratio pandas / arbkit: {pandas.median_s / arbkit.median_s:.1f}× (arbkit including its book replay), "
          f"{pandas.median_s / kernels.median_s:.1f}× (kernels alone)")
    compared = agreement(feature_set.names, matrix.values, matrix.status, frame)
    ready = sum(a.ready for a in compared)
    masks = sum(a.mask_differences for a in compared)
    worst, where = max_relative_difference(feature_set.names, matrix.values, matrix.status, frame)
    print(f"max relative difference on the {ready:,} cells READY on both sides: {worst:.2e} ({where}); "
          f"cells READY on one side only: {masks}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
