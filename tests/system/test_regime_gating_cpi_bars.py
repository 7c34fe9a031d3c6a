"""Regime gating at the gate level on a second real episode: the US CPI release of 2022-12-13 13:30 UTC in
Binance COIN-M BTCUSD_PERP 1-minute trade bars (shared folder ``crypto_btc_minute_multi_venue_2022-12-13``).

The 13:30 bar closes 155.8 bps above the 13:29 bar (17636.0 → 17912.9 USD). Minute bars make no order book, so
there is no engine here: each bar close (bar open + 1 min, when it is known) goes to a real guard-only regime
monitor, its changes to a real regime board, and then a script's 1-contract buy (risk-increasing for a long
position) and 1-contract sell (reducing) to the real risk gate, journaled in SQLite.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
from testkit import shared_file

from arbkit.adapters.lean.crypto_bars import read_minute_bars
from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderType, Side
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import OrderIntent
from arbkit.core.time import SimulatedClock
from arbkit.regime.guard import DislocationGuard, GuardConfig
from arbkit.regime.monitor import RegimeMonitor
from arbkit.risk.config import InstrumentLimits, RiskConfig
from arbkit.risk.gate import RiskGate
from arbkit.risk.regime_policy import RegimePolicy
from arbkit.risk.regime_state import RegimeBoard

MINUTE_NS = 60 * 10**9
RELEASE_CLOSE_NS = int(np.datetime64("2022-12-13T13:31:00", "ns").astype(np.int64))  # the 13:30 bar is known
GUARD = GuardConfig(window_ns=MINUTE_NS, vol_halflife_ns=60 * MINUTE_NS, cooldown_ns=5 * MINUTE_NS,
                    warmup_ns=30 * MINUTE_NS, warmup_events=30, max_gap_ns=10 * MINUTE_NS)
"""The dislocation guard on minute closes: a 1-minute window, 1 h variance half-life, 5 min cooldown."""
LONG_CONTRACTS = 10


class LastClose:
    """MarketView: the last bar close as the reference mid (ticks), stamped with its close time."""

    def __init__(self) -> None:
        self.last: tuple[float, int] | None = None

    def reference_price(self, instrument_id: str) -> tuple[float, int] | None:
        return self.last


class HeldPosition:
    """ExposureView: a long position of ``LONG_CONTRACTS``, no working orders."""

    def position_lots(self, instrument_id: str) -> int:
        return LONG_CONTRACTS

    def open_order_lots(self, instrument_id: str, side: Side) -> int:
        return 0


def test_cpi_release_minute_refuses_a_buy_and_lets_a_sell_through(tmp_path: Path) -> None:
    frame = read_minute_bars(shared_file("crypto_btc_minute_multi_venue_2022-12-13",
                                         "binance_coinm_btcusd_perp_20221213_minute_trade.zip"))
    (instrument,) = frame.instruments.values()
    closes_at = (frame.table.column("ts_event").to_numpy() + frame.table.column("interval_ns").to_numpy()).tolist()
    close_ticks = frame.table.column("close").to_numpy().tolist()
    limits = InstrumentLimits(max_order_qty=Decimal(10), max_order_notional_usd=Decimal(10_000),
                              max_position_qty=Decimal(100), price_collar_bps=Decimal(50),
                              reference_max_age_ms=2 * 60_000)
    market, clock = LastClose(), SimulatedClock(start_ns=closes_at[0])
    seen: list[tuple[int, str, str, str]] = []  # (close ns, regime, buy reason or "", sell reason or "")
    with Journal(tmp_path / "journal.sqlite") as journal:
        board = RegimeBoard(journal)
        monitor = RegimeMonitor(instrument.id, guard=DislocationGuard(GUARD))
        board.track(monitor.scope, monitor.current)
        gate = RiskGate(RiskConfig(instruments={instrument.id: limits}), InstrumentRegistry([instrument]), market,
                        HeldPosition(), clock, journal, regimes=board)
        gate.set_regime_policy("cpi-momentum", RegimePolicy({"orderly"}), actor="cpi-momentum",
                               reason="declared by the test script")
        for n, (t, ticks) in enumerate(zip(closes_at, close_ticks, strict=True)):
            clock.advance_to(t)
            market.last = (float(ticks), t)
            change = monitor.update(t, ticks * float(instrument.tick_size))
            if change is not None:
                board.apply(change)
            decisions = [gate.evaluate(OrderIntent(
                intent_id=f"{side.name}-{n}", script_id="cpi-momentum", model_version="none",
                instrument_id=instrument.id, side=side, order_type=OrderType.LIMIT, qty_lots=1, ts_created=t,
                price_ticks=ticks)) for side in (Side.BUY, Side.SELL)]
            seen.append((t, monitor.current, decisions[0].reason_code, decisions[1].reason_code))
        changes = [e.payload for e in journal.entries(kind=kinds.REGIME_CHANGE)]
        journaled = journal.count(kinds.RISK_DECISION)
        assert journal.verify().ok

    release = next(s for s in seen if s[0] == RELEASE_CLOSE_NS)
    assert release[1:] == ("dislocated", "REGIME", "")
    assert all(buy == "" for _, regime, buy, _ in seen if regime == "orderly")
    assert all(buy == "REGIME" for _, regime, buy, _ in seen if regime != "orderly")
    assert all(sell == "" for *_, sell in seen)
    trip = next(c for c in changes if c["new"] == "dislocated" and c["ts_ns"] == RELEASE_CLOSE_NS)
    assert trip["cause"] == "dislocation_guard" and "jump" in trip["detail"]
    dislocated_buys = [s for s in seen if s[1] == "dislocated"]
    assert journaled == 2 * len(seen)  # one decision per intent, approved or not
    print(f"\nCPI 2022-12-13, {instrument.id} minute closes: guard tripped at "
          f"{[str(np.datetime64(c['ts_ns'], 'ns'))[11:16] for c in changes if c['new'] == 'dislocated']} UTC; "
          f"{len(dislocated_buys)} buys refused with REGIME while dislocated, every sell approved; at the release: "
          f"{trip['detail']}")
