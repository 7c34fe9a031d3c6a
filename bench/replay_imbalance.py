"""Replay with a top-5 imbalance read at every feed batch: arbkit against hftbacktest, in one process.

    python bench/replay_imbalance.py [--file PATH] [--repeat N] [--levels N] [--no-peers]

The workload: every book level change and trade of the recording is applied, and after every **feed
batch** the depth-weighted imbalance of the top ``--levels`` (default 5) levels of each side is read
(level i weighs 1 / (i + 1); ``(W_bid - W_ask) / (W_bid + W_ask)``) and summed into a checksum.

- **Feed batch**, defined as hftbacktest's loop sees it: one return of ``wait_next_feed``, which
  processes every local event that shares the next local timestamp. Each recorded line has its own
  timestamp, so one step is one venue message (a depth diff, the REST snapshot or a trade; its
  converter drops book tickers). On arbkit's side a batch is one message of the event table, ended by
  its ``F_LAST`` row (book tickers skipped likewise): :func:`arbkit.book.imbalance_replay.replay_imbalance`.
- **Events** = book level changes applied (snapshot levels included) plus trades, counted the same
  way on both sides. hftbacktest applies every diff in the file without Binance's ``U``/``u``/``pu``
  sync, so it also applies the diffs that arbkit drops as stale before the snapshot: its count is
  higher by exactly their levels, and its batch count by exactly their number. The script checks both
  identities, and that the two sides read the same imbalance at every batch after the first few that
  precede the snapshot (and so the same final imbalance and best bid), or it stops with an error.

Timed: one warm-up of every row, then ``--repeat`` rounds (default 9) that time each row once, in turn,
so that all rows see the same background load; each row reports its median. Numba compilation is
never timed.

1. **in memory** (the headline): arbkit's compiled replay over the event table from
   ``ingest_binance_file``, against hftbacktest's numba strategy loop over its own converted array,
   with its ``ROIVectorMarketDepthBacktest`` (ROI = the file's whole price range, tick 0.1; read via
   ``bid_qty_at_tick``, and a second time via the ``bid_depth``/``ask_depth`` arrays) and its
   ``HashMapMarketDepthBacktest``. Only the loop is timed for hftbacktest: building the backtester is
   done before the clock starts.
2. **from the store**: arbkit ``read_parquet`` + replay, against hftbacktest building the backtester
   from an uncompressed ``.npz`` of its converted array + the ROIVector loop.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arbkit.adapters.binance.fast_ingest import ingest_binance_file
from arbkit.adapters.binance.instruments import binance_registry
from arbkit.book.imbalance_replay import ImbalanceReplay, replay_imbalance
from arbkit.book.order_book import OrderBook
from arbkit.data.events import DELTA, F_SNAPSHOT, EventTable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay import BenchMismatch, Measurement, default_file, machine  # noqa: E402

END_OF_TIME_NS = 1 << 62
"""``wait_next_feed`` timeout long enough never to fire."""
MAX_SCAN_TICKS = 100_000
"""hftbacktest strategies look for the top levels at most this many ticks from the touch (10,000 USD at
0.1); the batch-by-batch comparison shows the bound never binds once the book is synced."""
AGREE_TOLERANCE = 1e-9
"""Largest difference between the two sides' imbalance at one batch (floats in BTC vs integer lots)."""


@dataclass
class Contender:
    """One timed workload: ``run(setup())`` is timed, ``setup`` (building a backtester, say) is not."""

    name: str
    events: int
    run: Callable[[object], object]
    setup: Callable[[], object] = lambda: None
    note: str = ""
    baseline: str = ""
    """Name of the arbkit contender it is compared with ('' for arbkit's own rows)."""


def time_interleaved(contenders: list[Contender], repeat: int) -> list[tuple[tuple[float, ...], object]]:
    """One warm-up of each, then ``repeat`` rounds timing each contender once per round.

    Interleaving puts every contender under the same background load (the machine is shared), so the
    ratios of the medians are fairer than timing one contender's repeats after another's.
    """
    results: list[object] = [c.run(c.setup()) for c in contenders]
    seconds: list[list[float]] = [[] for _ in contenders]
    for _ in range(repeat):
        for i, c in enumerate(contenders):
            arg = c.setup()
            gc.collect()
            start = time.perf_counter()
            results[i] = c.run(arg)
            seconds[i].append(time.perf_counter() - start)
    return [(tuple(s), r) for s, r in zip(seconds, results)]


