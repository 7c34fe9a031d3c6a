"""The synthetic rows are a consistent L2 feed: arbkit's OrderBook built from the DELTA rows never
crosses, never has to prune, and agrees with every BBO row; the message framing and clocks are sound."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic_kit import columns, default_market, replay_delta_messages

from arbkit.data.schema import BBO, DELTA, F_CLEAR, F_LAST, F_SNAPSHOT, TRADE, TickFrame
from arbkit.data.synthetic.synthetic_config import NS_PER_MS, NS_PER_S, SyntheticConfig, SyntheticVenueConfig
from arbkit.data.synthetic.synthetic_market import generate_market


def assert_books_agree_with_bbo(frame: TickFrame) -> None:
    replayed = replay_delta_messages(frame)
    assert replayed["crossed"] == 0
    assert replayed["pruned"] == 0
    c = columns(frame.table)
    bid = np.flatnonzero((c["kind"] == BBO) & (c["side"] > 0))
    ask = bid + 1
    message = np.searchsorted(replayed["update_id"], c["update_id"][bid])
    assert np.array_equal(replayed["update_id"][message], c["update_id"][bid]), "a BBO names no DELTA message"
    for column, rows in (("bid_px", bid), ("ask_px", ask)):
        assert np.array_equal(replayed[column][message], c["price"][rows]), f"{frame.source}: {column} differs"
    for column, rows in (("bid_sz", bid), ("ask_sz", ask)):
        assert np.array_equal(replayed[column][message], c["size"][rows]), f"{frame.source}: {column} differs"
    assert np.all(c["price"][bid] < c["price"][ask])


def assert_framing_and_clocks(frame: TickFrame, venue: SyntheticVenueConfig) -> None:
    c = columns(frame.table)
    kind, flags = c["kind"], c["flags"]
    snapshot = np.flatnonzero(flags & F_SNAPSHOT)
    assert np.array_equal(snapshot, np.arange(2 * venue.book_depth_levels)), "one snapshot, first"
    assert flags[0] & F_CLEAR and np.count_nonzero(flags & F_CLEAR) == 1
    last = (flags & F_LAST) > 0
    assert last[-1]
    assert np.all(last[kind == TRADE])
    # rows of one message share kind, update_id and both clocks; the next row starts a new message
    same = ~last[:-1]
    for name in ("kind", "update_id", "ts_event", "ts_recv"):
        assert np.array_equal(c[name][:-1][same], c[name][1:][same]), f"{name} changes inside a message"
    for wanted in (DELTA, TRADE):
        ids = c["update_id"][(kind == wanted) & last]
        assert np.array_equal(ids, np.arange(1, len(ids) + 1)), f"kind {wanted}: ids are not 1, 2, 3, ..."
    assert np.all(np.diff(c["ts_event"]) >= 0) and np.all(np.diff(c["ts_recv"]) >= 0)
    delay = c["ts_recv"] - c["ts_event"]
    assert delay.min() >= venue.recv_latency_ns
    assert delay.max() <= venue.recv_latency_ns + venue.recv_jitter_ns
    assert np.all(c["price"] > 0) and np.all(c["size"][kind != DELTA] > 0) and np.all(c["size"] >= 0)


@pytest.mark.parametrize("role", ["leader", "follower", "perp"])
def test_order_book_from_delta_rows_is_never_crossed_and_matches_every_bbo(role: str) -> None:
    market = default_market(11)
    venue = dict(market.truth.config.venues())[role]
    assert_books_agree_with_bbo(market.frames[venue.venue])


@pytest.mark.parametrize("role", ["leader", "follower", "perp"])
def test_messages_are_framed_with_flags_and_clocks_respect_the_receive_latency(role: str) -> None:
    market = default_market(11)
    venue = dict(market.truth.config.venues())[role]
    assert_framing_and_clocks(market.frames[venue.venue], venue)


def _small_config(depth: int, max_spread: int, trade_probability: float, jitter_ns: int) -> SyntheticConfig:
    venues = {role: SyntheticVenueConfig(venue=f"SYN_{role.upper()}", book_depth_levels=depth,
                                         max_spread_ticks=max_spread, spread_change_probability=0.2,
                                         trade_probability=trade_probability, recv_jitter_ns=jitter_ns,
                                         min_level_size_lots=1, max_level_size_lots=4)
              for role in ("leader", "follower", "perp")}
    return SyntheticConfig.for_duration(2 * NS_PER_S, vol_bps_per_sqrt_s=20.0, flash_crash_fall_ns=50 * NS_PER_MS,
                                        flash_crash_recovery_ns=200 * NS_PER_MS, lead_lag_ns=10 * NS_PER_MS,
                                        **venues)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), depth=st.integers(1, 8), max_spread=st.integers(1, 4),
       trade_probability=st.floats(0.0, 1.0), jitter_ns=st.integers(0, 5 * NS_PER_MS))
def test_books_never_cross_and_match_bbo_for_any_seed_and_book_shape(seed: int, depth: int, max_spread: int,
                                                                     trade_probability: float, jitter_ns: int) -> None:
    config = _small_config(depth, max_spread, trade_probability, jitter_ns)
    market = generate_market(config, seed)
    for _, venue in config.venues():
        frame = market.frames[venue.venue]
        assert_books_agree_with_bbo(frame)
        assert_framing_and_clocks(frame, venue)
