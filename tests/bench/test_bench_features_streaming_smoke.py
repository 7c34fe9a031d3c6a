"""Smoke test of bench/features_streaming.py: one timed round over the real sample prints every figure.

Speed is never asserted here (the measured figures go in bench/RESULTS.md).
"""

from __future__ import annotations

import re

import pytest
from testkit import load_bench


def test_bench_times_book_and_feature_updates_of_every_event_and_prints_the_ratio(
        capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench("features_streaming")
    assert bench.main(["--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "book events: 9,998   trades: 31,070" in out
    assert "feature set: 40 outputs from 29 declarations" in out
    ratio = re.search(r"ratio features / book update: p50 ([0-9.]+), p99 ([0-9.]+)", out)
    assert ratio is not None and float(ratio.group(1)) > 0 and float(ratio.group(2)) > 0
    assert re.search(r"compiled loops over 41,068 events: .* 40 features [0-9]+ ns/event", out)
