"""The regime benchmark runs end to end on a few rows (its figures are printed, never asserted)."""

from __future__ import annotations

import sys

import pytest
from testkit import load_bench


def test_regime_bench_runs_and_checks_the_filter_against_hmmlearn(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench("regime_online")
    monkeypatch.setattr(sys, "argv", ["regime_online.py", "--rows", "40", "--repeat", "1"])
    bench.main()
    out = capsys.readouterr().out
    assert "HMM forward filter, 40 rows" in out and "dislocation guard" in out and "ticks/s" in out
