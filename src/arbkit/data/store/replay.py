"""Replay from the store: chosen instruments' rows as one :class:`~arbkit.data.events.EventTable`.

Each instrument's Parquet files are read in replay order (partition date, then first key) as Arrow
record batches straight into numpy columns. The streams are merged by a chosen clock:

* ``ts_recv`` (default): the local receive time. A row is placed at the **running maximum** of its
  stream's ``ts_recv`` (the time it became usable: diffs buffered before a Binance snapshot become
  usable with it), exactly as :class:`arbkit.data.replay.Replay` orders messages.
* ``ts_event``: exchange time, with the same running-maximum rule per stream.

The merge is stable: ties go to the instrument listed first, then to file order. Row ``stream`` is
the instrument's index in ``instrument_ids``, so ``replay_book(table, stream=i)`` replays instrument i.
Flags are narrowed to the event table's uint8 (every flag arbkit defines fits).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from arbkit.data.events import COLUMNS, EventTable
from arbkit.data.store.catalog import Catalog
from arbkit.data.store.queries import CLOCKS, StoreQueryError

_READ = ("ts_recv", "ts_event", "kind", "side", "price", "size", "update_id", "flags")
BATCH_ROWS = 1 << 20


def _stream_columns(root: Path, paths: Sequence[str]) -> dict[str, np.ndarray]:
    parts: dict[str, list[np.ndarray]] = {name: [] for name in _READ}
    for relative in paths:
        with pq.ParquetFile(root / relative) as handle:
            for batch in handle.iter_batches(batch_size=BATCH_ROWS, columns=list(_READ)):
                for name in _READ:
                    parts[name].append(batch.column(name).to_numpy())
    dtypes = dict(COLUMNS)
    return {name: (np.concatenate(chunks) if chunks else np.zeros(0, dtypes[name])) for name, chunks in parts.items()}


def replay_table(root: Path, instrument_ids: Sequence[str], clock: str = "ts_recv") -> EventTable:
    """The rows of ``instrument_ids`` merged by ``clock`` (see module docs)."""
    if clock not in CLOCKS:
        raise StoreQueryError(f"clock {clock!r} is not one of {CLOCKS}")
    if len(set(instrument_ids)) != len(instrument_ids):
        raise StoreQueryError(f"instrument listed twice in {list(instrument_ids)}")
    with Catalog(root, read_only=True) as catalog:
        files = {i: [f.path for f in catalog.instrument_files(i)] for i in instrument_ids}
    missing = [i for i, paths in files.items() if not paths]
    if missing:
        raise StoreQueryError(f"no ticks in the store for {missing}")
    streams = [_stream_columns(root, files[i]) for i in instrument_ids]
    keys = [np.maximum.accumulate(s[clock]) if len(s[clock]) else s[clock] for s in streams]
    order = np.argsort(np.concatenate(keys), kind="stable")  # stable: instrument order, then file order, on ties
    columns: dict[str, np.ndarray] = {}
    for name, dtype in COLUMNS:
        if name == "stream":
            merged = np.concatenate([np.full(len(k), index, dtype=np.uint16) for index, k in enumerate(keys)])
        else:
            merged = np.concatenate([s[name] for s in streams])
            if name == "flags":
                if merged.size and int(merged.max()) > 0xFF:
                    raise StoreQueryError("flags above 0xFF do not fit the event table's uint8 flags")
            merged = merged.astype(dtype, copy=False)
        columns[name] = np.ascontiguousarray(merged[order])
    return EventTable(columns)
