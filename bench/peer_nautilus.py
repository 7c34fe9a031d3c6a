"""NautilusTrader's contenders for ``bench/backtest_peers.py`` (see its docstring for the setup).

``BacktestEngine`` with an ``L2_MBP`` book and ``trade_execution``, fed arbkit's event table converted to
one ``OrderBookDeltas`` per venue message (or the same deltas one by one) and one ``TradeTick`` per trade.
"""

from __future__ import annotations

import sys
from pathlib import Path

from arbkit.data.events import DELTA, F_CLEAR, F_LAST, F_SNAPSHOT, TRADE, EventTable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_common import ARBKIT, Outcome, Plan
from replay_imbalance import Contender, Inputs

NT_MAX_SCAN_TICKS = 10_000
"""NautilusTrader's top-level walk looks at most this many ticks from the touch (1,000 USD at 0.1)."""
NT_AGREE_TOLERANCE = 1e-6
"""Largest difference of the imbalance checksums of NautilusTrader (fed arbkit's table) and arbkit."""
NAUTILUS = "NautilusTrader BacktestEngine L2_MBP, OrderBookDeltas per message"
NAUTILUS_ONE_BY_ONE = "NautilusTrader BacktestEngine L2_MBP, OrderBookDelta one by one"


def nautilus_data(table: EventTable, instrument) -> tuple[list, int]:  # type: ignore[no-untyped-def]
    """arbkit's rows as NautilusTrader data: one ``OrderBookDeltas`` per message, one ``TradeTick`` per trade."""
    from nautilus_trader.model.data import BookOrder, OrderBookDelta, OrderBookDeltas, TradeTick
    from nautilus_trader.model.enums import AggressorSide, BookAction, OrderSide, RecordFlag
    from nautilus_trader.model.identifiers import TradeId
    from nautilus_trader.model.objects import Price, Quantity

    iid = instrument.id
    kind, side, price, size = (table[c] for c in ("kind", "side", "price", "size"))
    flags, event, uid, recv = (table[c] for c in ("flags", "ts_event", "update_id", "ts_recv"))
    data: list = []
    pending: list = []
    levels = 0
    ts_init = -1  # strictly increasing per batch, so that the engine keeps the table's order and never merges batches
    for i in range(len(table)):
        k = int(kind[i])
        if (k == DELTA and not pending) or k == TRADE:
            ts_init = max(int(recv[i]), ts_init + 1)
        if k == DELTA:
            f = int(flags[i])
            if f & F_CLEAR and data:
                pending.append(OrderBookDelta.clear(iid, 0, int(event[i]), ts_init))
            px = Price(int(price[i]) / 10, 1)
            qty = Quantity(int(size[i]) / 1000, 3)
            action = BookAction.UPDATE if size[i] > 0 else BookAction.DELETE
            nt_flags = (RecordFlag.F_SNAPSHOT if f & F_SNAPSHOT else 0) | (RecordFlag.F_LAST if f & F_LAST else 0)
            order = BookOrder(OrderSide.BUY if side[i] > 0 else OrderSide.SELL, px, qty, 0)
            pending.append(OrderBookDelta(iid, action, order, nt_flags, int(uid[i]), int(event[i]), ts_init))
            levels += 1
            if f & F_LAST:
                data.append(OrderBookDeltas(iid, pending))
                pending = []
        elif k == TRADE:
            data.append(TradeTick(iid, Price(int(price[i]) / 10, 1), Quantity(int(size[i]) / 1000, 3),
                                  AggressorSide.BUYER if side[i] > 0 else AggressorSide.SELLER,
                                  TradeId(str(int(uid[i]))), int(event[i]), ts_init))
            levels += 1
    return data, levels


