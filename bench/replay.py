"""Book-only replay throughput of arbkit against a naive pure-Python baseline, in one process.

    python bench/replay.py [--file PATH] [--repeat N] [--e2e-repeat N] [--no-peers]

"Events" are the book level changes applied after sync (snapshot levels included) plus trades: what
``bench/naive_baseline.py`` counts. Both sides must agree on that count, on the best bid after every
diff (a checksum) and on the final best bid, or the script stops with an error.

Measured, each the median of ``--repeat`` runs (default 5; the slow end-to-end section ``--e2e-repeat``,
default 3) after one warm-up (numba compilation is not timed):

1. **replay** (the headline): ``replay_book`` over the normalised event table in memory, against
   ``naive_replay`` over the pre-parsed JSON messages in memory. Both compute the best bid after
   every diff.
2. **end to end from the .gz**, against ``naive_end_to_end`` (json module + dict book), two ways:
   the compiled ingest ``ingest_binance_file`` → ``replay_book`` (what a backtest uses), and the
   validating Python reader ``BinanceRecording`` → ``EventTable.from_messages`` → ``replay_book``.
3. **from Parquet**: ``EventTable.read_parquet`` + ``replay_book`` (the table is written once to a
   temporary file), against ``naive_end_to_end``: both start from a file on disk.
4. **hftbacktest** (optional peer, when it is importable): its own Binance futures converter, then a
   minimal njit loop that steps ``HashMapMarketDepthBacktest`` through every feed event and reads
   the best bid after each.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import TypeVar
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.adapters.binance.fast_ingest import ingest_binance_file
from arbkit.adapters.binance.reader import BinanceRecording
from arbkit.book.replay_kernel import replay_book
from arbkit.data.events import TRADE, EventTable
from arbkit.data.sample import SAMPLE_USDM_BTC, sample_path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from naive_baseline import naive_end_to_end, naive_parse, naive_replay  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_FILE = REPO_ROOT.parent / "shared/data/real/binance_spot_usdm_coinm_2024-08-08" / SAMPLE_USDM_BTC


def default_file() -> Path:
    """The shared copy of the USDⓈ-M BTCUSDT 2024-08-08 recording if present, else the shipped sample (same bytes)."""
    return SHARED_FILE if SHARED_FILE.exists() else sample_path(SAMPLE_USDM_BTC)


T = TypeVar("T")


class BenchMismatch(RuntimeError):
    """arbkit and the naive baseline disagree: the comparison would be meaningless."""


@dataclass(frozen=True)
class Measurement:
    """One timed workload: events processed and the wall-clock seconds of each repeat."""

    name: str
    events: int
    seconds: tuple[float, ...]

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)

    @property
    def events_per_s(self) -> float:
        return self.events / self.median_s

    def ratio_to(self, baseline: "Measurement") -> float:
        """This workload's events/s divided by the baseline's."""
        return self.events_per_s / baseline.events_per_s


def timed(fn: Callable[[], T], repeat: int, warmup: bool = True) -> tuple[tuple[float, ...], T]:
    """Run ``fn`` once untimed (unless ``warmup`` is False), then ``repeat`` times after a GC each;
    (seconds of each timed run, last result)."""
    if warmup:
        fn()
    seconds: list[float] = []
    result = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return tuple(seconds), result  # type: ignore[return-value]


@dataclass
class Inputs:
    """The recording decoded once both ways, plus what the checks need."""

    path: Path
    futures: bool
    tick: float
    table: EventTable
    messages: list
    trades: int


def load(path: Path) -> Inputs:
    """Decode ``path`` into arbkit's event table and into the naive baseline's parsed JSON messages."""
    recording = BinanceRecording(path, binance_registry())
    table = EventTable.from_messages(recording)
    if recording.instrument is None:
        raise BenchMismatch(f"{path.name}: no instrument seen; is it a recorded Binance file?")
    inputs = Inputs(path=path, futures=recording.futures, tick=float(recording.instrument.tick_size), table=table,
                    messages=naive_parse(path), trades=int(np.count_nonzero(table["kind"] == TRADE)))
    gc.collect()
    gc.freeze()  # the decoded inputs are long-lived: keep the collector from re-scanning them in every timed run
    return inputs


def arbkit_replay(table: EventTable, trades: int) -> tuple[int, np.ndarray]:
    """``replay_book`` over one table: (events = book rows applied + trades, best bid per message in ticks)."""
    rows, best_bid, _, _ = replay_book(table)
    return rows + trades, best_bid


def naive_final_best_bid(messages: list, futures: bool, checksum: float) -> float:
    """The naive book's final best bid.

    ``naive_replay`` returns only a checksum (the sum of the best bid after every diff), so this
    replays once more with one empty probe diff appended, which changes no level: the checksum
    grows by exactly the final best bid.
    """
    probe = ("depth@0ms", {"U": 1 << 62, "u": 1 << 62, "pu": -1, "b": [], "a": []})
    _, with_probe = naive_replay([*messages, probe], futures)
    return with_probe - checksum


def check_agreement(inputs: Inputs, arbkit_events: int, best_bid: np.ndarray, naive_events: int, checksum: float) -> int:
    """Raise BenchMismatch unless both sides count the same events and end on the same best bid; returns it in ticks."""
    if arbkit_events != naive_events:
        raise BenchMismatch(f"{inputs.path.name}: arbkit counted {arbkit_events} events, the naive baseline "
                            f"{naive_events}; the two replays did different work")
    naive_checksum_ticks = round(checksum / inputs.tick)
    arbkit_checksum_ticks = int(best_bid[1:].sum())  # message 0 is the snapshot; the naive sums after diffs only
    if naive_checksum_ticks != arbkit_checksum_ticks:
        raise BenchMismatch(f"{inputs.path.name}: sum of best bids after every diff: arbkit {arbkit_checksum_ticks} "
                            f"ticks, naive {naive_checksum_ticks} ticks")
    naive_final = round(naive_final_best_bid(inputs.messages, inputs.futures, checksum) / inputs.tick)
    if naive_final != int(best_bid[-1]):
        raise BenchMismatch(f"{inputs.path.name}: final best bid: arbkit {int(best_bid[-1])} ticks, naive {naive_final} ticks")
    return naive_final


def measure_replay(inputs: Inputs, repeat: int) -> tuple[Measurement, Measurement, int]:
    """Section 1: compiled replay of the in-memory table vs naive replay of in-memory parsed JSON."""
    seconds, (events, best_bid) = timed(lambda: arbkit_replay(inputs.table, inputs.trades), repeat)  # type: ignore[misc]
    arbkit = Measurement("arbkit replay_book (event table in memory)", events, seconds)
    seconds, (n_naive, checksum) = timed(lambda: naive_replay(inputs.messages, inputs.futures), repeat)  # type: ignore[misc]
    naive = Measurement("naive_replay (parsed JSON in memory, dict book)", n_naive, seconds)
    final_bid = check_agreement(inputs, events, best_bid, n_naive, checksum)
    return arbkit, naive, final_bid


def arbkit_end_to_end(path: Path) -> int:
    """Read the .gz with the validating reader, tabulate and replay: events as :func:`arbkit_replay` counts them."""
    table = EventTable.from_messages(BinanceRecording(path, binance_registry()))
    events, _ = arbkit_replay(table, int(np.count_nonzero(table["kind"] == TRADE)))
    return events


def arbkit_fast_end_to_end(path: Path) -> int:
    """Compiled ingest of the .gz straight into the event table, then replay."""
    ingested = ingest_binance_file(path, binance_registry())
    if not ingested.fast:
        raise BenchMismatch(f"{path.name}: the compiled ingest stepped aside; the file is not clean")
    table = ingested.table
    events, _ = arbkit_replay(table, int(np.count_nonzero(table["kind"] == TRADE)))
    return events


def measure_end_to_end(inputs: Inputs, repeat: int) -> tuple[Measurement, Measurement, Measurement]:
    """Section 2: from the .gz file: compiled ingest, validating reader, naive."""
    seconds, fast_events = timed(lambda: arbkit_fast_end_to_end(inputs.path), max(repeat, 3))
    fast = Measurement("arbkit .gz → ingest_binance_file (compiled) → replay_book", int(fast_events), seconds)  # type: ignore[arg-type]
    seconds, events = timed(lambda: arbkit_end_to_end(inputs.path), repeat, warmup=False)
    arbkit = Measurement("arbkit .gz → BinanceRecording → EventTable → replay_book", int(events), seconds)  # type: ignore[arg-type]
    seconds, (n_naive, _) = timed(lambda: naive_end_to_end(inputs.path, inputs.futures), repeat, warmup=False)  # type: ignore[misc]
    naive = Measurement("naive_end_to_end (.gz → json → dict book)", n_naive, seconds)
    if not arbkit.events == fast.events == naive.events:
        raise BenchMismatch(f"end to end: arbkit counted {fast.events} (compiled) and {arbkit.events} (validating) "
                            f"events, naive {naive.events}")
    return fast, arbkit, naive


def measure_parquet(inputs: Inputs, repeat: int) -> Measurement:
    """Section 3: ``read_parquet`` + ``replay_book`` from a Parquet copy of the table written once."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "events.parquet")
        inputs.table.write_parquet(path)

        def run() -> int:
            table = EventTable.read_parquet(path)
            return arbkit_replay(table, int(np.count_nonzero(table["kind"] == TRADE)))[0]

        seconds, events = timed(run, repeat)
    return Measurement("arbkit Parquet → read_parquet → replay_book", int(events), seconds)  # type: ignore[arg-type]


