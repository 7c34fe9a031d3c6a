"""Where the store keeps a file, and how one source's rows become partition files.

Layout (hive style, so DuckDB and Polars read the partition values from the path)::

    <root>/ticks/venue=<V>/instrument=<I>/date=<YYYY-MM-DD>/<source-stem>-<sha8>.parquet
    <root>/bars/venue=<V>/instrument=<I>/date=<YYYY-MM-DD>/<source-stem>-<sha8>.parquet
    <root>/catalog.duckdb

Row order inside a file is the reader's emission order, which is the **replay order**: sorted by the
running maximum of ``ts_recv`` (bars: ``ts_event``). Rows are never re-sorted by raw ``ts_recv``:
that would move the diffs buffered before a Binance REST snapshot ahead of the snapshot. A row's
partition is the UTC date of its ``ts_event``, except that partitions never go back in emission order
(a few rows stamped just before midnight that arrive after the first row of the new day stay in the
new day), so concatenating one instrument's files by (date, first key) gives back the source order.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arbkit.data.schema import BAR_SCHEMA, F_RECV_IS_EVENT

NS_PER_DAY = 86_400 * 10**9
TICKS = "ticks"
BARS = "bars"
ROW_GROUP_ROWS = 1_000_000
ZSTD_LEVEL = 1
"""zstd level of the tick files: level 1 writes about twice as fast as the default (3) for a few % more bytes."""
"""Rows per Parquet row group (one row group holds a few minutes of a busy Binance book)."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dataset_of(table: pa.Table) -> str:
    """``"bars"`` for a table in BAR_SCHEMA, else ``"ticks"``."""
    return BARS if table.schema.remove_metadata() == BAR_SCHEMA else TICKS


def partition_dir(dataset: str, venue: str, instrument_id: str, day: str) -> Path:
    """Relative folder of one partition (values URL-quoted, so a ``/`` in a symbol cannot nest folders)."""
    return (Path(dataset) / f"venue={quote(venue, safe='._-')}" / f"instrument={quote(instrument_id, safe='._-')}"
            / f"date={day}")


def file_name(source: str, sha256: str) -> str:
    """``<source-stem>-<sha8>.parquet``: the source file name without its suffixes, and the first 8 hex of its sha256."""
    stem = source
    for suffix in (".gz", ".zst", ".zip", ".csv", ".parquet", ".dbn", ".data", ".mbo"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    return f"{quote(stem, safe='._-')}-{sha256[:8]}.parquet"


def order_key(table: pa.Table, dataset: str, clock: str = "ts_recv") -> np.ndarray:
    """The replay key of each row: the running maximum of ``clock`` in row order (bars: ``ts_event``)."""
    column = "ts_event" if dataset == BARS else clock
    values = table.column(column).to_numpy()
    return np.maximum.accumulate(values) if len(values) else values


def day_index(table: pa.Table) -> np.ndarray:
    """Partition day of each row (days since the epoch): the UTC date of ``ts_event``, never going back."""
    days = table.column("ts_event").to_numpy() // NS_PER_DAY
    return np.maximum.accumulate(days) if len(days) else days


def day_text(day: int) -> str:
    """``YYYY-MM-DD`` of days since the epoch."""
    return str(np.datetime64(int(day), "D"))


def clock_offset_ns(table: pa.Table) -> int | None:
    """Median ``ts_recv - ts_event`` (ns) over rows with two real clocks; None when there are none (bars, one-clock sources)."""
    if "ts_recv" not in table.column_names or table.num_rows == 0:
        return None
    two_clocks = pc.equal(pc.bit_wise_and(table.column("flags"), pa.scalar(F_RECV_IS_EVENT, pa.uint16())), 0)
    rows = table.filter(two_clocks)
    if rows.num_rows == 0:
        return None
    diff = rows.column("ts_recv").to_numpy() - rows.column("ts_event").to_numpy()
    return int(np.median(diff))


def split_by_instrument_and_day(table: pa.Table) -> list[tuple[str, str, str, pa.Table]]:
    """``(venue, instrument_id, YYYY-MM-DD, rows)`` pieces of ``table``, rows in their original order."""
    pieces: list[tuple[str, str, str, pa.Table]] = []
    if table.num_rows == 0:
        return pieces
    ids = table.column("instrument_id").combine_chunks().dictionary_encode()
    codes = ids.indices.to_numpy(zero_copy_only=False)
    names = ids.dictionary.to_pylist()
    for code, instrument_id in enumerate(names):
        rows = np.flatnonzero(codes == code)
        part = table.take(pa.array(rows)) if len(rows) != table.num_rows else table
        venue = part.column("venue")[0].as_py()
        days = day_index(part)
        bounds = np.flatnonzero(np.diff(days)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(days)]])
        for start, end in zip(starts.tolist(), ends.tolist()):
            pieces.append((venue, instrument_id, day_text(int(days[start])), part.slice(start, end - start)))
    return pieces