def _nautilus_strategy_class():  # type: ignore[no-untyped-def]
    from nautilus_trader.config import StrategyConfig
    from nautilus_trader.model.enums import BookType, OrderSide, RecordFlag, TimeInForce
    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.model.objects import Price
    from nautilus_trader.trading.strategy import Strategy

    F_LAST_NT = int(RecordFlag.F_LAST)

    class PeerConfig(StrategyConfig, frozen=True):  # type: ignore[call-arg]
        instrument_id: InstrumentId
        levels: int = 5
        decision_every: int = 30
        lots: int = 1

    class AlternateBuyCancelNT(Strategy):
        """The same decision logic as arbkit's AlternateBuyCancel, in NautilusTrader's callbacks."""

        def __init__(self, config: PeerConfig) -> None:
            super().__init__(config)
            self.iid = config.instrument_id
            self.trace: list[float] | None = None
            """Set to a list to record the imbalance after every batch (the agreement check)."""

        def on_start(self) -> None:
            self.instrument = self.cache.instrument(self.iid)
            self.qty = self.instrument.make_qty(self.config.lots / 1000)
            self.batches = self.decisions = self.submitted = self.cancelled = self.filled = self.rejected = 0
            self.callbacks = 0
            self.checksum = 0.0
            self.order = None
            self.subscribe_order_book_deltas(self.iid, BookType.L2_MBP)
            self.subscribe_trade_ticks(self.iid)

        def on_order_book_deltas(self, deltas) -> None:  # type: ignore[no-untyped-def]
            self.callbacks += 1
            if deltas.flags & F_LAST_NT:  # fed one by one, only the message's last delta ends a batch
                self._batch()

        def on_trade_tick(self, tick) -> None:  # type: ignore[no-untyped-def]
            self.callbacks += 1
            self._batch()

        def _weight(self, book, is_bid: bool) -> float:  # type: ignore[no-untyped-def]
            """Top-levels weight of one side, walking tick by tick from the best with ``get_quantity_for_price``.

            (``book.bids()`` would copy every level of the side on each read: about 1 ms here.)
            """
            best = book.best_bid_price() if is_bid else book.best_ask_price()
            if best is None:
                return 0.0
            side = OrderSide.SELL if is_bid else OrderSide.BUY  # the aggressor that would take this side
            step = -1 if is_bid else 1
            t = round(best.as_double() * 10)
            w, k, prev, scanned = 0.0, 0, 0.0, 0
            while k < self.config.levels and scanned < NT_MAX_SCAN_TICKS:
                cum = book.get_quantity_for_price(Price(t / 10, 1), side)  # size at prices as good or better
                if cum > prev:
                    w += (cum - prev) / (k + 1.0)
                    k += 1
                    prev = cum
                t += step
                scanned += 1
            return w

        def _batch(self) -> None:
            book = self.cache.order_book(self.iid)
            wb = self._weight(book, True)
            wa = self._weight(book, False)
            total = wb + wa
            imbalance = 0.0 if total == 0.0 else (wb - wa) / total
            self.checksum += imbalance
            if self.trace is not None:
                self.trace.append(imbalance)
            self.batches += 1
            if self.batches % self.config.decision_every:
                return
            self.decisions += 1
            live = self.order is not None and not self.order.is_closed
            if self.decisions % 2 == 1:
                bid = book.best_bid_price()
                if not live and bid is not None:
                    self.order = self.order_factory.limit(self.iid, OrderSide.BUY, self.qty, bid, post_only=True,
                                                          time_in_force=TimeInForce.GTC)
                    self.submit_order(self.order)
                    self.submitted += 1
            elif live:
                self.cancel_order(self.order)

        def on_order_filled(self, event) -> None:  # type: ignore[no-untyped-def]
            self.filled += 1

        def on_order_canceled(self, event) -> None:  # type: ignore[no-untyped-def]
            self.cancelled += 1

        def on_order_rejected(self, event) -> None:  # type: ignore[no-untyped-def]
            self.rejected += 1

    return PeerConfig, AlternateBuyCancelNT


def nautilus_peer(inputs: Inputs, plan: Plan) -> list[Contender] | str:
    """NautilusTrader's contenders: deltas grouped per message, and fed one by one (a string says why skipped).

    Fed one by one, the strategy is called for every delta and reads the book (a batch) only on a
    message's last delta (``F_LAST``), so it sees the same batches.
    """
    try:
        import nautilus_trader  # noqa: F401
    except ImportError:
        return ("skipped: nautilus_trader is not installed in this interpreter (it pins pandas < 3: install it in a "
                "separate virtualenv with numba and arbkit's other dependencies and run this script from there)")
    from nautilus_trader.backtest.config import BacktestEngineConfig
    from nautilus_trader.backtest.engine import BacktestEngine
    from nautilus_trader.backtest.models import LatencyModel
    from nautilus_trader.config import LoggingConfig
    from nautilus_trader.model.currencies import USDT
    from nautilus_trader.model.data import OrderBookDeltas, TradeTick
    from nautilus_trader.model.enums import AccountType, BookType, OmsType
    from nautilus_trader.model.identifiers import Venue
    from nautilus_trader.model.objects import Money
    from nautilus_trader.test_kit.providers import TestInstrumentProvider

    instrument = TestInstrumentProvider.btcusdt_perp_binance()  # tick 0.1, lot 0.001, maker fee 2 bps
    data, events = nautilus_data(inputs.table, instrument)
    config_cls, strategy_cls = _nautilus_strategy_class()

    books = [d for d in data if isinstance(d, OrderBookDeltas)]
    trades = [d for d in data if isinstance(d, TradeTick)]
    one_by_one = [delta for message in books for delta in message.deltas]

    def setup(book_data: list):  # type: ignore[no-untyped-def,type-arg]
        engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(bypass_logging=True)))
        engine.add_venue(Venue("BINANCE"), OmsType.NETTING, AccountType.MARGIN, [Money(1_000_000, USDT)],
                         book_type=BookType.L2_MBP, trade_execution=True,
                         latency_model=LatencyModel(base_latency_nanos=plan.latency_ns))
        engine.add_instrument(instrument)
        engine.add_data(book_data, sort=False)  # add_data takes one type per call
        engine.add_data(trades, sort=True)  # merged by ts_init (stable: the table's order)
        strategy = strategy_cls(config_cls(instrument_id=instrument.id, levels=plan.levels,
                                           decision_every=plan.decision_every, lots=plan.lots))
        engine.add_strategy(strategy)
        return engine, strategy

    def run(arg):  # type: ignore[no-untyped-def]
        engine, strategy = arg
        engine.run()
        out = Outcome(events=events, batches=strategy.batches, decisions=strategy.decisions,
                      python_callbacks=strategy.callbacks,
                      submitted=strategy.submitted, cancelled=strategy.cancelled, filled=strategy.filled,
                      checksum=strategy.checksum)
        engine.dispose()
        return out

    note = "engine.run() only; engine built and data added before the clock"
    return [Contender(NAUTILUS, events, run, lambda: setup(books), note, ARBKIT),
            Contender(NAUTILUS_ONE_BY_ONE, events, run, lambda: setup(one_by_one), note, ARBKIT)]