@dataclass
class Inputs:
    """The recording ingested by arbkit, and what the checks need."""

    path: Path
    tick: float
    table: EventTable
    stale_diffs: int
    """Diffs arbkit dropped as older than the snapshot (hftbacktest applies them)."""
    diff_rows: int
    """Book rows of the diffs arbkit applied (snapshot rows excluded)."""


def load(path: Path) -> Inputs:
    """Ingest ``path`` with the compiled Binance ingest."""
    registry = binance_registry()
    ingested = ingest_binance_file(path, registry)
    table = ingested.table
    is_diff_row = (table["kind"] == DELTA) & ((table["flags"] & F_SNAPSHOT) == 0)
    return Inputs(path=path, tick=float(registry.get(ingested.instrument_id).tick_size), table=table,
                  stale_diffs=ingested.stats.diffs_dropped_stale, diff_rows=int(np.count_nonzero(is_diff_row)))


def arbkit_replay(table: EventTable, levels: int, trace: np.ndarray | None = None) -> tuple[ImbalanceReplay, OrderBook]:
    """The compiled replay with an imbalance read per batch; returns the result and the final book."""
    book = OrderBook("replay")
    return replay_imbalance(table, n_levels=levels, book=book, trace=trace), book


ARBKIT_MEMORY = "arbkit replay_imbalance (event table in memory)"
ARBKIT_PARQUET = "arbkit Parquet → read_parquet → replay_imbalance"


def arbkit_contenders(inputs: Inputs, levels: int, parquet_path: str) -> list[Contender]:
    """arbkit's two rows: the event table in memory (the headline) and from a Parquet copy written once."""
    events = arbkit_replay(inputs.table, levels)[0].events
    inputs.table.write_parquet(parquet_path)
    return [
        Contender(ARBKIT_MEMORY, events, lambda _: arbkit_replay(inputs.table, levels),
                  note="whole replay, book allocation included"),
        Contender(ARBKIT_PARQUET, events, lambda _: arbkit_replay(EventTable.read_parquet(parquet_path), levels),
                  note="read the store + replay"),
    ]


def check_arbkit(result: ImbalanceReplay, book: OrderBook, levels: int) -> None:
    """The replay's last reading equals the library's own reading of the final book."""
    expected = book.imbalance(levels)
    if abs(result.last_imbalance - expected) > AGREE_TOLERANCE:
        raise BenchMismatch(f"final imbalance: replay read {result.last_imbalance}, OrderBook.imbalance {expected}")


# -- optional peer: hftbacktest --------------------------------------------------------------------
ROI_TICK = "hftbacktest ROIVectorMarketDepthBacktest, bid_qty_at_tick reads"
ROI_ARRAY = "hftbacktest ROIVectorMarketDepthBacktest, bid_depth array reads"
HASHMAP_TICK = "hftbacktest HashMapMarketDepthBacktest, bid_qty_at_tick reads"
ROI_NPZ = "hftbacktest .npz → ROIVectorMarketDepthBacktest, bid_qty_at_tick reads"


@dataclass
class Peer:
    """hftbacktest's contenders, its counts and its batch-by-batch agreement with arbkit (from an untimed run)."""

    contenders: list[Contender]
    events: int
    batches: int
    checksum: float
    last_imbalance: float
    best_bid_ticks: int
    agreeing_tail: int
    """How many of arbkit's last batches read the same imbalance on both sides."""

    def check(self, name: str, out: tuple) -> None:  # type: ignore[type-arg]
        """A timed run must repeat the check run exactly: batches, checksum, final best bid."""
        batches, checksum, _, best_bid = out
        if batches != self.batches or int(best_bid) != self.best_bid_ticks or abs(checksum - self.checksum) > 1e-6:
            raise BenchMismatch(f"{name}: ({batches} batches, checksum {checksum}, best bid {best_bid}) differs from "
                                f"the check run ({self.batches}, {self.checksum}, {self.best_bid_ticks})")