# -- optional peer: hftbacktest --------------------------------------------------------------------
def measure_hftbacktest(inputs: Inputs, repeat: int, expected_final_bid: int) -> tuple[Measurement, Measurement] | str:
    """Section 4: hftbacktest's converter (one run) and its book-only replay loop; a string says why it was skipped."""
    try:
        from hftbacktest import BacktestAsset, HashMapMarketDepthBacktest
        from hftbacktest.data.utils import binancefutures
        from hftbacktest.types import DEPTH_EVENT, DEPTH_SNAPSHOT_EVENT, LOCAL_EVENT, TRADE_EVENT
        from numba import njit
    except ImportError as exc:
        return f"hftbacktest is not installed ({exc.name}); `pip install hftbacktest` to include it"
    if not inputs.futures:
        return "hftbacktest's binancefutures converter reads futures files only"

    @njit
    def step_through(hbt):  # type: ignore[no-untyped-def]
        feeds, checksum = 0, 0.0
        while hbt.wait_next_feed(False, 1 << 62) != 1:  # 1: end of data
            feeds += 1
            checksum += hbt.depth(0).best_bid
        return feeds, hbt.depth(0).best_bid

    def convert():  # type: ignore[no-untyped-def]
        with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its progress
            return binancefutures.convert(str(inputs.path), buffer_size=4 * len(inputs.table) + 100_000)

    start = time.perf_counter()
    data = convert()
    convert_s = time.perf_counter() - start
    kinds = data["ev"] & 0xFF
    local = (data["ev"] & LOCAL_EVENT) != 0
    events = int(np.count_nonzero(local & np.isin(kinds, (DEPTH_EVENT, DEPTH_SNAPSHOT_EVENT, TRADE_EVENT))))

    def replay() -> float:
        asset = (BacktestAsset().data([data]).linear_asset(1.0).constant_order_latency(0, 0)
                 .risk_adverse_queue_model().no_partial_fill_exchange().trading_value_fee_model(0.0, 0.0)
                 .tick_size(inputs.tick).lot_size(1e-8).last_trades_capacity(0))
        hbt = HashMapMarketDepthBacktest([asset])
        _, final_bid = step_through(hbt)
        hbt.close()
        return float(final_bid)

    seconds, final_bid = timed(replay, repeat)
    if round(final_bid / inputs.tick) != expected_final_bid:  # type: ignore[operator]
        raise BenchMismatch(f"hftbacktest final best bid {final_bid} != arbkit's {expected_final_bid} ticks")
    loop = Measurement("hftbacktest HashMapMarketDepthBacktest, wait_next_feed loop (converted array in memory)",
                       events, seconds)
    total = Measurement("hftbacktest binancefutures.convert (1 run) + the loop above", events,
                        (convert_s + loop.median_s,))
    return loop, total


