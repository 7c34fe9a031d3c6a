"""The backtest engine drives the composed venue unchanged: it passes each applied book update to the venue,
and venue events reach the order path exactly one response latency after they happen."""

from __future__ import annotations

from typing import Any

import msgspec
from testkit import SPOT_BTC, build_engine, default_config, sample_timeline

from arbkit.audit.journal import Journal
from arbkit.core.enums import Side
from arbkit.core.messages import BookUpdate
from arbkit.scripts.context import ScriptContext
from arbkit.sim.events import OrderFilled, VenueEvent

RESPONSE_NS = 3_000_000


class JoinTheBid:
    """Asks to rest a 0.01 BTC spot buy at the best bid every 500 book updates (ten times)."""

    script_id = "join-bid"
    instrument_ids = (SPOT_BTC,)

    def __init__(self) -> None:
        self.calls = 0

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        self.calls += 1
        best = ctx.book(SPOT_BTC).best_bid()
        if self.calls % 500 == 0 and self.calls <= 5_000 and best is not None:
            ctx.submit(SPOT_BTC, Side.BUY, ctx.instrument(SPOT_BTC).size_to_lots("0.01"), price_ticks=best[0])


def _happened_ns(event: VenueEvent) -> int:
    return event.fill.ts_event if isinstance(event, OrderFilled) else event.ts_ns


def test_engine_passes_book_updates_and_delivers_events_after_the_response_latency() -> None:
    config = default_config()
    sim = msgspec.structs.replace(config.sim, response_latency_ns=RESPONSE_NS, queue_model="probabilistic")
    config = msgspec.structs.replace(config, sim=sim)
    with Journal(":memory:") as journal:
        engine = build_engine(config, journal, [lambda: (JoinTheBid(), "v1")])
        venue = engine.venue
        delivered: list[tuple[int, VenueEvent]] = []
        updates: list[Any] = []
        real_process, real_trade, real_update = venue.process, venue.on_trade, venue.on_book_update

        def process(now_ns: int) -> list[VenueEvent]:
            events = real_process(now_ns)
            delivered.extend((now_ns, e) for e in events)
            return events

        def on_trade(trade: Any) -> list[VenueEvent]:
            events = real_trade(trade)
            delivered.extend((trade.ts_recv, e) for e in events)
            return events

        def on_book_update(instrument_id: str, update: Any = None) -> None:
            updates.append(update)
            real_update(instrument_id, update)

        venue.process, venue.on_trade, venue.on_book_update = process, on_trade, on_book_update
        engine.run(sample_timeline())

    assert updates and all(isinstance(u, BookUpdate) for u in updates)
    assert len(delivered) >= 4  # an ack and the maker fills of the first order (the gate refuses the later ones)
    for at, event in delivered:
        assert at == _happened_ns(event) + RESPONSE_NS, event
    accepted = {e.client_order_id for _, e in delivered if type(e).__name__ == "OrderAccepted"}
    assert accepted and all(venue.query_order(cid) is not None for cid in accepted)
    assert any(isinstance(e, OrderFilled) and e.fill.liquidity.value == "maker" for _, e in delivered)
