"""Readers of Tardis.dev CSV files (``datasets`` API): incremental L2, N-level snapshots, trades, quotes.

Every Tardis CSV starts with ``exchange,symbol,timestamp,local_timestamp``: ``timestamp`` is the
exchange's time and ``local_timestamp`` Tardis's receive time, both **µs** since the epoch. The unit
is checked on every row from the magnitude; a value that looks like ms or ns fails the read with
:class:`~arbkit.core.errors.MalformedMessageError` (never rescaled).

Instruments: venue = ``exchange`` upper-cased with ``-`` → ``_`` (``BINANCE_FUTURES``, ``DERIBIT``),
id ``SYMBOL.VENUE``. Tardis files carry no tick or lot size, so they are taken from the data: the
tick is 10^-d for d the most decimals of any price of that instrument in the file, and the lot
likewise from the amounts. Such a grid is exact for the file but may be finer than the venue's
(which is harmless: every price is still an exact integer number of ticks). Kind: ``binance``
(and other spot exchanges) → spot; symbols ending in ``USDT``/``USDC`` on derivative exchanges →
linear perp; other derivative symbols (``XBTUSD``, ``BTC-PERPETUAL``, ``BTC-USD``) → inverse, with
``amount`` as Tardis gives it (USD for BitMEX and Deribit, contracts of 100 USD for Huobi swaps).

Mapping to :data:`~arbkit.data.schema.TICK_SCHEMA`:

* ``incremental_book_L2`` → ``DELTA`` rows; rows with the same ``timestamp``, ``local_timestamp``
  and ``is_snapshot`` form one message (``F_LAST`` on its last row); ``is_snapshot=true`` rows get
  ``F_SNAPSHOT`` and the first row of each snapshot run ``F_CLEAR``; amount 0 deletes the level.
* ``book_snapshot_N`` (wide ``asks[i].price``/``asks[i].amount``/``bids[i]...`` columns) → each
  CSV row is a whole snapshot: bids (best first) then asks as ``DELTA`` rows with ``F_SNAPSHOT``,
  ``F_CLEAR`` on the first and ``F_LAST`` on the last; empty level cells are skipped.
* ``trades`` → ``TRADE`` rows, side ``buy`` +1 / ``sell`` -1 / ``unknown`` 0; ``update_id`` = ``id``
  when it is an integer, else -1 (BitMEX ids are UUIDs).
* ``quotes`` → ``BBO`` bid then ask (``F_LAST``); an empty side gives no row.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from arbkit.data.tick_rows import (
    BBO, DELTA, F_CLEAR, F_LAST, F_SNAPSHOT, TRADE, TickRows, decimals_in, parse_int, parse_scaled, read_csv_rows,
    to_ns,
)
from arbkit.core.enums import InstrumentKind
from arbkit.core.errors import MalformedMessageError
from arbkit.core.instruments import Instrument
from arbkit.data.schema import TickFrame

__all__ = ["read_tardis_csv", "read_incremental_book_l2", "read_book_snapshot", "read_trades", "read_quotes",
           "tardis_kind_of_header"]

BASE_COLUMNS = ("exchange", "symbol", "timestamp", "local_timestamp")
INCREMENTAL = BASE_COLUMNS + ("is_snapshot", "side", "price", "amount")
TRADES = BASE_COLUMNS + ("id", "side", "price", "amount")
QUOTES = BASE_COLUMNS + ("ask_amount", "ask_price", "bid_price", "bid_amount")
SPOT_EXCHANGES = frozenset({"binance", "binance-us", "coinbase", "kraken", "bitstamp", "okex", "huobi", "bybit-spot"})
DERIVATIVE_EXCHANGES = frozenset({"binance-futures", "binance-delivery", "bitmex", "deribit", "huobi-dm",
                                  "huobi-dm-swap", "huobi-dm-linear-swap", "okex-swap", "okex-futures", "bybit",
                                  "ftx", "bitfinex-derivatives", "kraken-futures"})
_SNAPSHOT_COLUMN = re.compile(r"^(asks|bids)\[(\d+)\]\.(price|amount)$")
_QUOTE_SUFFIXES = ("USDT", "USDC", "BUSD", "USD")


def _snapshot_depth(header: tuple[str, ...]) -> int:
    """N for a ``book_snapshot_N`` header, 0 when ``header`` is not one."""
    if header[:4] != BASE_COLUMNS or (len(header) - 4) % 4 or len(header) == 4:
        return 0
    depth = (len(header) - 4) // 4
    expected = [f"{side}[{i}].{field}" for i in range(depth) for side in ("asks", "bids") for field in ("price", "amount")]
    return depth if list(header[4:]) == expected else 0


def tardis_kind_of_header(header: tuple[str, ...]) -> str | None:
    """``"incremental_book_L2"``, ``"book_snapshot_N"``, ``"trades"``, ``"quotes"`` or None (unknown)."""
    if header == INCREMENTAL:
        return "incremental_book_L2"
    if header == TRADES:
        return "trades"
    if header == QUOTES:
        return "quotes"
    depth = _snapshot_depth(header)
    return f"book_snapshot_{depth}" if depth else None


def _instrument(exchange: str, symbol: str, price_decimals: int, size_decimals: int, source: str,
                line: int) -> Instrument:
    if exchange in SPOT_EXCHANGES:
        kind = InstrumentKind.SPOT
    elif exchange in DERIVATIVE_EXCHANGES:
        kind = InstrumentKind.LINEAR_PERP if symbol.endswith(("USDT", "USDC")) else InstrumentKind.INVERSE_PERP
    else:
        raise MalformedMessageError(source, line, f"unknown Tardis exchange {exchange!r}")
    if not symbol or not re.fullmatch(r"[A-Za-z0-9_\-]+", symbol):
        raise MalformedMessageError(source, line, f"symbol {symbol!r} is not a plain symbol")
    if "-" in symbol:
        base, second = symbol.split("-", 2)[:2]
        quote = second if second in _QUOTE_SUFFIXES else "USD"
    else:
        quote = next((q for q in _QUOTE_SUFFIXES if symbol.endswith(q) and len(symbol) > len(q)), "USD")
        base = symbol[: -len(quote)] if symbol.endswith(quote) and len(symbol) > len(quote) else symbol
    return Instrument(venue=exchange.upper().replace("-", "_"), symbol=symbol, base=base, quote=quote, kind=kind,
                      tick_size=Decimal(1).scaleb(-price_decimals), lot_size=Decimal(1).scaleb(-size_decimals))


def _value_columns(kind: str, header: tuple[str, ...]) -> tuple[list[int], list[int]]:
    """Indices of the price columns and of the amount columns of a file of ``kind``."""
    if kind in ("incremental_book_L2", "trades"):
        return [6], [7]
    if kind == "quotes":
        return [5, 6], [4, 7]
    prices = [i for i, name in enumerate(header) if name.endswith(".price")]
    return prices, [i + 1 for i in prices]


def read_tardis_csv(path: str | Path, expect: str | None = None) -> TickFrame:
    """Read any of the four Tardis CSV data types, detected from the header.

    Args:
        path: the CSV file (not gzipped).
        expect: ``"incremental_book_L2"``, ``"book_snapshot"``, ``"trades"`` or ``"quotes"`` to insist
            on one data type; a file of another type is an error.

    Raises:
        MalformedMessageError: unknown column set, wrong field count, a timestamp not in µs, a price
            that is 0, negative or not a decimal (``NaN``), unknown side or exchange; each names the line.
    """
    path = Path(path)
    source = path.name
    header, rows = read_csv_rows(path)
    kind = tardis_kind_of_header(header)
    if kind is None:
        raise MalformedMessageError(source, 1, f"unknown Tardis column set {list(header)[:10]}")
    if expect is not None and not kind.startswith(expect):
        raise MalformedMessageError(source, 1, f"expected a Tardis {expect} file, the header is {kind}")
    price_cols, size_cols = _value_columns(kind, header)

    # pass 1: the grid of each instrument from the most decimals in its prices and amounts
    grids: dict[tuple[str, str], list[int]] = {}
    for line, fields in rows:
        grid = grids.setdefault((fields[0], fields[1]), [0, 0, line])
        for which, cols in ((0, price_cols), (1, size_cols)):
            for col in cols:
                text = fields[col]
                if text == "" and kind != "incremental_book_L2" and kind != "trades":
                    continue
                places = decimals_in(text)
                if places < 0:
                    raise MalformedMessageError(source, line, f"{header[col]} {text!r} is not a plain decimal",
                                                ",".join(fields))
                grid[which] = max(grid[which], places)
    instruments = {key: _instrument(key[0], key[1], g[0], g[1], source, g[2]) for key, g in grids.items()}

    rows_out = TickRows(instruments[next(iter(instruments))].venue if instruments else "TARDIS")
    venues = {i.venue for i in instruments.values()}
    if len(venues) > 1:
        raise MalformedMessageError(source, 0, f"{len(venues)} exchanges in one file ({sorted(venues)})")
    emit = {"incremental_book_L2": _incremental, "trades": _trades, "quotes": _quotes}.get(kind, _snapshots)
    emit(rows, instruments, rows_out, source, header)
    notes = [f"Tardis {kind}: {len(rows)} CSV rows → {len(rows_out)} tick rows; tick/lot from the data's decimals: "
             + ", ".join(f"{i.id} {i.tick_size}/{i.lot_size}" for i in instruments.values())]
    return rows_out.frame(list(instruments.values()), source, notes)


def _clocks(fields: list[str], source: str, line: int) -> tuple[int, int]:
    ts_event = to_ns(parse_int(fields[2], source, line, "timestamp"), ("us",), source, line, "timestamp")
    ts_recv = to_ns(parse_int(fields[3], source, line, "local_timestamp"), ("us",), source, line, "local_timestamp")
    return ts_event, ts_recv


def _incremental(rows, instruments, out: TickRows, source: str, header) -> None:  # type: ignore[no-untyped-def]
    previous_key: tuple[str, ...] | None = None
    in_snapshot = False
    for line, fields in rows:
        instrument = instruments[(fields[0], fields[1])]
        ts_event, ts_recv = _clocks(fields, source, line)
        snapshot = {"true": True, "false": False}.get(fields[4])
        if snapshot is None:
            raise MalformedMessageError(source, line, f"is_snapshot {fields[4]!r} is not true/false")
        side = {"bid": 1, "ask": -1}.get(fields[5])
        if side is None:
            raise MalformedMessageError(source, line, f"side {fields[5]!r} is not bid/ask")
        price = parse_scaled(instrument.price_parser, fields[6], source, line, "price", positive=True)
        size = parse_scaled(instrument.size_parser, fields[7], source, line, "amount", positive=False)
        key = (fields[0], fields[1], fields[2], fields[3], fields[4])
        if previous_key is not None and key != previous_key:
            out.mark_last()
        flags = F_SNAPSHOT if snapshot else 0
        if snapshot and not in_snapshot:
            flags |= F_CLEAR
        in_snapshot = snapshot
        out.append(instrument.id, ts_event, ts_recv, DELTA, side, price, size, -1, flags)
        previous_key = key
    out.mark_last()


def _snapshots(rows, instruments, out: TickRows, source: str, header) -> None:  # type: ignore[no-untyped-def]
    depth = _snapshot_depth(header)
    for line, fields in rows:
        instrument = instruments[(fields[0], fields[1])]
        ts_event, ts_recv = _clocks(fields, source, line)
        flags = F_SNAPSHOT | F_CLEAR
        start = len(out)
        for side, offset in ((1, 6), (-1, 4)):
            for level in range(depth):
                price_text, size_text = fields[offset + 4 * level], fields[offset + 4 * level + 1]
                if price_text == "" and size_text == "":
                    continue
                price = parse_scaled(instrument.price_parser, price_text, source, line, header[offset + 4 * level],
                                     positive=True)
                size = parse_scaled(instrument.size_parser, size_text, source, line, header[offset + 4 * level + 1],
                                    positive=True)
                out.append(instrument.id, ts_event, ts_recv, DELTA, side, price, size, -1, flags)
                flags = F_SNAPSHOT
        if len(out) == start:
            raise MalformedMessageError(source, line, "snapshot row with no levels")
        out.mark_last()


def _trades(rows, instruments, out: TickRows, source: str, header) -> None:  # type: ignore[no-untyped-def]
    for line, fields in rows:
        instrument = instruments[(fields[0], fields[1])]
        ts_event, ts_recv = _clocks(fields, source, line)
        side = {"buy": 1, "sell": -1, "unknown": 0}.get(fields[5])
        if side is None:
            raise MalformedMessageError(source, line, f"side {fields[5]!r} is not buy/sell/unknown")
        trade_id = int(fields[4]) if fields[4].isascii() and fields[4].isdigit() and len(fields[4]) < 19 else -1
        price = parse_scaled(instrument.price_parser, fields[6], source, line, "price", positive=True)
        size = parse_scaled(instrument.size_parser, fields[7], source, line, "amount", positive=True)
        out.append(instrument.id, ts_event, ts_recv, TRADE, side, price, size, trade_id, F_LAST)


def _quotes(rows, instruments, out: TickRows, source: str, header) -> None:  # type: ignore[no-untyped-def]
    for line, fields in rows:
        instrument = instruments[(fields[0], fields[1])]
        ts_event, ts_recv = _clocks(fields, source, line)
        start = len(out)
        for side, price_col, size_col in ((1, 6, 7), (-1, 5, 4)):
            if fields[price_col] == "" and fields[size_col] == "":
                continue
            price = parse_scaled(instrument.price_parser, fields[price_col], source, line, header[price_col],
                                 positive=True)
            size = parse_scaled(instrument.size_parser, fields[size_col], source, line, header[size_col],
                                positive=False)
            out.append(instrument.id, ts_event, ts_recv, BBO, side, price, size, -1, 0)
        if len(out) > start:
            out.mark_last()


def read_incremental_book_l2(path: str | Path) -> TickFrame:
    """A Tardis ``incremental_book_L2`` CSV → ``DELTA`` rows (see the module doc)."""
    return read_tardis_csv(path, expect="incremental_book_L2")


def read_book_snapshot(path: str | Path) -> TickFrame:
    """A Tardis ``book_snapshot_N`` CSV (any N, e.g. 5 or 25) → snapshot ``DELTA`` rows."""
    return read_tardis_csv(path, expect="book_snapshot")


def read_trades(path: str | Path) -> TickFrame:
    """A Tardis ``trades`` CSV → ``TRADE`` rows."""
    return read_tardis_csv(path, expect="trades")


def read_quotes(path: str | Path) -> TickFrame:
    """A Tardis ``quotes`` CSV → ``BBO`` rows."""
    return read_tardis_csv(path, expect="quotes")
