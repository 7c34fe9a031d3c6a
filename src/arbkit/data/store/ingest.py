"""Ingest source files into the store: read, split into partitions, write Parquet atomically, record.

Idempotency: a file whose name and sha256 are in the catalog is skipped ("already ingested"), and so
is a file whose bytes were ingested under another name. A file with a known name and new bytes
replaces that source's Parquet files: the new files are written under temporary names and renamed
into place, then the catalog is updated in one transaction, and only then are the old files deleted.
Nothing is written before the whole source has been read, so a file the reader rejects (truncated,
malformed) leaves the store as it was.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

import msgspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from arbkit.adapters.binance.reader import predecessor_name
from arbkit.adapters.binance.sync import ChainPosition
from arbkit.data.sources import binance_collector_key, ingest_order, reader_for
from arbkit.data.store.catalog import Catalog, FileRow, SourceRow, instrument_json
from arbkit.data.store.layout import (ROW_GROUP_ROWS, ZSTD_LEVEL, clock_offset_ns, dataset_of, file_name, order_key,
                                      partition_dir, sha256_of, split_by_instrument_and_day)

INGEST_VERSION = 1
"""Version of the store's layout and normalisation; recorded with every file (bump when either changes)."""

Status = Literal["ingested", "replaced", "already ingested", "skipped"]


class IngestRecord(msgspec.Struct, kw_only=True):
    """What ingesting one file did.

    Attributes:
        source: the file name.
        status: ``ingested`` (new), ``replaced`` (same name, new bytes), ``already ingested`` (same
            bytes seen before: nothing written) or ``skipped`` (not ticks; ``message`` says why).
        sha256: hex digest of the file's bytes.
        reader: the reader's name (see :data:`arbkit.data.sources.READERS`).
        rows: rows stored (0 when nothing was written).
        instruments: instrument ids in the file.
        files: Parquet files written, relative to the store root.
        clock_offset_ns: median ``ts_recv - ts_event`` over rows with two clocks; None if none.
        seconds: wall time of read + write.
        message: a human explanation for ``already ingested`` and ``skipped``.
    """

    source: str
    status: Status
    sha256: str
    reader: str
    rows: int = 0
    instruments: list[str] = msgspec.field(default_factory=list)
    files: list[str] = msgspec.field(default_factory=list)
    clock_offset_ns: int | None = None
    seconds: float = 0.0
    message: str = ""


Progress = Callable[[Path, IngestRecord | None], None]
"""Called with (path, None) before a file is read and (path, record) after it."""


def _metadata(source: str, sha256: str, reader: str, instrument_json_text: str, offset: int | None, rows: int,
              dataset: str) -> dict[bytes, bytes]:
    values = {
        "arbkit.source": source, "arbkit.sha256": sha256, "arbkit.reader": reader,
        "arbkit.ingest_version": str(INGEST_VERSION), "arbkit.instrument": instrument_json_text,
        "arbkit.clock_offset_ns": "" if offset is None else str(offset), "arbkit.rows": str(rows),
        "arbkit.dataset": dataset,
        "arbkit.order": "bars: ts_event" if dataset == "bars" else "source order = running max of ts_recv",
    }
    return {k.encode(): v.encode() for k, v in values.items()}


def _chain_from(catalog: Catalog, path: Path, pending: dict[str, ChainPosition | None]) -> ChainPosition | None:
    """The chain end of a Binance file's predecessor (read earlier in this call, or recorded in the catalog)."""
    previous = predecessor_name(path)
    if previous is None:
        return None
    if previous in pending:
        return pending[previous]
    known = catalog.source(previous)
    if known is not None and known[1]:
        return msgspec.json.decode(known[1], type=ChainPosition)
    return None


def ingest_paths(root: Path, paths: Iterable[str | Path], progress: Progress | None = None) -> list[IngestRecord]:
    """Ingest ``paths`` (files; see :func:`arbkit.data.sources.ingest_order` for the order used) into ``root``."""
    records: list[IngestRecord] = []
    ends: dict[str, ChainPosition | None] = {}
    root.mkdir(parents=True, exist_ok=True)
    with Catalog(root) as catalog:
        for path in ingest_order(paths):
            if progress:
                progress(path, None)
            record = _ingest_one(root, catalog, path, ends)
            records.append(record)
            if progress:
                progress(path, record)
    return records


