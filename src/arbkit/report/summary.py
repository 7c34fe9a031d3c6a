"""The report's statistics, all from :mod:`arbkit.stats`: returns, drawdown, trades, attribution, PSR and DSR.

:func:`compute_report_stats` reads a :class:`~arbkit.report.model.ReportData` and returns a
:class:`ReportStats`; the HTML and the JSON both show it. Conventions are :mod:`arbkit.stats`'s
(docs/statistics.md): money USD (USDT counted as USD), returns fractions, a 365-day year, times ns.

- Returns, volatility, Sharpe, Sortino, Calmar: :func:`arbkit.stats.return_stats` of the equity curve
  opened at ``capital_usd``, resampled to ``ReportData.period_ns`` (default 1 s).
- Trades: :func:`arbkit.stats.trade_stats` of the fills (FIFO round trips per script and instrument),
  open positions marked at the last equity sample's marks.
- PSR: probability that the true per-period Sharpe ratio is above 0. DSR: the PSR against the
  expected best Sharpe ratio of ``n_trials`` skill-less trials; with ``n_trials = 1`` (a single
  backtest) there is no selection and DSR = PSR. With more trials the variance of their Sharpe ratios
  is needed (``trial_sharpes``); without it DSR is NaN.

>>> from arbkit.report.model import EquityPoint
>>> eq = [EquityPoint(ts_ns=i * 10**9, equity_usd=v, position_usd=0.0) for i, v in enumerate([100.0, 101, 99, 102])]
>>> data = ReportData(title="t", subtitle="", started_ns=0, ended_ns=3 * 10**9, config={}, equity=eq, fills=[],
...                   rejections=[], instruments=[], models=[], data=[], notes=[], capital_usd=100.0)
>>> s = compute_report_stats(data)
>>> round(s.returns.total_return, 4), s.returns.n_periods, round(s.returns.drawdown.max_drawdown_usd, 2)
(0.02, 3, 2.0)
>>> s.inference.n_trials, s.inference.dsr == s.inference.psr
(1, True)
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

import numpy as np

from arbkit.core.enums import Side
from arbkit.report.latency import LatencyStats, latency_stats
from arbkit.report.model import FillRow, ReportData, ReportInputError
from arbkit.stats import (
    DeflatedSharpe,
    ReturnStats,
    StatsResult,
    TradeRecord,
    TradeStats,
    deflated_sharpe_ratio,
    grid_levels,
    match_fifo,
    probabilistic_sharpe_ratio,
    return_stats,
    trade_stats,
)

_SIDES = {"buy": Side.BUY, "sell": Side.SELL}


class SharpeInference(StatsResult, frozen=True, kw_only=True):
    """Probabilistic and deflated Sharpe ratios of the run (Sharpe ratios per period of ``period_ns``).

    Attributes:
        n_obs: per-period returns the Sharpe ratio was measured on.
        sharpe_per_period: the annualised Sharpe ratio divided by ``sqrt(periods_per_year)``.
        psr: probability that the true Sharpe ratio is above 0 (Bailey & López de Prado 2012).
        dsr: probability that it is above ``benchmark_sharpe_per_period``, the expected best of
            ``n_trials`` skill-less trials (2014); equal to ``psr`` for one trial; NaN if more than
            one trial was run and their Sharpe ratios are unknown.
        n_trials: configurations tried (1 for a single backtest).
        trial_sharpe_variance: variance (ddof 1) of the trials' per-period Sharpe ratios; 0 for one trial.
    """

    n_obs: int
    sharpe_per_period: float
    psr: float
    dsr: float
    benchmark_sharpe_per_period: float
    n_trials: int
    trial_sharpe_variance: float


class ReportStats(StatsResult, frozen=True, kw_only=True):
    """Every statistic of the report.

    Attributes:
        returns: :class:`arbkit.stats.ReturnStats` of the equity curve; None with fewer than two samples
            at distinct times.
        trades: :class:`arbkit.stats.TradeStats` (hit rate, profit factor, turnover, holding time, fees,
            slippage vs arrival mid, attribution per script / instrument / venue).
        inference: :class:`SharpeInference` (PSR, DSR).
        latency: order-entry and fill latency (:class:`~arbkit.report.latency.LatencyStats`).
        n_rejections: intents the risk gate refused; n_failures: scripts that raised and were stopped.
    """

    returns: ReturnStats | None
    trades: TradeStats
    inference: SharpeInference
    latency: LatencyStats
    n_rejections: int
    n_failures: int


def equity_arrays(data: ReportData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(ts_ns, equity_usd, position_usd)`` of the curve, keeping the last sample of each time stamp.

    Raises:
        ReportInputError: times that go backwards, or non-finite equity.
    """
    n = len(data.equity)
    ts = np.fromiter((p.ts_ns for p in data.equity), dtype=np.int64, count=n)
    eq = np.fromiter((p.equity_usd for p in data.equity), dtype=np.float64, count=n)
    pos = np.fromiter((p.position_usd for p in data.equity), dtype=np.float64, count=n)
    back = np.flatnonzero(np.diff(ts) < 0)
    if back.size:
        i = int(back[0]) + 1
        raise ReportInputError(f"equity times must not decrease: sample {i} at {int(ts[i])} ns "
                               f"is before sample {i - 1} at {int(ts[i - 1])} ns")
    bad = np.flatnonzero(~np.isfinite(eq) | ~np.isfinite(pos))
    if bad.size:
        i = int(bad[0])
        raise ReportInputError(f"equity sample {i} at {int(ts[i])} ns is not finite: equity {eq[i]}, "
                               f"position {pos[i]}")
    keep = np.ones(n, dtype=bool)
    keep[:-1] = ts[1:] != ts[:-1]
    return ts[keep], eq[keep], pos[keep]


