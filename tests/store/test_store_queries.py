"""Queries and replay from a store holding the shipped sample, checked against the EventTables directly."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from arbkit.book.replay_kernel import replay_book
from arbkit.data.events import BBO
from arbkit.data.store import StoreQueryError
from testkit import SPOT_BTC, USDM_BTC


def test_time_range_query_returns_exactly_the_rows_in_range(sample_store, sample_events) -> None:
    store, _ = sample_store
    events = sample_events[USDM_BTC]
    start, end = int(events["ts_recv"][0]) + 60 * 10**9, int(events["ts_recv"][0]) + 120 * 10**9
    rows = store.ticks(instrument_id=USDM_BTC, start_ns=start, end_ns=end)
    mask = (events["ts_recv"] >= start) & (events["ts_recv"] < end)
    assert rows.num_rows == int(mask.sum()) > 10_000
    for column in ("ts_recv", "ts_event", "side", "price", "size", "update_id"):
        np.testing.assert_array_equal(rows.column(column).to_numpy(), events[column][mask])
    assert set(rows.column("instrument_id").to_pylist()) == {USDM_BTC}


def test_venue_filter_and_decimal_price_view(sample_store) -> None:
    store, _ = sample_store
    assert set(store.ticks(venue="BINANCE_SPOT").column("instrument_id").unique().to_pylist()) == {SPOT_BTC}
    row = store.query(f"SELECT price, px FROM ticks WHERE instrument_id = '{SPOT_BTC}' AND kind = {BBO} LIMIT 1").to_pylist()[0]
    assert Decimal(row["px"]) == Decimal(row["price"]) * Decimal("0.01")


def _mids(events, tick: float) -> tuple[np.ndarray, np.ndarray]:
    """(t, mid) per ts_recv of the BBO messages (bid row then ask row), the last update id kept per t."""
    bbo = events["kind"] == BBO
    t, side, price, uid = events["ts_recv"][bbo], events["side"][bbo], events["price"][bbo], events["update_id"][bbo]
    bid, ask = price[side == 1], price[side == -1]
    t, uid = t[side == 1], uid[side == 1]
    order = np.lexsort((uid, t))
    t, mid = t[order], (bid[order] + ask[order]) / 2 * tick
    last = np.r_[t[1:] != t[:-1], True]
    return t[last], mid[last]


def test_asof_basis_is_plausible_and_matches_numpy(sample_store, sample_events) -> None:
    store, _ = sample_store
    basis = store.asof_join(SPOT_BTC, USDM_BTC)
    spot_t, spot_mid = _mids(sample_events[SPOT_BTC], 0.01)
    perp_t, perp_mid = _mids(sample_events[USDM_BTC], 0.1)
    j = np.searchsorted(perp_t, spot_t, side="right") - 1
    keep = j >= 0
    expected = (perp_mid[j[keep]] - spot_mid[keep]) / spot_mid[keep] * 1e4
    assert basis.num_rows == int(keep.sum()) > 1_000
    np.testing.assert_array_equal(basis.column("t").to_numpy(), spot_t[keep])
    np.testing.assert_allclose(basis.column("basis_bps").to_numpy(), expected, rtol=0, atol=1e-9)
    assert -10.0 <= float(np.median(expected)) <= 2.0


def test_replay_from_store_gives_the_same_best_prices_as_the_event_tables(sample_store, sample_events) -> None:
    store, _ = sample_store
    merged = store.replay([SPOT_BTC, USDM_BTC])
    assert len(merged) == len(sample_events[SPOT_BTC]) + len(sample_events[USDM_BTC])
    key = merged["ts_recv"].copy()
    for stream in (0, 1):
        mine = merged["stream"] == stream
        key[mine] = np.maximum.accumulate(merged["ts_recv"][mine])
    assert np.all(np.diff(key) >= 0)
    for stream, instrument_id in enumerate((SPOT_BTC, USDM_BTC)):
        applied, bid, ask, _ = replay_book(merged, stream=stream)
        direct_applied, direct_bid, direct_ask, _ = replay_book(sample_events[instrument_id], stream=0)
        assert applied == direct_applied > 0
        np.testing.assert_array_equal(bid, direct_bid)
        np.testing.assert_array_equal(ask, direct_ask)


def test_replay_by_exchange_clock_is_ordered_by_running_max_of_ts_event(sample_store) -> None:
    store, _ = sample_store
    merged = store.replay([USDM_BTC, SPOT_BTC], clock="ts_event")
    assert int(merged["stream"][np.argmax(merged["kind"] > 0)]) in (0, 1)
    key = merged["ts_event"].copy()
    for stream in (0, 1):
        mine = merged["stream"] == stream
        key[mine] = np.maximum.accumulate(merged["ts_event"][mine])
    assert np.all(np.diff(key) >= 0)


def test_unknown_instrument_or_clock_is_a_clear_error(sample_store) -> None:
    store, _ = sample_store
    with pytest.raises(StoreQueryError, match="no ticks in the store for"):
        store.replay(["NOPE.X"])
    with pytest.raises(StoreQueryError, match="clock 'wall'"):
        store.ticks(clock="wall")
