"""Streaming (one compiled call per event on live books) equals batch (compiled replay of a table), bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arbkit.core.enums import Side
from arbkit.core.messages import BookUpdate, Trade
from arbkit.data.events import EventTable
from arbkit.features.batch_inputs import gaps_in, inputs_from_events
from arbkit.features.engine import FeatureEngine, FeatureMatrix
from arbkit.features.feed import FeatureFeed
from arbkit.features.feature_set import FeatureSet
from arbkit.features.layout import NO_INPUT, READY
from arbkit.features.presets import spot_perp_feature_set
from feature_kit import EVENT, GAP, every_kind_set, messages_from_events
from testkit import BINANCE_0808, SPOT_BTC, USDM_BTC, registry, sample_timeline, shared_file

STREAMS = {SPOT_BTC: 0, USDM_BTC: 1}


def streamed(feature_set: FeatureSet, messages: list[object]) -> tuple[np.ndarray, np.ndarray]:
    """Values and statuses after every feature event, through FeatureFeed (live books, one call per event)."""
    engine = FeatureEngine(feature_set, registry())
    feed = FeatureFeed(engine)
    values, status = [], []
    for message in messages:
        if feed.on_message(message):
            values.append(engine.values.copy())
            status.append(engine.status.copy())
    k = len(feature_set.names)
    return np.array(values).reshape(-1, k), np.array(status, dtype=np.int64).reshape(-1, k)


def batched(feature_set: FeatureSet, messages: list[object]) -> FeatureMatrix:
    """The batch twin: tabulate, replay books in compiled code, run the same kernels over the events."""
    table = EventTable.from_messages(messages, STREAMS)
    inputs = inputs_from_events(table, feature_set, {0: "spot", 1: "perp"}, gaps=gaps_in(messages, STREAMS))
    return FeatureEngine(feature_set, registry()).batch(inputs)


def assert_parity(feature_set: FeatureSet, messages: list[object]) -> FeatureMatrix:
    values, status = streamed(feature_set, messages)
    matrix = batched(feature_set, messages)
    assert values.shape == matrix.values.shape
    np.testing.assert_array_equal(status, matrix.status)
    np.testing.assert_array_equal(values, matrix.values)  # exact: stronger than 1e-12 relative
    return matrix


def test_forty_feature_set_streaming_equals_batch_on_the_shipped_real_sample() -> None:
    feature_set = spot_perp_feature_set(SPOT_BTC, USDM_BTC)
    messages = [message for _, message in sample_timeline()]
    matrix = assert_parity(feature_set, messages)
    ready = matrix.status == READY
    assert len(matrix.values) > 40_000
    assert ready.mean(axis=0).min() > 0.8, "every feature must be ready for most of the sample"
    assert np.isfinite(matrix.values[ready]).all() and np.isnan(matrix.values[~ready]).all()


def test_forty_feature_set_streaming_equals_batch_on_the_shared_eth_recording() -> None:
    from arbkit.data.replay import Replay

    spot = shared_file(BINANCE_0808.name, "binance_spot_ethusdt_20240808.gz")
    perp = shared_file(BINANCE_0808.name, "binance_usdm_ethusdt_20240808.gz")
    messages = list(Replay.from_binance_files([[spot], [perp]], registry()))
    eth = {"ETHUSDT.BINANCE_SPOT": 0, "ETHUSDT.BINANCE_USDM": 1}
    feature_set = spot_perp_feature_set(*eth)
    values, status = streamed(feature_set, messages)
    inputs = inputs_from_events(EventTable.from_messages(messages, eth), feature_set, {0: "spot", 1: "perp"})
    matrix = FeatureEngine(feature_set, registry()).batch(inputs)
    np.testing.assert_array_equal(status, matrix.status)
    np.testing.assert_array_equal(values, matrix.values)
    assert len(values) > 30_000 and (matrix.status[-1] == READY).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EVENT, min_size=1, max_size=300))
def test_every_kind_streaming_equals_batch_on_generated_streams_with_gaps_and_bursts(events: list) -> None:
    messages = messages_from_events(events)
    matrix = assert_parity(every_kind_set(), messages)
    ready = matrix.status == READY
    assert np.isfinite(matrix.values[ready]).all(), "a READY output is always a finite number"
    assert np.isnan(matrix.values[~ready]).all(), "an output that is not READY is never a number"


def test_generated_stream_warms_every_kind_up_and_a_long_gap_resets_them() -> None:
    events = [(n % 2, n % 3 == 0, 250_000, (n * 5) % 11 - 5, 10 + n % 7, Side.BUY if n % 5 else Side.SELL)
              for n in range(400)]
    gap_at = len(events)
    events += [(0, False, 600_000_000, 1, 5, Side.BUY)] + events[:5]
    matrix = assert_parity(every_kind_set(), messages_from_events(events))
    ready_before_gap = (matrix.status[: gap_at] == READY).any(axis=0)
    assert ready_before_gap.all(), [n for n, r in zip(matrix.names, ready_before_gap) if not r]
    after_gap = matrix.status[gap_at + 2]  # the two snapshots come first
    ewvol = matrix.names.index("ewvol")
    assert after_gap[ewvol] != READY, "a gap longer than max_gap_ns resets the EWMA volatility"


def test_sequence_gaps_reach_the_batch_twin_where_the_streaming_engine_saw_them() -> None:
    events = [(n % 2, n % 3 == 0, 250_000, (n * 5) % 11 - 5, 10 + n % 7, Side.BUY) for n in range(200)]
    events[120] = (1, GAP, 250_000, 0, 0, Side.BUY)  # the perp's book goes out of sync
    messages = messages_from_events(events)
    matrix = assert_parity(every_kind_set(), messages)
    gap_row = 2 + 120  # the two snapshots come first
    spread = matrix.names.index("spread.ticks")
    assert matrix.status[gap_row, spread] == NO_INPUT and matrix.status[gap_row - 1, spread] == READY
    assert matrix.status[gap_row + 1, spread] == READY or messages[gap_row + 1].instrument_id == SPOT_BTC


def test_book_update_without_levels_is_not_a_feature_event() -> None:
    messages = messages_from_events([(0, False, 1_000, 1, 5, None)])  # type: ignore[list-item]
    empty = BookUpdate(instrument_id=SPOT_BTC, ts_event=2, ts_recv=2, first_update_id=9, last_update_id=9)
    engine = FeatureEngine(every_kind_set(), registry())
    feed = FeatureFeed(engine)
    used = [feed.on_message(m) for m in [*messages, empty]]
    assert used == [True, True, True, False]
    assert isinstance(messages[-1], (BookUpdate, Trade))
