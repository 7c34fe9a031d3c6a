"""Turn a :class:`~arbkit.backtest.pipeline.PipelineResult` into the report layer's input and write it.

Order latencies come from the run's journal (``order`` entries: ``created`` carries ``ts_sent``,
``accepted`` the venue's accept time in ``ts_last``) and the fills' event times. The arrival mid of a
fill (for slippage) is the instrument's mark at the last equity sample at or before the order was sent,
so it can be up to ``equity_interval_ms`` old.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.backtest.pipeline import PipelineResult
from arbkit.core.instruments import InstrumentRegistry
from arbkit.features.basis import FEATURE_NAMES
from arbkit.report.model import (
    DataSummary,
    EquityPoint,
    FillRow,
    InstrumentRow,
    ModelSummary,
    OrderRow,
    RejectionRow,
    ReportData,
    ScriptFailureRow,
)


def _flatten(prefix: str, value: object, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        for i, item in enumerate(value):
            _flatten(f"{prefix}[{i}]", item, out)
    else:
        out[prefix] = str(value)


def order_rows(result: PipelineResult) -> list[OrderRow]:
    """Life-cycle times of every order of the run, from its journal and fills, in creation order."""
    first_fill: dict[str, int] = {}
    for fill in result.path.fills:
        first_fill[fill.client_order_id] = min(fill.ts_event, first_fill.get(fill.client_order_id, fill.ts_event))
    created: dict[str, dict[str, Any]] = {}
    accepted: dict[str, int] = {}
    status: dict[str, str] = {}
    with Journal(result.journal_path) as journal:
        for entry in journal.entries(kind=kinds.ORDER):
            order = entry.payload["order"]
            cid = str(order["client_order_id"])
            if entry.payload["event"] == "created":
                created[cid] = order
            elif entry.payload["event"] == "accepted":
                accepted[cid] = int(order["ts_last"])
            status[cid] = str(order["status"])
    return [OrderRow(client_order_id=cid, script_id=str(o["script_id"]), instrument_id=str(o["instrument_id"]),
                     side="buy" if int(o["side"]) > 0 else "sell", status=status[cid], ts_sent_ns=int(o["ts_sent"]),
                     ts_accepted_ns=accepted.get(cid), ts_first_fill_ns=first_fill.get(cid))
            for cid, o in created.items()]


def _arrival_mid(equity: list[EquityPoint], times: list[int], instrument_id: str, ts_ns: int) -> str:
    """The instrument's mark at the last equity sample at or before ``ts_ns`` as text, ``""`` if none."""
    at = bisect.bisect_right(times, ts_ns) - 1
    if at < 0:
        return ""
    mark = equity[at].marks.get(instrument_id)
    return "" if mark is None else repr(mark)


