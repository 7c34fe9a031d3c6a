"""Assemble normalised Arrow tables (:data:`TICK_SCHEMA`, :data:`BAR_SCHEMA`) from numpy columns."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pyarrow as pa

from arbkit.data.schema import BAR_SCHEMA, TICK_SCHEMA


def coded_strings(codes: np.ndarray, values: Sequence[str]) -> pa.Array:
    """A string column whose row ``i`` is ``values[codes[i]]``, built without a Python loop."""
    dictionary = pa.array(list(values), pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), dictionary).cast(pa.string())


def constant_strings(value: str, count: int) -> pa.Array:
    """A string column of ``count`` copies of ``value``."""
    return coded_strings(np.zeros(count, dtype=np.int32), [value])


def tick_table(*, ts_event: np.ndarray, ts_recv: np.ndarray, venue: pa.Array, instrument_id: pa.Array,
               kind: np.ndarray | int, side: np.ndarray, price: np.ndarray, size: np.ndarray,
               update_id: np.ndarray | int, flags: np.ndarray) -> pa.Table:
    """A :data:`TICK_SCHEMA` table; scalars ``kind``/``update_id`` are broadcast to every row."""
    rows = len(ts_event)
    return pa.Table.from_arrays([
        pa.array(ts_event, pa.int64()), pa.array(ts_recv, pa.int64()), venue, instrument_id,
        pa.array(np.broadcast_to(np.asarray(kind, dtype=np.uint8), rows)),
        pa.array(side.astype(np.int8)), pa.array(price, pa.int64()), pa.array(size, pa.int64()),
        pa.array(np.broadcast_to(np.asarray(update_id, dtype=np.int64), rows)),
        pa.array(flags.astype(np.uint16)),
    ], schema=TICK_SCHEMA)


def bar_table(*, ts_event: np.ndarray, interval_ns: int, venue: str, instrument_id: str, kind: pa.Array,
              ohlc: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], volume: np.ndarray) -> pa.Table:
    """A :data:`BAR_SCHEMA` table of bars of one instrument."""
    rows = len(ts_event)
    open_, high, low, close = ohlc
    return pa.Table.from_arrays([
        pa.array(ts_event, pa.int64()), pa.array(np.full(rows, interval_ns, dtype=np.int64)),
        constant_strings(venue, rows), constant_strings(instrument_id, rows), kind,
        pa.array(open_, pa.int64()), pa.array(high, pa.int64()), pa.array(low, pa.int64()),
        pa.array(close, pa.int64()), pa.array(volume, pa.int64()),
    ], schema=BAR_SCHEMA)


def step(decimals: int) -> Decimal:
    """``Decimal`` one unit in the last of ``decimals`` places (``step(5) == Decimal("0.00001")``)."""
    return Decimal(1).scaleb(-decimals)
