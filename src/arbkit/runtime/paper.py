"""Paper trading: the engine of the backtest, driven by a feed that arrives message by message.

Paper mode runs exactly the objects a backtest runs -- the script, its features and model, the
router (:class:`~arbkit.system.order_path.OrderPath`), the risk gate, the OMS and the journal, built
by the same composition root (:func:`arbkit.system.kernel.build_backtest_engine`) -- and the
simulated venue, which fills our orders against the live book with the backtest's fill models
(latency, queue position, fees). Only two things differ from a backtest:

- **the feed**: wire messages (the venue's JSON) arrive one at a time from an async source -- a
  websocket, or :class:`~arbkit.runtime.replay_feed.ReplayFeed` playing recordings back -- and are
  decoded here, per stream, by :class:`~arbkit.adapters.binance.wire.WireDecoder` with the diff-chain
  rules, instead of being read in one go by the file reader;
- **the clock**: it is the feed's receive clock -- each message's local receive time, the running
  maximum per stream and over all streams, so it never runs backwards -- rather than a timeline
  prepared in advance. Orders in flight reach the venue when the clock passes their arrival time.

So a replayed feed and a backtest of the same recording produce the same intents, orders and fills:
``tests/runtime/test_paper_parity.py`` shows it on the shipped sample.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Sequence

from arbkit.adapters.binance.wire import WireDecoder
from arbkit.backtest.engine import BacktestEngine, EngineRun
from arbkit.core.errors import ConfigError
from arbkit.runtime.replay_feed import WireMessage


class PaperRuntime:
    """Feeds wire messages through per-stream decoders into ``engine`` (built for paper by the composition root).

    Args:
        engine: the engine (books, scripts, gate, OMS, journal, simulated venue).
        decoders: one per stream, in the feed's stream order.
        on_message: called with the number of wire messages handled so far, every 4,096 (progress).
    """

    def __init__(self, engine: BacktestEngine, decoders: Sequence[WireDecoder],
                 on_message: Callable[[int], None] | None = None) -> None:
        if not decoders:
            raise ConfigError("a paper runtime needs at least one stream decoder")
        unknown = sorted({d.instrument.id for d in decoders} - set(engine.books))
        if unknown:
            raise ConfigError(f"streams {unknown} have no book in the engine (books: {', '.join(engine.books)})")
        self.engine = engine
        self.decoders = list(decoders)
        self.on_message = on_message
        self.wire_messages = 0

    async def run(self, feed: AsyncIterable[WireMessage]) -> EngineRun:
        """Trade until the feed ends; returns the run (as :meth:`BacktestEngine.run` does)."""
        engine, decoders = self.engine, self.decoders
        usable = [0] * len(decoders)
        clock_ns = 0
        engine.begin()
        async for wire in feed:
            if not 0 <= wire.stream < len(decoders):
                raise ConfigError(f"wire message of stream {wire.stream}, but the runtime has {len(decoders)} streams")
            self.wire_messages += 1
            for message in decoders[wire.stream].decode(wire.ts_recv, wire.payload):
                if message.ts_recv > usable[wire.stream]:
                    usable[wire.stream] = message.ts_recv
                clock_ns = max(clock_ns, usable[wire.stream])
                engine.step(clock_ns, message)
            if self.on_message is not None and self.wire_messages % 4096 == 0:
                self.on_message(self.wire_messages)
        return engine.finish()