def peer_imbalance_reads():  # type: ignore[no-untyped-def]
    """hftbacktest-side top-N imbalance reads, njit ``(depth, levels, max_scan) -> float``: tick by tick (both
    books) and from the ROIVector book's arrays. Shared by every bench that runs the hftbacktest peer."""
    from numba import njit

    @njit
    def qty_at_ticks(depth, levels, max_scan):  # type: ignore[no-untyped-def]
        """Top-``levels`` imbalance read tick by tick with ``bid_qty_at_tick``/``ask_qty_at_tick`` (both books)."""
        wb = 0.0
        bb = depth.best_bid_tick
        if bb > -END_OF_TIME_NS:  # no bids: i64::MIN
            k, t = 0, bb
            while k < levels and t > bb - max_scan:
                q = depth.bid_qty_at_tick(t)
                if q > 0.0:
                    wb += q / (k + 1.0)
                    k += 1
                t -= 1
        wa = 0.0
        ba = depth.best_ask_tick
        if ba < END_OF_TIME_NS:  # no asks: i64::MAX
            k, t = 0, ba
            while k < levels and t < ba + max_scan:
                q = depth.ask_qty_at_tick(t)
                if q > 0.0:
                    wa += q / (k + 1.0)
                    k += 1
                t += 1
        total = wb + wa
        return 0.0 if total == 0.0 else (wb - wa) / total

    @njit
    def roi_arrays(depth, levels, max_scan):  # type: ignore[no-untyped-def]
        """The same read straight from the ROIVector book's ``bid_depth``/``ask_depth`` arrays."""
        lb = depth.roi_lb_tick
        wb = 0.0
        bb = depth.best_bid_tick
        if bb > -END_OF_TIME_NS:
            bids = depth.bid_depth
            k, i = 0, bb - lb
            stop = max(-1, i - max_scan)
            while k < levels and i > stop:
                q = bids[i]
                if q > 0.0:
                    wb += q / (k + 1.0)
                    k += 1
                i -= 1
        wa = 0.0
        ba = depth.best_ask_tick
        if ba < END_OF_TIME_NS:
            asks = depth.ask_depth
            k, i = 0, ba - lb
            stop = min(asks.shape[0], i + max_scan)
            while k < levels and i < stop:
                q = asks[i]
                if q > 0.0:
                    wa += q / (k + 1.0)
                    k += 1
                i += 1
        total = wb + wa
        return 0.0 if total == 0.0 else (wb - wa) / total

    return qty_at_ticks, roi_arrays


def _peer_kernels():  # type: ignore[no-untyped-def]
    """The njit strategy loops (compiled on first use): one per way of reading the book."""
    from numba import njit

    qty_at_ticks, roi_arrays = peer_imbalance_reads()

    def make_loop(read):  # type: ignore[no-untyped-def]
        @njit
        def loop(hbt, levels, max_scan, trace):  # type: ignore[no-untyped-def]
            """Step through every feed batch; read the imbalance after each (the last step returns 1)."""
            batches, checksum, imbalance = 0, 0.0, 0.0
            while True:
                status = hbt.wait_next_feed(False, END_OF_TIME_NS)
                if status != 1 and status != 2:  # 0: timeout, else an error
                    break
                imbalance = read(hbt.depth(0), levels, max_scan)
                checksum += imbalance
                if batches < trace.shape[0]:
                    trace[batches] = imbalance
                batches += 1
                if status == 1:  # end of data, after processing the last batch
                    break
            return batches, checksum, imbalance, hbt.depth(0).best_bid_tick

        return loop

    return make_loop(qty_at_ticks), make_loop(roi_arrays)


def _convert(path: Path, capacity: int) -> np.ndarray:
    from hftbacktest.data.utils import binancefutures

    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its progress
        return binancefutures.convert(str(path), buffer_size=capacity)


