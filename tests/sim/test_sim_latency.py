"""Latency models (constant, empirical from the shipped sample, activity) and the response direction."""

from __future__ import annotations

import re

import numpy as np
import pytest

from arbkit.adapters.binance.reader import BinanceRecording
from arbkit.book.order_book import OrderBook
from arbkit.core.enums import Side
from arbkit.core.errors import ConfigError
from arbkit.core.time import SimulatedClock
from arbkit.data.sample import SAMPLE_USDM_BTC, sample_path
from arbkit.sim import (
    ActivityLatency,
    ConstantLatency,
    EmpiricalLatency,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    SimulatedVenue,
    SimVenueConfig,
    recorded_latencies_ns,
    recording_latencies_ns,
)
from arbkit.sim.latency_samples import raw_differences_ns
from simkit import order, trade, venue_with_book
from testkit import USDM_BTC, registry, sample_timeline

BIDS = [(599990, 1000)]
ASKS = [(600000, 1000), (600010, 2000)]


def _usdm_messages(limit: int = 5_000) -> list[object]:
    messages = []
    for message in BinanceRecording(sample_path(SAMPLE_USDM_BTC), registry()):
        messages.append(message)
        if len(messages) == limit:
            break
    return messages


def test_empirical_latency_is_built_from_the_real_recorded_differences_of_the_sample() -> None:
    messages = _usdm_messages()
    raw = np.array([m.ts_recv - m.ts_event for m in messages  # type: ignore[attr-defined]
                    if hasattr(m, "ts_event")])
    assert (raw < 0).all()  # the recorder's clock runs ~1.27 s behind Binance's: the offset must go
    samples = recorded_latencies_ns(messages)
    assert samples.min() == 0 and (samples == raw - raw.min()).all()
    assert 0 < np.median(samples) < 100_000_000  # ms-scale jitter, not the 1.27 s offset
    model = EmpiricalLatency(samples, seed=11)
    drawn = [model.latency_ns(0) for _ in range(200)]
    assert set(drawn) <= set(samples.tolist()) and len(set(drawn)) > 10


def test_empirical_latency_is_reproducible_with_a_seed() -> None:
    samples = recorded_latencies_ns(_usdm_messages(2_000))
    a, b, c = EmpiricalLatency(samples, seed=3), EmpiricalLatency(samples, seed=3), EmpiricalLatency(samples, seed=4)
    seq_a = [a.latency_ns(t) for t in range(100)]
    assert seq_a == [b.latency_ns(t) for t in range(100)]
    assert seq_a != [c.latency_ns(t) for t in range(100)]
    assert all(isinstance(v, int) for v in seq_a)


def test_samples_also_come_from_a_replay_of_both_sample_files() -> None:
    timeline = sample_timeline()  # (replay ts, message) pairs of the spot and USDⓈ-M files
    samples = recorded_latencies_ns(timeline)
    assert samples.min() == 0 and samples.size > 100_000  # spot bookTickers carry no exchange time: skipped
    assert samples.size < len(timeline)


def test_recording_helper_reads_a_whole_file_and_takes_a_known_clock_offset() -> None:
    samples = recording_latencies_ns(sample_path(SAMPLE_USDM_BTC), registry())
    assert samples.size > 90_000 and samples.min() == 0
    raw = raw_differences_ns(_usdm_messages(100))
    shifted = recorded_latencies_ns(_usdm_messages(100), clock_offset_ns=int(raw.min()) - 1_000)
    assert shifted.min() == 1_000
    with pytest.raises(ConfigError, match="clock_offset_ns"):
        recorded_latencies_ns(_usdm_messages(100), clock_offset_ns=0)
    with pytest.raises(ConfigError, match="exchange time"):
        recorded_latencies_ns([])


@pytest.mark.parametrize("bad", [-1, 1.5, "5", True, None])
def test_negative_or_non_int_latencies_are_config_errors_naming_the_value(bad: object) -> None:
    named = re.escape(repr(bad))
    with pytest.raises(ConfigError, match=named):
        ConstantLatency(bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=named):
        EmpiricalLatency([10, bad, 30])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match=named):
        ActivityLatency(base_ns=bad, ns_per_message=1)  # type: ignore[arg-type]


def test_empirical_and_activity_latency_refuse_empty_or_inconsistent_parameters() -> None:
    with pytest.raises(ConfigError, match="at least one sample"):
        EmpiricalLatency([])
    with pytest.raises(ConfigError, match="window_ns 0"):
        ActivityLatency(base_ns=1, ns_per_message=1, window_ns=0)
    with pytest.raises(ConfigError, match="max_ns 5 is below base_ns 10"):
        ActivityLatency(base_ns=10, ns_per_message=1, max_ns=5)


