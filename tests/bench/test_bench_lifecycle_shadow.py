"""Smoke test of bench/lifecycle_shadow_cost.py: a --quick run in a subprocess prints both conditions.

Speed is never asserted (the figures go in bench/RESULTS.md); the counts are, so the test fails if the live
version stops deciding or the shadow version stops sending (hypothetical) intents.
"""

from __future__ import annotations

import re
import subprocess
import sys

from testkit import REPO_ROOT


def test_quick_run_prints_tick_latency_with_and_without_a_shadow_version() -> None:
    done = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "lifecycle_shadow_cost.py"), "--quick"],
                          capture_output=True, text=True, timeout=600, cwd=REPO_ROOT, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {}
    for name in ("live only", "live + shadow"):
        row = re.search(re.escape(name) + r" +([0-9.]+) +([0-9.]+) +([0-9,]+) +([0-9,]+)", done.stdout)
        assert row is not None, (name, done.stdout)
        rows[name] = row
        assert float(row.group(1)) > 0 and float(row.group(2)) >= float(row.group(1))
    assert rows["live only"].group(3) == rows["live + shadow"].group(3)  # the live version decides the same
    assert rows["live only"].group(4) == "0" and int(rows["live + shadow"].group(4).replace(",", "")) > 0
    assert re.search(r"added p99 per tick by one shadow version: -?[0-9.]+ µs \([0-9.]+x live only\)", done.stdout)
    assert re.search(r"added p99 tick-to-live-intent by one shadow version: -?[0-9.]+ µs", done.stdout)