def _ingest_one(root: Path, catalog: Catalog, path: Path, ends: dict[str, ChainPosition | None]) -> IngestRecord:
    started = time.perf_counter()
    reader = reader_for(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    sha = sha256_of(path)
    if reader.skip_reason is not None or reader.read is None:
        return IngestRecord(source=path.name, status="skipped", sha256=sha, reader=reader.name,
                            message=reader.skip_reason or "not stored")
    known = catalog.source(path.name)
    if known is not None and known[0] == sha:
        if known[1]:
            ends[path.name] = msgspec.json.decode(known[1], type=ChainPosition)
        return IngestRecord(source=path.name, status="already ingested", sha256=sha, reader=reader.name,
                            message=f"{path.name} (sha256 {sha[:12]}…) is already in the store; nothing written")
    same_bytes = catalog.source_with_sha(sha)
    if known is None and same_bytes is not None:
        return IngestRecord(source=path.name, status="already ingested", sha256=sha, reader=reader.name,
                            message=f"the same bytes are already in the store as {same_bytes}; nothing written")

    resume = _chain_from(catalog, path, ends) if binance_collector_key(path.name) else None
    read = reader.read(path, resume)
    frame = read.frame
    ends[path.name] = read.end
    catalog.check_instruments(list(frame.instruments.values()))
    dataset = dataset_of(frame.table)
    table = frame.table.replace_schema_metadata(None)

    pieces = split_by_instrument_and_day(table)
    name = file_name(path.name, sha)
    planned: list[tuple[Path, pa.Table, FileRow]] = []
    for venue, instrument_id, day, rows in pieces:
        relative = partition_dir(dataset, venue, instrument_id, day) / name
        key = order_key(rows, dataset)
        offset = clock_offset_ns(rows) if dataset == "ticks" else None
        meta = _metadata(path.name, sha, reader.name, instrument_json(frame.instruments[instrument_id]), offset,
                         rows.num_rows, dataset)
        planned.append((relative, rows.replace_schema_metadata(meta), FileRow(
            path=relative.as_posix(), source=path.name, dataset=dataset, venue=venue, instrument_id=instrument_id,
            date=day, rows=rows.num_rows, ts_first=int(key[0]), ts_last=int(key[-1]), clock_offset_ns=offset)))

    written = _write_all(root, planned)
    key_all = order_key(table, dataset) if table.num_rows else None
    source_row = SourceRow(
        source=path.name, sha256=sha, reader=reader.name, ingest_version=INGEST_VERSION, dataset=dataset,
        rows=table.num_rows, instruments=sorted(frame.instruments), ts_first=int(key_all[0]) if key_all is not None else None,
        ts_last=int(key_all[-1]) if key_all is not None else None,
        clock_offset_ns=clock_offset_ns(table) if dataset == "ticks" else None,
        chain_end=msgspec.json.encode(read.end).decode() if read.end is not None else None, notes=list(frame.notes))
    try:
        old = catalog.record(source_row, [row for _, _, row in planned], list(frame.instruments.values()))
    except BaseException:
        for target in written:
            if target.relative_to(root).as_posix() not in catalog.files_of_source(path.name):
                target.unlink(missing_ok=True)
        raise
    new_paths = {row.path for _, _, row in planned}
    for stale in old:
        if stale not in new_paths:
            (root / stale).unlink(missing_ok=True)
    return IngestRecord(source=path.name, status="replaced" if known is not None else "ingested", sha256=sha,
                        reader=reader.name, rows=table.num_rows, instruments=sorted(frame.instruments),
                        files=sorted(new_paths), clock_offset_ns=source_row.clock_offset_ns,
                        seconds=round(time.perf_counter() - started, 3))


def _dictionary_strings(rows: pa.Table) -> pa.Table:
    """Dictionary-encode the constant-per-file string columns (venue, instrument): faster to write, same values."""
    for name in ("venue", "instrument_id"):
        if name in rows.column_names and not pa.types.is_dictionary(rows.schema.field(name).type):
            rows = rows.set_column(rows.schema.get_field_index(name), name, pc.dictionary_encode(rows.column(name)))
    return rows


def _write_all(root: Path, planned: list[tuple[Path, pa.Table, FileRow]]) -> list[Path]:
    """Write every piece under a temporary name, then rename them all into place; on failure remove the temporaries."""
    temporaries: list[tuple[Path, Path]] = []
    try:
        for relative, rows, _ in planned:
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temporaries.append((temporary, target))
            pq.write_table(_dictionary_strings(rows), temporary, compression="zstd", compression_level=ZSTD_LEVEL,
                           row_group_size=ROW_GROUP_ROWS)
    except BaseException:
        for temporary, _ in temporaries:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, target in temporaries:
        os.replace(temporary, target)
    return [target for _, target in temporaries]