def build_report_data(result: PipelineResult, instruments: InstrumentRegistry, *, n_trials: int = 1,
                      trial_sharpes: Sequence[float] = ()) -> ReportData:
    """Report rows from exact values (decimal text); the equity curve as floats for plotting.

    Args:
        n_trials: configurations tried before this one was kept (1 for a single backtest; a sweep passes
            its count), for the deflated Sharpe ratio.
        trial_sharpes: annualised Sharpe ratio of each trial at the report's 1 s period (a sweep passes them).
    """
    capital = result.config.capital_usd
    equity = [EquityPoint(ts_ns=p.ts_ns, equity_usd=float(capital + p.equity_usd),
                          position_usd=float(p.gross_exposure_usd),
                          marks={k: float(v) for k, v in p.marks.items()})
              for p in result.run.equity]
    orders = order_rows(result)
    sent = {o.client_order_id: o.ts_sent_ns for o in orders}
    times = [p.ts_ns for p in equity]
    fills = []
    for fill in result.path.fills:
        instrument = instruments.get(fill.instrument_id)
        fills.append(FillRow(
            ts_ns=fill.ts_event, instrument_id=fill.instrument_id, side="buy" if fill.side > 0 else "sell",
            price=str(instrument.ticks_to_price(fill.price_ticks)), qty=str(instrument.lots_to_size(fill.qty_lots)),
            fee=_plain(fill.fee), liquidity=fill.liquidity.value, script_id=fill.script_id,
            model_version=fill.model_version, client_order_id=fill.client_order_id,
            arrival_mid=_arrival_mid(equity, times, fill.instrument_id, sent.get(fill.client_order_id, fill.ts_event)),
            multiplier=_plain(instrument.contract_multiplier)))
    failures = [ScriptFailureRow(ts_ns=f.ts_ns, script_id=f.script_id, instrument_id=f.instrument_id,
                                 error_type=f.error_type, message=f.message, traceback=f.traceback)
                for f in result.run.script_failures]
    rejections = []
    for intent, decision in result.path.rejections:
        instrument = instruments.get(intent.instrument_id) if intent.instrument_id in instruments else None
        qty = str(instrument.lots_to_size(intent.qty_lots)) if instrument else str(intent.qty_lots)
        price = (str(instrument.ticks_to_price(intent.price_ticks)) if instrument and intent.price_ticks is not None
                 else "")
        rejections.append(RejectionRow(
            ts_ns=decision.ts, intent_id=intent.intent_id, instrument_id=intent.instrument_id,
            side="buy" if intent.side > 0 else "sell", qty=qty, price=price, reason_code=decision.reason_code,
            detail=decision.detail))
    positions = [InstrumentRow(
        instrument_id=row.instrument_id, position=_plain(row.position_size), realized_pnl=str(row.realized_pnl),
        unrealized_pnl=str(row.unrealized_pnl) if row.unrealized_pnl is not None else "",
        fees=str(row.fees), currency=row.settlement_currency) for row in result.positions]
    trained = result.trained
    models = [ModelSummary(name=f"logistic regression (train, purged split, n={trained.train_rows})",
                           version=trained.model.version, features=list(FEATURE_NAMES), train_rows=trained.train_rows,
                           test_rows=trained.test_rows, metrics=_finite(trained.train_metrics)),
              ModelSummary(name="logistic regression (out of sample)", version=trained.model.version,
                           features=list(FEATURE_NAMES), train_rows=trained.train_rows, test_rows=trained.test_rows,
                           metrics=_finite(trained.test_metrics))]
    data = [DataSummary(source=s.source, messages=s.diffs + s.snapshots + s.bbo + s.trades,
                        book_updates=s.diffs_applied + s.snapshots, trades=s.trades, bbo=s.bbo, gaps=s.gaps,
                        first_ts_ns=s.first_ts_recv, last_ts_ns=s.last_ts_recv) for s in result.read_stats]
    config: dict[str, str] = {}
    _flatten("", msgspec.to_builtins(result.config), config)
    run = result.run
    notes = [
        f"Replay ordered by local receive time (ts_recv) over {result.messages} messages; "
        f"{result.decision_points} decision points at most every {result.config.features.decision_interval_ms} ms.",
        f"Model trained on event time before {trained.cutoff_ns} ns ({trained.purged_rows} rows purged whose label "
        "horizon crossed the cutoff); the script trades only after the cutoff.",
        f"Streaming vs batch features: largest absolute difference {trained.parity_max_abs_diff:.3g}.",
        f"Intents: {result.path.intents}; approved by the risk gate: {result.path.gate.approvals}; "
        f"rejected: {len(result.path.rejections)}; fills: {len(result.path.fills)}; book gaps: {len(run.gaps)}.",
        "Exposure chart shows gross exposure (both legs, USD at mid). USDT is counted as USD.",
        f"Slippage is measured against the mid at the last equity sample at or before each order was sent "
        f"(samples every {result.config.equity_interval_ms} ms), not the exact mid at the decision.",
        f"Journal (hash-chained SQLite): {result.journal_path.name}; read it with `arbkit journal {result.journal_path}`.",
    ]
    return ReportData(title=f"arbkit backtest: {result.config.name}",
                      subtitle="Spot–perp basis arbitrage on recorded Binance L2 data",
                      started_ns=run.first_ts_ns, ended_ns=run.last_ts_ns, config=config, equity=equity, fills=fills,
                      rejections=rejections, instruments=positions, models=models, data=data, notes=notes,
                      capital_usd=float(capital), n_trials=n_trials, trial_sharpes=[float(x) for x in trial_sharpes],
                      orders=orders, failures=failures, lifecycle=result.lifecycle)


def _plain(value: Decimal) -> str:
    """Decimal as plain text without exponent or trailing zeros (``0E-8`` → ``0``)."""
    return format(value.normalize(), "f")


def _finite(metrics: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in metrics.items() if v == v}


def write_report(result: PipelineResult, instruments: InstrumentRegistry, path: Path, *, n_trials: int = 1,
                 trial_sharpes: Sequence[float] = ()) -> Path:
    """Write the HTML report of ``result`` to ``path`` and its JSON beside it (``.json``); return ``path``.

    ``n_trials`` and ``trial_sharpes`` go to the deflated Sharpe ratio (see :func:`build_report_data`).
    """
    from arbkit.report.document import write_report_files

    data = build_report_data(result, instruments, n_trials=n_trials, trial_sharpes=trial_sharpes)
    html_path, _ = write_report_files(data, path)
    return html_path
