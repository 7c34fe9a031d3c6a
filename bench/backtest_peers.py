"""Backtest with our own orders: arbkit's compiled kernel against NautilusTrader and hftbacktest, in one process.

    python bench/backtest_peers.py [--file PATH] [--repeat N] [--decision-every N] [--latency-ns N] [--quick] [--no-peers]

**The strategy**, the same in all three: keep the L2 book; after every **feed batch** (one venue
message: a depth diff, the snapshot or a trade, as in ``bench/replay_imbalance.py``) read the
depth-weighted imbalance of the top ``--levels`` levels per side (level i weighs 1 / (i + 1)) and sum
it. Every ``--decision-every`` batches (default 30, about 500 book updates) a decision: the odd ones
send a post-only buy limit order of ``--lots`` lots (default 1 = 0.001 BTC) at the best bid, the even
ones cancel it if it is still open (so an order lives about 500 updates and one is sent about every
1,000). Order entry and cancel latency ``--latency-ns`` (default 1 ms), maker fee 2 bps.

- **arbkit**: :class:`arbkit.sim.fast_replay.FastBacktest`; the book, the imbalance read and the order
  simulation run compiled; the strategy is a Python object called on decision events only.
- **hftbacktest** (optional): one numba function steps ``wait_next_feed``, reads the imbalance with
  ``bid_qty_at_tick`` (or, on the ROIVector book, from its ``bid_depth``/``ask_depth`` arrays) and
  sends/cancels with ``submit_buy_order`` (``GTX``: post-only) / ``cancel``, on
  ``ROIVectorMarketDepthBacktest`` (its fastest book, ROI = the file's depth price range) and on
  ``HashMapMarketDepthBacktest``; ``RiskAdverseQueueModel``, the no-partial-fill exchange (its
  partial-fill exchange stops ``wait_next_feed`` with error code 14 after 3,655 batches on this file;
  with 1-lot orders there is nothing to fill partially), constant latency. It applies the 4 diffs
  that arbkit drops as stale before the snapshot: its decision counter starts after them so that its
  decisions fall on the same batches.
- **NautilusTrader** (optional): ``BacktestEngine`` with an ``L2_MBP`` book and ``trade_execution``;
  arbkit's event table is converted (untimed) to one ``OrderBookDeltas`` per venue message (and, in a
  second row, to the same ``OrderBookDelta`` objects fed one by one) and one ``TradeTick`` per trade;
  a ``Strategy`` reads the top levels of the cached book in ``on_order_book_deltas`` (on a message's
  ``F_LAST`` delta) / ``on_trade_tick`` with ``get_quantity_for_price`` tick by tick (``book.bids()``
  would copy every level on each read, about 1 ms), and uses its order factory. ``ts_init`` is the
  receive time made strictly increasing per batch (the REST snapshot is received after some diffs that
  follow it), so the engine keeps the table's order; its latency model runs on that clock. It reads
  exactly arbkit's imbalance at every batch (checked through the checksum).

**Events** = book level changes applied plus trades, counted as ``bench/replay_imbalance.py`` does
(hftbacktest's count is higher by the stale diffs' levels, checked). **Callbacks/s** = feed batches
handed to the strategy per second (compiled code for arbkit and hftbacktest, Python for
NautilusTrader); arbkit's Python callbacks (decision events) are printed too. Timing: one warm-up,
then ``--repeat`` interleaved rounds; medians. Building a peer's backtester (and converting its data)
is never timed; numba compilation is never timed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arbkit.data.events import EventTable
from arbkit.sim.fast_replay import BUY, FastBacktest, FastBacktestResult

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_common import ARBKIT, Outcome, Plan
from peer_nautilus import NAUTILUS, NAUTILUS_ONE_BY_ONE, NT_AGREE_TOLERANCE, nautilus_peer
from replay import BenchMismatch, Measurement, default_file, machine
from replay_imbalance import (
    END_OF_TIME_NS,
    MAX_SCAN_TICKS,
    Contender,
    Inputs,
    _convert,
    load,
    load_average,
    peer_imbalance_reads,
    time_interleaved,
)

MAKER_FEE_BPS = 2.0
"""Maker fee of every fill (Binance USDⓈ-M's 0.02 %), the same in the three."""
TAKER_FEE_BPS = 5.0
"""Taker fee (never charged: every order is post-only)."""
QUICK_ROWS = 60_000
"""Rows of the table the ``--quick`` smoke run replays."""


# -- arbkit --------------------------------------------------------------------------------------------
class AlternateBuyCancel:
    """The decision logic: odd decisions send a buy at the best bid, even ones cancel it if still open."""

    def __init__(self, lots: int) -> None:
        self.lots = lots
        self.order = -1
        self.calls = 0

    def on_decision(self, bt: FastBacktest) -> None:
        self.calls += 1
        if bt.decisions % 2 == 1:
            if (self.order < 0 or not bt.is_open(self.order)) and bt.best_bid_ticks > 0:
                self.order = bt.submit(BUY, bt.best_bid_ticks, self.lots)
        elif self.order >= 0 and bt.is_open(self.order):
            bt.cancel(self.order)


def arbkit_run(table: EventTable, plan: Plan, tick: float) -> tuple[FastBacktestResult, int]:
    """One whole backtest (book allocation included); (result, Python callbacks)."""
    bt = FastBacktest(table, levels=plan.levels, decision_every=plan.decision_every, entry_latency_ns=plan.latency_ns,
                      maker_fee_bps=MAKER_FEE_BPS, tick_size=tick, lot_size=0.001)
    strategy = AlternateBuyCancel(plan.lots)
    return bt.run(strategy), strategy.calls


def arbkit_outcome(out: tuple[FastBacktestResult, int]) -> Outcome:
    r, calls = out
    return Outcome(events=r.events, batches=r.batches, decisions=r.decisions, python_callbacks=calls, submitted=r.orders_submitted,
                   cancelled=r.orders_cancelled, filled=r.orders_filled, checksum=r.checksum)


# -- hftbacktest ---------------------------------------------------------------------------------------
ROI = "hftbacktest ROIVectorMarketDepthBacktest, numba loop, bid_qty_at_tick reads"
ROI_ARRAY = "hftbacktest ROIVectorMarketDepthBacktest, numba loop, bid_depth array reads"
HASHMAP = "hftbacktest HashMapMarketDepthBacktest, numba loop, bid_qty_at_tick reads"


def _hbt_loops():  # type: ignore[no-untyped-def]
    """The njit strategy loops (compiled on first use): (tick-by-tick reads, ROIVector array reads)."""
    from hftbacktest import GTX, LIMIT
    from hftbacktest.order import CANCELED
    from numba import njit

    @njit
    def cancelled_in(orders):  # type: ignore[no-untyped-def]
        n = 0
        values = orders.values()
        while values.has_next():
            if values.get().status == CANCELED:
                n += 1
        return n

    by_tick, by_array = peer_imbalance_reads()

    def make(read):  # type: ignore[no-untyped-def]
        @njit
        def loop(hbt, levels, max_scan, skip, every, qty):  # type: ignore[no-untyped-def]
            batches, checksum, decisions, submitted, open_id, next_id, cancelled = 0, 0.0, 0, 0, 0, 1, 0
            while True:
                status = hbt.wait_next_feed(False, END_OF_TIME_NS)
                if status != 1 and status != 2:
                    break
                depth = hbt.depth(0)
                checksum += read(depth, levels, max_scan)
                batches += 1
                if batches > skip and (batches - skip) % every == 0:
                    decisions += 1
                    orders = hbt.orders(0)
                    live = open_id != 0 and open_id in orders and orders.get(open_id).cancellable
                    if decisions % 2 == 1:
                        if not live and depth.best_bid_tick > -END_OF_TIME_NS:
                            cancelled += cancelled_in(orders)
                            hbt.clear_inactive_orders(0)
                            hbt.submit_buy_order(0, next_id, depth.best_bid, qty, GTX, LIMIT, False)
                            open_id = next_id
                            next_id += 1
                            submitted += 1
                    elif live:
                        hbt.cancel(0, open_id, False)
                if status == 1:
                    break
            cancelled += cancelled_in(hbt.orders(0))
            return batches, checksum, decisions, submitted, cancelled, hbt.state_values(0).num_trades, status

        return loop

    return make(by_tick), make(by_array)


@dataclass
class HbtPeer:
    contenders: list[Contender]
    stale_levels: int


def hftbacktest_peer(inputs: Inputs, plan: Plan, arbkit: FastBacktestResult) -> HbtPeer | str:
    """hftbacktest's contenders (a string says why they were skipped)."""
    try:
        from hftbacktest import BacktestAsset, HashMapMarketDepthBacktest, ROIVectorMarketDepthBacktest
        from hftbacktest.types import DEPTH_EVENT, DEPTH_SNAPSHOT_EVENT, LOCAL_EVENT, TRADE_EVENT
    except ImportError as exc:
        return f"skipped: hftbacktest is not installed ({exc.name}); `pip install --no-deps hftbacktest` to include it"
    if not inputs.path.name.startswith(("binance_usdm_", "binance_coinm_")):
        return "skipped: hftbacktest's binancefutures converter reads futures files only"
    data = _convert(inputs.path, 4 * len(inputs.table) + 100_000)
    kinds = data["ev"] & 0xFF
    local = (data["ev"] & LOCAL_EVENT) != 0
    depth_rows = local & np.isin(kinds, (DEPTH_EVENT, DEPTH_SNAPSHOT_EVENT))
    events = int(np.count_nonzero(local & np.isin(kinds, (DEPTH_EVENT, DEPTH_SNAPSHOT_EVENT, TRADE_EVENT))))
    stale_levels = int(np.count_nonzero(local & (kinds == DEPTH_EVENT))) - inputs.diff_rows
    if events != arbkit.events + stale_levels:
        raise BenchMismatch(f"hftbacktest counts {events} events, arbkit {arbkit.events} + {stale_levels} stale levels")
    lb, ub = float(data["px"][depth_rows].min()), float(data["px"][depth_rows].max())

    def asset():  # type: ignore[no-untyped-def]
        return (BacktestAsset().data([data]).linear_asset(1.0).constant_order_latency(plan.latency_ns, 0)
                .risk_adverse_queue_model().no_partial_fill_exchange()
                .trading_value_fee_model(MAKER_FEE_BPS / 1e4, TAKER_FEE_BPS / 1e4)
                .tick_size(inputs.tick).lot_size(0.001).last_trades_capacity(0))

    by_tick, by_array = _hbt_loops()
    qty = plan.lots * 0.001

    def runner(loop):  # type: ignore[no-untyped-def]
        def run(hbt):  # type: ignore[no-untyped-def]
            out = loop(hbt, plan.levels, MAX_SCAN_TICKS, inputs.stale_diffs, plan.decision_every, qty)
            hbt.close()
            return out

        return run

    def roivec():  # type: ignore[no-untyped-def]
        return ROIVectorMarketDepthBacktest([asset().roi_lb(lb).roi_ub(ub)])

    note = "loop only; backtester built before the clock"
    return HbtPeer(contenders=[
        Contender(ROI, events, runner(by_tick), roivec, note, ARBKIT),
        Contender(ROI_ARRAY, events, runner(by_array), roivec, note, ARBKIT),
        Contender(HASHMAP, events, runner(by_tick), lambda: HashMapMarketDepthBacktest([asset()]), note, ARBKIT),
    ], stale_levels=stale_levels)


def hbt_outcome(events: int, out: tuple) -> Outcome:  # type: ignore[type-arg]
    batches, checksum, decisions, submitted, cancelled, fills, status = out
    if status != 1:
        raise BenchMismatch(f"hftbacktest's wait_next_feed stopped with code {status} after {batches} batches")
    return Outcome(events=events, batches=int(batches), decisions=int(decisions), python_callbacks=0, submitted=int(submitted),
                   cancelled=int(cancelled), filled=int(fills), checksum=float(checksum))


# -- report --------------------------------------------------------------------------------------------
def render(rows: list[tuple[Measurement, Outcome, Measurement | None]], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("measurement", "events", "median s", "min–max s", "events/s", "callbacks/s", "Python callbacks",
                   "sent / cancelled / filled", "arbkit ÷ this"):
        table.add_column(column, justify="left" if column == "measurement" else "right")
    for m, out, arbkit in rows:
        cancelled = "?" if out.cancelled < 0 else f"{out.cancelled:,}"
        table.add_row(m.name, f"{m.events:,}", f"{m.median_s:.4f}", f"{min(m.seconds):.4f}–{max(m.seconds):.4f}",
                      f"{m.events_per_s:,.0f}", f"{out.batches / m.median_s:,.0f}", f"{out.python_callbacks:,}",
                      f"{out.submitted:,} / {cancelled} / {out.filled:,}",
                      f"{arbkit.ratio_to(m):.2f}×" if arbkit is not None else "")
    Console(width=220).print(table)


def measure(inputs: Inputs, plan: Plan, repeat: int, peers: bool) -> tuple[dict[str, Measurement], dict[str, Outcome], list[str]]:
    """Time every available contender interleaved; (measurements, outcomes, skip lines)."""
    first, _ = arbkit_run(inputs.table, plan, inputs.tick)
    contenders = [Contender(ARBKIT, first.events, lambda _: arbkit_run(inputs.table, plan, inputs.tick),
                            note="whole backtest, book and order arrays allocated in the run")]
    skipped: list[str] = []
    hbt_events: dict[str, int] = {}
    if peers:
        hbt = hftbacktest_peer(inputs, plan, first)
        if isinstance(hbt, str):
            skipped.append(f"hftbacktest: {hbt}")
        else:
            contenders += hbt.contenders
            hbt_events = {c.name: c.events for c in hbt.contenders}
        nt = nautilus_peer(inputs, plan)
        if isinstance(nt, str):
            skipped.append(f"NautilusTrader: {nt}")
        else:
            contenders += nt
    timings = time_interleaved(contenders, repeat)
    measured, outcomes = {}, {}
    for c, (seconds, out) in zip(contenders, timings):
        measured[c.name] = Measurement(c.name, c.events, seconds)
        if c.name == ARBKIT:
            outcomes[c.name] = arbkit_outcome(out)  # type: ignore[arg-type]
        elif c.name in hbt_events:
            outcomes[c.name] = hbt_outcome(c.events, out)  # type: ignore[arg-type]
        else:
            outcomes[c.name] = out  # type: ignore[assignment]
    check(outcomes, inputs)
    return measured, outcomes, skipped


def check(outcomes: dict[str, Outcome], inputs: Inputs) -> None:
    """Every contender stepped the same batches (hftbacktest: + the stale diffs) and made the same decisions."""
    ours = outcomes[ARBKIT]
    for name, out in outcomes.items():
        extra = inputs.stale_diffs if name in (ROI, ROI_ARRAY, HASHMAP) else 0
        if out.batches != ours.batches + extra:
            raise BenchMismatch(f"{name}: {out.batches} batches, arbkit {ours.batches} + {extra}")
        if out.decisions != ours.decisions:
            raise BenchMismatch(f"{name}: {out.decisions} decisions, arbkit {ours.decisions}")
        if name in (NAUTILUS, NAUTILUS_ONE_BY_ONE) and abs(out.checksum - ours.checksum) > NT_AGREE_TOLERANCE:
            raise BenchMismatch(f"{name}: imbalance checksum {out.checksum}, arbkit {ours.checksum}")


def quick_inputs(inputs: Inputs) -> Inputs:
    """The first ``QUICK_ROWS`` rows of the table (for the smoke test)."""
    cut = EventTable({name: col[:QUICK_ROWS] for name, col in inputs.table.columns.items()})
    return Inputs(path=inputs.path, tick=inputs.tick, table=cut, stale_diffs=inputs.stale_diffs,
                  diff_rows=inputs.diff_rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=None, help="recorded Binance file (default: USDⓈ-M BTCUSDT 2024-08-08)")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds; the median of each row is reported")
    parser.add_argument("--levels", type=int, default=5, help="levels per side in the imbalance")
    parser.add_argument("--decision-every", type=int, default=30, help="feed batches between decisions")
    parser.add_argument("--lots", type=int, default=1, help="order size in lots (0.001 BTC)")
    parser.add_argument("--latency-ns", type=int, default=1_000_000, help="order entry and cancel latency (ns)")
    parser.add_argument("--no-peers", action="store_true", help="arbkit only")
    parser.add_argument("--quick", action="store_true", help=f"arbkit only, first {QUICK_ROWS:,} rows, 1 round")
    args = parser.parse_args(argv)
    path = args.file or default_file()
    plan = Plan(levels=args.levels, decision_every=args.decision_every, lots=args.lots, latency_ns=args.latency_ns)
    inputs = load(path)
    if args.quick:
        inputs, args.repeat, args.no_peers = quick_inputs(inputs), 1, True
    print(f"file: {path.name}{f' (quick: first {QUICK_ROWS:,} rows)' if args.quick else ''}")
    print(f"machine: {machine()}")
    print(f"load average at start (1, 5, 15 min): {load_average()}")
    print(f"plan: {plan}; maker fee {MAKER_FEE_BPS} bps; median of {args.repeat} interleaved rounds after one warm-up")
    measured, outcomes, skipped = measure(inputs, plan, args.repeat, peers=not args.no_peers)
    arbkit = measured[ARBKIT]
    render([(m, outcomes[name], None if name == ARBKIT else arbkit) for name, m in measured.items()],
           f"book + top-{plan.levels} imbalance per batch + orders every {plan.decision_every} batches, {path.name}")
    for line in skipped:
        print(line)
    ours = outcomes[ARBKIT]
    print(f"arbkit: {ours.events:,} events, {ours.batches:,} batches, {ours.python_callbacks:,} Python decision "
          f"callbacks, checksum {ours.checksum:.6f}")
    for name, out in outcomes.items():
        if name != ARBKIT:
            print(f"{name}: {out.events:,} events, {out.batches:,} batches, checksum {out.checksum:.6f}, "
                  f"{arbkit.ratio_to(measured[name]):.2f}× (arbkit events/s ÷ this)")
    headline(measured)
    print(f"load average at end (1, 5, 15 min): {load_average()}")
    return 0


def headline(measured: dict[str, Measurement]) -> None:
    """The issue's targets: ≥ 5× NautilusTrader, ≥ 1× hftbacktest's fastest ROIVector row; medians and best cases."""
    arbkit = measured[ARBKIT]
    rois = [measured[n] for n in (ROI, ROI_ARRAY) if n in measured]
    if rois:
        fastest = max(rois, key=lambda m: m.events_per_s)
        best = min(min(m.seconds) for m in rois)
        print(f"headline vs hftbacktest: {arbkit.ratio_to(fastest):.2f}× its fastest ROIVector row "
              f"({fastest.events_per_s / 1e6:.1f} M events/s, target ≥ 1×); best case (fastest repeats) "
              f"{best / min(arbkit.seconds):.2f}×")
    if NAUTILUS in measured:
        nt = measured[NAUTILUS]
        print(f"headline vs NautilusTrader: {arbkit.ratio_to(nt):.1f}× ({nt.events_per_s / 1e6:.2f} M events/s, "
              f"target ≥ 5×); best case {min(nt.seconds) / min(arbkit.seconds):.1f}×")


if __name__ == "__main__":
    raise SystemExit(main())
