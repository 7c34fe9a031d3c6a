"""Turn an :class:`~arbkit.data.events.EventTable` into a :class:`~arbkit.data.schema.TickFrame`.

>>> import numpy as np
>>> from decimal import Decimal
>>> from arbkit.core.enums import InstrumentKind
>>> from arbkit.core.instruments import Instrument
>>> from arbkit.data.events import COLUMNS, EventTable
>>> btc = Instrument(venue="BINANCE_USDM", symbol="BTCUSDT", base="BTC", quote="USDT",
...                  kind=InstrumentKind.LINEAR_PERP, tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
>>> table = EventTable({name: np.ones(2, dtype=dtype) for name, dtype in COLUMNS})
>>> frame = tickframe_from_event_table(table, btc)
>>> frame.table.column("instrument_id").to_pylist(), frame.table.schema.field("flags").type
(['BTCUSDT.BINANCE_USDM', 'BTCUSDT.BINANCE_USDM'], DataType(uint16))
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from arbkit.core.instruments import Instrument
from arbkit.data.events import EventTable
from arbkit.data.schema import TICK_SCHEMA, TickFrame


def _repeat(codes: np.ndarray, values: list[str]) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), pa.array(values, type=pa.string())).cast(pa.string())


def tickframe_from_event_table(table: EventTable, instrument: Instrument | Mapping[int, Instrument],
                               venue: str | None = None, *, source: str = "") -> TickFrame:
    """The rows of ``table`` in :data:`~arbkit.data.schema.TICK_SCHEMA`.

    Args:
        table: events (one stream, or several).
        instrument: the instrument of every row, or stream index → instrument.
        venue: venue code of every row; the instrument's venue when None.
        source: the frame's source (file name); the instrument id when empty.
    """
    by_stream = dict(instrument) if isinstance(instrument, Mapping) else None
    streams = table["stream"]
    if by_stream is None:
        assert isinstance(instrument, Instrument)
        instruments = [instrument]
        codes = np.zeros(len(table), dtype=np.int32)
    else:
        present = np.unique(streams).tolist()
        unknown = sorted(set(present) - set(by_stream))
        if unknown:
            raise ValueError(f"no instrument for streams {unknown} of the event table; given: {sorted(by_stream)}")
        order = sorted(by_stream)
        instruments = [by_stream[s] for s in order]
        lookup = np.full(max(order) + 1, -1, dtype=np.int32)
        lookup[order] = np.arange(len(order), dtype=np.int32)
        codes = lookup[streams]
    venues = [venue or inst.venue for inst in instruments]
    arrays = {
        "ts_event": pa.array(table["ts_event"], type=pa.int64()),
        "ts_recv": pa.array(table["ts_recv"], type=pa.int64()),
        "venue": _repeat(codes, venues),
        "instrument_id": _repeat(codes, [inst.id for inst in instruments]),
        "kind": pa.array(table["kind"], type=pa.uint8()),
        "side": pa.array(table["side"], type=pa.int8()),
        "price": pa.array(table["price"], type=pa.int64()),
        "size": pa.array(table["size"], type=pa.int64()),
        "update_id": pa.array(table["update_id"], type=pa.int64()),
        "flags": pa.array(table["flags"].astype(np.uint16), type=pa.uint16()),
    }
    arrow = pa.table(arrays, schema=TICK_SCHEMA)
    return TickFrame(table=arrow, instruments={inst.id: inst for inst in instruments},
                     source=source or ", ".join(inst.id for inst in instruments))