def drawdown_usd(equity_usd: np.ndarray) -> np.ndarray:
    """Equity minus its running peak, USD: 0 at a new high, negative below it (for the drawdown chart).

    >>> drawdown_usd(np.array([100.0, 90.0, 95.0, 120.0, 80.0])).tolist()
    [0.0, -10.0, -5.0, 0.0, -40.0]
    """
    eq = np.asarray(equity_usd, dtype=np.float64)
    return eq - np.maximum.accumulate(eq) if eq.size else eq


def period_pnl_usd(data: ReportData) -> np.ndarray:
    """PnL per ``period_ns`` interval of the step curve opened at the capital (USD); empty below two samples."""
    ts, eq, _ = equity_arrays(data)
    if ts.size < 2 or np.any(eq <= 0.0):
        return np.zeros(0, dtype=np.float64)
    _, levels = grid_levels(ts, eq, data.capital_usd, data.period_ns)
    return np.diff(levels)


def _decimal(row: FillRow, field: str, text: str) -> float:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ReportInputError(f"fill {row.client_order_id!r} at {row.ts_ns} ns: {field} {text!r} "
                               "is not a decimal number") from None
    if not value.is_finite():
        raise ReportInputError(f"fill {row.client_order_id!r} at {row.ts_ns} ns: {field} {text!r} is not finite")
    return float(value)


def trade_record(row: FillRow) -> TradeRecord:
    """The :class:`arbkit.stats.TradeRecord` of a fill row; the venue is the instrument id's suffix."""
    side = _SIDES.get(row.side)
    if side is None:
        raise ReportInputError(f"fill {row.client_order_id!r} at {row.ts_ns} ns: side {row.side!r} "
                               "is neither 'buy' nor 'sell'")
    return TradeRecord(
        instrument_id=row.instrument_id, venue=row.instrument_id.rsplit(".", 1)[-1], script_id=row.script_id,
        side=side, price=_decimal(row, "price", row.price), qty=_decimal(row, "qty", row.qty),
        fee_usd=_decimal(row, "fee", row.fee), ts_ns=row.ts_ns,
        arrival_mid=_decimal(row, "arrival_mid", row.arrival_mid) if row.arrival_mid else None,
        multiplier=_decimal(row, "multiplier", row.multiplier), fill_id=row.client_order_id)


