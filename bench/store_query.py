"""Ingest every shared real-data file into a temporary store, then time pulling one minute of one instrument.

Run: ``python bench/store_query.py [--instrument BTCUSDT.BINANCE_USDM]``. Prints the ingest time and
the median of 5 ``TickStore.ticks(instrument, start, start + 60 s)`` calls (DuckDB over the
hive-partitioned Parquet, result as an Arrow table), starting at the median ``ts_recv`` of the instrument's rows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from arbkit.data.store import TickStore

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instrument", default="BTCUSDT.BINANCE_USDM")
    parser.add_argument("--data", type=Path, default=SHARED)
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"no shared data at {args.data}")
    files = sorted(p for p in args.data.rglob("*") if p.is_file() and p.name not in ("MANIFEST.tsv", "README.md"))
    store = TickStore(Path(tempfile.mkdtemp()) / "store")
    started = time.perf_counter()
    records = store.ingest(files)
    ingest_s = time.perf_counter() - started
    stored = sum(r.rows for r in records)
    print(f"ingested {len(files)} files ({sum(r.status == 'ingested' for r in records)} stored, "
          f"{sum(r.status == 'skipped' for r in records)} skipped): {stored:,} rows in {ingest_s:.1f} s")
    info = {i.instrument_id: i for i in store.info()}[args.instrument]
    start = int(store.query(f"SELECT CAST(median(ts_recv) AS BIGINT) FROM ticks_raw WHERE instrument_id = '{args.instrument}'")
                .column(0)[0].as_py())  # a minute at the middle of its rows (the store has gaps between dates)
    times, rows = [], 0
    for _ in range(5):
        t0 = time.perf_counter()
        rows = store.ticks(args.instrument, start_ns=start, end_ns=start + 60 * 10**9).num_rows
        times.append(time.perf_counter() - t0)
    print(f"one minute of {args.instrument}: {rows:,} rows, median of 5 = {statistics.median(times) * 1e3:.1f} ms "
          f"(store: {len(info.dates)} dates of this instrument, {len(store.info())} instruments)")


if __name__ == "__main__":
    main()
