"""Lean US equity ticks (AlgoSeek, unfiltered): per-exchange quotes and trades → :class:`TickFrame`.

File names are ``<symbol>_<YYYYMMDD>_tick_{quote,trade}.zip``, one headerless CSV each:

* quotes ``time_ms, bid_price, bid_size, ask_price, ask_size, exchange, condition, suspicious``;
* trades ``time_ms, price, size, exchange, sale_condition, suspicious``.

``time_ms`` is wall-clock ms since midnight **America/New_York** (converted with :mod:`zoneinfo`,
so EDT/EST follow the date); prices are **deci-cents** (1/10,000 USD), which is exactly the tick of
the instruments built here (tick 0.0001 USD, lot 1 share), so a price in ticks is the raw integer.

A quote row is a one-sided update tagged with one exchange (bid 0 = ask-side update, ask 0 =
bid-side): it becomes one BBO row of ``<SYMBOL>.<VENUE>`` (two, bid then ask, if both sides are set).
In the BAC file these rows are the sides of the *consolidated* quote with the exchange holding each
side (see :mod:`arbkit.adapters.lean.nbbo`), not full per-exchange books. Trades
become TRADE rows with side 0 (the aggressor is unknown). Every row carries ``F_LAST`` and
``F_RECV_IS_EVENT``; a row the vendor marked suspicious keeps its place and gets :data:`F_SUSPICIOUS`.
The NBBO is built by :func:`arbkit.adapters.lean.nbbo.nbbo_from_quotes` (re-exported here).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from arbkit.adapters.lean.build import coded_strings, step, tick_table
from arbkit.adapters.lean.clock import offset_text, wall_ms_to_utc_ns
from arbkit.adapters.lean.columns import ms_since_midnight, require, unsigned_int
from arbkit.adapters.lean.csv_zip import RawColumns, read_lean_bytes, split_csv
from arbkit.adapters.lean.nbbo import nbbo_from_quotes, nbbo_from_venue_books
from arbkit.core.enums import InstrumentKind
from arbkit.core.errors import MalformedMessageError
from arbkit.core.instruments import Instrument
from arbkit.data.schema import BBO, F_LAST, F_RECV_IS_EVENT, TRADE, TickFrame

__all__ = ["EXCHANGES", "F_SUSPICIOUS", "equity_instrument", "nbbo_from_quotes", "nbbo_from_venue_books",
           "read_equity_quotes",
           "read_equity_trades"]

F_SUSPICIOUS = 32
"""Flag bit of a row the data vendor marked ``suspicious`` (kept, never dropped silently)."""
EQUITY_TZ = ZoneInfo("America/New_York")
EXCHANGES: dict[str, str] = {
    "N": "NYSE", "Q": "NASDAQ", "T": "NASDAQ", "P": "ARCA", "Z": "BATS", "Y": "BATS_Y", "K": "EDGX",
    "J": "EDGA", "B": "NASDAQ_BX", "X": "NASDAQ_PSX", "C": "NSX", "W": "CBOE", "M": "CHX", "A": "NYSE_MKT",
    "D": "FINRA_TRF",
}
"""AlgoSeek exchange code → venue code (``Q`` and ``T`` are both Nasdaq; ``D`` is the off-exchange TRF)."""
QUOTE_COLUMNS = ("time_ms", "bid_price", "bid_size", "ask_price", "ask_size", "exchange", "condition", "suspicious")
TRADE_COLUMNS = ("time_ms", "price", "size", "exchange", "sale_condition", "suspicious")
_NAME = re.compile(r"^(?P<symbol>[a-z.]+)_(?P<day>\d{8})_tick_(?P<kind>quote|trade)\.zip$", re.IGNORECASE)
_ROW_FLAGS = F_LAST | F_RECV_IS_EVENT


def equity_instrument(symbol: str, venue: str) -> Instrument:
    """US equity ``SYMBOL.VENUE``: tick 0.0001 USD (one deci-cent), lot 1 share."""
    return Instrument(venue=venue, symbol=symbol, base=symbol, quote="USD", kind=InstrumentKind.SPOT,
                      tick_size=step(4), lot_size=step(0))


def read_equity_quotes(path: str | Path) -> TickFrame:
    """Per-exchange quote updates as BBO rows (ns UTC, price in deci-cent ticks, size in shares).

    Raises:
        MalformedMessageError: naming the file and 1-based row, for a wrong column count, a bad or
            out-of-range time, a non-integer cell, an unknown exchange code, or a row with neither
            side priced; row 0 for an unreadable zip.
    """
    path = Path(path)
    symbol, day, raw = _open(path, "quote", QUOTE_COLUMNS)
    ms = ms_since_midnight(raw, "time_ms")
    bid_px, bid_sz, ask_px, ask_sz = (unsigned_int(raw.column(name), name, raw)
                                      for name in ("bid_price", "bid_size", "ask_price", "ask_size"))
    require(raw, (bid_px == 0) & (ask_px == 0), "quote row has neither a bid nor an ask price: {value}")
    venue_code, venues = _exchanges(raw)
    condition = unsigned_int(raw.column("condition"), "condition", raw)
    flags = _ROW_FLAGS | _suspicious(raw)
    ts = wall_ms_to_utc_ns(day, ms, EQUITY_TZ)

    has_bid, has_ask = bid_px > 0, ask_px > 0
    # bid row (if any) then ask row (if any) of each input row, in file order
    order = np.argsort(np.concatenate([np.flatnonzero(has_bid) * 2, np.flatnonzero(has_ask) * 2 + 1]),
                       kind="stable")
    rows = np.concatenate([np.flatnonzero(has_bid), np.flatnonzero(has_ask)])[order]
    side = np.concatenate([np.ones(has_bid.sum(), np.int8), -np.ones(has_ask.sum(), np.int8)])[order]
    price = np.where(side > 0, bid_px[rows], ask_px[rows])
    size = np.where(side > 0, bid_sz[rows], ask_sz[rows])
    table = tick_table(ts_event=ts[rows], ts_recv=ts[rows], venue=coded_strings(venue_code[rows], venues),
                       instrument_id=coded_strings(venue_code[rows], [f"{symbol}.{v}" for v in venues]),
                       kind=BBO, side=side, price=price, size=size, update_id=-1, flags=flags[rows])
    notes = _common_notes(raw, day, flags) + [f"quote condition codes (rows): {_counts(condition)}"]
    both = int(np.count_nonzero(has_bid & has_ask))
    if both:
        notes.append(f"{both} quote rows set both sides: emitted as a bid row then an ask row")
    return _frame(table, symbol, venues, raw.source, notes)


def read_equity_trades(path: str | Path) -> TickFrame:
    """Trades as TRADE rows (side 0, ns UTC, price in deci-cent ticks, size in shares).

    Raises:
        MalformedMessageError: naming the file and 1-based row, for a wrong column count, a bad time,
            a non-integer cell, a zero price or size, or an unknown exchange code; row 0 for an
            unreadable zip.
    """
    path = Path(path)
    symbol, day, raw = _open(path, "trade", TRADE_COLUMNS)
    ms = ms_since_midnight(raw, "time_ms")
    price = unsigned_int(raw.column("price"), "price", raw)
    size = unsigned_int(raw.column("size"), "size", raw)
    require(raw, (price == 0) | (size == 0), "trade price and size must be > 0: {value}")
    venue_code, venues = _exchanges(raw)
    sale_condition = unsigned_int(raw.column("sale_condition"), "sale_condition", raw)
    flags = _ROW_FLAGS | _suspicious(raw)
    ts = wall_ms_to_utc_ns(day, ms, EQUITY_TZ)
    table = tick_table(ts_event=ts, ts_recv=ts, venue=coded_strings(venue_code, venues),
                       instrument_id=coded_strings(venue_code, [f"{symbol}.{v}" for v in venues]), kind=TRADE,
                       side=np.zeros(len(ts), np.int8), price=price, size=size, update_id=-1, flags=flags)
    notes = _common_notes(raw, day, flags) + [f"sale condition codes (rows): {_counts(sale_condition)}"]
    return _frame(table, symbol, venues, raw.source, notes)


# -- helpers -------------------------------------------------------------------------------------------
def _open(path: Path, kind: str, columns: tuple[str, ...]) -> tuple[str, date, RawColumns]:
    match = _NAME.match(path.name)
    if match is None or match["kind"].lower() != kind:
        raise MalformedMessageError(path.name, 0, f"file name is not <symbol>_<YYYYMMDD>_tick_{kind}.zip")
    day = datetime.strptime(match["day"], "%Y%m%d").date()
    data, _ = read_lean_bytes(path)
    return match["symbol"].upper(), day, split_csv(data, columns, path.name)


def _exchanges(raw: RawColumns) -> tuple[np.ndarray, list[str]]:
    """Per-row index into the returned list of venue codes; raises at the first unknown exchange code."""
    encoded = raw.column("exchange").dictionary_encode()
    codes = encoded.dictionary.to_pylist()
    unknown = [i for i, code in enumerate(codes) if code not in EXCHANGES]
    indices = encoded.indices.to_numpy()
    require(raw, np.isin(indices, unknown), f"unknown exchange code (known: {''.join(sorted(EXCHANGES))}): {{value}}")
    venues = sorted({EXCHANGES[c] for c in codes})
    lookup = np.array([venues.index(EXCHANGES[c]) if c in EXCHANGES else -1 for c in codes], dtype=np.int32)
    return lookup[indices], venues


def _suspicious(raw: RawColumns) -> np.ndarray:
    flag = unsigned_int(raw.column("suspicious"), "suspicious", raw)
    require(raw, flag > 1, "suspicious must be 0 or 1: {value}")
    return np.where(flag == 1, F_SUSPICIOUS, 0).astype(np.uint16)


def _common_notes(raw: RawColumns, day: date, flags: np.ndarray) -> list[str]:
    suspicious = int(np.count_nonzero(flags & F_SUSPICIOUS))
    return [f"time is wall-clock America/New_York ({offset_text(day, EQUITY_TZ)} on {day}): shifted to UTC",
            "prices are deci-cents = ticks of 0.0001 USD",
            f"{suspicious} rows marked suspicious by the vendor: kept, flag F_SUSPICIOUS={F_SUSPICIOUS}"]


def _counts(values: np.ndarray) -> str:
    values, counts = np.unique(values, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return ", ".join(f"{values[i]} {counts[i]}" for i in order)


def _frame(table: pa.Table, symbol: str, venues: list[str], source: str, notes: list[str]) -> TickFrame:
    instruments = {f"{symbol}.{venue}": equity_instrument(symbol, venue) for venue in venues}
    return TickFrame(table=table, instruments=instruments, source=source, notes=notes)
