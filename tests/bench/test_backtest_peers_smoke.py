"""Smoke test of bench/backtest_peers.py: arbkit's side only, on a slice of the shipped sample (``--quick``).

Speed is never asserted (see bench/RESULTS.md); the peers are not run here.
"""

from __future__ import annotations

from types import ModuleType

import pytest
from testkit import load_bench, sample_file

from arbkit.book.imbalance_replay import replay_imbalance

SAMPLE = "binance_usdm_btcusdt_20240808.gz"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("backtest_peers")


def test_quick_run_counts_the_replay_imbalance_events_and_makes_one_python_call_per_decision(bench) -> None:  # type: ignore[no-untyped-def]
    inputs = bench.quick_inputs(bench.load(sample_file(SAMPLE)))
    plan = bench.Plan()
    measured, outcomes, skipped = bench.measure(inputs, plan, repeat=1, peers=False)
    reference = replay_imbalance(inputs.table, n_levels=plan.levels)
    out = outcomes[bench.ARBKIT]
    assert skipped == [] and list(measured) == [bench.ARBKIT]
    assert measured[bench.ARBKIT].events == out.events == reference.events
    assert out.batches == reference.batches and out.checksum == reference.checksum
    assert out.decisions == out.python_callbacks == reference.batches // plan.decision_every
    assert 0 < out.filled <= out.submitted == (out.decisions + 1) // 2


def test_quick_main_prints_the_table_without_peers(bench, capsys) -> None:  # type: ignore[no-untyped-def]
    assert bench.main(["--quick", "--file", str(sample_file(SAMPLE))]) == 0
    printed = capsys.readouterr().out
    assert "arbkit FastBacktest" in printed and "Python decision callbacks" in printed
