"""Smoke test of bench/lifecycle_retrain_latency.py: a --quick run in a subprocess prints every figure.

Speed is never asserted (the measured figures go in bench/RESULTS.md); the counts are, so the test fails if
the live model stops deciding, or the retraining child stops finishing jobs during the loaded rounds.
"""

from __future__ import annotations

import re
import subprocess
import sys

from testkit import REPO_ROOT


def test_quick_run_prints_latency_per_condition_the_ratios_and_finished_retraining_jobs() -> None:
    done = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "lifecycle_retrain_latency.py"), "--quick"],
                          capture_output=True, text=True, timeout=600, cwd=REPO_ROOT, check=False)
    out = done.stdout
    assert done.returncode == 0, done.stderr[-3000:]
    assert "40,000 messages, 183,747 events (book level changes + trades)" in out
    assert re.search(r"live model: logit-[0-9a-f]{8} \(compiled logistic, 40 features\) served through a ModelSlot",
                     out)
    assert "retraining job: fit_basis_logistic on 20,000 resampled rows x 40 features" in out
    rows = {}
    for name in ("idle", "retrain, niceness 10", "retrain, niceness 0"):
        row = re.search(re.escape(name) + r" +([0-9,]+) +([0-9,]+) +([0-9.]+) +([0-9.]+) +([0-9.]+) *([0-9]*)", out)
        assert row is not None, name
        rows[name] = row
        assert int(row.group(1).replace(",", "")) > 100 and float(row.group(3)) > 0 and float(row.group(4)) > 0
    for name in ("retrain, niceness 10", "retrain, niceness 0"):
        assert int(rows[name].group(6)) >= 1, f"no retraining job finished during the {name} round"
    assert re.search(r"ratio p99 retrain at niceness 10 / idle: [0-9.]+ \(target <= 1.25\)", out)
    assert re.search(r"ratio p99 retrain at niceness 0 / idle: [0-9.]+", out)
