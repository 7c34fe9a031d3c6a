"""Compiled backtest of one instrument: replay, top-N imbalance per feed batch and our limit orders in numba.

:class:`FastBacktest` replays an :class:`~arbkit.data.events.EventTable` through
:func:`arbkit.sim.fast_replay_kernels.run_until_decision`: the book update, the imbalance read after
every feed batch and the simulation of our orders (entry and cancel latency, queue position, partial
fills, maker fee) all run compiled, over preallocated arrays. Python-level strategy code runs only on
**decision events**, every ``decision_every`` feed batches: the kernel hands back, the strategy's
``on_decision(bt)`` reads the state and calls :meth:`FastBacktest.submit` / :meth:`FastBacktest.cancel`,
and the kernel resumes. See the kernels module for the fill rules.

Units: prices in ticks, sizes in lots, times in ns (local receive time for decisions, venue time for
matching), fees in quote currency (``tick_size`` × ``lot_size`` × ticks × lots × bps / 10,000).

>>> from arbkit.adapters.binance.fast_ingest import ingest_binance_file
>>> from arbkit.adapters.binance.instruments import binance_registry
>>> from arbkit.data.sample import SAMPLE_USDM_BTC, sample_path
>>> table = ingest_binance_file(sample_path(SAMPLE_USDM_BTC), binance_registry()).table
>>> class EveryOther:
...     def __init__(self):
...         self.order = -1
...     def on_decision(self, bt):
...         if bt.decisions % 2 == 1 and bt.best_bid_ticks > 0:
...             self.order = bt.submit(BUY, bt.best_bid_ticks, 1)
...         elif self.order >= 0:
...             bt.cancel(self.order)
>>> result = FastBacktest(table, decision_every=30, entry_latency_ns=5_000_000).run(EveryOther())
>>> result.batches, result.events
(27861, 466575)
>>> result.orders_submitted == result.orders_filled + result.orders_cancelled + result.orders_rejected + result.orders_open
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from arbkit.book import kernels
from arbkit.book.order_book import OrderBook
from arbkit.core.errors import ArbkitError, ConfigError
from arbkit.sim import fast_replay_kernels as fk

BUY = 1
"""Side of a buy order (bid)."""
SELL = -1
"""Side of a sell order (ask)."""

_QUEUE_MODES = {"risk_averse": fk.QUEUE_RISK_AVERSE, "through_only": fk.QUEUE_THROUGH_ONLY}
_NO_TRACE = np.zeros(0, dtype=np.float64)


class FastOrderError(ArbkitError):
    """An order the fast backtest cannot take (bad side, price or size, unknown order)."""


class DecisionStrategy(Protocol):
    """Python-level strategy: called on decision events only, with the backtest as its order port."""

    def on_decision(self, bt: FastBacktest) -> None:
        """Read ``bt`` (clock, book top, imbalance, orders) and call ``bt.submit`` / ``bt.cancel``."""
        ...


@dataclass(frozen=True)
class FastBacktestResult:
    """What one run did. ``orders`` and ``fills`` are the kernel's arrays (columns ``O_*`` / ``X_*``)."""

    book_rows: int
    trades: int
    batches: int
    pruned_levels: int
    checksum: float
    """Sum of the top-N imbalance read after every batch."""
    last_imbalance: float
    decisions: int
    """Decision events handed to the Python strategy."""
    orders_submitted: int
    orders_filled: int
    """Orders filled completely."""
    orders_cancelled: int
    orders_rejected: int
    orders_open: int
    fill_count: int
    filled_lots: int
    position_lots: int
    cash_ticks_lots: int
    """Cash from fills in tick·lot units (fees excluded)."""
    fees: float
    """Maker fees paid in quote currency (negative: rebates received)."""
    orders: np.ndarray
    fills: np.ndarray

    @property
    def events(self) -> int:
        """Book level changes applied plus trades (the count of :mod:`arbkit.book.imbalance_replay`)."""
        return self.book_rows + self.trades


