"""Builders of the regime-gating end-to-end tests: a TickFrame turned into the engine's timeline, a test
script that keeps wanting to buy, and the real engine of the composition root with real regime monitors."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from arbkit.audit.journal import Journal
from arbkit.backtest.engine import BacktestEngine
from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.core.instruments import Instrument, InstrumentRegistry
from arbkit.core.messages import BookUpdate, RiskDecision, Trade
from arbkit.data.schema import DELTA, F_LAST, F_SNAPSHOT, TRADE, TickFrame
from arbkit.regime.guard import DislocationGuard, GuardConfig
from arbkit.regime.monitor import RegimeMonitor
from arbkit.risk.config import InstrumentLimits, RiskConfig
from arbkit.risk.flow_config import DuplicatesConfig, MessageLimit, MessagesConfig
from arbkit.scripts.context import ScriptContext
from arbkit.sim.config import SimVenueConfig
from arbkit.system.kernel import build_backtest_engine

NS_PER_MS = 1_000_000


def frame_timeline(frame: TickFrame) -> Iterator[tuple[int, BookUpdate | Trade]]:
    """``(ts_recv, message)`` of a one-venue TICK_SCHEMA frame: each DELTA message (rows up to ``F_LAST``) as one
    :class:`BookUpdate` (a snapshot when its rows carry ``F_SNAPSHOT``), each TRADE row as a :class:`Trade`."""
    table: pa.Table = frame.table
    c = {name: table.column(name).to_numpy() for name in
         ("ts_event", "ts_recv", "kind", "side", "price", "size", "update_id", "flags")}
    (instrument_id,) = frame.instruments
    bids: list[tuple[int, int]] = []
    asks: list[tuple[int, int]] = []
    for i in np.flatnonzero((c["kind"] == DELTA) | (c["kind"] == TRADE)).tolist():
        flags = int(c["flags"][i])
        if c["kind"][i] == TRADE:
            yield int(c["ts_recv"][i]), Trade(
                instrument_id=instrument_id, ts_event=int(c["ts_event"][i]), ts_recv=int(c["ts_recv"][i]),
                price_ticks=int(c["price"][i]), size_lots=int(c["size"][i]),
                aggressor=Side.BUY if c["side"][i] > 0 else Side.SELL, trade_id=int(c["update_id"][i]))
            continue
        (bids if c["side"][i] > 0 else asks).append((int(c["price"][i]), int(c["size"][i])))
        if flags & F_LAST:
            uid = int(c["update_id"][i])
            yield int(c["ts_recv"][i]), BookUpdate(
                instrument_id=instrument_id, ts_event=int(c["ts_event"][i]), ts_recv=int(c["ts_recv"][i]),
                first_update_id=uid, last_update_id=uid, bids=tuple(bids), asks=tuple(asks),
                is_snapshot=bool(flags & F_SNAPSHOT))
            bids, asks = [], []


def limits(instrument: Instrument, clip_lots: int, clips: int) -> InstrumentLimits:
    """Limits roomy enough that only the regime rule can refuse the test script (10 × its need)."""
    return InstrumentLimits(max_order_qty=instrument.lots_to_size(10 * clip_lots * clips),
                            max_order_notional_usd=Decimal(10**9),
                            max_position_qty=instrument.lots_to_size(10 * clip_lots * clips),
                            price_collar_bps=Decimal(500), reference_max_age_ms=10_000)


class DipBuyer:
    """Test script, a mean-reversion buyer: every ``interval_ns`` it buys ``clip_lots`` at the ask when flat, buys
    another clip when the mid is ``dip_bps`` below its last entry (up to ``clips``), and sells everything at the
    bid once it has held for ``hold_ns``. Marketable IOC limits. It records every gate decision it got.

    Buying is risk-increasing, selling what it holds is reducing: the regime gate should let only the sells
    through outside ``allowed_regimes``.
    """

    def __init__(self, instrument_id: str, allowed_regimes: frozenset[str] | None, *, clip_lots: int,
                 clips: int = 3, interval_ns: int = 10 * NS_PER_MS, hold_ns: int = 500 * NS_PER_MS,
                 dip_bps: float = 20.0, script_id: str = "dip-buyer") -> None:
        self.script_id = script_id
        self.instrument_ids = (instrument_id,)
        self.allowed_regimes = allowed_regimes
        self.clip_lots, self.clips, self.interval_ns = clip_lots, clips, interval_ns
        self.hold_ns, self.dip_bps = hold_ns, dip_bps
        self._next_ns = 0
        self._entry_ns = 0
        self._entry_mid = 0.0
        self.decisions: list[tuple[int, Side, RiskDecision, str | None]] = []
        """(ts ns, side, gate decision, regime the script saw on its instrument) per intent."""

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        now = ctx.now_ns()
        if now < self._next_ns or ctx.open_orders():
            return
        self._next_ns = now + self.interval_ns
        book = ctx.book(instrument_id)
        bid, ask, mid = book.best_bid(), book.best_ask(), book.mid_ticks()
        if bid is None or ask is None or mid is None:
            return
        position = ctx.position_lots(instrument_id)
        if position > 0 and now - self._entry_ns >= self.hold_ns:
            self._send(ctx, instrument_id, Side.SELL, position, bid[0])
        elif position == 0 or (position < self.clips * self.clip_lots
                               and mid < self._entry_mid * (1 - self.dip_bps / 1e4)):
            if self._send(ctx, instrument_id, Side.BUY, self.clip_lots, ask[0]):
                self._entry_ns, self._entry_mid = now, mid

    def _send(self, ctx: ScriptContext, instrument_id: str, side: Side, qty_lots: int, price_ticks: int) -> bool:
        decision = ctx.submit(instrument_id, side, qty_lots, price_ticks=price_ticks, order_type=OrderType.LIMIT,
                              time_in_force=TimeInForce.IOC, tag="dip")
        self.decisions.append((ctx.now_ns(), side, decision, ctx.regime(instrument_id)))
        return decision.approved


class EveryBookBuyer:
    """Test script: on every book update of its instrument, one passive buy of ``qty_lots`` at least
    ``below_ticks`` under the bid (IOC, so it rarely fills), with the regime it saw. It shows that an intent sent on the very message
    that trips a guard is already refused."""

    def __init__(self, instrument_id: str, allowed_regimes: frozenset[str], active_ns: tuple[int, int],
                 qty_lots: int = 1, below_ticks: int = 10, script_id: str = "every-book") -> None:
        self.script_id = script_id
        self.instrument_ids = (instrument_id,)
        self.allowed_regimes = allowed_regimes
        self.qty_lots = qty_lots
        self.below_ticks = below_ticks
        self.active_ns = active_ns
        """[from, until) ns of replay time in which it sends."""
        self.decisions: list[tuple[int, RiskDecision, str | None]] = []

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        bid = ctx.book(instrument_id).best_bid()
        if bid is None or not self.active_ns[0] <= ctx.now_ns() < self.active_ns[1]:
            return
        # price and size cycle (100 and 7 steps) so that no two probes within a ms are identical: the gate's
        # duplicate check must not be what refuses one
        n = len(self.decisions)
        decision = ctx.submit(instrument_id, Side.BUY, self.qty_lots * (1 + n % 7),
                              price_ticks=bid[0] - self.below_ticks - n % 100,
                              time_in_force=TimeInForce.IOC, tag="probe")
        self.decisions.append((ctx.now_ns(), decision, ctx.regime(instrument_id)))


def guard_monitor(instrument_id: str, **guard: Any) -> RegimeMonitor:
    """A real guard-only regime monitor of ``instrument_id`` (labels ``warming_up``, ``orderly``, ``dislocated``)."""
    return RegimeMonitor(instrument_id, guard=DislocationGuard(GuardConfig(**guard)))


FAST_SCRIPT_FLOW: dict[str, Any] = {
    "duplicates": DuplicatesConfig(duplicate_window_ms=1),
    "messages": MessagesConfig(default_script=MessageLimit(max_messages=1_000_000, message_window_ms=1_000),
                               default_venue=MessageLimit(max_messages=1_000_000, message_window_ms=1_000)),
}
"""Flow limits for the test scripts here, which resend the same IOC every few ms (or on every book message):
loose enough that only the regime gate refuses them."""


def regime_engine(instruments: InstrumentRegistry, instrument_id: str, script: Any, journal: Journal,
                  monitor: RegimeMonitor, risk: InstrumentLimits, start_ns: int,
                  features: Any = None) -> BacktestEngine:
    """The composition root's engine over one instrument with ``script`` on it and ``monitor`` on its book."""
    return build_backtest_engine(
        instruments=instruments, instrument_ids=[instrument_id], risk=RiskConfig(instruments={instrument_id: risk},
                                                                                       **FAST_SCRIPT_FLOW),
        sim=SimVenueConfig(), journal=journal, scripts=[lambda: (script, "test")], equity_interval_ns=10**9,
        start_ns=start_ns, regime_monitors={instrument_id: monitor},
        regime_features=None if features is None else {instrument_id: features})


def regime_refusals(script: DipBuyer) -> list[tuple[int, Side, RiskDecision, str | None]]:
    """The script's intents the gate refused with REGIME."""
    return [d for d in script.decisions if d[2].reason_code == "REGIME"]
