"""The backtest event loop: replayed market data → books → scripts → order path → simulated venue.

The loop is mode-agnostic: it owns no component, it is handed them by the composition root
(:mod:`arbkit.system.kernel`). Only the clock (simulated), the feed (a replay) and the venue
(simulated) make it a backtest.

Order of work for each replayed message at replay time ``t``:

1. order requests in flight that arrive at the venue by ``t`` are handled, each at its own arrival
   time (the clock moves there), against the book as it stood then (before ``t``'s message);
2. the clock moves to ``t`` and the post-trade controls hear of it (loss breakers mark PnL, positions are
   reconciled, each on its own interval: :meth:`OrderPath.on_time`);
3. the message is applied (book update, trade, BBO, or a gap that marks the book unsynced); after a
   book update of a synced book the instrument's regime monitor, if any, sees the new book
   (:class:`~arbkit.system.regime_feed.RegimeFeed`) and a regime change goes to the regime board
   (journaled) -- before any script runs, so the gate already applies it to their intents; the
   feature engines of scripts that declared a feature set see the message too
   (:class:`~arbkit.system.feature_hub.FeatureHub`); the return sampler of the VaR and correlation
   rules, if configured, sees the new mid;
4. scripts subscribed to an updated book are called; their intents pass the risk gate and, if
   approved, leave for the venue with the configured latency. A script that raises is stopped: the
   failure is recorded (:class:`ScriptFailure`, journaled as kind ``script_failure`` with an alert
   ``SCRIPT_FAILED``), the kill switch is engaged for ``script:<id>`` so its open orders are cancelled
   and nothing more of it trades, and the other scripts go on;
5. equity is sampled every ``equity_interval_ns``.

The same loop serves every mode: :meth:`BacktestEngine.run` drives it over a replayed timeline, and a
runtime that receives messages one at a time (the paper runtime, :mod:`arbkit.runtime.paper`) drives it
with :meth:`BacktestEngine.begin`, :meth:`BacktestEngine.step` and :meth:`BacktestEngine.finish`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Protocol

import msgspec

from arbkit.adapters.binance.reader import RecordedMessage
from arbkit.audit import kinds
from arbkit.audit.alerts import Alert
from arbkit.audit.journal import Journal
from arbkit.book.order_book import OrderBook
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import BestBidOffer, BookGap, BookUpdate, Trade
from arbkit.core.time import SimulatedClock
from arbkit.portfolio.portfolio import Portfolio
from arbkit.risk.var import MarkSampler
from arbkit.scripts.base import Script
from arbkit.scripts.context import BookView, ScriptContext
from arbkit.sim.venue import SimulatedVenue
from arbkit.system.feature_hub import FeatureHub
from arbkit.system.order_path import OrderPath
from arbkit.system.regime_feed import RegimeFeed
from arbkit.system.views import BookMarketView


class Lane(Protocol):
    """A second order path over the same books and clock (a shadow deployment's hypothetical venue).

    The engine delivers its venue's due order requests like the main venue's, and tells its venue of every
    book update and trade; the lane applies the venue's events to its own OMS and portfolio.
    """

    venue: SimulatedVenue

    def on_venue_events(self, events: list) -> None:  # type: ignore[type-arg]
        """Apply the lane venue's events."""
        ...


class EquityPoint(msgspec.Struct, frozen=True):
    """Portfolio state at one sample: equity and gross exposure in USD (USDT counted as USD).

    ``marks`` holds each two-sided book's mid price at the sample (quote currency per unit of base,
    float; for plotting fills on price), keyed by instrument id.
    """

    ts_ns: int
    equity_usd: Decimal
    gross_exposure_usd: Decimal
    marks: dict[str, float] = msgspec.field(default_factory=dict)


class ScriptFailure(msgspec.Struct, frozen=True, kw_only=True):
    """A script raised while deciding: it was stopped at ``ts_ns`` (engine clock, int ns) and its orders cancelled."""

    ts_ns: int
    script_id: str
    instrument_id: str
    """The instrument whose book update the script was handling."""
    error_type: str
    message: str
    traceback: str


class EngineRun(msgspec.Struct, kw_only=True):
    """What one run of the loop saw and produced."""

    messages: int = 0
    book_updates: int = 0
    trades: int = 0
    bbo: int = 0
    gaps: list[BookGap] = msgspec.field(default_factory=list)
    equity: list[EquityPoint] = msgspec.field(default_factory=list)
    first_ts_ns: int = 0
    last_ts_ns: int = 0
    script_failures: list[ScriptFailure] = msgspec.field(default_factory=list)


class BacktestEngine:
    """Drives scripts over a replay. Built by :func:`arbkit.system.kernel.build_backtest_engine`."""

    def __init__(self, *, clock: SimulatedClock, instruments: InstrumentRegistry, books: dict[str, OrderBook],
                 book_views: dict[str, BookView], market: BookMarketView, venue: SimulatedVenue, path: OrderPath,
                 portfolio: Portfolio, journal: Journal, scripts: list[tuple[Script, ScriptContext]],
                 equity_interval_ns: int, regimes: RegimeFeed | None = None,
                 features: FeatureHub | None = None, risk_marks: MarkSampler | None = None) -> None:
        self.clock = clock
        self.instruments = instruments
        self.books = books
        self.book_views = book_views
        self.market = market
        self.venue = venue
        self.path = path
        self.portfolio = portfolio
        self.journal = journal
        self.scripts = scripts
        self.equity_interval_ns = equity_interval_ns
        self.regimes = regimes
        self.features = features if features else None
        self.risk_marks = risk_marks
        self._subscribers: dict[str, list[tuple[Script, ScriptContext]]] = {}
        self.lanes: list[Lane] = []
        self._pending_rank: Callable[[Script], int] | None = None
        self._handlers: dict[type, Callable[[RecordedMessage, int], None]] = {
            BookUpdate: self._on_book_message, Trade: self._on_trade, BestBidOffer: self._on_bbo,
            BookGap: self._on_gap_message}
        for script, ctx in scripts:
            self._subscribe(script, ctx)

    def _subscribe(self, script: Script, ctx: ScriptContext) -> None:
        for instrument_id in script.instrument_ids:
            self._subscribers.setdefault(instrument_id, []).append((script, ctx))

    def add_script(self, script: Script, ctx: ScriptContext) -> None:
        """Start calling ``script`` (with its context) from the next book update of its instruments.

        For scripts that join a running engine (a version deployed mid-run); its books must be kept here.
        """
        missing = [i for i in script.instrument_ids if i not in self.books]
        if missing:
            raise KeyError(f"script {script.script_id!r} needs books {missing} that this engine does not keep")
        self.scripts.append((script, ctx))
        self._subscribe(script, ctx)

    def order_scripts(self, rank: Callable[[Script], int]) -> None:
        """Call the scripts of each book update in ascending ``rank`` from now on (stable: ties keep their order).

        The lifecycle ranks versions that send orders before shadow ones, so a shadow version's work never
        delays a live intent on the same update. Applied before the next message, never during the update being
        handled (a script may ask while the engine is calling the scripts of that update).
        """
        self._pending_rank = rank

    def _apply_rank(self) -> None:
        rank = self._pending_rank
        self._pending_rank = None
        if rank is not None:
            for subscribers in self._subscribers.values():
                subscribers.sort(key=lambda pair: rank(pair[0]))

    def add_lane(self, lane: Lane) -> None:
        """Drive ``lane``'s venue from the next message on (see :class:`Lane`)."""
        self.lanes.append(lane)

    def run(self, timeline: Iterable[tuple[int, RecordedMessage]],
            on_progress: Callable[[int], None] | None = None) -> EngineRun:
        """Replay ``timeline`` ((replay ts ns, message) pairs, ts non-decreasing) through the engine."""
        run = self.begin()
        step = self.step
        for ts, message in timeline:
            step(ts, message)
            if on_progress is not None and run.messages % 4096 == 0:
                on_progress(4096)
        if on_progress is not None:
            on_progress(run.messages % 4096)
        return self.finish()

    def begin(self) -> EngineRun:
        """Start a run; messages then go in one at a time through :meth:`step`, and :meth:`finish` ends it."""
        self._run = EngineRun()
        self._next_sample: int | None = None
        return self._run

    def step(self, ts: int, message: RecordedMessage) -> None:
        """Handle one message that became usable at ``ts`` (int ns, never less than the previous ``ts``).

        The hot path of every replay: one type lookup picks the handler (no isinstance chain), and nothing
        is allocated for a message that no component needs (a BBO, most trades).
        """
        run, path, venue, clock = self._run, self.path, self.venue, self.clock
        if self._pending_rank is not None:
            self._apply_rank()
        arrival = venue.next_arrival_ns()
        while arrival is not None and arrival <= ts:  # orders meet the book as it is at their arrival
            if self.lanes and self._lane_arrivals_before(arrival):
                arrival = venue.next_arrival_ns()
                continue
            clock.advance_to(max(arrival, clock.now_ns()))
            path.on_venue_events(venue.process(clock.now_ns()))
            arrival = venue.next_arrival_ns()
        if self.lanes:
            self._lane_arrivals_before(ts + 1)
        clock.advance_to(ts)
        path.on_time(ts)
        next_sample = self._next_sample
        if next_sample is None:
            run.first_ts_ns = ts
            self._next_sample = next_sample = ts
        run.messages += 1
        kind = type(message)
        if kind is BestBidOffer:  # most messages of a recording: only counted, so no call at all
            run.bbo += 1
        else:
            handler = self._handlers.get(kind)
            if handler is not None:
                handler(message, ts)
            else:  # a subclass of a message type: resolved once, then dispatched like the others
                self._dispatch_subclass(message, ts)
        if ts >= next_sample:
            run.equity.append(self.sample_equity(ts))
            self._next_sample = ts + self.equity_interval_ns

    def _lane_arrivals_before(self, limit_ns: int) -> bool:
        """Deliver the lanes' order requests that arrive before ``limit_ns``, in time order; True if any did."""
        delivered = False
        clock = self.clock
        while True:
            first: Lane | None = None
            first_ns = limit_ns
            for lane in self.lanes:
                arrival = lane.venue.next_arrival_ns()
                if arrival is not None and arrival < first_ns:
                    first, first_ns = lane, arrival
            if first is None:
                return delivered
            clock.advance_to(max(first_ns, clock.now_ns()))
            first.on_venue_events(first.venue.process(clock.now_ns()))
            delivered = True

    def _dispatch_subclass(self, message: RecordedMessage, ts: int) -> None:
        for kind in (BookUpdate, Trade, BestBidOffer, BookGap):
            if isinstance(message, kind):
                self._handlers[type(message)] = self._handlers[kind]
                self._handlers[kind](message, ts)
                return

    def _on_book_message(self, message: BookUpdate, ts: int) -> None:
        self._run.book_updates += 1
        self._on_book_update(message, ts)

    def _on_trade(self, message: Trade, ts: int) -> None:
        self._run.trades += 1
        if message.instrument_id in self.books:
            events = self.venue.on_trade(message)
            if events:
                self.path.on_venue_events(events)
            for lane in self.lanes:
                events = lane.venue.on_trade(message)
                if events:
                    lane.on_venue_events(events)
        if self.features is not None:
            self.features.on_trade(message)

    def _on_bbo(self, message: BestBidOffer, ts: int) -> None:
        self._run.bbo += 1

    def _on_gap_message(self, message: BookGap, ts: int) -> None:
        self._on_gap(message, ts)
        self._run.gaps.append(message)

    def finish(self) -> EngineRun:
        """Deliver what is still in flight at the last message's time, take the last sample, flush the journal."""
        run = self._run
        run.last_ts_ns = self.clock.now_ns()
        self.path.on_venue_events(self.venue.process(run.last_ts_ns))
        for lane in self.lanes:
            lane.on_venue_events(lane.venue.process(run.last_ts_ns))
        run.equity.append(self.sample_equity(run.last_ts_ns))
        self.journal.flush()
        return run

    def _on_book_update(self, message: BookUpdate, ts: int) -> None:
        instrument_id = message.instrument_id
        book = self.books.get(instrument_id)
        if book is None:
            return
        if message.is_snapshot:
            book.apply_snapshot(message.bids, message.asks)
            self.market.mark_synced(instrument_id)
            self.book_views[instrument_id].synced = True
        else:
            book.apply(message.bids, message.asks)
        self.market.mark_updated(instrument_id, ts)
        self.venue.on_book_update(instrument_id, message)
        for lane in self.lanes:
            lane.venue.on_book_update(instrument_id, message)
        view = self.book_views[instrument_id]
        if self.risk_marks is not None and view.synced:
            mid = book.mid_ticks()
            if mid is not None:
                self.risk_marks.on_mark(instrument_id, mid, ts)
        if self.regimes is not None and view.synced:
            self.regimes.on_book(instrument_id, ts, view)
        if self.features is not None:
            self.features.on_book(message)
        for script, ctx in self._subscribers.get(instrument_id, ()):
            try:
                script.on_book(ctx, instrument_id)
            except Exception as exc:  # a user script's bug stops that script, never the engine
                self._stop_failed_script(script, instrument_id, exc)

    def _stop_failed_script(self, script: Script, instrument_id: str, exc: Exception) -> None:
        """Record the failure, journal it with an alert, stop calling the script and cancel its orders."""
        ts = self.clock.now_ns()
        failure = ScriptFailure(ts_ns=ts, script_id=script.script_id, instrument_id=instrument_id,
                                error_type=type(exc).__name__, message=str(exc),
                                traceback="".join(traceback.format_exception(exc)))
        self._run.script_failures.append(failure)
        self.journal.append(kinds.SCRIPT_FAILURE, ts, failure, actor="engine")
        for subscribers in self._subscribers.values():
            subscribers[:] = [(s, c) for s, c in subscribers if s is not script]
        self.path.kill("engine", f"script raised {failure.error_type}: {failure.message}",
                       scope=f"script:{script.script_id}")
        self.path.gate.alerts.raise_alert(Alert(
            code="SCRIPT_FAILED", scope=f"script:{script.script_id}", ts_ns=ts,
            detail=f"script {script.script_id!r} raised {failure.error_type} on a book update of {instrument_id}: "
                   f"{failure.message}; it was stopped and its open orders cancelled",
            values={"error_type": failure.error_type, "message": failure.message},
            action=f"script:{script.script_id} stopped, kill switch engaged"), actor="engine")

    def _on_gap(self, gap: BookGap, ts: int) -> None:
        self.journal.append(kinds.BOOK_GAP, ts, gap)
        self.market.mark_unsynced(gap.instrument_id)
        view = self.book_views.get(gap.instrument_id)
        if view is not None:
            view.synced = False
        if self.features is not None:
            self.features.on_gap(gap)

    def marks(self) -> dict[str, int]:
        """Mark price per instrument: the book mid rounded to a tick (instruments with a two-sided book)."""
        return {instrument_id: int(round(mid)) for instrument_id, mid in self._mids_ticks().items()}

    def _mids_ticks(self) -> dict[str, float]:
        """Book mid per instrument with a two-sided book, in ticks."""
        mids = {}
        for instrument_id, book in self.books.items():
            mid = book.mid_ticks()
            if mid is not None:
                mids[instrument_id] = mid
        return mids

    def sample_equity(self, ts: int) -> EquityPoint:
        """Equity (realized + unrealized − fees) and gross exposure, USD, at the current marks."""
        mids = self._mids_ticks()
        marks = {instrument_id: int(round(mid)) for instrument_id, mid in mids.items()}
        held = [i for i in self.portfolio.instrument_ids() if i in marks]
        equity = self.portfolio.equity({i: marks[i] for i in held}) if held else Decimal(0)
        gross = Decimal(0)
        for instrument_id in held:
            lots = self.portfolio.position_lots(instrument_id)
            if lots:
                instrument = self.instruments.get(instrument_id)
                gross += abs(instrument.notional_quote(marks[instrument_id], lots))
        prices = {instrument_id: float(self.instruments.get(instrument_id).tick_size) * mid
                  for instrument_id, mid in mids.items()}
        return EquityPoint(ts, equity, gross, prices)
