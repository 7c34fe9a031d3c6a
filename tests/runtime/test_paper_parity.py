"""One script, one recording: the backtest and the paper runtime fed by a replayed feed trade identically."""

from __future__ import annotations

import asyncio

import pytest

from arbkit.adapters.binance.wire import WireDecoder
from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import Side
from arbkit.core.errors import ConfigError
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path
from arbkit.runtime.paper import PaperRuntime
from arbkit.runtime.replay_feed import ReplayFeed, WireMessage
from arbkit.scripts.context import ScriptContext

from testkit import SPOT_BTC, USDM_BTC, build_engine, default_config, registry, sample_timeline

TRADED = (kinds.INTENT, kinds.RISK_DECISION, kinds.ORDER, kinds.FILL)


class ImbalanceScript:
    """Every ``every``-th update of a leg: lean with the top-5 imbalance, alternately taking and joining the book.

    Takes (a limit at the far touch) or joins (a limit at the near touch, cancelled ``hold_ns`` later), one lot at
    a time, within ``max_lots`` either way: intents, resting orders, cancels and fills of both kinds.
    """

    def __init__(self, every: int = 100, max_lots: int = 3, hold_ns: int = 2_000_000_000) -> None:
        self.script_id = "imbalance"
        self.instrument_ids = (SPOT_BTC, USDM_BTC)
        self.every, self.max_lots, self.hold_ns = every, max_lots, hold_ns
        self.updates = 0
        self.canceled: set[str] = set()

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        self.updates += 1
        for order in ctx.open_orders(instrument_id):
            if ctx.now_ns() - order.ts_sent > self.hold_ns and order.client_order_id not in self.canceled:
                self.canceled.add(order.client_order_id)
                ctx.cancel(order.client_order_id)
        if self.updates % self.every:
            return
        book = ctx.book(instrument_id)
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None or ctx.open_orders(instrument_id):
            return
        lean = book.imbalance(5)
        side = Side.BUY if lean > 0 else Side.SELL
        position = ctx.position_lots(instrument_id)
        if side * position >= self.max_lots:
            side = Side(-side)
        take = (self.updates // self.every) % 2 == 0
        price = (ask[0] if side == Side.BUY else bid[0]) if take else (bid[0] if side == Side.BUY else ask[0])
        ctx.submit(instrument_id, side, 1, price_ticks=price)


def _traded(journal: Journal) -> list[tuple[str, int, dict]]:
    return [(e.kind, e.ts_ns, e.payload) for e in journal.entries(limit=None) if e.kind in TRADED]


def _paper_run(feed: ReplayFeed, journal: Journal):  # type: ignore[no-untyped-def]
    engine = build_engine(default_config(), journal, [lambda: (ImbalanceScript(), "v1")])
    decoders = [WireDecoder(registry().get(SPOT_BTC), source="spot"), WireDecoder(registry().get(USDM_BTC), source="usdm")]
    runtime = PaperRuntime(engine, decoders)
    return runtime, asyncio.run(runtime.run(feed))


def test_backtest_and_replayed_paper_feed_give_identical_intents_orders_and_fills() -> None:
    with Journal(":memory:") as backtest_journal, Journal(":memory:") as paper_journal:
        backtest = build_engine(default_config(), backtest_journal, [lambda: (ImbalanceScript(), "v1")])
        backtest_run = backtest.run(sample_timeline())
        feed = ReplayFeed([[sample_path(SAMPLE_SPOT_BTC)], [sample_path(SAMPLE_USDM_BTC)]])
        runtime, paper_run = _paper_run(feed, paper_journal)
        expected, got = _traded(backtest_journal), _traded(paper_journal)

    counts = {kind: sum(1 for k, _, _ in expected if k == kind) for kind in TRADED}
    assert counts[kinds.INTENT] > 50 and counts[kinds.FILL] > 20, counts
    events = {p["event"] for k, _, p in expected if k == kinds.ORDER}
    assert {"created", "accepted", "canceled", "fill"} <= events, f"orders rest, fill and are cancelled: {events}"
    assert got == expected
    assert runtime.wire_messages == feed.delivered == sum(d.counts.messages for d in runtime.decoders) > 0
    assert (paper_run.messages, paper_run.book_updates, paper_run.trades, paper_run.equity) == (
        backtest_run.messages, backtest_run.book_updates, backtest_run.trades, backtest_run.equity)


def test_paced_feed_keeps_recorded_order() -> None:
    feed = ReplayFeed([[sample_path(SAMPLE_SPOT_BTC)], [sample_path(SAMPLE_USDM_BTC)]], speed=50.0, limit=400)

    async def collect() -> list[WireMessage]:
        return [m async for m in feed]

    paced = asyncio.run(collect())
    assert paced == list(ReplayFeed(feed.groups, limit=400).arrivals())
    assert {m.stream for m in paced} == {0, 1}


def test_bad_feed_arguments_are_refused() -> None:
    with pytest.raises(ConfigError, match="speed -1"):
        ReplayFeed([[sample_path(SAMPLE_SPOT_BTC)]], speed=-1)
    with pytest.raises(ConfigError, match="at least one file per stream"):
        ReplayFeed([[]])
    with Journal(":memory:") as journal:
        engine = build_engine(default_config(), journal)
        with pytest.raises(ConfigError, match="ETHUSDT.BINANCE_USDM"):
            PaperRuntime(engine, [WireDecoder(registry().get("ETHUSDT.BINANCE_USDM"))])
