"""Tardis CSV, Bybit orderbook.500 and Binance archive readers on the shared format samples."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from arbkit.adapters.binance_archive.csv_parquet import read_depth_csv, read_quotes_parquet, read_trades_parquet
from arbkit.adapters.bybit.ob500 import read_bybit_ob500
from arbkit.adapters.tardis.csv import read_book_snapshot, read_incremental_book_l2, read_quotes, read_trades
from arbkit.book.order_book import OrderBook
from arbkit.data.schema import BBO, DELTA, F_CLEAR, F_LAST, F_RECV_IS_EVENT, F_SNAPSHOT, TRADE
from testkit import shared_file

SAMPLES = "exchange_format_samples"


def _rows(frame):
    return frame.table.to_pylist()


def test_tardis_incremental_l2_groups_rows_into_messages_in_microseconds():
    frame = read_incremental_book_l2(shared_file(SAMPLES, "tardis_deribit_incremental_book_L2_BTC-PERPETUAL.csv"))
    rows = _rows(frame)
    assert len(rows) == 15 and {r["kind"] for r in rows} == {DELTA}
    assert rows[0]["ts_event"] == 1_585_699_200_245_000_000 and rows[0]["ts_recv"] == 1_585_699_200_355_684_000
    assert rows[0]["flags"] == F_SNAPSHOT | F_CLEAR and rows[0]["price"] == 64215  # 6421.5 at tick 0.1
    assert frame.instruments["BTC-PERPETUAL.DERIBIT"].tick_size == Decimal("0.1")
    assert rows[-1]["flags"] & F_LAST


@pytest.mark.parametrize("name, depth", [("tardis_binance-futures_book_snapshot_5_BTCUSDT.csv", 5),
                                         ("tardis_binance-futures_book_snapshot_25_BTCUSDT.csv", 25)])
def test_tardis_book_snapshot_rows_are_whole_snapshots(name: str, depth: int):
    frame = read_book_snapshot(shared_file(SAMPLES, name))
    rows = _rows(frame)
    assert len(rows) == 10 * 2 * depth
    assert sum(1 for r in rows if r["flags"] & F_CLEAR) == 10 and sum(1 for r in rows if r["flags"] & F_LAST) == 10
    assert all(r["flags"] & F_SNAPSHOT for r in rows)
    book = OrderBook("BTCUSDT.BINANCE_FUTURES")
    book.apply_snapshot([(r["price"], r["size"]) for r in rows[:depth]], [(r["price"], r["size"]) for r in rows[depth:2 * depth]])
    assert book.best_bid() == (1165707, 10896) and book.best_ask() == (1165708, 1714)


def test_tardis_trades_and_quotes_map_sides_and_sizes():
    trades = _rows(read_trades(shared_file(SAMPLES, "tardis_bitmex_trades_XBTUSD.csv")))
    assert len(trades) == 10 and trades[0]["side"] == -1 and trades[0]["price"] == 85315 and trades[0]["size"] == 2152
    assert {r["kind"] for r in trades} == {TRADE} and {r["update_id"] for r in trades} == {-1}  # UUID ids
    quotes = _rows(read_quotes(shared_file(SAMPLES, "tardis_huobi-dm-swap_quotes_BTC-USD.csv")))
    assert len(quotes) == 20 and [q["side"] for q in quotes[:2]] == [1, -1]
    assert (quotes[0]["price"], quotes[0]["size"], quotes[1]["price"], quotes[1]["size"]) == (86292, 806, 86293, 5494)
    assert {q["kind"] for q in quotes} == {BBO}


def test_bybit_ob500_snapshot_then_49_contiguous_deltas():
    frame = read_bybit_ob500(shared_file(SAMPLES, "bybit_linear_xrpusdt_ob500_2024-12-01.data.zip"))
    rows = _rows(frame)
    instrument = frame.instruments["XRPUSDT.BYBIT_LINEAR"]
    assert (instrument.tick_size, instrument.lot_size) == (Decimal("0.0001"), Decimal("1"))
    assert sum(1 for r in rows if r["flags"] & F_SNAPSHOT) == 1000 and rows[0]["flags"] & F_CLEAR
    assert sum(1 for r in rows if r["flags"] & F_LAST) == 50
    assert [r["update_id"] for r in rows if r["flags"] & F_LAST] == list(range(20254869, 20254919))
    book = OrderBook(instrument.id)
    bids, asks = [], []
    for r in rows:
        (bids if r["side"] == 1 else asks).append((r["price"], r["size"]))
        if r["flags"] & F_LAST:
            assert book.apply(bids, asks) == 0 and not book.is_crossed()
            bids, asks = [], []
    assert book.best_bid()[0] < book.best_ask()[0]


def test_binance_depth_csv_snapshot_and_update():
    snap = _rows(read_depth_csv(shared_file(SAMPLES, "binance_usdm_btcusdt_depth_snap_2022-11-01.csv")))
    assert len(snap) == 100 and snap[0]["flags"] == F_SNAPSHOT | F_CLEAR | F_RECV_IS_EVENT
    assert sum(1 for r in snap if r["flags"] & F_LAST) == 1 and snap[0]["ts_event"] == 1_667_346_579_146_000_000
    assert snap[0]["price"] == 203770 and snap[0]["size"] == 1770  # 20377.00 at 0.1, 1.770 at 0.001
    update = _rows(read_depth_csv(shared_file(SAMPLES, "binance_usdm_btcusdt_depth_update_2022-11-01.csv")))
    assert Counter(r["side"] for r in update) == {-1: 77, 1: 23} and not any(r["flags"] & F_SNAPSHOT for r in update)


def test_binance_parquet_quotes_and_trades():
    quotes = _rows(read_quotes_parquet(shared_file(SAMPLES, "binance_spot_btcusdt_quotes_2021-01-08.parquet")))
    assert len(quotes) == 902 and quotes[0]["price"] == 3943299 and quotes[1]["price"] == 3943362
    assert quotes[0]["ts_event"] == 1_610_064_001_076_000_000 and quotes[0]["size"] == 310_000  # 0.0031 BTC
    trades = _rows(read_trades_parquet(shared_file(SAMPLES, "binance_spot_btcusdt_trades_2021-01-08.parquet")))
    assert len(trades) == 2001 and trades[0]["side"] == -1 and trades[1]["side"] == 1
    assert trades[2]["size"] == 31_100  # 0.00031099999999999997 snapped to 0.000311
