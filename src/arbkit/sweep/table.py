"""The sweep's results as a rich table, best Sharpe first (the CLI prints it; a notebook can too)."""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table

from arbkit.sweep.summary import SweepSummary


def _num(value: float, digits: int = 2) -> str:
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


def _param(value: Any) -> str:
    return str(value)


def results_table(summary: SweepSummary, limit: int | None = None) -> Table:
    """Grid index, the swept values, PnL (USD), Sharpe, Sortino, max drawdown, fills, rejections, seconds, status.

    Failed points' errors are in :func:`statistics_lines` (and ``points.csv``).
    """
    keys = list(summary.points[0].params) if summary.points else []
    table = Table(title=f"{summary.name}: {summary.n_trials} of {summary.n_points} points ran "
                        f"({summary.runner}, {summary.wall_s:.1f} s)")
    for column in ("#", *keys):
        table.add_column(column, justify="right" if column == "#" else "left")
    for column in ("PnL USD", "Sharpe", "Sortino", "max DD %", "fills", "rejections", "s"):
        table.add_column(column, justify="right")
    table.add_column("status")
    ranked = summary.ranked()
    for point in ranked if limit is None else ranked[:limit]:
        style = "bold green" if point.index == summary.best_index else ("red" if not point.ok else None)
        table.add_row(str(point.index), *(_param(point.params.get(k, "")) for k in keys),
                      _num(point.total_pnl_usd, 4), _num(point.sharpe), _num(point.sortino),
                      _num(point.max_drawdown * 100.0, 4), str(point.fills), str(point.rejections),
                      f"{point.wall_s:.1f}", "ok" if point.ok else "failed", style=style)
    return table


def statistics_lines(summary: SweepSummary) -> list[str]:
    """One line each for the deflated Sharpe ratio and the PBO (or why they are missing), then failed points."""
    lines = []
    if summary.dsr is not None:
        d = summary.dsr
        lines.append(f"deflated Sharpe of point {summary.best_index}: {d.dsr:.3f} over {d.n_trials} trials "
                     f"(per-interval Sharpe {d.sharpe:.4f} vs expected best-of-{d.n_trials} {d.benchmark_sharpe:.4f},"
                     f" {d.n_obs} returns)")
    if summary.pbo is not None:
        p = summary.pbo
        lines.append(f"probability of backtest overfitting: {p.pbo:.2f} ({p.n_combinations} CSCV splits of "
                     f"{p.n_rows_used} returns x {p.n_configs} points)")
    lines.extend(summary.notes)
    lines.extend(f"point {p.index} failed: {p.error}" for p in summary.points if not p.ok)
    return lines
