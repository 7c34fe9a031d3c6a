"""A Parquet tick store partitioned by venue / instrument / date, with a DuckDB catalog and queries.

>>> from arbkit.data.store import TickStore, INGEST_VERSION
>>> INGEST_VERSION
1

See ``docs/tick-store.md`` for the layout, metadata, idempotency rules, queries and replay.
"""

from arbkit.data.store.catalog import CATALOG_FILE
from arbkit.data.store.ingest import INGEST_VERSION, IngestRecord
from arbkit.data.store.queries import CLOCKS, StoreQueryError
from arbkit.data.store.tick_store import InstrumentInfo, TickStore

__all__ = ["CATALOG_FILE", "CLOCKS", "INGEST_VERSION", "IngestRecord", "InstrumentInfo", "StoreQueryError", "TickStore"]
