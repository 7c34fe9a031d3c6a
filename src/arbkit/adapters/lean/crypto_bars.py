"""Lean crypto 1-minute bars (trade and quote) → :data:`BAR_SCHEMA` rows of a :class:`TickFrame`.

File names are ``<exchange>_<market>_<symbol>_<YYYYMMDD>_minute_{trade,quote}.zip``, e.g.
``binance_coinm_btcusd_perp_20221213_minute_trade.zip`` → venue ``BINANCE_COINM``, symbol
``BTCUSD_PERP``. Time is ms since midnight **UTC**, one bar per minute (bar open time).

* trade bars ``ms, open, high, low, close, volume`` → one row, kind ``"trade"``;
* quote bars ``ms, bid OHLC, last_bid_size, ask OHLC, last_ask_size`` → two rows, ``"bid"`` then
  ``"ask"``, whose ``volume`` is the last size.

Prices are ticks and volumes lots of a grid read off the data: the tick is one unit in the last
decimal place seen in that market's 2022-12-13 files (:data:`MARKET_DECIMALS`), or finer if a file
needs it (then a note says so). Volumes are base units for spot and linear markets and contracts
for inverse markets (100 USD each on Binance COIN-M BTCUSD_PERP, 1 USD on Bybit inverse).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np

from arbkit.adapters.lean.build import bar_table, coded_strings, step
from arbkit.adapters.lean.clock import wall_ms_to_utc_ns
from arbkit.adapters.lean.columns import decimals_seen, ms_since_midnight, require, scaled_decimal
from arbkit.adapters.lean.csv_zip import read_lean_bytes, split_csv
from arbkit.core.enums import InstrumentKind
from arbkit.core.errors import MalformedMessageError
from arbkit.core.instruments import Instrument
from arbkit.data.schema import TickFrame

MINUTE_NS = 60 * 10**9
TRADE_COLUMNS = ("ms", "open", "high", "low", "close", "volume")
QUOTE_COLUMNS = ("ms", "bid_open", "bid_high", "bid_low", "bid_close", "last_bid_size",
                 "ask_open", "ask_high", "ask_low", "ask_close", "last_ask_size")
MARKET_KINDS = {"spot": InstrumentKind.SPOT, "linear": InstrumentKind.LINEAR_PERP,
                "usdm": InstrumentKind.LINEAR_PERP, "inverse": InstrumentKind.INVERSE_PERP,
                "coinm": InstrumentKind.INVERSE_PERP}
MARKET_DECIMALS: dict[str, tuple[int, int]] = {
    "BTCBUSD.BINANCE_SPOT": (2, 5), "BTCUSD_PERP.BINANCE_COINM": (1, 0), "BTCUSDT.BYBIT_SPOT": (2, 6),
    "BTCUSDT_PERP.BYBIT_LINEAR": (1, 3), "BTCUSD_PERP.BYBIT_INVERSE": (2, 0),
}
"""(price decimals, volume decimals) seen in each market's files: tick 10**-p, lot 10**-v."""
CONTRACT_USD = {"BTCUSD_PERP.BINANCE_COINM": Decimal(100), "BTCUSD_PERP.BYBIT_INVERSE": Decimal(1)}
_QUOTES = ("USDT", "BUSD", "USDC", "USD")
_NAME = re.compile(r"^(?P<market>[a-z]+_[a-z]+)_(?P<symbol>[a-z0-9_]+?)_(?P<day>\d{8})_minute_(?P<kind>trade|quote)"
                   r"\.zip$", re.IGNORECASE)


