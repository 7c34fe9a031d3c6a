"""Normalised market events as a columnar table: one row per book level change, trade or BBO side.

This is the layout the compiled replay kernels read (and the shape stored to Parquet). Columns:

============  =====  ==========================================================================
column        dtype  meaning
============  =====  ==========================================================================
ts_recv       int64  local receive time, ns since the epoch (UTC)
ts_event      int64  exchange time, ns since the epoch (UTC)
kind          uint8  ``DELTA``, ``TRADE`` or ``BBO``
side          int8   +1 bid / buy aggressor, -1 ask / sell aggressor
price         int64  price in ticks of the instrument
size          int64  size in lots of the instrument (0 deletes a book level)
update_id     int64  venue update id (book, BBO) or trade id
flags         uint8  ``F_LAST``: last row of a venue message; ``F_SNAPSHOT``: row of a snapshot
                     (the first row of a snapshot also has ``F_CLEAR``: clear the book first)
stream        uint16 index of the instrument stream the row came from
============  =====  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from arbkit.core.messages import BestBidOffer, BookGap, BookUpdate, Trade

from arbkit.data.schema import BBO, DELTA, F_CLEAR, F_LAST, F_SNAPSHOT, TRADE  # one definition of kinds and flags

__all__ = ["BBO", "COLUMNS", "DELTA", "EventTable", "F_CLEAR", "F_LAST", "F_SNAPSHOT", "TRADE"]

COLUMNS: tuple[tuple[str, type], ...] = (
    ("ts_recv", np.int64), ("ts_event", np.int64), ("kind", np.uint8), ("side", np.int8),
    ("price", np.int64), ("size", np.int64), ("update_id", np.int64), ("flags", np.uint8), ("stream", np.uint16),
)


class EventTable:
    """Columns of normalised events (see module docs), each a contiguous numpy array."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        lengths = {name: len(array) for name, array in columns.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"columns differ in length: {lengths}")
        missing = {name for name, _ in COLUMNS} - set(columns)
        if missing:
            raise ValueError(f"missing columns: {sorted(missing)}")
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["ts_recv"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    @classmethod
    def from_messages(cls, messages: Iterable[object], stream_of: dict[str, int] | None = None) -> "EventTable":
        """Flatten messages into rows; ``stream_of`` maps instrument id → stream index (auto if None).

        Book gaps carry no rows: they are kept as events by the reader and reported separately.
        """
        streams: dict[str, int] = dict(stream_of or {})
        rows: dict[str, list[int]] = {name: [] for name, _ in COLUMNS}
        cols = [rows[name] for name, _ in COLUMNS]
        append_rows = [c.append for c in cols]
        a_recv, a_event, a_kind, a_side, a_price, a_size, a_uid, a_flags, a_stream = append_rows

        def row(recv: int, event: int, kind: int, side: int, price: int, size: int, uid: int, flags: int, stream: int) -> None:
            a_recv(recv), a_event(event), a_kind(kind), a_side(side), a_price(price)
            a_size(size), a_uid(uid), a_flags(flags), a_stream(stream)

        for message in messages:
            if isinstance(message, BookGap):
                continue
            stream = streams.setdefault(message.instrument_id, len(streams))  # type: ignore[attr-defined]
            if isinstance(message, BookUpdate):
                levels = [(1, p, q) for p, q in message.bids] + [(-1, p, q) for p, q in message.asks]
                base = F_SNAPSHOT if message.is_snapshot else 0
                for i, (side, price, size) in enumerate(levels):
                    flags = base | (F_CLEAR if message.is_snapshot and i == 0 else 0) | (F_LAST if i == len(levels) - 1 else 0)
                    row(message.ts_recv, message.ts_event, DELTA, side, price, size, message.last_update_id, flags, stream)
            elif isinstance(message, Trade):
                row(message.ts_recv, message.ts_event, TRADE, int(message.aggressor), message.price_ticks,
                    message.size_lots, message.trade_id, F_LAST, stream)
            elif isinstance(message, BestBidOffer):
                row(message.ts_recv, message.ts_event, BBO, 1, message.bid_ticks, message.bid_lots, message.update_id, 0, stream)
                row(message.ts_recv, message.ts_event, BBO, -1, message.ask_ticks, message.ask_lots, message.update_id, F_LAST, stream)
            else:
                raise TypeError(f"cannot tabulate {type(message).__name__}")
        return cls({name: np.asarray(rows[name], dtype=dtype) for name, dtype in COLUMNS})

    def to_arrow(self):  # type: ignore[no-untyped-def]
        """The table as a ``pyarrow.Table`` (for Parquet and DuckDB)."""
        import pyarrow as pa

        return pa.table({name: self.columns[name] for name, _ in COLUMNS})

    def write_parquet(self, path: str) -> None:
        """Store the table as Parquet (zstd)."""
        import pyarrow.parquet as pq

        pq.write_table(self.to_arrow(), path, compression="zstd")

    @classmethod
    def read_parquet(cls, path: str) -> "EventTable":
        """Load a table written by :meth:`write_parquet`."""
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        return cls({name: np.ascontiguousarray(table.column(name).to_numpy()).astype(dtype, copy=False)
                    for name, dtype in COLUMNS})
