"""Smoke test of bench/features_batch.py: it runs once each way and the two sides agree on readiness.

Speed is never asserted here (the measured figures go in bench/RESULTS.md).
"""

from __future__ import annotations

import re

import pytest
from testkit import load_bench


def test_bench_runs_both_sides_once_and_reports_agreeing_readiness_and_a_ratio(
        capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench("features_batch")
    assert bench.main(["--repeat", "1", "--pandas-repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "events: 41,068 (9,998 book messages, 31,070 trades)" in out
    assert "cells READY on one side only: 0" in out
    ratio = re.search(r"ratio pandas / arbkit: ([0-9.]+)×", out)
    assert ratio is not None and float(ratio.group(1)) > 0
    worst = re.search(r"cells READY on both sides: ([0-9.e+-]+) ", out)
    assert worst is not None and float(worst.group(1)) < 1e-7
