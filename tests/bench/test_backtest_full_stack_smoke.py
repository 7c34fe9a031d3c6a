"""Smoke test of bench/backtest_full_stack.py: a --quick run over a slice of the shipped sample prints every figure.

Speed is never asserted here (the measured figures go in bench/RESULTS.md); the counts are, so the test
fails if a layer (features, model, risk gate) stops running.
"""

from __future__ import annotations

import re

import pytest
from testkit import load_bench


def _count(pattern: str, out: str) -> int:
    found = re.search(pattern, out)
    assert found is not None, f"{pattern!r} not in the bench output"
    return int(found.group(1).replace(",", ""))


def test_bench_runs_features_model_and_gate_on_decision_events_and_prints_the_layer_breakdown(
        capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench("backtest_full_stack")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "40,000 messages, 183,747 events (book level changes + trades)" in out
    assert "model: LightGBM 20 trees, 31 leaves, compiled" in out
    assert _count(r"trained on ([0-9,]+) decision events", out) > 100
    assert "script: 40 features, a decision every 100 ms of event time" in out
    decisions = _count(r"full stack: decisions ([0-9,]+)", out)
    intents = _count(r"intents ([0-9,]+)", out)
    fills = _count(r"fills ([0-9,]+)", out)
    assert decisions > 100 and 0 < intents <= decisions and 0 < fills
    for layer in bench.LAYERS:
        row = re.search(re.escape(layer) + r" +([0-9.]+) +([0-9,]+) +([0-9,]+)", out)
        assert row is not None and float(row.group(1)) > 0, layer
    assert re.search(r"ratio full stack / book\+venue: [0-9.]+", out)
    latency = re.search(r"per-decision latency, model \+ gate: p50 ([0-9.]+) µs +p99 ([0-9.]+) µs +\(([0-9,]+) decisions\)",
                        out)
    assert latency is not None and float(latency.group(1)) > 0
    assert int(latency.group(3).replace(",", "")) == decisions