def hftbacktest_peer(inputs: Inputs, arbkit: ImbalanceReplay, levels: int, npz_path: str) -> Peer | str:
    """hftbacktest's conversion, an untimed check run and its contenders; a string says why it was skipped."""
    try:
        from hftbacktest import BacktestAsset, HashMapMarketDepthBacktest, ROIVectorMarketDepthBacktest
        from hftbacktest.types import DEPTH_EVENT, DEPTH_SNAPSHOT_EVENT, LOCAL_EVENT, TRADE_EVENT
    except ImportError as exc:
        return f"hftbacktest is not installed ({exc.name}); `pip install --no-deps hftbacktest` to include it"
    futures = inputs.path.name.startswith(("binance_usdm_", "binance_coinm_"))
    if not futures:
        return "hftbacktest's binancefutures converter reads futures files only"

    data = _convert(inputs.path, 4 * len(inputs.table) + 100_000)
    kinds = data["ev"] & 0xFF
    local = (data["ev"] & LOCAL_EVENT) != 0
    depth_rows = local & np.isin(kinds, (DEPTH_EVENT, DEPTH_SNAPSHOT_EVENT))
    events = int(np.count_nonzero(local & np.isin(kinds, (DEPTH_EVENT, DEPTH_SNAPSHOT_EVENT, TRADE_EVENT))))
    stale_rows = int(np.count_nonzero(local & (kinds == DEPTH_EVENT))) - inputs.diff_rows
    if events != arbkit.events + stale_rows:
        raise BenchMismatch(f"hftbacktest counted {events} events, arbkit {arbkit.events} + {stale_rows} stale diff rows")
    lb, ub = float(data["px"][depth_rows].min()), float(data["px"][depth_rows].max())
    tick = inputs.tick

    def asset(source):  # type: ignore[no-untyped-def]
        return (BacktestAsset().data(source).linear_asset(1.0).constant_order_latency(0, 0)
                .risk_adverse_queue_model().no_partial_fill_exchange().trading_value_fee_model(0.0, 0.0)
                .tick_size(tick).lot_size(0.001).last_trades_capacity(0))

    def roivec(source=None):  # type: ignore[no-untyped-def]
        return ROIVectorMarketDepthBacktest([asset(source if source is not None else [data]).roi_lb(lb).roi_ub(ub)])

    def hashmap():  # type: ignore[no-untyped-def]
        return HashMapMarketDepthBacktest([asset([data])])

    by_tick, by_array = _peer_kernels()
    no_trace = np.zeros(0, dtype=np.float64)

    def run(loop, hbt, trace=no_trace):  # type: ignore[no-untyped-def]
        out = loop(hbt, levels, MAX_SCAN_TICKS, trace)
        hbt.close()
        return out

    # untimed check run: the imbalance after every batch, against arbkit's
    theirs = np.full(arbkit.batches + inputs.stale_diffs + 16, np.nan)
    batches, checksum, imbalance, best_bid = run(by_tick, roivec(), theirs)
    if batches != arbkit.batches + inputs.stale_diffs:
        raise BenchMismatch(f"hftbacktest stepped {batches} feed batches, arbkit {arbkit.batches} + "
                            f"{inputs.stale_diffs} stale diffs")
    ours = np.zeros(arbkit.batches)
    arbkit_replay(inputs.table, levels, trace=ours)
    differs = np.abs(theirs[batches - arbkit.batches : batches] - ours) > AGREE_TOLERANCE
    agreeing_tail = int(arbkit.batches - (np.flatnonzero(differs)[-1] + 1 if differs.any() else 0))
    if agreeing_tail < arbkit.batches - 100 or abs(imbalance - arbkit.last_imbalance) > AGREE_TOLERANCE:
        raise BenchMismatch(f"imbalance agrees only on the last {agreeing_tail} of {arbkit.batches} batches; final "
                            f"hftbacktest {imbalance}, arbkit {arbkit.last_imbalance}")

    np.savez(npz_path, data=data)  # its store: uncompressed, the fastest it loads
    loop_note = "loop only; backtester built before the clock"
    contenders = [
        Contender(ROI_TICK, events, lambda hbt: run(by_tick, hbt), roivec, loop_note, ARBKIT_MEMORY),
        Contender(ROI_ARRAY, events, lambda hbt: run(by_array, hbt), roivec, loop_note, ARBKIT_MEMORY),
        Contender(HASHMAP_TICK, events, lambda hbt: run(by_tick, hbt), hashmap, loop_note, ARBKIT_MEMORY),
        Contender(ROI_NPZ, events, lambda _: run(by_tick, roivec(npz_path)), note="build from the file + loop",
                  baseline=ARBKIT_PARQUET),
    ]
    return Peer(contenders=contenders, events=events, batches=batches, checksum=checksum, last_imbalance=imbalance,
                best_bid_ticks=int(best_bid), agreeing_tail=agreeing_tail)


