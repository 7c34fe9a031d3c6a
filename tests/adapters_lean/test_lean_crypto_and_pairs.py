"""Lean crypto minute bars and daily pairs files: row counts, columns, grids and reported gaps on the real files."""

from __future__ import annotations

from datetime import date

import pytest

from arbkit.adapters.lean.crypto_bars import read_minute_bars
from arbkit.adapters.pairs.daily import gap_counts, read_lean_daily, read_pairs_csv
from testkit import shared_file

CRYPTO = "crypto_btc_minute_multi_venue_2022-12-13"
BARS = {  # README row counts: (trade bars, quote bars)
    "binance_spot_btcbusd": (1440, None), "binance_coinm_btcusd_perp": (1439, 1104),
    "bybit_spot_btcusdt": (1440, 721), "bybit_linear_btcusdt_perp": (721, 460),
    "bybit_inverse_btcusd_perp": (721, 464),
}
PAIRS = "pairs_daily"
CSVS = {  # name: (rows, first columns, gaps)
    "arbitragelab_gld_gdx_data.csv": (75, ["date", "GDX", "GLD"], {}),
    "arbitragelab_CL_NG_data.csv": (503, ["date", "CL=F", "NG=F"], {}),
    "arbitragelab_XLF-XLK.csv": (726, ["date", "XLF", "XLK"], {}),
    "arbitragelab_Country_ETF.csv": (1324, ["date", "KSA US Equity"], {}),
    "arbitragelab_stock_prices.csv": (2141, ["date", "EEM", "EWG"], {}),
    "arbitragelab_multi_coint.csv": (2836, ["date", "AEX", "DAX", "FTSE", "CAC"],
                                     {"AEX": 16, "DAX": 50, "FTSE": 57, "CAC": 47}),
    "arbitragelab_BKD_ESC_2009_2011.csv": (1005, ["date", "BKD", "ESC"], {}),
    "arbitragelab_ANZ-ADB.csv": (421, ["date", "ANZ", "ADB"], {}),
    "arbitragelab_cl.csv": (7017, ["date", "PX_OPEN", "PX_HIGH", "PX_LOW", "PX_LAST", "PX_SETTLE"], {}),
    "arbitragelab_rb.csv": (7017, ["date", "PX_OPEN"], {"PX_OPEN": 3119, "PX_HIGH": 3119, "PX_LOW": 3119,
                                                        "PX_LAST": 3065, "PX_SETTLE": 3065}),
    "arch_crude_brent_wti_monthly.csv.gz": (393, ["date", "Brent", "WTI"], {}),
}


@pytest.mark.parametrize("market", sorted(BARS))
def test_minute_bar_counts_match_the_readme(market: str) -> None:
    trade_rows, quote_rows = BARS[market]
    trades = read_minute_bars(shared_file(CRYPTO, f"{market}_20221213_minute_trade.zip"))
    assert trades.table.num_rows == trade_rows
    assert set(trades.table.column("kind").to_pylist()) == {"trade"}
    (instrument,) = trades.instruments.values()
    assert instrument.venue == "_".join(market.split("_")[:2]).upper()
    if quote_rows is not None:
        quotes = read_minute_bars(shared_file(CRYPTO, f"{market}_20221213_minute_quote.zip"))
        assert quotes.table.num_rows == 2 * quote_rows
        assert quotes.table.column("kind").to_pylist()[:2] == ["bid", "ask"]
        assert quotes.instruments == trades.instruments  # one grid per market, shared by both files


def test_coinm_bars_are_inverse_contracts_of_100_usd() -> None:
    frame = read_minute_bars(shared_file(CRYPTO, "binance_coinm_btcusd_perp_20221213_minute_trade.zip"))
    instrument = frame.instruments["BTCUSD_PERP.BINANCE_COINM"]
    assert (instrument.kind.value, str(instrument.tick_size), str(instrument.lot_size),
            instrument.contract_multiplier) == ("inverse_perp", "0.1", "1", 100)
    first = frame.table.slice(0, 1).to_pylist()[0]
    assert (first["open"], first["close"], first["volume"]) == (172040, 172076, 4242)


@pytest.mark.parametrize("name", sorted(CSVS))
def test_pairs_csv_loads_with_readme_rows_and_reports_its_gaps(name: str) -> None:
    rows, first_columns, gaps = CSVS[name]
    frame = read_pairs_csv(shared_file(PAIRS, name))
    assert frame.height == rows
    assert frame.columns[: len(first_columns)] == first_columns
    assert {column: count for column, count in gap_counts(frame).items() if count} == gaps


def test_country_etf_has_the_classic_ewa_ewc_pair_and_cl_keeps_the_negative_settle() -> None:
    frame = read_pairs_csv(shared_file(PAIRS, "arbitragelab_Country_ETF.csv"))
    assert {"EWA US Equity", "EWC US Equity"} <= set(frame.columns) and frame.width == 46
    cl = read_pairs_csv(shared_file(PAIRS, "arbitragelab_cl.csv"))
    assert cl.filter(cl["date"] == date(2020, 4, 20))["PX_SETTLE"].to_list() == [-37.63]


@pytest.mark.parametrize(("ticker", "since"), [("uso", date(2006, 4, 10)), ("bno", date(2010, 6, 2))])
def test_lean_daily_overlap_has_2727_rows_in_usd(ticker: str, since: date) -> None:
    frame = read_lean_daily(shared_file(PAIRS, f"lean_{ticker}_daily.zip"), since=since)
    overlap = frame.filter(frame["date"] >= date(2010, 6, 2))
    assert overlap.height == 2727
    assert frame.columns == ["date", "open", "high", "low", "close", "volume"]
    assert frame["date"][-1] == date(2021, 3, 31)
    last_close = {"uso": 40.53, "bno": 15.88}[ticker]
    assert frame["close"][-1] == last_close
