"""Bad input gives a documented status (never a NaN passed off as a value), a count, and no state change."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.book.order_book import OrderBook
from arbkit.core.errors import ConfigError
from arbkit.features.engine import FeatureEngine
from arbkit.features.layout import (ASK_DEPTH_LOTS, ASK_FAR_TICKS, ASK_LOTS, ASK_TICKS, BID_DEPTH_LOTS, BID_FAR_TICKS,
                                    BID_LOTS, BID_TICKS, EV_BOOK, EV_TRADE, IMB_N, INVALID_INPUT, N_FIELDS, NO_INPUT,
                                    READY, TRADE_LOTS, TRADE_SIDE, TRADE_TICKS, WARMING_UP, FeatureStatus)
from feature_kit import MS, every_kind_set
from testkit import registry

T0 = 1_700_000_000_000_000_000


def book_row(bid: float = 5_000_000, ask: float = 5_000_001, bid_lots: float = 100,
             ask_lots: float = 300) -> np.ndarray:
    row = np.full(N_FIELDS, np.nan)
    row[[BID_TICKS, ASK_TICKS, BID_LOTS, ASK_LOTS]] = bid, ask, bid_lots, ask_lots
    row[IMB_N] = (bid_lots - ask_lots) / (bid_lots + ask_lots)
    row[[BID_DEPTH_LOTS, ASK_DEPTH_LOTS, BID_FAR_TICKS, ASK_FAR_TICKS]] = 500, 700, bid - 2, ask + 2
    return row


def trade_row(price: float = 5_000_000, lots: float = 3, side: float = 1) -> np.ndarray:
    row = np.full(N_FIELDS, np.nan)
    row[[TRADE_TICKS, TRADE_LOTS, TRADE_SIDE]] = price, lots, side
    return row


def warmed_engine() -> FeatureEngine:
    """Both books valid and every feature READY (a few ms of alternating books and trades)."""
    engine = FeatureEngine(every_kind_set(), registry())
    for n in range(200):
        ts = T0 + n * 100_000
        inst = n % 2
        engine.on_fields(ts, inst, EV_BOOK, book_row(bid=5_000_000 + n % 7, ask=5_000_002 + n % 7, bid_lots=100 + n))
        engine.on_fields(ts, inst, EV_TRADE, trade_row(price=5_000_001, side=1 if n % 3 else -1))
    assert engine.ready(), [n for n, s in zip(engine.names, engine.status) if s != READY]
    return engine


def test_nothing_seen_means_no_input_and_no_vector() -> None:
    engine = FeatureEngine(every_kind_set(), registry())
    assert engine.vector() is None
    assert set(engine.status.tolist()) == {NO_INPUT}
    assert np.isnan(engine.values).all()
    assert engine.value("basis.bps") is None


@pytest.mark.parametrize("bad", [
    {"bid": math.nan}, {"ask": math.inf}, {"bid": 0.0}, {"bid": -5.0}, {"bid": 5_000_002, "ask": 5_000_001},
    {"bid_lots": 0.0}, {"ask_lots": -1.0}, {"bid_lots": math.nan},
], ids=["nan-bid", "inf-ask", "zero-price", "negative-price", "crossed", "zero-size", "negative-size", "nan-size"])
def test_bad_book_marks_features_invalid_counts_it_and_recovers_on_the_next_good_book(bad: dict[str, float]) -> None:
    engine = warmed_engine()
    state_before = engine.values.copy()
    engine.on_fields(T0 + 30 * MS, "spot", EV_BOOK, book_row(**bad))
    assert engine.counters["rejected_books"] == 1
    assert engine.status_of("imb") is FeatureStatus.INVALID_INPUT
    assert engine.status_of("basis.bps") is FeatureStatus.INVALID_INPUT
    assert engine.value("imb") is None and engine.vector() is None
    assert engine.status_of("spread.ticks") is FeatureStatus.READY  # the perp's book is untouched
    spread = engine.feature_set.index("spread.ticks")
    assert engine.values[spread] == state_before[spread]
    engine.on_fields(T0 + 31 * MS, "spot", EV_BOOK, book_row())
    assert engine.status_of("imb") is FeatureStatus.READY
    assert engine.value("imb") == pytest.approx(-0.5)


def test_empty_book_side_is_no_input_not_invalid() -> None:
    engine = warmed_engine()
    book = OrderBook("BTCUSDT.BINANCE_SPOT")
    book.apply([(5_000_000, 100)], [])  # asks empty
    engine.on_book(T0 + 30 * MS, "spot", book)
    assert engine.status_of("micro") is FeatureStatus.NO_INPUT
    assert engine.counters["rejected_books"] == 0


@pytest.mark.parametrize("price,lots,side", [(math.nan, 1, 1), (5e6, math.inf, 1), (0, 1, 1), (5e6, 0, 1),
                                             (-5e6, 1, -1), (5e6, 1, 0), (5e6, 1, 2), (5e6, 1, math.nan)])
def test_bad_trade_is_rejected_counted_and_seen_by_no_feature(price: float, lots: float, side: float) -> None:
    engine = warmed_engine()
    before_values, before_status = engine.values.copy(), engine.status.copy()
    accepted = engine.on_trade(T0 + 30 * MS, "spot", price, lots, side)  # type: ignore[arg-type]
    assert accepted is False
    assert engine.counters["rejected_trades"] == 1
    np.testing.assert_array_equal(engine.values, before_values)
    np.testing.assert_array_equal(engine.status, before_status)


def test_book_gap_marks_that_instruments_book_features_no_input_until_the_next_book() -> None:
    engine = warmed_engine()
    engine.on_gap(T0 + 30 * MS, "perp")
    assert engine.status_of("spread.ticks") is FeatureStatus.NO_INPUT
    assert engine.status_of("basis.bps") is FeatureStatus.NO_INPUT
    assert engine.status_of("imb") is FeatureStatus.READY  # spot is still in sync
    assert engine.vector() is None
    engine.on_fields(T0 + 31 * MS, "perp", EV_BOOK, book_row())
    assert engine.status_of("spread.ticks") is FeatureStatus.READY


def test_time_gap_longer_than_max_gap_resets_stateful_features_to_warming_up() -> None:
    engine = warmed_engine()
    engine.on_fields(T0 + 10_000 * MS, "spot", EV_BOOK, book_row())
    assert engine.status_of("ewvol") is FeatureStatus.WARMING_UP
    assert engine.status_of("range.parkinson") is FeatureStatus.WARMING_UP
    assert engine.status_of("imb") is FeatureStatus.READY  # stateless: valid at once


def test_unknown_instrument_and_bad_field_shape_are_typed_errors() -> None:
    engine = FeatureEngine(every_kind_set(), registry())
    with pytest.raises(ConfigError, match="reads no instrument 'ETH'"):
        engine.on_fields(T0, "ETH", EV_BOOK, book_row())
    with pytest.raises(ConfigError, match=r"shape \(12,\)"):
        engine.on_fields(T0, "spot", EV_BOOK, np.zeros(3))


_ANY_FLOAT = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5_000_010).map(float))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from([EV_BOOK, EV_TRADE, 3, 0, 99]),
                          st.integers(-10 * MS, 300 * MS), st.lists(_ANY_FLOAT, min_size=N_FIELDS, max_size=N_FIELDS)),
                min_size=1, max_size=40))
def test_arbitrary_rows_never_raise_and_never_yield_a_ready_non_finite_value(events: list) -> None:
    engine = warmed_engine()
    ts = T0 + 30 * MS
    for inst, kind, step, fields in events:
        ts += step
        engine.on_fields(ts, inst, kind, np.array(fields))
        ready = engine.status == READY
        assert np.isfinite(engine.values[ready]).all()
        assert np.isnan(engine.values[~ready]).all()
        assert set(engine.status.tolist()) <= {READY, WARMING_UP, NO_INPUT, INVALID_INPUT}
        vector = engine.vector()
        assert vector is None or np.isfinite(vector).all()


def test_covariance_matrix_is_assembled_from_ready_outputs_only() -> None:
    from arbkit.features.covariance import covariance_matrix

    fresh = FeatureEngine(every_kind_set(), registry())
    decl = next(f for f in fresh.feature_set.features if f.name == "cov")
    assert covariance_matrix(decl, fresh.value) is None
    engine = warmed_engine()
    matrix = covariance_matrix(decl, engine.value)
    assert matrix is not None and matrix.shape == (2, 2)
    assert matrix[0, 1] == matrix[1, 0] == engine.value("cov.cov_spot_perp")
    assert matrix[1, 1] == engine.value("cov.var_perp")
    assert np.all(np.linalg.eigvalsh(matrix) >= -1e-12), "an EWMA covariance is positive semi-definite"