# -- report ----------------------------------------------------------------------------------------
def render(rows: list[tuple[Measurement, Measurement | None, str]], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column, justify in (("measurement", "left"), ("events", "right"), ("median s", "right"), ("min–max s", "right"),
                            ("events/s", "right"), ("arbkit ÷ this", "right"), ("note", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for m, arbkit, note in rows:
        ratio = f"{arbkit.ratio_to(m):.2f}×" if arbkit is not None else ""
        spread = f"{min(m.seconds):.4f}–{max(m.seconds):.4f}"
        table.add_row(m.name, f"{m.events:,}", f"{m.median_s:.4f}", spread, f"{m.events_per_s:,.0f}", ratio, note)
    Console(width=200).print(table)


def load_average() -> str:
    with contextlib.suppress(OSError):
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=None, help="recorded Binance file (default: USDⓈ-M BTCUSDT 2024-08-08)")
    parser.add_argument("--repeat", type=int, default=9, help="timed rounds; the median of each row is reported")
    parser.add_argument("--levels", type=int, default=5, help="levels per side in the imbalance")
    parser.add_argument("--no-peers", action="store_true", help="skip the optional hftbacktest section")
    args = parser.parse_args(argv)
    path = args.file or default_file()
    print(f"file: {path.name}")
    print(f"machine: {machine()}")
    print(f"load average at start (1, 5, 15 min): {load_average()}")
    print(f"median of {args.repeat} interleaved rounds after one warm-up; numba compilation is excluded from every timing")

    inputs = load(path)
    result, book = arbkit_replay(inputs.table, args.levels)
    check_arbkit(result, book, args.levels)
    with tempfile.TemporaryDirectory() as tmp:
        contenders = arbkit_contenders(inputs, args.levels, os.path.join(tmp, "events.parquet"))
        peer = ("skipped (--no-peers)" if args.no_peers
                else hftbacktest_peer(inputs, result, args.levels, os.path.join(tmp, "events.npz")))
        if isinstance(peer, Peer):
            contenders += peer.contenders
        timings = time_interleaved(contenders, args.repeat)
    measured = {c.name: Measurement(c.name, c.events, seconds) for c, (seconds, _) in zip(contenders, timings)}
    for c, (_, out) in zip(contenders, timings):
        if isinstance(peer, Peer) and c.baseline:
            peer.check(c.name, out)  # type: ignore[arg-type]
        elif not c.baseline and out[0].checksum != result.checksum:  # type: ignore[index]
            raise BenchMismatch(f"{c.name}: checksum {out[0].checksum} != {result.checksum}")  # type: ignore[index]
    render([(measured[c.name], measured.get(c.baseline), c.note) for c in contenders],
           f"replay + top-{args.levels} imbalance per feed batch, {path.name}")
    best_bid = book.best_bid()
    print(f"arbkit: {result.events:,} events ({result.book_rows:,} book rows + {result.trades:,} trades), "
          f"{result.batches:,} batches, checksum {result.checksum:.9f}, final imbalance {result.last_imbalance:.12f}, "
          f"final best bid {best_bid[0] * inputs.tick if best_bid else float('nan'):.2f}")
    if isinstance(peer, Peer):
        print(f"hftbacktest: {peer.events:,} events (= arbkit + {peer.events - result.events} levels of the "
              f"{inputs.stale_diffs} diffs arbkit drops as stale), {peer.batches:,} batches (= arbkit + "
              f"{inputs.stale_diffs}), checksum {peer.checksum:.9f}, final imbalance {peer.last_imbalance:.12f}, "
              f"final best bid {peer.best_bid_ticks * inputs.tick:.2f}")
        print(f"agreement: the imbalance matches (|Δ| ≤ {AGREE_TOLERANCE:g}) at the last {peer.agreeing_tail:,} of "
              f"{result.batches:,} arbkit batches; the others come before the book is synced (hftbacktest applies "
              "the pre-snapshot diffs to an empty book, arbkit starts at the snapshot)")
        arbkit = measured[ARBKIT_MEMORY]
        roi, fastest, hashmap = measured[ROI_TICK], max(measured[ROI_TICK], measured[ROI_ARRAY],
                                                        key=lambda m: m.events_per_s), measured[HASHMAP_TICK]
        print(f"headline: arbkit {arbkit.events_per_s / 1e6:.1f} M events/s = {arbkit.ratio_to(roi):.2f}× hftbacktest "
              f"ROIVector ({roi.events_per_s / 1e6:.1f} M), {arbkit.ratio_to(fastest):.2f}× its fastest row "
              f"({fastest.events_per_s / 1e6:.1f} M), {arbkit.ratio_to(hashmap):.2f}× HashMap "
              f"({hashmap.events_per_s / 1e6:.1f} M); target ≥ 1× ROIVector; from the store "
              f"{measured[ARBKIT_PARQUET].ratio_to(measured[ROI_NPZ]):.2f}×")
        print(f"best case (ratio of the fastest repeats, less sensitive to background load): "
              f"{min(roi.seconds) / min(arbkit.seconds):.2f}× ROIVector, "
              f"{min(min(roi.seconds), min(measured[ROI_ARRAY].seconds)) / min(arbkit.seconds):.2f}× its fastest row, "
              f"{min(hashmap.seconds) / min(arbkit.seconds):.2f}× HashMap")
    else:
        print(f"hftbacktest: {peer}")
    print(f"load average at end (1, 5, 15 min): {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
