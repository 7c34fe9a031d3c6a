"""Lean/AlgoSeek BAC ticks: per-exchange row counts, New York time, and the NBBO checked independently."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from datetime import datetime, timezone

import numpy as np
import pytest

from arbkit.adapters.lean.equity_ticks import (EXCHANGES, nbbo_from_quotes, nbbo_from_venue_books, read_equity_quotes,
                                               read_equity_trades)
from arbkit.data.schema import BBO, TRADE
from testkit import shared_file

EQ = "us_equity_tick_multi_exchange_2013-10-08"
QUOTE_ROWS = {"Q": 248_357, "N": 195_884, "K": 76_335, "Z": 26_925, "P": 16_278, "C": 10_377, "J": 913, "X": 767,
              "Y": 126, "B": 116, "W": 11, "M": 7}
TRADE_ROWS = {"D": 50_793, "B": 12_592, "Q": 11_691, "J": 11_046, "Z": 9_189, "Y": 8_749, "K": 8_112, "P": 7_093,
              "N": 4_551}


@pytest.fixture(scope="module")
def quotes():  # type: ignore[no-untyped-def]
    return read_equity_quotes(shared_file(EQ, "bac_20131008_tick_quote.zip"))


def _venue_counts(frame) -> Counter:  # type: ignore[no-untyped-def]
    return Counter(frame.table.column("venue").to_pylist())


def test_quote_rows_per_exchange_match_the_readme(quotes) -> None:  # type: ignore[no-untyped-def]
    assert quotes.table.num_rows == 576_096
    assert _venue_counts(quotes) == {EXCHANGES[code]: rows for code, rows in QUOTE_ROWS.items()}
    assert set(quotes.table.column("kind").to_pylist()) == {BBO}
    assert quotes.instruments["BAC.NYSE"].tick_size.as_tuple().exponent == -4


def test_trade_rows_per_exchange_match_the_readme() -> None:
    trades = read_equity_trades(shared_file(EQ, "bac_20131008_tick_trade.zip"))
    assert trades.table.num_rows == 125_872
    counts = _venue_counts(trades)
    for code, rows in TRADE_ROWS.items():
        assert counts[EXCHANGES[code]] == rows
    assert set(trades.table.column("kind").to_pylist()) == {TRADE}
    assert set(trades.table.column("side").to_pylist()) == {0}


def test_first_quote_is_4am_new_york_edt_in_utc(quotes) -> None:  # type: ignore[no-untyped-def]
    first = quotes.table.column("ts_event")[0].as_py()
    assert datetime.fromtimestamp(first / 1e9, timezone.utc) == datetime(2013, 10, 8, 8, 0, 0, 142000, timezone.utc)
    assert quotes.table.column("price")[0].as_py() == 138_000  # 13.80 USD in deci-cents


def _replay_raw_quotes() -> list[tuple[int, str, int, int]]:
    path = shared_file(EQ, "bac_20131008_tick_quote.zip")
    with zipfile.ZipFile(path) as archive:
        text = archive.read(archive.namelist()[0]).decode()
    return [(int(r[0]), r[5], int(r[1]), int(r[3])) for r in csv.reader(io.StringIO(text))]


def test_consolidated_nbbo_is_the_last_bid_and_ask_row_and_never_crossed(quotes) -> None:  # type: ignore[no-untyped-def]
    nbbo = nbbo_from_quotes(quotes)
    price = nbbo.table.column("price").to_numpy()
    bid, ask = price[0::2], price[1::2]
    assert list(nbbo.instruments) == ["BAC.NBBO"]
    assert np.mean(bid <= ask) > 0.99 and np.count_nonzero(bid > ask) == 0
    # independent check at sampled instants: a plain loop over the raw CSV
    ts_ms = (nbbo.table.column("ts_event").to_numpy()[0::2] - 1381204800 * 10**9) // 10**6  # NY midnight, EDT
    samples = dict(zip(ts_ms[:: max(1, len(ts_ms) // 500)].tolist(), range(0, len(ts_ms), max(1, len(ts_ms) // 500))))
    last_bid = last_ask = 0
    rows = _replay_raw_quotes()
    for i, (ms, _, raw_bid, raw_ask) in enumerate(rows):
        last_bid = raw_bid or last_bid
        last_ask = raw_ask or last_ask
        if ms in samples and (i + 1 == len(rows) or rows[i + 1][0] != ms):
            k = samples[ms]
            assert (bid[k], ask[k]) == (last_bid, last_ask), ms


def test_venue_book_nbbo_bid_is_the_max_of_venue_bids_and_shows_the_file_is_consolidated(quotes) -> None:  # type: ignore[no-untyped-def]
    nbbo = nbbo_from_venue_books(quotes)
    price = nbbo.table.column("price").to_numpy()
    bid, ask = price[0::2], price[1::2]
    assert np.mean(bid > ask) > 0.5  # stale per-venue quotes: this file is not per-venue books
    ts_ms = (nbbo.table.column("ts_event").to_numpy()[0::2] - 1381204800 * 10**9) // 10**6
    step = max(1, len(ts_ms) // 300)
    samples = {ms: k for k, ms in list(enumerate(ts_ms.tolist()))[::step]}
    bids: dict[str, int] = {}
    rows = _replay_raw_quotes()
    for i, (ms, exchange, raw_bid, _) in enumerate(rows):
        if raw_bid:
            bids[EXCHANGES[exchange]] = raw_bid
        if ms in samples and (i + 1 == len(rows) or rows[i + 1][0] != ms):
            assert bid[samples[ms]] == max(bids.values()), ms
