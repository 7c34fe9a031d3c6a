"""One sweep point: apply its overrides, run the pipeline, and reduce the run to a small :class:`PointResult`.

The result is what a Ray task sends back, so it holds numbers, not the run: total PnL, Sharpe,
Sortino, drawdown, fills, rejections and the out-of-sample per-interval returns that the deflated
Sharpe ratio and the PBO need. A point that raises is a result with ``error`` set, never a crash.
"""

from __future__ import annotations

import math
import tempfile
import time
import traceback
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from arbkit.backtest.config import BacktestConfig
from arbkit.stats import NANOS_PER_YEAR, StatsError, series_stats
from arbkit.sweep.keys import apply_overrides


class PointResult(msgspec.Struct, frozen=True, kw_only=True):
    """Outcome of one point of a sweep (or one walk-forward fold).

    Attributes:
        index: position of the point in the grid (or the fold number).
        params: the overrides the point ran with, ``{dotted key: value}``.
        ok: the pipeline ran to the end; when False, ``error`` says why and the figures are NaN/0.
        total_pnl_usd: PnL of the run at its last equity sample, USD, net of fees.
        sharpe / sortino: annualised, of the out-of-sample per-interval returns; NaN when undefined
            (fewer than 2 returns, or a flat curve without a trade).
        max_drawdown: largest fractional fall of the out-of-sample equity (capital + PnL) from its peak.
        max_drawdown_usd: largest fall of the PnL from its running peak over the run, USD.
        fills / rejections / intents: order path counts of the run.
        periods_per_year: annualisation of ``returns`` (a year over ``equity_interval_ms``).
        returns: simple returns of capital + PnL between consecutive equity samples from the end of
            the training window on (out of sample); ``return_ts_ns`` the sample time ending each, ns.
        oos_start_ns / oos_end_ns: the out-of-sample window (model cutoff to the last message), ns.
        wall_s: seconds the point took where it ran (wall clock).
        error: ``"ExceptionType: message"`` of a failed point, else ``""``.
    """

    index: int
    params: dict[str, Any]
    ok: bool
    total_pnl_usd: float = math.nan
    sharpe: float = math.nan
    sortino: float = math.nan
    max_drawdown: float = math.nan
    max_drawdown_usd: float = math.nan
    fills: int = 0
    rejections: int = 0
    intents: int = 0
    periods_per_year: float = math.nan
    returns: list[float] = msgspec.field(default_factory=list)
    return_ts_ns: list[int] = msgspec.field(default_factory=list)
    oos_start_ns: int = 0
    oos_end_ns: int = 0
    wall_s: float = 0.0
    error: str = ""

    def figures(self) -> dict[str, Any]:
        """Every field but ``wall_s``: what two runs of the same point must agree on."""
        data = msgspec.structs.asdict(self)
        data.pop("wall_s")
        return data


def oos_returns(ts_ns: np.ndarray, pnl_usd: np.ndarray, capital_usd: float,
                cutoff_ns: int) -> tuple[np.ndarray, np.ndarray]:
    """Simple returns of ``capital + pnl`` between equity samples from ``cutoff_ns`` on, and their end times.

    The level the first return starts from is the last sample before the cutoff (or the capital when
    there is none: the run has not traded yet).

    >>> r, t = oos_returns(np.array([0, 10, 20, 30]), np.array([0.0, 0.0, 5.0, 2.5]), 100.0, 15)
    >>> r.round(5).tolist(), t.tolist()
    ([0.05, -0.02381], [20, 30])
    """
    after = ts_ns >= cutoff_ns
    first = int(np.argmax(after)) if after.any() else len(ts_ns)
    base = capital_usd + (float(pnl_usd[first - 1]) if first > 0 else 0.0)
    levels = np.concatenate([[base], capital_usd + pnl_usd[first:]])
    return levels[1:] / levels[:-1] - 1.0, ts_ns[first:].astype(np.int64)


def _max_fall(pnl: np.ndarray) -> float:
    return float(np.max(np.maximum.accumulate(pnl) - pnl)) if pnl.size else 0.0


def summarise_run(index: int, params: Mapping[str, Any], result: Any, wall_s: float) -> PointResult:
    """Reduce a :class:`arbkit.backtest.pipeline.PipelineResult` to a :class:`PointResult`."""
    config: BacktestConfig = result.config
    equity = result.run.equity
    ts = np.array([p.ts_ns for p in equity], dtype=np.int64)
    pnl = np.array([float(p.equity_usd) for p in equity], dtype=np.float64)
    capital = float(Decimal(config.capital_usd))
    cutoff = max(int(result.trained.cutoff_ns), int(config.strategy.trading_start_ns))
    returns, ends = oos_returns(ts, pnl, capital, cutoff)
    ppy = NANOS_PER_YEAR / (config.equity_interval_ms * 1_000_000)
    sharpe = sortino = max_dd = math.nan
    if returns.size:
        try:
            s = series_stats(returns, periods_per_year=ppy)
            sharpe, sortino, max_dd = s.sharpe, s.sortino, s.max_drawdown
        except StatsError:
            pass
    return PointResult(
        index=index, params=dict(params), ok=True, total_pnl_usd=float(pnl[-1]) if pnl.size else 0.0,
        sharpe=float(sharpe), sortino=float(sortino), max_drawdown=float(max_dd), max_drawdown_usd=_max_fall(pnl),
        fills=len(result.path.fills), rejections=len(result.path.rejections), intents=int(result.path.intents),
        periods_per_year=ppy, returns=returns.tolist(), return_ts_ns=ends.tolist(), oos_start_ns=cutoff,
        oos_end_ns=int(result.run.last_ts_ns), wall_s=wall_s)


def failed_point(index: int, params: Mapping[str, Any], error: str, wall_s: float = 0.0) -> PointResult:
    """The record of a point that did not run to the end."""
    return PointResult(index=index, params=dict(params), ok=False, wall_s=wall_s, error=error)


def run_point(base: BacktestConfig, index: int, params: Mapping[str, Any],
              artifacts_dir: str | None = None) -> PointResult:
    """Run one point; never raises for a failure of the point itself (it is recorded in ``error``).

    Args:
        base: the config the overrides apply to.
        index: the point's number (names its artifacts folder ``point-NNNN``).
        params: ``{dotted key: value}`` overrides.
        artifacts_dir: folder (on the machine that runs the point) for each point's journal and model;
            None: a temporary folder, deleted afterwards.
    """
    from arbkit.backtest.pipeline import run_pipeline  # heavy import, done in the worker

    start = time.perf_counter()
    try:
        config = apply_overrides(base, params)
        # a point is a backtest: the lifecycle replay of `arbkit demo` would only repeat itself at every point
        config = msgspec.structs.replace(config, lifecycle=msgspec.structs.replace(config.lifecycle, enabled=False))
        if artifacts_dir is None:
            with tempfile.TemporaryDirectory(prefix="arbkit-sweep-") as tmp:
                result = run_pipeline(config, Path(tmp))
        else:
            result = run_pipeline(config, Path(artifacts_dir) / f"point-{index:04d}")
    except Exception as exc:  # noqa: BLE001 - a failing point is data, not a crash of the sweep
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        return failed_point(index, params, f"{type(exc).__name__}: {exc}{where}", time.perf_counter() - start)
    return summarise_run(index, params, result, time.perf_counter() - start)
