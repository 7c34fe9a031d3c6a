"""Turn a :class:`~arbkit.backtest.pipeline.PipelineResult` into the report layer's input and write it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import msgspec

from arbkit.backtest.pipeline import PipelineResult
from arbkit.core.instruments import InstrumentRegistry
from arbkit.features.basis import FEATURE_NAMES
from arbkit.report.model import (DataSummary, EquityPoint, FillRow, InstrumentRow, ModelSummary, RejectionRow,
                                 ReportData)


def _flatten(prefix: str, value: object, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        for i, item in enumerate(value):
            _flatten(f"{prefix}[{i}]", item, out)
    else:
        out[prefix] = str(value)


def build_report_data(result: PipelineResult, instruments: InstrumentRegistry) -> ReportData:
    """Report rows from exact values (decimal text); the equity curve as floats for plotting."""
    capital = result.config.capital_usd
    equity = [EquityPoint(ts_ns=p.ts_ns, equity_usd=float(capital + p.equity_usd),
                          position_usd=float(p.gross_exposure_usd)) for p in result.run.equity]
    fills = []
    for fill in result.path.fills:
        instrument = instruments.get(fill.instrument_id)
        fills.append(FillRow(
            ts_ns=fill.ts_event, instrument_id=fill.instrument_id, side="buy" if fill.side > 0 else "sell",
            price=str(instrument.ticks_to_price(fill.price_ticks)), qty=str(instrument.lots_to_size(fill.qty_lots)),
            fee=_plain(fill.fee), liquidity=fill.liquidity.value, script_id=fill.script_id,
            model_version=fill.model_version, client_order_id=fill.client_order_id))
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
        "Position chart shows gross exposure (both legs, USD at mid). USDT is counted as USD.",
        f"Journal (hash-chained SQLite): {result.journal_path.name}; read it with `arbkit journal {result.journal_path}`.",
    ]
    return ReportData(title=f"arbkit backtest: {result.config.name}",
                      subtitle="Spot–perp basis arbitrage on recorded Binance L2 data",
                      started_ns=run.first_ts_ns, ended_ns=run.last_ts_ns, config=config, equity=equity, fills=fills,
                      rejections=rejections, instruments=positions, models=models, data=data, notes=notes)


def _plain(value: Decimal) -> str:
    """Decimal as plain text without exponent or trailing zeros (``0E-8`` → ``0``)."""
    return format(value.normalize(), "f")


def _finite(metrics: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in metrics.items() if v == v}


def write_report(result: PipelineResult, instruments: InstrumentRegistry, path: Path) -> Path:
    """Render the HTML report of ``result`` to ``path``."""
    from arbkit.report.html import render_report
    from arbkit.report.stats import compute_report_stats

    data = build_report_data(result, instruments)
    stats = compute_report_stats(data, capital_usd=float(Decimal(result.config.capital_usd)))
    return render_report(data, stats, path)
