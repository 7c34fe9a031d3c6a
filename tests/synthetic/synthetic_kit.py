"""Independent estimators for the synthetic-market known-answer tests, and a per-process market cache.

Nothing here imports the generator's internals: the estimators read only the TICK_SCHEMA rows, as
a user would, and recover the planted answers from them.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa

from arbkit.book.order_book import OrderBook
from arbkit.data.schema import BBO, DELTA, F_CLEAR, F_LAST, TickFrame
from arbkit.data.synthetic.synthetic_config import SyntheticConfig
from arbkit.data.synthetic.synthetic_market import SyntheticMarket, generate_market

KNOWN_ANSWER_SEEDS = (11, 2024, 777)


@functools.lru_cache(maxsize=3)
def default_market(seed: int) -> SyntheticMarket:
    """The default 300 s three-venue market for ``seed``, generated once per test process."""
    return generate_market(SyntheticConfig(), seed)


def columns(table: pa.Table) -> dict[str, np.ndarray]:
    """The numeric columns of a TICK_SCHEMA table as numpy arrays."""
    return {name: table.column(name).to_numpy() for name in
            ("ts_event", "ts_recv", "kind", "side", "price", "size", "update_id", "flags")}


def bbo_mid_prices(frame: TickFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(ts_event, mid price in quote currency)`` of every BBO message (bid row, then ask row)."""
    c = columns(frame.table)
    bid = np.flatnonzero((c["kind"] == BBO) & (c["side"] > 0))
    ask = np.flatnonzero((c["kind"] == BBO) & (c["side"] < 0))
    assert len(bid) == len(ask) and np.all(ask == bid + 1), "BBO messages must be a bid row then an ask row"
    (instrument,) = frame.instruments.values()
    mid = (c["price"][bid] + c["price"][ask]) / 2.0 * float(instrument.tick_size)
    return c["ts_event"][ask], mid


def sample_as_of(ts: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The last value at or before each grid time (``grid`` must start at or after ``ts[0]``)."""
    index = np.searchsorted(ts, grid, side="right") - 1
    assert index.min() >= 0, "grid starts before the first observation"
    return values[index]


def cross_correlation_peak(leader: np.ndarray, follower: np.ndarray, max_lag: int) -> int:
    """The lag j in [-max_lag, max_lag] that maximises corr(leader[t], follower[t + j])."""
    best_lag, best = 0, -np.inf
    for lag in range(-max_lag, max_lag + 1):
        a = leader[max(0, -lag): len(leader) - max(0, lag)]
        b = follower[max(0, lag): len(follower) - max(0, -lag)]
        corr = float(np.corrcoef(a, b)[0, 1])
        if corr > best:
            best_lag, best = lag, corr
    return best_lag


def ar1_fit(series: np.ndarray) -> tuple[float, float]:
    """OLS fit of ``x[t+1] = c + phi * x[t]``; returns ``(phi, c)``."""
    x, y = series[:-1], series[1:]
    design = np.column_stack([np.ones_like(x), x])
    (c, phi), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(phi), float(c)


def realised_vol(log_prices: np.ndarray) -> float:
    """Root mean square of the log returns."""
    returns = np.diff(log_prices)
    return float(np.sqrt(np.mean(returns * returns)))


def replay_delta_messages(frame: TickFrame) -> dict[str, np.ndarray | int]:
    """Apply every DELTA message to an :class:`OrderBook`; the best prices and sizes after each message.

    Returns ``update_id``, ``bid_px``, ``bid_sz``, ``ask_px``, ``ask_sz`` (one per message), ``crossed``
    (messages after which the book was crossed) and ``pruned`` (levels the book removed to uncross).
    """
    c = columns(frame.table)
    rows = np.flatnonzero(c["kind"] == DELTA)
    is_bid = np.ascontiguousarray(c["side"][rows] > 0)
    prices = np.ascontiguousarray(c["price"][rows])
    sizes = np.ascontiguousarray(c["size"][rows])
    flags = c["flags"][rows]
    ends = np.flatnonzero(flags & F_LAST) + 1
    starts = np.concatenate([[0], ends[:-1]])
    book = OrderBook(next(iter(frame.instruments)))
    out = {name: np.zeros(len(ends), dtype=np.int64) for name in ("bid_px", "bid_sz", "ask_px", "ask_sz")}
    crossed = 0
    for m, (start, stop) in enumerate(zip(starts.tolist(), ends.tolist())):
        if flags[start] & F_CLEAR:
            book.clear()
        book.apply_arrays(is_bid, prices, sizes, start, stop)
        crossed += book.is_crossed()
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is not None and ask is not None, f"message {m}: a side of the book is empty"
        out["bid_px"][m], out["bid_sz"][m] = bid
        out["ask_px"][m], out["ask_sz"][m] = ask
    return {"update_id": c["update_id"][rows][ends - 1], "crossed": crossed, "pruned": book.crossed_levels_pruned,
            **out}
