"""Builders for the data-quality tests: the shipped USDⓈ-M sample as a TickFrame, and planted problems."""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa

from arbkit.adapters.binance.reader import BinanceRecording, ReadStats
from arbkit.core.messages import BookGap
from arbkit.data.events import EventTable
from arbkit.data.quality import tickframe_from_event_table
from arbkit.data.sample import SAMPLE_USDM_BTC, sample_path
from arbkit.data.schema import TICK_SCHEMA, TickFrame
from testkit import USDM_BTC, registry

NUMERIC = ("ts_event", "ts_recv", "kind", "side", "price", "size", "update_id", "flags")


@functools.lru_cache(maxsize=1)
def usdm_sample() -> tuple[TickFrame, ReadStats, tuple[BookGap, ...]]:
    """The shipped BTCUSDT USDⓈ-M recording as a TickFrame (read once per test process), its stats and gaps."""
    recording = BinanceRecording(sample_path(SAMPLE_USDM_BTC), registry())
    messages = list(recording)
    gaps = tuple(m for m in messages if isinstance(m, BookGap))
    frame = tickframe_from_event_table(EventTable.from_messages(messages), registry().get(USDM_BTC), source=SAMPLE_USDM_BTC)
    return frame, recording.stats, gaps


def columns_of(frame: TickFrame) -> dict[str, np.ndarray]:
    """Writable numpy copies of the frame's numeric columns (strings as object arrays)."""
    out = {name: frame.table.column(name).to_numpy().copy() for name in NUMERIC}
    out["venue"] = np.asarray(frame.table.column("venue").to_pylist(), dtype=object)
    out["instrument_id"] = np.asarray(frame.table.column("instrument_id").to_pylist(), dtype=object)
    return out


def frame_of(columns: dict[str, np.ndarray], like: TickFrame) -> TickFrame:
    """A TickFrame of ``columns`` with ``like``'s instruments and source."""
    table = pa.table({field.name: pa.array(columns[field.name], type=field.type) for field in TICK_SCHEMA}, schema=TICK_SCHEMA)
    return TickFrame(table=table, instruments=like.instruments, source=like.source)


def take(columns: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    """The rows ``rows`` (indices, in that order) of every column."""
    return {name: array[rows] for name, array in columns.items()}


def insert_copies(columns: dict[str, np.ndarray], rows: list[int]) -> tuple[dict[str, np.ndarray], list[int]]:
    """Each of ``rows`` copied right after itself; returns the columns and the copies' new indices."""
    n = len(columns["ts_recv"])
    order = np.arange(n).tolist()
    for row in sorted(rows, reverse=True):
        order.insert(row + 1, row)
    order_array = np.asarray(order)
    copies = [int(i) for i in np.flatnonzero(np.r_[False, (order_array[1:] == order_array[:-1])])]
    return take(columns, order_array), copies