# -- report ----------------------------------------------------------------------------------------
def timer_overhead_ns(samples: int = 100_000) -> float:
    """Median ns of an empty interval timed with ``perf_counter_ns`` (included in every per-call figure)."""
    clock = time.perf_counter_ns
    spans = []
    for _ in range(samples):
        t0 = clock()
        spans.append(clock() - t0)
    return float(np.median(spans))


def machine() -> str:
    """Platform, CPU model, cores and the versions that matter here."""
    import numba

    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = f"Python {platform.python_version()}, numba {numba.__version__}, numpy {np.__version__}"
    with contextlib.suppress(ImportError):
        import hftbacktest

        versions += f", hftbacktest {hftbacktest.__version__}"
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores; {versions}"


def render(rows: list[tuple[Measurement, Measurement | None, str]], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column, justify in (("measurement", "left"), ("events", "right"), ("median s", "right"), ("min–max s", "right"),
                            ("events/s", "right"), ("ratio", "right"), ("vs", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for m, baseline, against in rows:
        ratio = f"{m.ratio_to(baseline):.1f}×" if baseline is not None else "1.0×"
        spread = f"{min(m.seconds):.3f}–{max(m.seconds):.3f}"
        table.add_row(m.name, f"{m.events:,}", f"{m.median_s:.3f}", spread, f"{m.events_per_s:,.0f}", ratio, against)
    Console(width=180).print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=None, help="recorded Binance file (default: USDⓈ-M BTCUSDT 2024-08-08)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats per measurement; the median is reported")
    parser.add_argument("--e2e-repeat", type=int, default=None,
                        help="repeats of the slow end-to-end section (default: min(--repeat, 3))")
    parser.add_argument("--no-peers", action="store_true", help="skip the optional hftbacktest section")
    args = parser.parse_args(argv)
    path = args.file or default_file()
    print(f"file: {path}")
    print(f"machine: {machine()}")
    e2e_repeat = args.e2e_repeat or min(args.repeat, 3)
    print(f"median of {args.repeat} repeats after one warm-up ({e2e_repeat} for end to end, warmed up by the initial "
          "load); numba compilation is excluded from every timing")

    inputs = load(path)
    arbkit, naive, final_bid = measure_replay(inputs, args.repeat)
    fast_e2e, e2e, naive_e2e = measure_end_to_end(inputs, e2e_repeat)
    parquet = measure_parquet(inputs, args.repeat)
    rows: list[tuple[Measurement, Measurement | None, str]] = [
        (arbkit, naive, "naive_replay"), (naive, None, ""),
        (fast_e2e, naive_e2e, "naive_end_to_end"), (e2e, naive_e2e, "naive_end_to_end"), (naive_e2e, None, ""),
        (parquet, naive_e2e, "naive_end_to_end"),
    ]
    peer = "skipped (--no-peers)" if args.no_peers else measure_hftbacktest(inputs, args.repeat, final_bid)
    if isinstance(peer, tuple):
        rows += [(peer[0], naive, "naive_replay"), (peer[1], naive_e2e, "naive_end_to_end")]
    render(rows, f"book-only replay, {path.name}")
    print(f"events agree: {arbkit.events:,}; final best bid {final_bid * inputs.tick:.2f} on both sides")
    if isinstance(peer, str):
        print(f"hftbacktest: {peer}")
    print(f"headline: replay {arbkit.ratio_to(naive):.1f}× the naive baseline (target ≥ 10×); "
          f"end to end from the .gz {fast_e2e.ratio_to(naive_e2e):.1f}× (compiled ingest), {e2e.ratio_to(naive_e2e):.2f}× "
          f"(validating reader); from Parquet {parquet.ratio_to(naive_e2e):.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
