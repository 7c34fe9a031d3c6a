"""The one normalised schema for ticks from every source: book deltas, quotes (BBO) and trades.

Every reader (Binance, FX, US equities, Databento, Tardis, Bybit, ...) produces a :class:`TickFrame`:
an Arrow table in :data:`TICK_SCHEMA` plus the :class:`~arbkit.core.instruments.Instrument` of each
instrument id in it. Prices are int64 **ticks** and sizes int64 **lots** of that instrument, so no
float ever carries a price; ``tick_size``/``lot_size`` turn them back into decimals.

=============  ==========  ===================================================================
column         type        meaning
=============  ==========  ===================================================================
ts_event       int64       exchange (event) time, ns since the Unix epoch, UTC
ts_recv        int64       local receive time, ns, UTC (= ts_event when the source has one clock,
                           with ``F_RECV_IS_EVENT`` set)
venue          string      venue code (``BINANCE_USDM``, ``FXCM``, ``NYSE``, ``GLBX``, ...)
instrument_id  string      ``SYMBOL.VENUE``
kind           uint8       ``DELTA`` (L2 level set; size 0 deletes), ``TRADE``, ``BBO`` (top of book)
side           int8        +1 bid / buy aggressor, -1 ask / sell aggressor, 0 unknown
price          int64       price in ticks of the instrument
size           int64       size in lots (``SIZE_UNKNOWN`` = -1 when the source has none)
update_id      int64       venue sequence / update id / trade id (-1 if none)
flags          uint16      ``F_LAST`` last row of a venue message, ``F_SNAPSHOT`` row of a snapshot,
                           ``F_CLEAR`` clear the book before this row, ``F_RECV_IS_EVENT``,
                           ``F_REPAIRED`` row changed by a cleansing policy (see the quality report)
=============  ==========  ===================================================================
"""

from __future__ import annotations

import msgspec
import pyarrow as pa

from arbkit.core.instruments import Instrument

DELTA = 1
TRADE = 2
BBO = 3

F_LAST = 1
F_SNAPSHOT = 2
F_CLEAR = 4
F_RECV_IS_EVENT = 8
F_REPAIRED = 16

SIZE_UNKNOWN = -1

TICK_SCHEMA = pa.schema([
    pa.field("ts_event", pa.int64(), nullable=False),
    pa.field("ts_recv", pa.int64(), nullable=False),
    pa.field("venue", pa.string(), nullable=False),
    pa.field("instrument_id", pa.string(), nullable=False),
    pa.field("kind", pa.uint8(), nullable=False),
    pa.field("side", pa.int8(), nullable=False),
    pa.field("price", pa.int64(), nullable=False),
    pa.field("size", pa.int64(), nullable=False),
    pa.field("update_id", pa.int64(), nullable=False),
    pa.field("flags", pa.uint16(), nullable=False),
])

BAR_SCHEMA = pa.schema([
    pa.field("ts_event", pa.int64(), nullable=False),  # bar open time, ns UTC
    pa.field("interval_ns", pa.int64(), nullable=False),
    pa.field("venue", pa.string(), nullable=False),
    pa.field("instrument_id", pa.string(), nullable=False),
    pa.field("kind", pa.string(), nullable=False),  # "trade", "bid", "ask"
    pa.field("open", pa.int64(), nullable=False),  # ticks
    pa.field("high", pa.int64(), nullable=False),
    pa.field("low", pa.int64(), nullable=False),
    pa.field("close", pa.int64(), nullable=False),
    pa.field("volume", pa.int64(), nullable=False),  # lots (last size for quote bars), -1 if none
])
"""Bars (1-minute crypto bars): prices in ticks, volume in lots of the instrument."""


class TickFrame(msgspec.Struct, kw_only=True):
    """Normalised ticks from one source file and the instruments they refer to.

    Attributes:
        table: Arrow table in :data:`TICK_SCHEMA` (or :data:`BAR_SCHEMA` for bars).
        instruments: every instrument id in ``table`` → its definition (tick and lot size).
        source: the file it came from (name only).
        notes: what the reader did that a user should know (time-zone shifts, derived rows).
    """

    table: pa.Table
    instruments: dict[str, Instrument]
    source: str
    notes: list[str] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        if self.table.schema.remove_metadata() not in (TICK_SCHEMA, BAR_SCHEMA):
            raise ValueError(f"{self.source}: table schema is not the tick or bar schema:\n{self.table.schema}")
        ids = set(self.table.column("instrument_id").unique().to_pylist()) if self.table.num_rows else set()
        missing = ids - set(self.instruments)
        if missing:
            raise ValueError(f"{self.source}: no instrument definition for {sorted(missing)}")
