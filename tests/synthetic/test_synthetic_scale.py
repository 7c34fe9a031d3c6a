"""Scale smoke test: a market of more than a million rows generates, stays consistent and writes to Parquet.

How fast it runs is measured in ``bench/``, never asserted here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from arbkit.data.schema import BBO, DELTA, TRADE
from arbkit.data.synthetic.synthetic_config import NS_PER_S, SyntheticConfig
from arbkit.data.synthetic.synthetic_market import generate_market, write_market


def test_a_million_row_market_generates_consistent_tables_and_writes_them(tmp_path: Path) -> None:
    market = generate_market(SyntheticConfig.for_duration(100 * NS_PER_S), seed=99)

    assert market.total_rows >= 1_000_000
    assert sum(v.rows for v in market.truth.venues) == market.total_rows
    for frame in market.frames.values():
        table = frame.table
        kinds = np.bincount(table.column("kind").to_numpy(), minlength=4)
        assert kinds[DELTA] > 0 and kinds[BBO] > 0 and kinds[TRADE] > 0
        assert np.all(np.diff(table.column("ts_recv").to_numpy()) >= 0)

    for path in write_market(market, tmp_path):
        if path.suffix == ".parquet":
            assert pq.read_metadata(path).num_rows == market.frames[path.stem].table.num_rows
