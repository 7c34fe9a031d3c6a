"""What a backtest (or a paper/live session) hands to the report: plain, frozen, JSON-encodable rows.

The engine fills these in once at the end of a run; the report layer only reads them. Money and
quantities of fills, rejections and positions are decimal *text* (``"61837.63"``), copied from the
exact values the engine keeps, so the report never rounds them. The equity curve uses floats: it is
only plotted and summarised.

Timestamps are int ns since the Unix epoch (UTC), like everywhere in arbkit.

>>> row = FillRow(ts_ns=1_723_075_200_000_000_000, instrument_id="BTCUSDT.BINANCE_SPOT", side="buy",
...               price="61837.63", qty="0.001", fee="0.0618", liquidity="taker", script_id="basis",
...               model_version="v3", client_order_id="c-1")
>>> msgspec.json.decode(msgspec.json.encode(row), type=FillRow) == row
True
"""

from __future__ import annotations

import msgspec

from arbkit.core.errors import ArbkitError
from arbkit.lifecycle.summary import LifecycleSummary


class ReportInputError(ArbkitError, ValueError):
    """The data handed to the report layer is inconsistent (unsorted times, mismatched lengths, ...)."""


class _Row(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every report row: immutable, keyword-only, strict when decoded from JSON."""


class EquityPoint(_Row):
    """One sample of the account's mark-to-market.

    Attributes:
        ts_ns: event time of the sample (ns since epoch, UTC).
        equity_usd: capital plus realized and unrealized PnL net of fees, in USD.
        position_usd: exposure of the open position(s) in USD as the producer defines it (the backtest
            passes gross exposure: both legs at mid).
        marks: book mid price per instrument id at the sample, quote currency per unit (empty if unknown).
    """

    ts_ns: int
    equity_usd: float
    position_usd: float
    marks: dict[str, float] = {}


class FillRow(_Row):
    """One execution, as decimal text.

    Attributes:
        side: ``"buy"`` or ``"sell"``.
        price: price in the instrument's quote currency; qty: base quantity (contracts for
            inverse instruments); fee: fee in the quote currency, negative for a rebate.
        liquidity: ``"maker"`` or ``"taker"``.
        arrival_mid: mid price (quote currency per unit) when the order was decided, ``""`` if unknown;
            slippage is measured against it.
        multiplier: quote value of one price point per unit (1 for spot and linear perpetuals).
    """

    ts_ns: int
    instrument_id: str
    side: str
    price: str
    qty: str
    fee: str
    liquidity: str
    script_id: str
    model_version: str
    client_order_id: str
    arrival_mid: str = ""
    multiplier: str = "1"


class RejectionRow(_Row):
    """An intent the risk gate denied. ``price`` is ``""`` for market orders."""

    ts_ns: int
    intent_id: str
    instrument_id: str
    side: str
    qty: str
    price: str
    reason_code: str
    detail: str


class InstrumentRow(_Row):
    """End-of-run position and PnL of one instrument; amounts in ``currency``."""

    instrument_id: str
    position: str
    realized_pnl: str
    unrealized_pnl: str
    fees: str
    currency: str


class ModelSummary(_Row):
    """A model used by the run: identity, feature list, data sizes and held-out metrics."""

    name: str
    version: str
    features: list[str]
    train_rows: int
    test_rows: int
    metrics: dict[str, float]


class DataSummary(_Row):
    """One market-data source replayed by the run: message counts and the event-time span (ns)."""

    source: str
    messages: int
    book_updates: int
    trades: int
    bbo: int
    gaps: int
    first_ts_ns: int
    last_ts_ns: int


class OrderRow(_Row):
    """Life-cycle times of one order sent to a venue (ns since epoch, UTC).

    Attributes:
        ts_sent_ns: when the order left the order path.
        ts_accepted_ns: venue time it was accepted (None if it was rejected or the ack is unknown).
        ts_first_fill_ns: event time of its first fill (None if it never filled).
        status: final status (``"filled"``, ``"canceled"``, ``"rejected"``, ...).
    """

    client_order_id: str
    script_id: str
    instrument_id: str
    side: str
    status: str
    ts_sent_ns: int
    ts_accepted_ns: int | None
    ts_first_fill_ns: int | None


class ScriptFailureRow(_Row):
    """A script that raised during the run; it was stopped there.

    Attributes:
        ts_ns: event time of the failure (ns since epoch, UTC).
        instrument_id: the instrument whose update the script was handling.
        error_type: the exception's class name; message: its text; traceback: the formatted traceback.
    """

    ts_ns: int
    script_id: str
    instrument_id: str
    error_type: str
    message: str
    traceback: str


class ReportData(_Row):
    """Everything a report shows, filled in by the engine at the end of a run.

    Attributes:
        started_ns / ended_ns: event-time span of the run (ns since epoch, UTC).
        config: flattened configuration, dotted key to value text.
        equity: mark-to-market curve, in event-time order.
        notes: free text lines (shown escaped).
        capital_usd: starting capital (USD, > 0); returns, drawdowns and turnover are measured against it.
        period_ns: width of the event-time grid the equity is resampled to for per-period returns,
            volatility, Sharpe and Sortino (default 1 s).
        n_trials: configurations tried before this one was kept (1 for a single backtest); the deflated
            Sharpe ratio accounts for them.
        trial_sharpes: annualised Sharpe ratio of every trial at ``period_ns`` (a sweep passes them); their
            variance sets the deflated Sharpe ratio's benchmark. Empty: no selection (benchmark 0).
        orders: life-cycle times of the orders sent, for the latency statistics.
        failures: scripts that raised and were stopped.
    """

    title: str
    subtitle: str
    started_ns: int
    ended_ns: int
    config: dict[str, str]
    equity: list[EquityPoint]
    fills: list[FillRow]
    rejections: list[RejectionRow]
    instruments: list[InstrumentRow]
    models: list[ModelSummary]
    data: list[DataSummary]
    notes: list[str]
    capital_usd: float
    period_ns: int = 1_000_000_000
    n_trials: int = 1
    trial_sharpes: list[float] = []
    orders: list[OrderRow] = []
    failures: list[ScriptFailureRow] = []
    lifecycle: LifecycleSummary | None = None
    """The run's model lifecycle (modes over time, scores, rollbacks, A/B); None when no lifecycle controller ran."""
