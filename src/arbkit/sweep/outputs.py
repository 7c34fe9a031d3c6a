"""Files a sweep leaves in its output folder.

- ``sweep.json``: the :class:`SweepSummary` (DSR, PBO, notes) and every point's figures, without the
  return series; NaN is ``null`` (not written for walk-forward folds, which are not trials to select
  from: ``walk_forward.json`` holds their summary).
- ``points.csv``: one row per point, best Sharpe first: rank, index, one column per swept key, the
  figures and the error text.
- ``returns.json``: each successful point's out-of-sample returns and their sample times (ns), the
  input of the DSR and PBO, ``{"<index>": {"ts_ns": [...], "returns": [...]}}``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import msgspec

from arbkit.sweep.summary import SweepSummary

FIGURES = ("total_pnl_usd", "sharpe", "sortino", "max_drawdown", "max_drawdown_usd", "fills", "rejections",
           "intents", "wall_s", "error")


def _cell(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value


def summary_document(summary: SweepSummary) -> dict[str, Any]:
    """``sweep.json``'s content: the summary with each point's return series left out."""
    doc = msgspec.to_builtins(summary)
    for point in doc["points"]:
        point.pop("returns", None)
        point.pop("return_ts_ns", None)
    return doc


def write_outputs(summary: SweepSummary, out_dir: Path, *, summary_json: bool = True) -> dict[str, Path]:
    """Write ``sweep.json`` (unless ``summary_json`` is False), ``points.csv`` and ``returns.json`` into
    ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out_dir / "points.csv", "returns": out_dir / "returns.json"}
    if summary_json:
        paths["json"] = out_dir / "sweep.json"
        paths["json"].write_bytes(msgspec.json.format(msgspec.json.encode(summary_document(summary)), indent=2))
    keys = list(summary.points[0].params) if summary.points else []
    with paths["csv"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rank", "index", *keys, *FIGURES])
        for rank, point in enumerate(summary.ranked(), start=1):
            writer.writerow([rank, point.index, *(point.params.get(k, "") for k in keys),
                             *(_cell(getattr(point, f)) for f in FIGURES)])
    series = {str(p.index): {"ts_ns": p.return_ts_ns, "returns": p.returns} for p in summary.points if p.ok}
    paths["returns"].write_bytes(msgspec.json.encode(series))
    return paths
