"""Per-event cost of the 40-output spot+perp feature set against the book update of the same events.

    python bench/features_streaming.py [--repeat N]

Data: the 2024-08-08 BTCUSDT spot and USDⓈ-M recordings (the shared copies beside the repository if
present, else the shipped sample — the same bytes), merged on the replay timeline. Workload: every
book message of either instrument is applied to its :class:`~arbkit.book.OrderBook`, then the feature
engine reads both books and updates all 40 outputs; every trade updates the trade features.

Two views, both with numba compilation excluded (one warm-up pass first):

1. **streaming, per event** (the production path): each book update is one compiled call
   (``OrderBook.apply_arrays`` over the message's levels) and each feature update is one compiled call
   (``FeatureEngine.on_book_index`` / ``on_trade``); each call is timed alone with
   ``time.perf_counter_ns``. Printed: p50, p99 and mean ns of each, the ratio features / book update
   (target ≤ 1), and the timer's own cost (an empty timed interval), which is included in both.
2. **compiled loops**: the book-only replay of both streams (``book_events``, which also extracts the
   book fields) and the feature kernels over the resulting events (``FeatureEngine.batch``), as mean
   ns per event — the cost without any Python call in between.

The ``--repeat`` rounds (default 5) each time every event once; the medians of the per-round p50/p99
are printed.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.book.order_book import OrderBook
from arbkit.data.events import DELTA, F_CLEAR, F_LAST, TRADE, EventTable
from arbkit.data.replay import Replay
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path
from arbkit.features.batch_inputs import book_events, inputs_from_events
from arbkit.features.engine import FeatureEngine
from arbkit.features.presets import spot_perp_feature_set

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay import machine, timer_overhead_ns  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "binance_spot_usdm_coinm_2024-08-08"
SPOT, PERP = "BTCUSDT.BINANCE_SPOT", "BTCUSDT.BINANCE_USDM"


def recording_files() -> tuple[Path, Path]:
    """(spot, perp) files: the shared copies if present, else the shipped sample."""
    spot, perp = SHARED / "binance_spot_btcusdt_20240808.gz", SHARED / "binance_usdm_btcusdt_20240808.gz"
    if spot.exists() and perp.exists():
        return spot, perp
    return sample_path(SAMPLE_SPOT_BTC), sample_path(SAMPLE_USDM_BTC)


def event_table() -> EventTable:
    """Both recordings on the replay timeline, spot = stream 0, perp = stream 1."""
    spot, perp = recording_files()
    messages = list(Replay.from_binance_files([[spot], [perp]], binance_registry()))
    return EventTable.from_messages(messages, {SPOT: 0, PERP: 1})


def message_spans(table: EventTable) -> list[tuple[int, int, int, int]]:
    """(kind, stream, first row, end row) of every book message and trade, in row order."""
    kind, flags, stream = table["kind"], table["flags"], table["stream"]
    spans, start = [], None
    for i in range(len(kind)):
        if kind[i] == DELTA:
            start = i if start is None else start
            if flags[i] & F_LAST:
                spans.append((DELTA, int(stream[i]), start, i + 1))
                start = None
        elif kind[i] == TRADE:
            spans.append((TRADE, int(stream[i]), i, i + 1))
    return spans


def timed_round(table: EventTable, spans: list[tuple[int, int, int, int]], engine: FeatureEngine
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass: ns of each book update, of each feature update after a book event, of each after a trade."""
    books = [OrderBook(SPOT), OrderBook(PERP)]
    engine.reset()
    is_bid = table["side"] > 0
    price, size, flags = table["price"], table["size"], table["flags"]
    ts_event = table["ts_event"]
    book_ns = np.empty(len(spans), dtype=np.int64)
    feat_ns = np.empty(len(spans), dtype=np.int64)
    trade_ns = np.empty(len(spans), dtype=np.int64)
    nb = nt = 0
    clock = time.perf_counter_ns
    gc.disable()
    try:
        for kind, stream, start, stop in spans:
            if kind == DELTA:
                book = books[stream]
                t0 = clock()
                if flags[start] & F_CLEAR:
                    book.clear()
                book.apply_arrays(is_bid, price, size, start, stop)
                t1 = clock()
                engine.on_book_index(int(ts_event[stop - 1]), stream, book.buf)
                t2 = clock()
                book_ns[nb] = t1 - t0
                feat_ns[nb] = t2 - t1
                nb += 1
            else:
                t0 = clock()
                engine.on_trade(int(ts_event[start]), stream, int(price[start]), int(size[start]),
                                int(table["side"][start]))
                trade_ns[nt] = clock() - t0
                nt += 1
    finally:
        gc.enable()
    return book_ns[:nb], feat_ns[:nb], trade_ns[:nt]


def compiled_loops(table: EventTable, engine: FeatureEngine, repeat: int) -> tuple[float, float, int]:
    """Mean ns/event of the compiled book replay (both streams) and of the compiled feature kernels."""
    fs = engine.feature_set
    inputs = inputs_from_events(table, fs, {0: "spot", 1: "perp"})
    book_s, feat_s = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        book_events(table, 0, fs.book_levels)
        book_events(table, 1, fs.book_levels)
        t1 = time.perf_counter()
        engine.batch(inputs)
        t2 = time.perf_counter()
        book_s.append(t1 - t0)
        feat_s.append(t2 - t1)
    n = len(inputs)
    return statistics.median(book_s) * 1e9 / n, statistics.median(feat_s) * 1e9 / n, n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    spot, perp = recording_files()
    print(f"data: {spot.name} + {perp.name}")
    table = event_table()
    spans = message_spans(table)
    engine = FeatureEngine(spot_perp_feature_set(SPOT, PERP), binance_registry())
    print(f"feature set: {len(engine.names)} outputs from {len(engine.feature_set.features)} declarations, "
          f"digest {engine.feature_set.digest()}")
    timed_round(table, spans, engine)  # warm-up: compile everything
    rounds = [timed_round(table, spans, engine) for _ in range(args.repeat)]
    overhead = timer_overhead_ns()

    def summary(index: int) -> tuple[float, float, float]:
        p50 = statistics.median(float(np.percentile(r[index], 50)) for r in rounds)
        p99 = statistics.median(float(np.percentile(r[index], 99)) for r in rounds)
        mean = statistics.median(float(np.mean(r[index])) for r in rounds)
        return p50, p99, mean

    book, feat, trade = summary(0), summary(1), summary(2)
    print(f"book events: {len(rounds[0][0]):,}   trades: {len(rounds[0][2]):,}   rounds: {args.repeat}")
    print(f"timer overhead (empty interval): {overhead:.0f} ns, included in every figure below")
    print(f"{'streaming, one compiled call each':38s} {'p50 ns':>8s} {'p99 ns':>8s} {'mean ns':>8s}")
    for label, (p50, p99, mean) in (("book update (apply_arrays)", book), ("40 features after a book event", feat),
                                    ("40 features after a trade", trade)):
        print(f"  {label:36s} {p50:8.0f} {p99:8.0f} {mean:8.0f}")
    print(f"ratio features / book update: p50 {feat[0] / book[0]:.2f}, p99 {feat[1] / book[1]:.2f}, "
          f"mean {feat[2] / book[2]:.2f}   (target <= 1)")
    book_ns, feat_ns, n = compiled_loops(table, engine, args.repeat)
    print(f"compiled loops over {n:,} events: book replay + field extraction {book_ns:.0f} ns/event, "
          f"40 features {feat_ns:.0f} ns/event (ratio {feat_ns / book_ns:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