def test_activity_latency_grows_with_the_recent_message_rate_and_forgets_old_messages() -> None:
    model = ActivityLatency(base_ns=100_000, ns_per_message=2_000, window_ns=1_000_000, max_ns=150_000)
    assert model.latency_ns(0) == 100_000
    for ts in range(0, 1_000_000, 100_000):  # 10 messages within 1 ms
        model.observe(ts)
    assert model.latency_ns(999_999) == 120_000
    for ts in range(1_000_000, 1_100_000, 1_000):  # a burst of 100: capped
        model.observe(ts)
    assert model.latency_ns(1_100_000) == 150_000
    assert model.latency_ns(5_000_000) == 100_000  # a quiet millisecond later


def test_the_venue_feeds_market_activity_to_an_activity_latency_model() -> None:
    model = ActivityLatency(base_ns=1_000, ns_per_message=500, window_ns=10_000)
    book = OrderBook(USDM_BTC)
    book.apply_snapshot(bids=BIDS, asks=ASKS)
    clock = SimulatedClock(0)
    venue = SimulatedVenue(registry(), {USDM_BTC: book}, SimVenueConfig(), clock, latency=model)
    for ts in (1, 2, 3):
        venue.on_trade(trade(599000, 1, Side.SELL, ts=ts))
    venue.on_book_update(USDM_BTC)
    clock.advance_to(4)
    venue.submit(order("c1", Side.BUY, 10))
    assert venue.next_arrival_ns() == 4 + 1_000 + 4 * 500


def test_a_model_returning_a_bad_latency_at_run_time_is_a_clear_error() -> None:
    class Broken:
        def latency_ns(self, now_ns: int) -> int:
            return -7

    venue = SimulatedVenue(registry(), {}, SimVenueConfig(), SimulatedClock(0), latency=Broken())
    with pytest.raises(ConfigError, match="returned -7 ns"):
        venue.submit(order("c1", Side.BUY, 10))
    with pytest.raises(ConfigError, match="not a latency model"):
        SimulatedVenue(registry(), {}, SimVenueConfig(), SimulatedClock(0),
                       response_latency=object())  # type: ignore[arg-type]


def test_response_latency_delays_every_event_and_keeps_them_in_order() -> None:
    venue, _, clock = venue_with_book(BIDS, ASKS, latency_ns=100, response_latency_ns=1_000)
    venue.submit(order("m", Side.BUY, 1500))
    venue.submit(order("r", Side.SELL, 10, price_ticks=600100))
    assert venue.next_arrival_ns() == 100
    assert venue.process(100) == []  # handled at the venue, still on the way back
    assert venue.query_order("m") is not None and venue.filled_lots("m") == 1500  # the venue's own record
    assert venue.undelivered_count() == 4 and venue.next_arrival_ns() == 1_100
    assert venue.process(1_099) == []
    events = venue.process(1_100)
    assert [type(e) for e in events] == [OrderAccepted, OrderFilled, OrderFilled, OrderAccepted]
    assert [e.fill.ts_event for e in events if isinstance(e, OrderFilled)] == [100, 100]  # venue time, not delivery

    assert venue.on_trade(trade(600200, 4, Side.BUY, ts=2_000)) == []  # a maker fill at 2000, delivered at 3000
    assert venue.next_arrival_ns() == 3_000
    clock.advance_to(2_500)
    venue.cancel("r")  # arrives 2600, its answer reaches us at 3600
    assert venue.process(2_999) == []
    (maker,) = venue.process(3_000)
    assert isinstance(maker, OrderFilled) and maker.fill.qty_lots == 4 and maker.fill.ts_event == 2_000
    (canceled,) = venue.process(3_600)
    assert isinstance(canceled, OrderCanceled) and canceled.canceled_lots == 6 and canceled.ts_ns == 2_600
    assert venue.next_arrival_ns() is None and venue.undelivered_count() == 0


def test_a_varying_response_latency_never_delivers_an_event_before_an_earlier_one() -> None:
    class Falling:
        def __init__(self) -> None:
            self.values = [5_000, 10, 10, 10]

        def latency_ns(self, now_ns: int) -> int:
            return self.values.pop(0)

    book = OrderBook(USDM_BTC)
    book.apply_snapshot(bids=BIDS, asks=ASKS)
    venue = SimulatedVenue(registry(), {USDM_BTC: book}, SimVenueConfig(order_latency_ns=0), SimulatedClock(0),
                           response_latency=Falling())
    venue.submit(order("a", Side.BUY, 10))
    venue.submit(order("b", Side.BUY, 10))
    assert venue.process(10) == []
    events = venue.process(5_000)
    assert [(type(e).__name__, getattr(e, "client_order_id", "")) for e in events][::2] == [
        ("OrderAccepted", "a"), ("OrderAccepted", "b")]


def test_default_response_latency_is_zero_so_events_come_back_at_once() -> None:
    assert SimVenueConfig().response_latency_ns == 0
    venue, _, _ = venue_with_book(BIDS, ASKS)
    venue.submit(order("m", Side.BUY, 10))
    assert [type(e) for e in venue.process(0)] == [OrderAccepted, OrderFilled]
    assert venue.undelivered_count() == 0