class FastBacktest:
    """Compiled replay + imbalance + order simulation over one stream of an event table.

    Args:
        table: the events (any object with the ``EventTable`` columns).
        stream: index of the instrument stream to replay.
        levels: levels per side in the depth-weighted imbalance (>= 1).
        decision_every: feed batches between decision events (>= 1).
        entry_latency_ns: local send → venue arrival of an order (ns, >= 0).
        cancel_latency_ns: local send → venue effect of a cancel (ns, >= 0; default: ``entry_latency_ns``).
        maker_fee_bps: fee on every (maker) fill in bps of its notional; negative is a rebate.
        queue_model: ``"risk_averse"`` (queue position tracked, fills at our price) or ``"through_only"``.
        tick_size: quote currency per tick, lot_size: base units per lot (used only to report fees).
        order_capacity, fill_capacity: initial sizes of the preallocated order and fill arrays (they grow
            on a decision event or a hand-back, never per event).
    """

    def __init__(self, table, *, stream: int = 0, levels: int = 5, decision_every: int = 30,  # type: ignore[no-untyped-def]
                 entry_latency_ns: int = 0, cancel_latency_ns: int | None = None, maker_fee_bps: float = 0.0,
                 queue_model: str = "risk_averse", tick_size: float = 1.0, lot_size: float = 1.0,
                 order_capacity: int = 1024, fill_capacity: int = 1024) -> None:
        cancel_latency_ns = entry_latency_ns if cancel_latency_ns is None else cancel_latency_ns
        if levels < 1:
            raise ConfigError(f"levels {levels} must be >= 1")
        if decision_every < 1:
            raise ConfigError(f"decision_every {decision_every} must be >= 1 feed batch")
        for name, value in (("entry_latency_ns", entry_latency_ns), ("cancel_latency_ns", cancel_latency_ns)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ConfigError(f"{name} {value!r} must be an integer number of ns >= 0")
        if queue_model not in _QUEUE_MODES:
            raise ConfigError(f"queue_model {queue_model!r} is not one of {', '.join(_QUEUE_MODES)}")
        if not np.isfinite(maker_fee_bps):
            raise ConfigError(f"maker_fee_bps {maker_fee_bps!r} must be finite")
        if order_capacity < 1 or fill_capacity < 1:
            raise ConfigError(f"order_capacity {order_capacity} and fill_capacity {fill_capacity} must be >= 1")
        self._columns = tuple(np.ascontiguousarray(table[c]) for c in
                              ("kind", "side", "price", "size", "flags", "stream", "ts_recv", "ts_event"))
        self.stream = stream
        self.levels = levels
        self.decision_every = decision_every
        self.entry_latency_ns = int(entry_latency_ns)
        self.cancel_latency_ns = int(cancel_latency_ns)
        self.maker_fee_bps = float(maker_fee_bps)
        self.queue_model = queue_model
        self.tick_size = tick_size
        self.lot_size = lot_size
        self._order_capacity = order_capacity
        self._fill_capacity = fill_capacity
        self._reset()

    def _reset(self) -> None:
        self.book = OrderBook(f"stream {self.stream}")
        self._state = np.zeros(fk.STATE_SLOTS, dtype=np.int64)
        self._state[fk.LAST_ADD_IS_BID] = 1
        self._state[fk.LAST_TRADE_PRICE] = -1
        self._state[fk.NEXT_TIMER_NS] = fk.NEVER
        self._state[fk.NEXT_DECISION] = self.decision_every
        self._result = np.zeros(fk.RESULT_SLOTS, dtype=np.float64)
        self._orders = np.zeros((self._order_capacity, fk.ORDER_COLUMNS), dtype=np.int64)
        self._active = np.zeros(self._order_capacity, dtype=np.int64)
        self._fills = np.zeros((self._fill_capacity, fk.FILL_COLUMNS), dtype=np.int64)
        self._n_orders = 0

    # -- the run ---------------------------------------------------------------------------------
    def run(self, strategy: DecisionStrategy | None = None, trace: np.ndarray | None = None) -> FastBacktestResult:
        """Replay the whole stream from an empty book, calling ``strategy.on_decision(self)`` on decision events.

        ``trace`` (float64, optional) receives the imbalance read after each batch, up to its length.
        """
        self._reset()
        trace = _NO_TRACE if trace is None else trace
        state = self._state
        fee_rate = self.maker_fee_bps / 10_000.0
        queue_mode = _QUEUE_MODES[self.queue_model]
        row, n = 0, len(self._columns[0])
        while row < n:
            row, status = fk.run_until_decision(*self._columns, self.stream, row, self.book.buf, self.levels,
                                                self.decision_every, queue_mode, fee_rate, state, self._result,
                                                trace, self._orders, self._active, self._fills)
            if status == fk.DECISION:
                if strategy is not None:
                    strategy.on_decision(self)
            elif status == kernels.FULL:
                self.book.grow_overflow()
            elif status == kernels.RECENTRE:
                self.book.recentre()
                if state[fk.DECISION_AFTER_RECENTRE]:
                    state[fk.DECISION_AFTER_RECENTRE] = 0
                    if strategy is not None:
                        strategy.on_decision(self)
            elif status == fk.FILLS_FULL:
                self._fills = np.concatenate([self._fills, np.zeros_like(self._fills)])
        self.book.crossed_levels_pruned += int(state[fk.PRUNED])
        return self._summary()

    def _summary(self) -> FastBacktestResult:
        s, r = self._state, self._result
        n_fills = int(s[fk.N_FILLS])
        fills = self._fills[:n_fills].copy()
        return FastBacktestResult(
            book_rows=int(s[fk.ROWS]), trades=int(s[fk.TRADES]), batches=int(s[fk.BATCHES]),
            pruned_levels=int(s[fk.PRUNED]), checksum=float(r[fk.CHECKSUM]), last_imbalance=float(r[fk.LAST_IMBALANCE]),
            decisions=int(s[fk.DECISIONS]), orders_submitted=self._n_orders, orders_filled=int(s[fk.FILLED_ORDERS]),
            orders_cancelled=int(s[fk.CANCELLED]), orders_rejected=int(s[fk.REJECTED]),
            orders_open=int(s[fk.N_ACTIVE]), fill_count=n_fills, filled_lots=int(fills[:, fk.X_QTY].sum()),
            position_lots=int(s[fk.POSITION]), cash_ticks_lots=int(s[fk.CASH]),
            fees=float(r[fk.FEES]) * self.tick_size * self.lot_size,
            orders=self._orders[: self._n_orders].copy(), fills=fills)

    # -- what a strategy reads on a decision event -------------------------------------------------
    @property
    def now_ns(self) -> int:
        """Local receive time (ns) of the last row replayed: the time an order sent now leaves."""
        return int(self._state[fk.NOW_RECV_NS])

    @property
    def batches(self) -> int:
        """Feed batches replayed so far."""
        return int(self._state[fk.BATCHES])

    @property
    def decisions(self) -> int:
        """Decision events so far (this one included)."""
        return int(self._state[fk.DECISIONS])

    @property
    def imbalance(self) -> float:
        """Top-``levels`` depth-weighted imbalance read after the last batch, in [-1, 1]."""
        return float(self._result[fk.LAST_IMBALANCE])

    @property
    def best_bid_ticks(self) -> int:
        """Best bid in ticks (-1 if the bid side is empty)."""
        return int(kernels.best_bid_price(self.book.buf))

    @property
    def best_ask_ticks(self) -> int:
        """Best ask in ticks (-1 if the ask side is empty)."""
        return int(kernels.best_ask_price(self.book.buf))

    @property
    def position_lots(self) -> int:
        """Net filled lots so far (buys minus sells)."""
        return int(self._state[fk.POSITION])

    @property
    def open_orders(self) -> int:
        """Orders pending arrival or resting."""
        return int(self._state[fk.N_ACTIVE])

    def is_open(self, order: int) -> bool:
        """True while ``order`` is pending arrival or resting (a requested cancel may not have taken effect)."""
        return int(self._order_row(order)[fk.O_STATUS]) in (fk.PENDING, fk.RESTING)

    def filled_lots(self, order: int) -> int:
        """Lots of ``order`` filled so far."""
        return int(self._order_row(order)[fk.O_FILLED])

    def order_status(self, order: int) -> int:
        """``O_STATUS`` of ``order``: fast_replay_kernels.PENDING, RESTING, FILLED, CANCELLED_STATUS or REJECTED_STATUS."""
        return int(self._order_row(order)[fk.O_STATUS])

    def _order_row(self, order: int) -> np.ndarray:
        if not 0 <= order < self._n_orders:
            raise FastOrderError(f"order {order} is unknown: {self._n_orders} orders were submitted")
        return self._orders[order]

    # -- what a strategy does on a decision event --------------------------------------------------
    def submit(self, side: int, price_ticks: int, qty_lots: int) -> int:
        """Send a post-only limit order now; returns its id (row in ``result.orders``).

        It rests from venue time ``now_ns + entry_latency_ns`` (rejected then if it would cross the book).
        """
        if side not in (BUY, SELL):
            raise FastOrderError(f"side {side!r} must be BUY (+1) or SELL (-1)")
        if price_ticks <= 0:
            raise FastOrderError(f"price {price_ticks} ticks must be > 0")
        if qty_lots <= 0:
            raise FastOrderError(f"size {qty_lots} lots must be > 0")
        if self._n_orders == len(self._orders):
            self._orders = np.concatenate([self._orders, np.zeros_like(self._orders)])
            self._active = np.concatenate([self._active, np.zeros_like(self._active)])
        o = self._n_orders
        arrive = self.now_ns + self.entry_latency_ns
        self._orders[o] = 0
        row = self._orders[o]
        row[fk.O_SIDE], row[fk.O_PRICE], row[fk.O_QTY] = side, price_ticks, qty_lots
        row[fk.O_STATUS], row[fk.O_SENT_NS], row[fk.O_ARRIVE_NS] = fk.PENDING, self.now_ns, arrive
        row[fk.O_CANCEL_NS] = fk.NEVER
        state = self._state
        self._active[state[fk.N_ACTIVE]] = o
        state[fk.N_ACTIVE] += 1
        state[fk.NEXT_TIMER_NS] = min(int(state[fk.NEXT_TIMER_NS]), arrive)
        self._n_orders = o + 1
        return o

    def cancel(self, order: int) -> bool:
        """Request the cancel of ``order`` now; it takes effect at venue time ``now_ns + cancel_latency_ns``.

        Returns False (and does nothing) when the order is no longer open or a cancel was already sent.
        """
        row = self._order_row(order)
        if int(row[fk.O_STATUS]) not in (fk.PENDING, fk.RESTING) or row[fk.O_CANCEL_NS] != fk.NEVER:
            return False
        effect = self.now_ns + self.cancel_latency_ns
        row[fk.O_CANCEL_NS] = effect
        self._state[fk.NEXT_TIMER_NS] = min(int(self._state[fk.NEXT_TIMER_NS]), effect)
        return True
