"""Backtest statistics: returns and drawdowns, trades and PnL attribution, and overfitting control.

See docs/statistics.md. Modules, one job each:

- :mod:`.equity`: return, risk and drawdown statistics of an equity curve (:func:`return_stats`);
- :mod:`.ratios`: Sharpe, Sortino, volatility and moments of a return series (:func:`series_stats`);
- :mod:`.trades`: :class:`TradeRecord` and its converter from :class:`arbkit.core.messages.Fill`;
- :mod:`.round_trips`: FIFO round trips per (script, instrument) (:func:`match_fifo`);
- :mod:`.trade_stats`: hit rate, profit factor, turnover, slippage, PnL attribution (:func:`trade_stats`);
- :mod:`.sharpe_inference`: probabilistic and deflated Sharpe ratios, minimum track record length;
- :mod:`.pbo`: probability of backtest overfitting by CSCV (:func:`pbo_cscv`);
- :mod:`.walk_forward`: per-fold and aggregate out-of-sample statistics (:func:`walk_forward_stats`);
- :mod:`.psi`: population stability index of features against a training sample (:class:`StreamingPsi`);
- :mod:`.ab_test`: Welch / bootstrap comparison of two arms' per-trade PnL and a sequential stopping rule.

Every result is a frozen msgspec struct with ``as_dict()`` and ``to_json()``; bad input raises
:class:`StatsError`.
"""

from arbkit.stats.ab_test import (
    BootstrapResult,
    StopDecision,
    StoppingRule,
    WelchResult,
    bootstrap_diff,
    welch_test,
)
from arbkit.stats.equity import (
    NANOS_PER_DAY,
    NANOS_PER_YEAR,
    DrawdownStats,
    ReturnStats,
    drawdown_stats,
    grid_levels,
    period_returns,
    return_stats,
)
from arbkit.stats.errors import StatsError
from arbkit.stats.pbo import PboResult, pbo_cscv
from arbkit.stats.psi import PsiReference, StreamingPsi, psi
from arbkit.stats.ratios import (
    SeriesStats,
    annualised_volatility,
    drawdowns,
    kurtosis,
    series_stats,
    sharpe_ratio,
    skewness,
    sortino_ratio,
)
from arbkit.stats.result import StatsResult
from arbkit.stats.round_trips import FifoBook, OpenLot, RoundTrip, match_fifo
from arbkit.stats.sharpe_inference import (
    DeflatedSharpe,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    min_track_record_length,
    probabilistic_sharpe_ratio,
    psr_from_returns,
)
from arbkit.stats.trade_stats import PnlBreakdown, TradeStats, profit_factor, trade_stats
from arbkit.stats.trades import TradeRecord, trade_record_from_fill, trade_records_from_fills
from arbkit.stats.walk_forward import WalkForwardStats, walk_forward_stats

__all__ = [
    "NANOS_PER_DAY", "NANOS_PER_YEAR", "BootstrapResult", "DeflatedSharpe", "DrawdownStats", "FifoBook", "OpenLot",
    "PboResult",
    "PnlBreakdown", "ReturnStats", "RoundTrip", "SeriesStats", "StatsError", "StatsResult", "TradeRecord",
    "TradeStats", "WalkForwardStats", "annualised_volatility", "deflated_sharpe_ratio", "drawdown_stats",
    "drawdowns", "expected_max_sharpe", "grid_levels", "kurtosis", "match_fifo", "min_track_record_length",
    "pbo_cscv", "period_returns", "probabilistic_sharpe_ratio", "profit_factor", "psr_from_returns",
    "return_stats", "series_stats", "sharpe_ratio", "skewness", "sortino_ratio", "trade_record_from_fill",
    "trade_records_from_fills", "trade_stats", "walk_forward_stats", "PsiReference", "StreamingPsi", "psi",
    "StopDecision", "StoppingRule", "WelchResult", "bootstrap_diff", "welch_test",
]