def round_trip_pnl_usd(data: ReportData) -> np.ndarray:
    """Net PnL (after fees, USD) of each FIFO round trip, in closing order."""
    book = match_fifo([trade_record(f) for f in data.fills])
    return np.array([t.net_pnl_usd for t in book.round_trips], dtype=np.float64)


def _inference(returns: ReturnStats | None, data: ReportData) -> SharpeInference:
    n_trials = data.n_trials
    if n_trials < 1:
        raise ReportInputError(f"n_trials must be >= 1, got {n_trials}")
    if len(data.trial_sharpes) == 1:
        raise ReportInputError("trial_sharpes needs the Sharpe ratios of at least 2 trials, got 1")
    nan = math.nan
    if returns is None or returns.n_periods < 2 or not all(
            math.isfinite(v) for v in (returns.sharpe, returns.skewness, returns.kurtosis)):
        return SharpeInference(n_obs=0 if returns is None else returns.n_periods, sharpe_per_period=nan, psr=nan,
                               dsr=nan, benchmark_sharpe_per_period=nan, n_trials=n_trials,
                               trial_sharpe_variance=nan)
    scale = math.sqrt(returns.periods_per_year)
    sr = returns.sharpe / scale
    moments = dict(skewness=returns.skewness, kurtosis=returns.kurtosis)
    psr = probabilistic_sharpe_ratio(sr, returns.n_periods, **moments)
    deflated: DeflatedSharpe | None = None
    if data.trial_sharpes:
        deflated = deflated_sharpe_ratio(sr, returns.n_periods, **moments, n_trials=n_trials,
                                         trial_sharpes=np.asarray(data.trial_sharpes, dtype=np.float64) / scale)
    elif n_trials == 1:
        deflated = deflated_sharpe_ratio(sr, returns.n_periods, **moments, n_trials=1, sharpe_variance=0.0)
    return SharpeInference(
        n_obs=returns.n_periods, sharpe_per_period=sr, psr=psr,
        dsr=deflated.dsr if deflated else nan,
        benchmark_sharpe_per_period=deflated.benchmark_sharpe if deflated else nan,
        n_trials=n_trials, trial_sharpe_variance=deflated.sharpe_variance if deflated else nan)


def compute_report_stats(data: ReportData) -> ReportStats:
    """:class:`ReportStats` of ``data`` (deterministic: the same data gives the same statistics).

    Raises:
        ReportInputError: malformed rows (unsorted equity times, a fill that is not a number, ...),
            ``n_trials < 1`` or a single trial Sharpe ratio.
        StatsError: values :mod:`arbkit.stats` refuses (non-positive capital or period, price or
            quantity <= 0, ...).
    """
    if not math.isfinite(data.capital_usd) or data.capital_usd <= 0.0:
        raise ReportInputError(f"capital_usd must be a finite number > 0, got {data.capital_usd}")
    if data.period_ns <= 0:
        raise ReportInputError(f"period_ns must be > 0, got {data.period_ns}")
    ts, eq, _ = equity_arrays(data)
    returns = None
    if ts.size >= 2 and not np.any(eq <= 0.0):
        returns = return_stats(ts, eq, capital_usd=data.capital_usd, period_ns=data.period_ns)
    marks = data.equity[-1].marks if data.equity else {}
    trades = trade_stats([trade_record(f) for f in data.fills], capital_usd=data.capital_usd,
                         marks={k: v for k, v in marks.items() if math.isfinite(v) and v > 0.0})
    return ReportStats(returns=returns, trades=trades, inference=_inference(returns, data),
                       latency=latency_stats(data.orders), n_rejections=len(data.rejections),
                       n_failures=len(data.failures))

