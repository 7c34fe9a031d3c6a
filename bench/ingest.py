"""Raw Binance recording → normalised Parquet via the tick store: rows/s, against hftbacktest's converter.

Run: ``python bench/ingest.py [--repeats 3]``. Uses the shipped ``binance_usdm_btcusdt_20240808.gz``.
Each repeat ingests into a fresh temporary store (read + sync + split + zstd Parquet + catalog).
If ``import hftbacktest`` works, its ``binancefutures.convert`` runs on the same file in the same
process (raw → its normalised numpy array, no file written) and the ratio is printed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from arbkit.data.sample import SAMPLE_USDM_BTC, sample_path
from arbkit.data.store import TickStore


def _time(function, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    path = sample_path(SAMPLE_USDM_BTC)
    TickStore(Path(tempfile.mkdtemp()) / "warm").ingest([path])  # compile the numba kernels once

    def store_ingest():  # type: ignore[no-untyped-def]
        return TickStore(Path(tempfile.mkdtemp()) / "store").ingest([path])[0]

    seconds, record = _time(store_ingest, args.repeats)
    rows = record.rows  # type: ignore[attr-defined]
    print(f"arbkit store ingest  {path.name}: {rows:,} rows in {seconds:.3f} s (median of {args.repeats}) "
          f"= {rows / seconds / 1e6:.2f} M rows/s")
    try:
        from hftbacktest.data.utils import binancefutures
    except ImportError as exc:
        print(f"hftbacktest not importable ({exc}); no ratio")
        return
    hbt_seconds, events = _time(lambda: binancefutures.convert(str(path), combined_stream=True), args.repeats)
    n = len(events)  # type: ignore[arg-type]
    print(f"hftbacktest convert  {path.name}: {n:,} events in {hbt_seconds:.3f} s (median of {args.repeats}) "
          f"= {n / hbt_seconds / 1e6:.2f} M events/s")
    print(f"ratio (hftbacktest time / arbkit time): {hbt_seconds / seconds:.1f}x")


if __name__ == "__main__":
    main()
