"""Synthetic but plausible :class:`ReportData` for tests of the report layer itself (test-only builder).

A market maker on one BTC/USDT instrument for ``minutes`` of event time: the mid follows a random
walk, the script rests quotes half a spread from the mid, fills arrive at random, the position is
kept within a limit (intents beyond it are rejected by the risk gate), and equity is marked to the mid
every 100 ms. Deterministic under ``seed``. It is **not** market data: real replays feed the report
from the backtest engine.

>>> data = demo_report_data(minutes=2, seed=1)
>>> (len(data.equity), data.equity[0].equity_usd, data.fills[0].side in ("buy", "sell"))
(1201, 10000.0, True)
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from arbkit.core.time import NANOS_PER_MILLI, NANOS_PER_SECOND
from arbkit.report.model import (
    DataSummary,
    EquityPoint,
    FillRow,
    InstrumentRow,
    ModelSummary,
    RejectionRow,
    ReportData,
)

DEMO_START_NS = 1_723_075_200_000_000_000
"""2024-08-08T00:00:00Z, the day of the shipped sample data."""


def demo_report_data(
    *,
    minutes: int = 30,
    seed: int = 7,
    capital_usd: float = 10_000.0,
    fills_per_minute: float = 30.0,
    max_position_btc: float = 0.03,
) -> ReportData:
    """Build a demo run of ``minutes`` minutes; equity starts at ``capital_usd`` (USD)."""
    rng = np.random.default_rng(seed)
    instrument = "BTCUSDT.BINANCE_USDM"
    step_ns = 100 * NANOS_PER_MILLI
    n = minutes * 600 + 1
    ts = DEMO_START_NS + np.arange(n, dtype=np.int64) * step_ns
    mid = np.round(61_837.63 + np.cumsum(rng.normal(0.0, 1.6, n)), 2)
    half_spread = 2.5
    fee_rate = 0.00002
    fill_at = set(np.flatnonzero(rng.random(n) < fills_per_minute / 600.0).tolist())
    pos = 0.0
    cash = 0.0
    fees = 0.0
    avg_price = 0.0
    realized = 0.0
    fills: list[FillRow] = []
    rejections: list[RejectionRow] = []
    equity: list[EquityPoint] = []
    for i in range(n):
        if i in fill_at:
            side = "buy" if rng.random() < 0.5 - pos / (8 * max_position_btc) else "sell"
            qty = round(float(rng.integers(1, 6)) * 0.001, 3)
            sign = 1.0 if side == "buy" else -1.0
            price = round(float(mid[i]) - sign * half_spread, 2)
            if abs(pos + sign * qty) > max_position_btc + 1e-12:
                rejections.append(RejectionRow(
                    ts_ns=int(ts[i]), intent_id=f"i-{i}", instrument_id=instrument, side=side, qty=f"{qty:.3f}",
                    price=f"{price:.2f}", reason_code="MAX_POSITION",
                    detail=f"worst-case position {pos + sign * qty:.3f} would exceed max_position_qty "
                           f"{max_position_btc:.3f}"))
            else:
                fee = round(price * qty * fee_rate, 8)
                new_pos = round(pos + sign * qty, 3)
                if pos * sign < 0:  # reducing (or flipping): realize against the average entry price
                    closed = min(qty, abs(pos))
                    realized += closed * (price - avg_price) * (1.0 if pos > 0 else -1.0)
                    avg_price = price if abs(new_pos) > 0 and new_pos * pos < 0 else avg_price
                else:
                    avg_price = (avg_price * abs(pos) + price * qty) / abs(new_pos)
                pos = new_pos
                cash -= sign * price * qty
                fees += fee
                fills.append(FillRow(
                    ts_ns=int(ts[i]), instrument_id=instrument, side=side, price=f"{price:.2f}", qty=f"{qty:.3f}",
                    fee=f"{fee:.8f}", liquidity="maker", script_id="mm_demo", model_version="skew-v2",
                    client_order_id=f"c-{len(fills) + 1:06d}"))
        if rng.random() < 0.002:
            rejections.append(RejectionRow(
                ts_ns=int(ts[i]), intent_id=f"j-{i}", instrument_id=instrument, side="buy", qty="0.005", price="",
                reason_code="NO_REFERENCE_PRICE",
                detail="no usable reference price: mid age 2100 ms (required <= 1000 ms)"))
        position_usd = pos * float(mid[i])
        equity.append(EquityPoint(ts_ns=int(ts[i]), equity_usd=capital_usd + cash + position_usd - fees,
                                  position_usd=position_usd))
    unrealized = round(pos * (float(mid[-1]) - avg_price), 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    counts = Counter(r.reason_code for r in rejections)
    return ReportData(
        title="Demo backtest — market making BTCUSDT perpetual",
        subtitle="Synthetic data for illustration; not a replay of recorded market data",
        started_ns=int(ts[0]),
        ended_ns=int(ts[-1]),
        config={"risk.max_position_btc": f"{max_position_btc}", "sim.fee_rate_maker": f"{fee_rate}",
                "sim.latency_ns": "2000000", "capital_usd": f"{capital_usd}", "seed": str(seed),
                "script": "mm_demo"},
        equity=equity,
        fills=fills,
        rejections=rejections,
        instruments=[InstrumentRow(instrument_id=instrument, position=f"{pos:.3f}", realized_pnl=f"{realized:.2f}",
                                   unrealized_pnl=f"{unrealized:.2f}", fees=f"{fees:.8f}", currency="USDT")],
        models=[ModelSummary(name="quote_skew", version="skew-v2", features=["imbalance_l5", "microprice_dev",
                             "trade_flow_1s"], train_rows=1_200_000, test_rows=300_000,
                             metrics={"r2": 0.031, "ic": 0.118, "hit_rate": 0.527})],
        data=[DataSummary(source="demo: synthetic random walk", messages=n, book_updates=n, trades=0, bbo=0,
                          gaps=0, first_ts_ns=int(ts[0]), last_ts_ns=int(ts[-1]))],
        notes=[f"{len(fills)} fills, rejections by reason: {dict(sorted(counts.items()))}.",
               f"Equity sampled every {step_ns // NANOS_PER_MILLI} ms; {minutes} min at "
               f"{NANOS_PER_SECOND // step_ns} samples/s."],
    )
