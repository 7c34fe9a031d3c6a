"""Lean FX tick quotes (FXCM, OANDA): ``ms_since_midnight, bid, ask`` → BBO rows of a :class:`TickFrame`.

File names are ``<venue>_<pair>_<YYYYMMDD>_tick_quote.zip`` (e.g. ``fxcm_eurusd_20140505_tick_quote.zip``);
the zip holds one headerless CSV. There are no sizes.

**Time zones.** The file day and ms are wall-clock time in the venue's Lean ``dataTimeZone``:
OANDA in UTC, FXCM in a fixed UTC-05:00 with no DST (5 h are added to get UTC). The shift applied
is recorded in ``TickFrame.notes``.

Each CSV row (one quote) becomes two BBO rows: the bid (side +1) then the ask (side -1, with
``F_LAST``); size is ``SIZE_UNKNOWN``; there is one clock, so ``ts_recv = ts_event`` and
``F_RECV_IS_EVENT`` is set. Prices are ticks of 0.00001 (the 5 decimals of the data); a file with
finer prices gets the finest grid it needs, and a note says so.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

import numpy as np
import pyarrow as pa

from arbkit.adapters.lean.build import constant_strings, step, tick_table
from arbkit.adapters.lean.clock import offset_text, wall_ms_to_utc_ns
from arbkit.adapters.lean.columns import decimals_seen, ms_since_midnight, require, scaled_decimal
from arbkit.adapters.lean.csv_zip import read_lean_bytes, split_csv
from arbkit.core.enums import InstrumentKind
from arbkit.core.errors import MalformedMessageError
from arbkit.core.instruments import Instrument
from arbkit.data.schema import BBO, F_LAST, F_RECV_IS_EVENT, SIZE_UNKNOWN, TickFrame

FX_PRICE_DECIMALS = 5
"""Default price grid: 0.00001 (the data has exactly 5 decimals)."""
FX_COLUMNS = ("ms", "bid", "ask")
DATA_TIME_ZONES: dict[str, tzinfo] = {
    "FXCM": timezone(timedelta(hours=-5), "UTC-05:00"),
    "OANDA": timezone.utc,
}
"""Lean ``dataTimeZone`` of each FX venue: the zone its file day and ms are written in."""
_NAME = re.compile(r"^(?P<venue>[a-z]+)_(?P<pair>[a-z]{6})_(?P<day>\d{8})_tick_quote\.zip$", re.IGNORECASE)


def fx_instrument(venue: str, pair: str, price_decimals: int = FX_PRICE_DECIMALS) -> Instrument:
    """Spot FX ``PAIR.VENUE`` with tick ``10**-price_decimals`` and lot 1 (no sizes in the data)."""
    return Instrument(venue=venue, symbol=pair, base=pair[:3], quote=pair[3:], kind=InstrumentKind.SPOT,
                      tick_size=step(price_decimals), lot_size=step(0))


def read_fx_quotes(path: str | Path, venue: str | None = None) -> TickFrame:
    """Read one Lean FX tick-quote day file into BBO rows (ns UTC, prices in ticks).

    Args:
        path: ``<venue>_<pair>_<YYYYMMDD>_tick_quote.zip``.
        venue: ``"FXCM"`` or ``"OANDA"``; taken from the file name when omitted.

    Raises:
        MalformedMessageError: naming the file and 1-based row, for a wrong column count, an ms
            outside [0, 86,400,000) or in another unit, a non-numeric or non-positive price, or an
            unreadable zip (row 0).
    """
    path = Path(path)
    source = path.name
    match = _NAME.match(source)
    if match is None:
        raise MalformedMessageError(source, 0, "file name is not <venue>_<pair>_<YYYYMMDD>_tick_quote.zip")
    venue = (venue or match["venue"]).upper()
    if venue not in DATA_TIME_ZONES:
        raise MalformedMessageError(source, 0, f"unknown FX venue {venue!r}; known: {sorted(DATA_TIME_ZONES)}")
    pair = match["pair"].upper()
    day = datetime.strptime(match["day"], "%Y%m%d").date()

    data, _ = read_lean_bytes(path)
    raw = split_csv(data, FX_COLUMNS, source)
    ms = ms_since_midnight(raw)
    notes: list[str] = []
    decimals = max(FX_PRICE_DECIMALS, decimals_seen(raw.column("bid")), decimals_seen(raw.column("ask")))
    if decimals > FX_PRICE_DECIMALS:
        notes.append(f"prices have {decimals} decimals, finer than the default {FX_PRICE_DECIMALS}: "
                     f"tick size {step(decimals)}")
    bid = scaled_decimal(raw.column("bid"), decimals, "bid", raw)
    ask = scaled_decimal(raw.column("ask"), decimals, "ask", raw)
    require(raw, (bid <= 0) | (ask <= 0), "price must be > 0: {value}")

    tz = DATA_TIME_ZONES[venue]
    ts = wall_ms_to_utc_ns(day, ms, tz)
    notes.append(_shift_note(venue, day, tz))
    crossed = int(np.count_nonzero(bid > ask))
    if crossed:
        notes.append(f"{crossed} quotes have bid > ask (kept as recorded)")
    instrument = fx_instrument(venue, pair, decimals)
    return TickFrame(table=quote_rows(ts, bid, ask, venue, instrument.id), instruments={instrument.id: instrument},
                     source=source, notes=notes)


def quote_rows(ts: np.ndarray, bid: np.ndarray, ask: np.ndarray, venue: str, instrument_id: str) -> pa.Table:
    """Two BBO rows per quote, bid (+1) then ask (-1, ``F_LAST``), size unknown, one clock."""
    rows = 2 * len(ts)
    ts2 = np.repeat(ts, 2)
    flags = np.tile(np.array([F_RECV_IS_EVENT, F_RECV_IS_EVENT | F_LAST], dtype=np.uint16), len(ts))
    return tick_table(ts_event=ts2, ts_recv=ts2, venue=constant_strings(venue, rows),
                      instrument_id=constant_strings(instrument_id, rows), kind=BBO,
                      side=np.tile(np.array([1, -1], dtype=np.int8), len(ts)),
                      price=np.column_stack([bid, ask]).ravel(), size=np.full(rows, SIZE_UNKNOWN, dtype=np.int64),
                      update_id=-1, flags=flags)


def _shift_note(venue: str, day: date, tz: tzinfo) -> str:
    offset = offset_text(day, tz)
    if offset == "UTC+00:00":
        return f"{venue} file day and ms are UTC: no shift applied"
    return f"{venue} file day and ms are wall-clock {offset} (Lean dataTimeZone): shifted to UTC"


