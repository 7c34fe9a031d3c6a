"""Readers of Binance historical-archive samples: USDⓈ-M order-book CSV and Spot quotes/trades Parquet.

Files and columns (as found in the shared samples):

* order-book CSV (``*_depth_snap_*.csv``, ``*_depth_update_*.csv``): ``symbol, timestamp,
  first_update_id, last_update_id, side (b/a), update_type (snap/set), price, qty, pu``. One
  venue message = consecutive rows with the same ``timestamp``, ``last_update_id`` and
  ``update_type``. ``snap`` rows → ``DELTA`` with ``F_SNAPSHOT`` (``F_CLEAR`` on the first row of a
  snapshot); ``set`` rows → ``DELTA`` (qty 0 deletes). ``update_id`` = ``last_update_id``.
  ``pu`` (previous ``last_update_id``) is not checked: the samples are not contiguous.
* quotes Parquet: ``timestamp (timestamp[ms, UTC]), symbol ("BTC/USDT"), ask_size, ask, bid_size,
  bid`` (doubles) → ``BBO`` bid then ask (``F_LAST``).
* trades Parquet: ``timestamp, trade_id, price, quantity, buyer_maker ("True"/"False")`` → ``TRADE``;
  the aggressor is the taker: ``buyer_maker`` True → seller aggressed (-1), False → +1.

Clock: these files have one clock, the exchange's, so ``ts_recv = ts_event`` with ``F_RECV_IS_EVENT``.
Timestamp unit: CSV integers are accepted in ms or µs (Binance moved Spot archives to µs in 2025),
detected from the magnitude per row; Parquet timestamps are converted from their Arrow unit, and
the result must be a 2000–2099 date. Anything else is a :class:`MalformedMessageError`.

Prices and sizes: CSV text is parsed exactly. Parquet doubles are snapped to the instrument's grid and
must lie within 1e-6 of a grid step (a value off the grid is an error, never rounded silently).
Instruments are arbkit's Binance definitions (``BTCUSDT.BINANCE_USDM`` tick 0.1 / lot 0.001,
``BTCUSDT.BINANCE_SPOT`` tick 0.01 / lot 1e-8).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from arbkit.adapters.binance.instruments import SPOT, USDM, binance_registry
from arbkit.data.tick_rows import (
    BBO, DELTA, F_CLEAR, F_LAST, F_SNAPSHOT, TRADE, TickRows, float_to_steps, parse_int, parse_scaled, read_csv_rows,
    to_ns,
)
from arbkit.core.decimal_text import decimals_of
from arbkit.core.errors import InstrumentError, MalformedMessageError
from arbkit.core.instruments import Instrument
from arbkit.data.schema import F_RECV_IS_EVENT, TickFrame

__all__ = ["read_depth_csv", "read_quotes_parquet", "read_trades_parquet", "DEPTH_COLUMNS", "QUOTE_COLUMNS",
           "TRADE_COLUMNS"]

DEPTH_COLUMNS = ("symbol", "timestamp", "first_update_id", "last_update_id", "side", "update_type", "price", "qty", "pu")
QUOTE_COLUMNS = ("timestamp", "symbol", "ask_size", "ask", "bid_size", "bid")
TRADE_COLUMNS = ("timestamp", "trade_id", "price", "quantity", "buyer_maker")
_CSV_UNITS = ("ms", "us")


def _instrument(venue: str, symbol: str, source: str, line: int) -> Instrument:
    try:
        return binance_registry().get(f"{symbol.replace('/', '')}.{venue}")
    except InstrumentError as exc:
        raise MalformedMessageError(source, line, str(exc)) from None


def read_depth_csv(path: str | Path, venue: str = USDM) -> TickFrame:
    """A Binance order-book CSV (``update_type`` snap or set) → ``DELTA`` rows (see the module doc).

    Args:
        path: the CSV file.
        venue: the market it was recorded on (default USDⓈ-M futures).
    """
    path = Path(path)
    source = path.name
    _, records = read_csv_rows(path, DEPTH_COLUMNS)
    instruments: dict[str, Instrument] = {}
    rows = TickRows(venue)
    previous_key: tuple[str, ...] | None = None
    in_snapshot = False
    for line, fields in records:
        symbol, ts_text, _, last_text, side_text, update_type, price_text, qty_text, _ = fields
        if symbol not in instruments:
            instruments[symbol] = _instrument(venue, symbol, source, line)
        instrument = instruments[symbol]
        ts = to_ns(parse_int(ts_text, source, line, "timestamp"), _CSV_UNITS, source, line, "timestamp")
        update_id = parse_int(last_text, source, line, "last_update_id")
        side = {"b": 1, "a": -1}.get(side_text)
        if side is None:
            raise MalformedMessageError(source, line, f"side {side_text!r} is not b/a")
        if update_type not in ("snap", "set"):
            raise MalformedMessageError(source, line, f"update_type {update_type!r} is not snap/set")
        price = parse_scaled(instrument.price_parser, price_text, source, line, "price", positive=True)
        size = parse_scaled(instrument.size_parser, qty_text, source, line, "qty", positive=False)
        key = (symbol, ts_text, last_text, update_type)
        if previous_key is not None and key != previous_key:
            rows.mark_last()
        snapshot = update_type == "snap"
        flags = F_RECV_IS_EVENT | (F_SNAPSHOT if snapshot else 0)
        if snapshot and (not in_snapshot or key != previous_key):
            flags |= F_CLEAR
        in_snapshot = snapshot
        rows.append(instrument.id, ts, ts, DELTA, side, price, size, update_id, flags)
        previous_key = key
    rows.mark_last()
    return rows.frame(list(instruments.values()), source, [f"{len(records)} CSV rows → {len(rows)} DELTA rows; "
                                                            "pu continuity not checked"])


def _parquet(path: Path, columns: tuple[str, ...]) -> pa.Table:
    source = path.name
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise MalformedMessageError(source, 0, f"truncated or corrupt Parquet file: {exc}") from None
    if tuple(table.column_names) != columns:
        raise MalformedMessageError(source, 0, f"unknown column set {table.column_names}; expected {list(columns)}")
    return table


def _timestamps_ns(table: pa.Table, source: str) -> list[int]:
    column = table.column("timestamp")
    if pa.types.is_timestamp(column.type):
        values = pc.cast(column, pa.timestamp("ns", tz=column.type.tz)).cast(pa.int64()).to_pylist()
        unit = ("ns",)
    elif pa.types.is_integer(column.type):
        values, unit = column.to_pylist(), _CSV_UNITS
    else:
        raise MalformedMessageError(source, 0, f"timestamp column has type {column.type}, not a timestamp or integer")
    out = []
    for line, value in enumerate(values, start=1):
        if value is None:
            raise MalformedMessageError(source, line, "timestamp is null")
        out.append(to_ns(value, unit, source, line, "timestamp"))
    return out


def read_quotes_parquet(path: str | Path) -> TickFrame:
    """Binance Spot best bid/ask Parquet → ``BBO`` rows (bid then ask, ``F_LAST`` on ask).

    ``line`` in errors is the 1-based row number.
    """
    path = Path(path)
    source = path.name
    table = _parquet(path, QUOTE_COLUMNS)
    times = _timestamps_ns(table, source)
    data = table.to_pydict()
    instruments: dict[str, Instrument] = {}
    rows = TickRows(SPOT)
    for i, ts in enumerate(times):
        line = i + 1
        symbol = data["symbol"][i]
        if not isinstance(symbol, str):
            raise MalformedMessageError(source, line, f"symbol {symbol!r} is not text")
        if symbol not in instruments:
            instruments[symbol] = _instrument(SPOT, symbol, source, line)
        inst = instruments[symbol]
        for side, price_col, size_col in ((1, "bid", "bid_size"), (-1, "ask", "ask_size")):
            price = _steps(data[price_col][i], *_grid(inst.tick_size), source, line, price_col, True)
            size = _steps(data[size_col][i], *_grid(inst.lot_size), source, line, size_col, False)
            rows.append(inst.id, ts, ts, BBO, side, price, size, -1, F_RECV_IS_EVENT)
        rows.mark_last()
    return rows.frame(list(instruments.values()), source, [f"{len(times)} quotes → {len(rows)} BBO rows; "
                                                            "double prices snapped to the tick grid (±1e-6 step)"])


def _grid(step: Decimal) -> tuple[int, int]:
    """``(decimals, units)`` with ``step == units × 10^-decimals``."""
    decimals = decimals_of(step)
    return decimals, int(step.scaleb(decimals))


def _steps(value: object, decimals: int, units: int, source: str, line: int, field: str, positive: bool) -> int:
    if not isinstance(value, float | int) or isinstance(value, bool):
        raise MalformedMessageError(source, line, f"{field} {value!r} is not a number")
    return float_to_steps(float(value), decimals, units, source, line, field, positive=positive)


def read_trades_parquet(path: str | Path, symbol: str = "BTCUSDT") -> TickFrame:
    """Binance Spot trades Parquet → ``TRADE`` rows (the file has no symbol column; pass it)."""
    path = Path(path)
    source = path.name
    table = _parquet(path, TRADE_COLUMNS)
    times = _timestamps_ns(table, source)
    data = table.to_pydict()
    inst = _instrument(SPOT, symbol, source, 0)
    rows = TickRows(SPOT)
    for i, ts in enumerate(times):
        line = i + 1
        maker = data["buyer_maker"][i]
        side = {"True": -1, "False": 1, True: -1, False: 1}.get(maker)  # type: ignore[call-overload]
        if side is None:
            raise MalformedMessageError(source, line, f"buyer_maker {maker!r} is not True/False")
        trade_id = data["trade_id"][i]
        if not isinstance(trade_id, int) or trade_id < 0:
            raise MalformedMessageError(source, line, f"trade_id {trade_id!r} is not a non-negative integer")
        price = _steps(data["price"][i], *_grid(inst.tick_size), source, line, "price", True)
        size = _steps(data["quantity"][i], *_grid(inst.lot_size), source, line, "quantity", True)
        rows.append(inst.id, ts, ts, TRADE, side, price, size, trade_id, F_RECV_IS_EVENT | F_LAST)
    return rows.frame([inst], source, [f"{len(times)} trades; double prices snapped to the tick grid (±1e-6 step)"])