def read_minute_bars(path: str | Path, venue: str | None = None) -> TickFrame:
    """Read one Lean crypto minute-bar day file (trade or quote bars) into bar rows (ns UTC).

    Args:
        path: ``<exchange>_<market>_<symbol>_<YYYYMMDD>_minute_{trade,quote}.zip``.
        venue: venue code; ``EXCHANGE_MARKET`` of the file name (``BYBIT_LINEAR``) when omitted.

    Raises:
        MalformedMessageError: naming the file and 1-based row, for a wrong column count, an ms not
            on a minute in [0, 86,400,000), a non-numeric, off-grid or zero price, or an unreadable
            zip (row 0).
    """
    path = Path(path)
    source = path.name
    match = _NAME.match(source)
    if match is None:
        raise MalformedMessageError(source, 0, "file name is not <exchange>_<market>_<symbol>_<YYYYMMDD>_minute_"
                                               "{trade,quote}.zip")
    market = match["market"].split("_")[1].lower()
    if market not in MARKET_KINDS:
        raise MalformedMessageError(source, 0, f"unknown market {market!r}; known: {sorted(MARKET_KINDS)}")
    venue = (venue or match["market"]).upper()
    symbol = match["symbol"].upper()
    instrument_id = f"{symbol}.{venue}"
    quote_bars = match["kind"].lower() == "quote"
    columns = QUOTE_COLUMNS if quote_bars else TRADE_COLUMNS
    data, _ = read_lean_bytes(path)
    raw = split_csv(data, columns, source)
    ms = ms_since_midnight(raw)
    require(raw, ms % 60_000 != 0, "ms is not on a whole minute: {value}")

    price_names = [c for c in columns[1:] if "size" not in c and c != "volume"]
    size_names = [c for c in columns[1:] if c not in price_names]
    default_p, default_v = MARKET_DECIMALS.get(instrument_id, (0, 0))
    p_dec = max([default_p] + [decimals_seen(raw.column(c)) for c in price_names])
    v_dec = max([default_v] + [decimals_seen(raw.column(c)) for c in size_names])
    notes = ["time is ms since midnight UTC: no shift applied"]
    if (p_dec, v_dec) != (default_p, default_v):
        notes.append(f"grid from this file's decimals: tick {step(p_dec)}, lot {step(v_dec)}"
                     + ("" if instrument_id not in MARKET_DECIMALS else
                        f" (finer than the default tick {step(default_p)}, lot {step(default_v)})"))
    values = {c: scaled_decimal(raw.column(c), p_dec if c in price_names else v_dec, c, raw) for c in columns[1:]}
    require(raw, np.any([values[c] <= 0 for c in price_names], axis=0), "price must be > 0: {value}")

    day = datetime.strptime(match["day"], "%Y%m%d").date()
    ts = wall_ms_to_utc_ns(day, ms, timezone.utc)
    sides = [("bid", "bid_", "last_bid_size"), ("ask", "ask_", "last_ask_size")] if quote_bars else [
        ("trade", "", "volume")]
    ohlc_names = ("open", "high", "low", "close")
    n, k = len(ts), len(sides)
    stacked = [np.column_stack([values[prefix + name] for _, prefix, _ in sides]).ravel() for name in ohlc_names]
    volume = np.column_stack([values[size] for _, _, size in sides]).ravel()
    kind = coded_strings(np.tile(np.arange(k), n), [label for label, _, _ in sides])
    inconsistent = int(np.count_nonzero((stacked[2] > np.minimum(stacked[0], stacked[3]))
                                        | (stacked[1] < np.maximum(stacked[0], stacked[3]))))
    if inconsistent:
        notes.append(f"{inconsistent} bars have open/close outside [low, high] (kept as recorded)")
    table = bar_table(ts_event=np.repeat(ts, k), interval_ns=MINUTE_NS, venue=venue, instrument_id=instrument_id,
                      kind=kind, ohlc=(stacked[0], stacked[1], stacked[2], stacked[3]), volume=volume)
    instrument = _instrument(venue, symbol, MARKET_KINDS[market], p_dec, v_dec, instrument_id)
    return TickFrame(table=table, instruments={instrument_id: instrument}, source=source, notes=notes)


def _instrument(venue: str, symbol: str, kind: InstrumentKind, p_dec: int, v_dec: int, instrument_id: str
                ) -> Instrument:
    pair = symbol.split("_")[0]
    quote = next((q for q in _QUOTES if pair.endswith(q)), pair[3:])
    return Instrument(venue=venue, symbol=symbol, base=pair[: len(pair) - len(quote)], quote=quote, kind=kind,
                      tick_size=step(p_dec), lot_size=step(v_dec),
                      contract_multiplier=CONTRACT_USD.get(instrument_id, Decimal(1)))


