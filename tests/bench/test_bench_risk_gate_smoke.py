"""Smoke test of bench/risk_gate.py: a --quick run over the shipped sample prints every figure.

Speed is never asserted here (the measured figures go in bench/RESULTS.md); the rules the gate runs are
read from its output, so the test holds whatever rules the gate has.
"""

from __future__ import annotations

import re

import pytest
from testkit import load_bench


def test_bench_times_the_gate_the_rest_of_the_order_path_and_the_journal_and_prints_the_ratios(
        capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench("risk_gate")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    rules = re.search(r"rules \((\d+), in order\): (.+)", out)
    assert rules is not None and int(rules.group(1)) == len(rules.group(2).split(", "))
    assert "intents: 5,000 timed after 200 warm-up" in out
    decided = re.search(r"decided: +(.+)", out)
    assert decided is not None
    counts = {name: int(n.replace(",", "")) for name, n in re.findall(r"(\S+) ([0-9,]+)", decided.group(1))}
    assert sum(counts.values()) == 5_000
    assert counts.get("(approved)", 0) > 0 and counts.get("KILL_SWITCH", 0) == 50
    assert len(counts) >= 4  # refusals by several rules, not one
    for name in ("all intents", "approved intents", "oms.create (row + write-ahead commit) + venue.submit",
                 "Order(...) construction only"):
        assert re.search(rf"{re.escape(name)} +n= *[0-9,]+ +p50 +[0-9,]+ +p99 +[0-9,]+ +p99\.9 +[0-9,]+ +mean", out)
    ratio = re.search(r"ratio gate / rest \(approved intents\): p50 ([0-9.]+), p99 ([0-9.]+)", out)
    assert ratio is not None and float(ratio.group(1)) > 0 and float(ratio.group(2)) > 0
    assert len(re.findall(r" [0-9,]+ records +[0-9.]+ s +[0-9,]+ records/s", out)) == 3
    assert re.search(r"commit per order: p50 [0-9,]+ +p99 [0-9,]+", out)
    assert out.rstrip().splitlines()[-1].startswith("summary: gate p50 ")
