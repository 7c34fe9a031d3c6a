"""Smoke test of bench/replay.py on the shipped sample: it runs, both sides do the same work, ratios are sane.

Speed is never asserted here (see bench/RESULTS.md for the measured figures).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from types import ModuleType

import pytest

from testkit import load_bench, sample_file

SAMPLE = "binance_usdm_btcusdt_20240808.gz"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("replay")


@pytest.fixture(scope="module")
def inputs(bench: ModuleType) -> Iterator[object]:
    yield bench.load(sample_file(SAMPLE))
    gc.unfreeze()  # load() freezes the decoded inputs for the timed runs; hand them back to the collector


def _is_positive_number(value: float) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value > 0


def test_replay_measurement_counts_the_same_events_and_final_bid_as_the_naive_baseline(bench, inputs) -> None:  # type: ignore[no-untyped-def]
    arbkit, naive, final_bid = bench.measure_replay(inputs, repeat=1)
    assert arbkit.events == naive.events
    assert arbkit.events == 466_575  # 445,262 book rows applied after sync + 21,313 trades in the sample
    assert final_bid == 616_597  # 61659.7 in 0.1 ticks
    assert _is_positive_number(arbkit.ratio_to(naive))


def test_end_to_end_and_parquet_measurements_agree_on_events_and_give_positive_ratios(bench, inputs) -> None:  # type: ignore[no-untyped-def]
    fast_e2e, e2e, naive_e2e = bench.measure_end_to_end(inputs, repeat=1)
    parquet = bench.measure_parquet(inputs, repeat=1)
    assert fast_e2e.events == e2e.events == naive_e2e.events == parquet.events
    assert _is_positive_number(fast_e2e.ratio_to(naive_e2e))
    assert _is_positive_number(e2e.ratio_to(naive_e2e))
    assert _is_positive_number(parquet.ratio_to(naive_e2e))


def test_check_agreement_with_a_different_event_count_fails_loudly(bench, inputs) -> None:  # type: ignore[no-untyped-def]
    events, best_bid = bench.arbkit_replay(inputs.table, inputs.trades)
    with pytest.raises(bench.BenchMismatch, match="counted"):
        bench.check_agreement(inputs, events, best_bid, events + 1, 0.0)
