"""The store's catalog: a DuckDB file listing every ingested source, partition file and instrument.

Tables:

* ``sources``: one row per ingested file name: sha256, reader, ingest version, ingest time, rows,
  instruments, first/last ``ts_recv`` (bars: ``ts_event``), clock offset, and for a Binance collector
  file the diff-chain position it ended at (so the next day's file can be ingested later on its own).
* ``files``: one row per Parquet file (relative path): its source, dataset, venue, instrument,
  partition date, rows, first/last replay key and clock offset.
* ``instruments``: instrument id → definition (tick, lot, multiplier, kind) as JSON, plus tick and
  lot size as text for the ``ticks`` view's decimal columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import msgspec

from arbkit.core.errors import InstrumentError
from arbkit.core.instruments import Instrument

CATALOG_FILE = "catalog.duckdb"

_DDL = (
    """CREATE TABLE IF NOT EXISTS sources (
        source VARCHAR PRIMARY KEY, sha256 VARCHAR NOT NULL, reader VARCHAR NOT NULL, ingest_version INTEGER NOT NULL,
        ingested_at TIMESTAMP NOT NULL, dataset VARCHAR NOT NULL, rows BIGINT NOT NULL, instruments VARCHAR NOT NULL,
        ts_first BIGINT, ts_last BIGINT, clock_offset_ns BIGINT, chain_end VARCHAR, notes VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS files (
        path VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, dataset VARCHAR NOT NULL, venue VARCHAR NOT NULL,
        instrument_id VARCHAR NOT NULL, date DATE NOT NULL, rows BIGINT NOT NULL, ts_first BIGINT, ts_last BIGINT,
        clock_offset_ns BIGINT)""",
    """CREATE TABLE IF NOT EXISTS instruments (
        instrument_id VARCHAR PRIMARY KEY, venue VARCHAR NOT NULL, kind VARCHAR NOT NULL, tick_size VARCHAR NOT NULL,
        lot_size VARCHAR NOT NULL, contract_multiplier VARCHAR NOT NULL, definition VARCHAR NOT NULL)""",
)


class SourceRow(msgspec.Struct, kw_only=True):
    """A ``sources`` row."""

    source: str
    sha256: str
    reader: str
    ingest_version: int
    dataset: str
    rows: int
    instruments: list[str]
    ts_first: int | None
    ts_last: int | None
    clock_offset_ns: int | None
    chain_end: str | None
    notes: list[str]


class FileRow(msgspec.Struct, kw_only=True):
    """A ``files`` row (``path`` relative to the store root)."""

    path: str
    source: str
    dataset: str
    venue: str
    instrument_id: str
    date: str
    rows: int
    ts_first: int | None
    ts_last: int | None
    clock_offset_ns: int | None


def instrument_json(instrument: Instrument) -> str:
    """The definition stored in the catalog and in each Parquet file's metadata."""
    return msgspec.json.encode(instrument).decode()


def instrument_from_json(text: str) -> Instrument:
    """Inverse of :func:`instrument_json`."""
    return msgspec.json.decode(text, type=Instrument)


class Catalog:
    """Open (creating if needed) the catalog of the store at ``root``; use as a context manager."""

    def __init__(self, root: Path, read_only: bool = False) -> None:
        self.path = root / CATALOG_FILE
        if read_only and not self.path.exists():
            self.con = duckdb.connect()
            read_only = False
        else:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        if not read_only:
            for statement in _DDL:
                self.con.execute(statement)

    def __enter__(self) -> "Catalog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()

    # -- reads ----------------------------------------------------------------------------------------
    def source(self, name: str) -> tuple[str, str | None] | None:
        """``(sha256, chain_end)`` of an ingested source name, or None."""
        row = self.con.execute("SELECT sha256, chain_end FROM sources WHERE source = ?", [name]).fetchone()
        return (row[0], row[1]) if row else None

    def source_with_sha(self, sha256: str) -> str | None:
        """Name of an ingested source with these bytes, or None."""
        row = self.con.execute("SELECT source FROM sources WHERE sha256 = ? ORDER BY source LIMIT 1", [sha256]).fetchone()
        return row[0] if row else None

    def files_of_source(self, name: str) -> list[str]:
        """Relative paths of a source's Parquet files."""
        return [r[0] for r in self.con.execute("SELECT path FROM files WHERE source = ? ORDER BY path", [name]).fetchall()]

    def instrument(self, instrument_id: str) -> Instrument | None:
        """The stored definition of ``instrument_id``, or None."""
        row = self.con.execute("SELECT definition FROM instruments WHERE instrument_id = ?", [instrument_id]).fetchone()
        return instrument_from_json(row[0]) if row else None

    def instrument_files(self, instrument_id: str, dataset: str = "ticks") -> list[FileRow]:
        """One instrument's files in replay order: by partition date, then first key, then name."""
        rows = self.con.execute(
            "SELECT path, source, dataset, venue, instrument_id, CAST(date AS VARCHAR), rows, ts_first, ts_last, "
            "clock_offset_ns FROM files WHERE instrument_id = ? AND dataset = ? ORDER BY date, ts_first, path",
            [instrument_id, dataset]).fetchall()
        return [FileRow(path=r[0], source=r[1], dataset=r[2], venue=r[3], instrument_id=r[4], date=r[5], rows=r[6],
                        ts_first=r[7], ts_last=r[8], clock_offset_ns=r[9]) for r in rows]

    # -- writes ---------------------------------------------------------------------------------------
    def check_instruments(self, instruments: Sequence[Instrument]) -> None:
        """Raise if an instrument is already stored with another definition (its prices would be in other ticks)."""
        for instrument in instruments:
            stored = self.instrument(instrument.id)
            if stored is not None and stored != instrument:
                raise InstrumentError(f"{instrument.id}: the store holds it with {instrument_json(stored)}, the new "
                                      f"file defines {instrument_json(instrument)}; prices in ticks would not agree")

    def record(self, source: SourceRow, files: Sequence[FileRow], instruments: Sequence[Instrument]) -> list[str]:
        """Replace ``source``'s catalog rows in one transaction; returns the paths it listed before."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            old = [r[0] for r in con.execute("SELECT path FROM files WHERE source = ?", [source.source]).fetchall()]
            con.execute("DELETE FROM files WHERE source = ?", [source.source])
            con.execute("DELETE FROM sources WHERE source = ?", [source.source])
            con.execute("INSERT INTO sources VALUES (?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?)", [
                source.source, source.sha256, source.reader, source.ingest_version, source.dataset, source.rows,
                msgspec.json.encode(source.instruments).decode(), source.ts_first, source.ts_last,
                source.clock_offset_ns, source.chain_end, msgspec.json.encode(source.notes).decode()])
            for f in files:
                con.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, CAST(? AS DATE), ?, ?, ?, ?)", [
                    f.path, f.source, f.dataset, f.venue, f.instrument_id, f.date, f.rows, f.ts_first, f.ts_last,
                    f.clock_offset_ns])
            for instrument in instruments:
                con.execute("INSERT OR IGNORE INTO instruments VALUES (?, ?, ?, ?, ?, ?, ?)", [
                    instrument.id, instrument.venue, instrument.kind.value, format(instrument.tick_size, "f"),
                    format(instrument.lot_size, "f"), format(instrument.contract_multiplier, "f"), instrument_json(instrument)])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return old
