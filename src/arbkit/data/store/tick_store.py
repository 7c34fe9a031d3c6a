"""``TickStore``: the facade over the store's layout, catalog, DuckDB queries and replay.

>>> import tempfile
>>> from pathlib import Path
>>> store = TickStore(Path(tempfile.mkdtemp()) / "store")
>>> store.info()
[]
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec
import pyarrow as pa

from arbkit.core.instruments import Instrument
from arbkit.data.events import EventTable
from arbkit.data.schema import TickFrame
from arbkit.data.store.catalog import Catalog, instrument_from_json
from arbkit.data.store.ingest import IngestRecord, Progress, ingest_paths
from arbkit.data.store.queries import asof_basis, run_sql, tick_rows
from arbkit.data.store.replay import replay_table


class InstrumentInfo(msgspec.Struct, kw_only=True):
    """What the store holds of one instrument.

    Attributes:
        instrument_id: ``SYMBOL.VENUE``.
        venue: venue code.
        dataset: ``ticks`` or ``bars``.
        rows: rows stored.
        first_ns / last_ns: first and last replay key (``ts_recv`` running max; bars: ``ts_event``).
        dates: partition dates.
        sources: source file names.
        clock_offset_ns: median over the instrument's files of their median ``ts_recv − ts_event``;
            None when the source has one clock.
    """

    instrument_id: str
    venue: str
    dataset: str
    rows: int
    first_ns: int | None
    last_ns: int | None
    dates: list[str]
    sources: list[str]
    clock_offset_ns: int | None


class TickStore:
    """A Parquet tick store at ``root`` (created on first ingest); see ``docs/tick-store.md``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # -- writing --------------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None) -> list[IngestRecord]:
        """Ingest files (idempotent; see :mod:`arbkit.data.store.ingest`); one record per file."""
        return ingest_paths(self.root, paths, progress)

    # -- reading --------------------------------------------------------------------------------------
    def query(self, sql: str) -> pa.Table:
        """Run SQL over the views ``ticks``, ``ticks_raw``, ``bars``, ``sources``, ``files``, ``instruments``."""
        return run_sql(self.root, sql)

    def ticks(self, instrument_id: str | None = None, venue: str | None = None, start_ns: int | None = None,
              end_ns: int | None = None, clock: str = "ts_recv") -> pa.Table:
        """Tick rows (TICK_SCHEMA) with ``start_ns <= clock < end_ns``, ordered by instrument, then source order."""
        return tick_rows(self.root, instrument_id, venue, start_ns, end_ns, clock)

    def frame(self, instrument_id: str, start_ns: int | None = None, end_ns: int | None = None) -> TickFrame:
        """:meth:`ticks` of one instrument as a TickFrame (with its stored definition), e.g. for validation."""
        return TickFrame(table=self.ticks(instrument_id, start_ns=start_ns, end_ns=end_ns),
                         instruments={instrument_id: self.instrument(instrument_id)}, source=f"store:{instrument_id}")

    def asof_join(self, left_instrument: str, right_instrument: str, clock: str = "ts_recv",
                  start_ns: int | None = None, end_ns: int | None = None) -> pa.Table:
        """Basis of ``right`` against ``left`` mids from BBO rows, joined as of ``clock`` (DuckDB ``ASOF JOIN``)."""
        return asof_basis(self.root, left_instrument, right_instrument, clock, start_ns, end_ns)

    def replay(self, instrument_ids: Sequence[str], clock: str = "ts_recv") -> EventTable:
        """Instruments merged by ``clock`` into one EventTable (stream i = ``instrument_ids[i]``)."""
        return replay_table(self.root, list(instrument_ids), clock)

    def instrument(self, instrument_id: str) -> Instrument:
        """The stored definition of ``instrument_id``."""
        with Catalog(self.root, read_only=True) as catalog:
            found = catalog.instrument(instrument_id)
        if found is None:
            from arbkit.core.errors import InstrumentError
            raise InstrumentError(f"{instrument_id} is not in the store at {self.root}")
        return found

    def instruments(self) -> dict[str, Instrument]:
        """Every stored instrument definition."""
        with Catalog(self.root, read_only=True) as catalog:
            rows = catalog.con.execute("SELECT instrument_id, definition FROM instruments ORDER BY 1").fetchall()
        return {r[0]: instrument_from_json(r[1]) for r in rows}

    def info(self) -> list[InstrumentInfo]:
        """Per instrument: rows, first/last time, dates, sources and clock offset (from the catalog; no data scan)."""
        if not (self.root / "catalog.duckdb").exists():
            return []
        with Catalog(self.root, read_only=True) as catalog:
            rows = catalog.con.execute(
                "SELECT instrument_id, any_value(venue), any_value(dataset), sum(rows), min(ts_first), max(ts_last), "
                "list(DISTINCT CAST(date AS VARCHAR) ORDER BY CAST(date AS VARCHAR)), list(DISTINCT source ORDER BY source), "
                "list(clock_offset_ns) FILTER (WHERE clock_offset_ns IS NOT NULL) "
                "FROM files GROUP BY instrument_id ORDER BY instrument_id").fetchall()
        return [InstrumentInfo(instrument_id=r[0], venue=r[1], dataset=r[2], rows=int(r[3]), first_ns=r[4], last_ns=r[5],
                               dates=list(r[6]), sources=list(r[7]),
                               clock_offset_ns=int(statistics.median(r[8])) if r[8] else None) for r in rows]
