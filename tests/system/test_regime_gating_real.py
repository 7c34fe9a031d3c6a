"""Regime gating on a real dislocation: BTC on Binance, 2024-08-08 around 23:58:21 and 23:58:34 UTC (replay clock =
the recorder's receive time, about 1.27 s behind Binance's event time).

The episode (``binance_spot_btcusdt_20240808.gz`` / ``binance_usdm_btcusdt_20240808.gz`` of the shared
``binance_spot_usdm_coinm_2024-08-08`` set; the shipped sample holds the same bytes, so this test never skips):

- 23:58:21.135: the USDⓈ-M perp mid drops 10.9 bps in one depth message (61663.05 → 61595.65); the spot mid follows
  at 23:58:21.160 (61686.71 → 61639.84, −7.6 bps);
- 23:58:34.073: the perp drops again (−6.5 bps); spot at 23:58:34.063 is left with 0.0001 BTC on the bid and a
  9.22 USDT spread, and at 23:58:34.165 its mid is 10.0 bps below where it was 204 ms earlier (61662.36 → 61600.46).

Real guard-only regime monitors on both books, a dip-buying test script on each leg, the real engine, gate and
SQLite journal. The buys a dip buyer sends while its own leg is dislocated are refused with ``REGIME``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gating_kit import NS_PER_MS, DipBuyer, guard_monitor, regime_refusals
from testkit import SPOT_BTC, USDM_BTC, default_config, registry, sample_timeline, without_return_rules

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.book.order_book import OrderBook
from arbkit.core.enums import Side
from arbkit.core.messages import BookUpdate
from arbkit.system.kernel import build_backtest_engine


def utc_ns(text: str) -> int:
    """ns since the epoch of ``HH:MM:SS.fff`` on 2024-08-08 UTC."""
    moment = datetime.strptime(f"2024-08-08 {text}", "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000) * NS_PER_MS


FIRST_LEG = (utc_ns("23:58:21.000"), utc_ns("23:58:21.300"))
SECOND_LEG = (utc_ns("23:58:33.900"), utc_ns("23:58:34.300"))
EPISODE = (FIRST_LEG[0], SECOND_LEG[1])


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, DipBuyer], Path]:
    config = default_config()
    instruments = registry()
    buyers = {instrument_id: DipBuyer(instrument_id, frozenset({"orderly"}), script_id=f"dip-{instrument_id}",
                                      clip_lots=instruments.get(instrument_id).size_to_lots("0.001"),
                                      interval_ns=100 * NS_PER_MS, hold_ns=2_000 * NS_PER_MS, dip_bps=5.0)
              for instrument_id in (SPOT_BTC, USDM_BTC)}
    path = tmp_path_factory.mktemp("episode") / "journal.sqlite"
    with Journal(path) as journal:
        engine = build_backtest_engine(
            instruments=instruments, instrument_ids=[SPOT_BTC, USDM_BTC], risk=without_return_rules(config.risk),
            sim=config.sim,
            journal=journal, scripts=[lambda b=b: (b, "test") for b in buyers.values()], equity_interval_ns=10**9,
            regime_monitors={i: guard_monitor(i) for i in (SPOT_BTC, USDM_BTC)})
        engine.run(sample_timeline())
    return buyers, path


def dislocations(path: Path, scope: str) -> list[tuple[int, int]]:
    """[trip, clear) ns of every dislocation of ``scope`` in the journal (clear = 2**63 - 1 if it never cleared)."""
    with Journal(path) as journal:
        seen = [(e.ts_ns, e.payload["old"], e.payload["new"]) for e in journal.entries(kind=kinds.REGIME_CHANGE)
                if e.payload["scope"] == scope]
    windows, start = [], None
    for ts, old, new in seen:
        if new == "dislocated":
            start = ts
        elif old == "dislocated" and start is not None:
            windows.append((start, ts))
            start = None
    return windows + ([(start, 2**63 - 1)] if start is not None else [])


def test_the_episode_is_the_move_the_docs_describe() -> None:
    """Independent of the gate: the spot book mid falls at least 9 bps within 250 ms in the second leg."""
    book, mids = OrderBook(SPOT_BTC), []
    for ts, message in sample_timeline():
        if isinstance(message, BookUpdate) and message.instrument_id == SPOT_BTC:
            (book.apply_snapshot if message.is_snapshot else book.apply)(message.bids, message.asks)
            mid = book.mid_ticks()
            if mid is not None and SECOND_LEG[0] <= ts <= SECOND_LEG[1]:
                mids.append((ts, mid))
    worst = min(1e4 * math.log(later / earlier) for t0, earlier in mids for t1, later in mids
                if 0 < t1 - t0 <= 250 * NS_PER_MS)
    assert worst <= -9.0


def test_guards_trip_on_both_legs_of_the_episode_and_nowhere_on_spot_outside_it(
        episode: tuple[dict[str, DipBuyer], Path]) -> None:
    _, path = episode
    spot, perp = dislocations(path, SPOT_BTC), dislocations(path, USDM_BTC)
    for leg in (FIRST_LEG, SECOND_LEG):
        assert any(leg[0] <= trip <= leg[1] for trip, _ in spot)
        assert any(leg[0] <= trip <= leg[1] for trip, _ in perp)
    assert all(EPISODE[0] <= trip <= EPISODE[1] for trip, _ in spot)
    with Journal(path) as journal:
        assert journal.verify().ok
        assert journal.count(kinds.REGIME_CHANGE) == 2 + 2 * (len(spot) + len(perp))  # warm-ups, trips, clears


@pytest.mark.parametrize("instrument_id", [SPOT_BTC, USDM_BTC])
def test_dip_buys_on_a_dislocated_leg_are_refused_and_sells_still_pass(episode: tuple[dict[str, DipBuyer], Path],
                                                                       instrument_id: str) -> None:
    buyers, path = episode
    script = buyers[instrument_id]
    windows = dislocations(path, instrument_id)
    inside = [d for d in script.decisions if any(a <= d[0] < b for a, b in windows)]
    buys = [d for d in inside if d[1] is Side.BUY]
    assert buys and all(d[2].reason_code == "REGIME" and d[3] == "dislocated" for d in buys)
    assert all(d[2].approved for d in inside if d[1] is Side.SELL)
    orderly = [d for d in script.decisions if d[3] == "orderly"]
    assert len([d for d in orderly if d[1] is Side.BUY]) >= 20 and all(d[2].approved for d in orderly)
    refused = regime_refusals(script)
    assert {d[3] for d in refused} == {"warming_up", "dislocated"}
    trip = next(a for a, _ in windows if a >= FIRST_LEG[0])
    first = min(d[0] for d in refused if d[0] >= trip)
    assert first - trip <= script.interval_ns + 100 * NS_PER_MS  # its next decision after the trip
    in_episode = [d for d in refused if EPISODE[0] <= d[0] < EPISODE[1] + 5_100 * NS_PER_MS]
    print(f"\n{instrument_id}: {len(refused)} intents refused with REGIME ({len(in_episode)} in the 23:58:21-23:58:39 "
          f"episode); first refusal {(first - trip) / 1e6:.1f} ms after the guard tripped at "
          f"{datetime.fromtimestamp(trip / 1e9, UTC):%H:%M:%S.%f} UTC (receive clock)")
