"""One self-contained HTML file per run: inline CSS, charts as base64 PNG, every text escaped.

The file makes no network request and needs no other file, so it can be mailed or archived as is.
Sections, in order (each a ``<section id=...>``): ``summary``, ``charts`` (equity, drawdown,
position), ``instruments``, ``models``, ``data``, ``rejections``, ``fills``, ``notes``, ``config``.
Long tables are cut (:data:`MAX_REJECTION_ROWS`, :data:`MAX_FILL_ROWS`) and say how many rows were
left out. The output depends only on its inputs (no wall-clock time is written).
"""

from __future__ import annotations

import base64
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from html import escape
from importlib.resources import files
from pathlib import Path

import numpy as np

from arbkit.report import fmt
from arbkit.report.charts import line_chart_png
from arbkit.report.model import ReportData
from arbkit.report.stats import PerformanceStats, drawdown_series

MAX_REJECTION_ROWS = 200
"""Rejections listed row by row; the counts by reason code always cover all of them."""
MAX_FILL_ROWS = 500
"""Fills listed row by row."""

TEXT, NUM, SIGNED, MONO = "text", "num", "signed", "mono"
"""Column kinds: free text; right-aligned monospace number; number coloured by sign; monospace text."""

Column = tuple[str, str]
"""A table column: (header text, kind)."""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _cell(text: str, kind: str) -> str:
    if kind == NUM:
        return f'<td class="num">{_e(text)}</td>'
    if kind == SIGNED:
        tone = " neg" if text.startswith("-") else (" pos" if text not in ("0", "0.00", fmt.MISSING) else "")
        return f'<td class="num{tone}">{_e(text)}</td>'
    if kind == MONO:
        return f'<td class="mono">{_e(text)}</td>'
    return f"<td>{_e(text)}</td>"


def _table(columns: Sequence[Column], rows: Iterable[Sequence[str]], *, empty: str = "None.") -> str:
    body = ["<tr>" + "".join(_cell(t, kind) for t, (_, kind) in zip(row, columns, strict=True)) + "</tr>"
            for row in rows]
    if not body:
        return f'<p class="muted">{_e(empty)}</p>'
    head = "".join(f'<th class="num">{_e(h)}</th>' if kind in (NUM, SIGNED) else f"<th>{_e(h)}</th>"
                   for h, kind in columns)
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _kv_table(rows: Sequence[tuple[str, str, str]]) -> str:
    """Two-column key/value table; each row is (label, value, kind of the value)."""
    body = "".join(f"<tr><th>{_e(label)}</th>{_cell(value, kind)}</tr>" for label, value, kind in rows)
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{_e(sid)}"><h2>{_e(title)}</h2>{body}</section>'


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{data}"></figure>'


def _decimal_product(a: str, b: str) -> str:
    try:
        return str(abs(Decimal(a) * Decimal(b)).normalize().quantize(Decimal("0.01")))
    except (InvalidOperation, ValueError):
        return fmt.MISSING


# -- sections ------------------------------------------------------------------------------------
def _header(data: ReportData) -> str:
    span_s = (data.ended_ns - data.started_ns) / 1e9
    return (f"<header><h1>{_e(data.title)}</h1>"
            + (f'<p class="subtitle">{_e(data.subtitle)}</p>' if data.subtitle else "")
            + f'<div class="span">{_e(fmt.utc_ms(data.started_ns))} → {_e(fmt.utc_ms(data.ended_ns))} '
            f"(UTC, {_e(fmt.duration(span_s))})</div></header>")


def _summary(data: ReportData, s: PerformanceStats) -> str:
    dd_note = "" if s.max_drawdown_recovered else " (not recovered)"
    interval = fmt.duration(s.interval_s)
    risk = [
        ("Total PnL (USD)", fmt.money(s.total_pnl_usd), SIGNED),
        ("Return on capital", fmt.pct(s.return_pct, 3), SIGNED),
        ("Capital (USD)", fmt.money(s.capital_usd), NUM),
        ("Start / end equity (USD)", f"{fmt.money(s.start_equity_usd)} / {fmt.money(s.end_equity_usd)}", NUM),
        ("Max drawdown (USD)", fmt.money(s.max_drawdown_usd), NUM),
        ("Max drawdown (% of capital)", fmt.pct(s.max_drawdown_pct, 3), NUM),
        ("Max drawdown duration", fmt.duration(s.max_drawdown_duration_s) + dd_note, NUM),
        ("Drawdown peak / trough (UTC)",
         f"{fmt.utc_ms(s.max_drawdown_peak_ns)} / {fmt.utc_ms(s.max_drawdown_trough_ns)}", NUM),
        (f"Sharpe (annualised, {interval} PnL)", fmt.ratio(s.sharpe_ratio), NUM),
        (f"Sortino (annualised, {interval} PnL)", fmt.ratio(s.sortino_ratio), NUM),
    ]
    trading = [
        ("Equity span", fmt.duration(s.duration_s), NUM),
        ("PnL intervals", fmt.integer(s.n_intervals), NUM),
        ("Fills", fmt.integer(s.n_fills), NUM),
        ("Round trips closed", fmt.integer(s.n_round_trips), NUM),
        ("Hit rate of round trips", fmt.pct(None if s.hit_rate is None else s.hit_rate * 100.0, 1), NUM),
        ("Turnover (USD notional)", fmt.money(s.turnover_usd), NUM),
        ("Fees paid (USD)", fmt.money(s.fees_usd, 4), NUM),
        ("Risk rejections", fmt.integer(len(data.rejections)), NUM),
        ("Instruments", fmt.integer(len(data.instruments)), NUM),
    ]
    note = ('<p class="muted">Sharpe and Sortino are of PnL resampled to fixed event-time intervals and '
            "annualised with √(intervals per 365-day year); on a run of minutes or hours they are only "
            "indicative.</p>")
    return _section("summary", "Summary",
                    f'<div class="grid"><div>{_kv_table(risk)}</div><div>{_kv_table(trading)}</div></div>{note}')


def _charts(data: ReportData) -> str:
    n = len(data.equity)
    ts = np.fromiter((p.ts_ns for p in data.equity), dtype=np.int64, count=n)
    eq = np.fromiter((p.equity_usd for p in data.equity), dtype=np.float64, count=n)
    pos = np.fromiter((p.position_usd for p in data.equity), dtype=np.float64, count=n)
    parts = [
        '<h3 id="equity">Equity</h3>',
        _img(line_chart_png(ts, eq, title="Equity (USD)", ylabel="USD"), "equity curve"),
        '<h3 id="drawdown">Drawdown</h3>',
        _img(line_chart_png(ts, drawdown_series(eq), title="Drawdown from running peak (USD)", ylabel="USD",
                            fill_below_zero=True), "drawdown"),
        '<h3 id="position">Position</h3>',
        _img(line_chart_png(ts, pos, title="Exposure (USD notional)", ylabel="USD", step=True), "position"),
    ]
    return _section("charts", "Charts", "".join(parts))


def _instruments(data: ReportData) -> str:
    cols = [("Instrument", TEXT), ("Position", NUM), ("Realized PnL", SIGNED), ("Unrealized PnL", SIGNED),
            ("Fees", NUM), ("Currency", TEXT)]
    rows = [(r.instrument_id, r.position, r.realized_pnl, r.unrealized_pnl, r.fees, r.currency)
            for r in data.instruments]
    return _section("instruments", "Instruments", _table(cols, rows, empty="No instrument traded."))


def _models(data: ReportData) -> str:
    metric_names = sorted({k for m in data.models for k in m.metrics})
    cols = [("Model", TEXT), ("Version", MONO), ("Train rows", NUM), ("Test rows", NUM)]
    cols += [(k, NUM) for k in metric_names] + [("Features", TEXT)]
    rows = [
        (m.name, m.version, fmt.integer(m.train_rows), fmt.integer(m.test_rows),
         *(fmt.ratio(m.metrics.get(k), 4) for k in metric_names), ", ".join(m.features))
        for m in data.models
    ]
    return _section("models", "Models", _table(cols, rows, empty="No model used."))


def _data_sources(data: ReportData) -> str:
    cols = [("Source", TEXT), ("Messages", NUM), ("Book updates", NUM), ("Trades", NUM), ("BBO", NUM),
            ("Gaps", NUM), ("First event (UTC)", MONO), ("Last event (UTC)", MONO)]
    rows = [(d.source, fmt.integer(d.messages), fmt.integer(d.book_updates), fmt.integer(d.trades),
             fmt.integer(d.bbo), fmt.integer(d.gaps), fmt.utc_ms(d.first_ts_ns), fmt.utc_ms(d.last_ts_ns))
            for d in data.data]
    return _section("data", "Market data", _table(cols, rows, empty="No data source recorded."))


def _omitted(total: int, shown: int, what: str) -> str:
    if total <= shown:
        return ""
    return f'<p class="muted">Showing the first {shown:,d} of {total:,d} {what}; {total - shown:,d} omitted.</p>'


def _rejections(data: ReportData) -> str:
    counts = Counter(r.reason_code for r in data.rejections)
    total = len(data.rejections)
    by_reason = _table([("Reason code", MONO), ("Count", NUM), ("Share", NUM)],
                       [(code, fmt.integer(n), fmt.pct(100.0 * n / total, 1))
                        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))],
                       empty="No intent was rejected.")
    shown = data.rejections[:MAX_REJECTION_ROWS]
    cols = [("Time (UTC)", MONO), ("Intent", MONO), ("Instrument", TEXT), ("Side", TEXT), ("Qty", NUM),
            ("Price", NUM), ("Reason code", MONO), ("Detail", TEXT)]
    rows = [(fmt.utc_ms(r.ts_ns), r.intent_id, r.instrument_id, r.side, r.qty, r.price or "market",
             r.reason_code, r.detail) for r in shown]
    listing = ("<h3>By reason code</h3>" + by_reason
               + (("<h3>Rejected intents</h3>" + _omitted(total, len(shown), "rejections") + _table(cols, rows))
                  if rows else ""))
    return _section("rejections", f"Risk rejections ({total:,d})", listing)


def _fills(data: ReportData) -> str:
    total = len(data.fills)
    shown = data.fills[:MAX_FILL_ROWS]
    cols = [("Time (UTC)", MONO), ("Instrument", TEXT), ("Side", TEXT), ("Price", NUM), ("Qty", NUM),
            ("Notional", NUM), ("Fee", NUM), ("Liquidity", TEXT), ("Script", TEXT), ("Model", MONO),
            ("Client order id", MONO)]
    rows = [(fmt.utc_ms(f.ts_ns), f.instrument_id, f.side, f.price, f.qty, _decimal_product(f.price, f.qty), f.fee,
             f.liquidity, f.script_id, f.model_version, f.client_order_id) for f in shown]
    body = _omitted(total, len(shown), "fills") + _table(cols, rows, empty="No fill.")
    return _section("fills", f"Trades / fills ({total:,d})", body)


def _notes(data: ReportData) -> str:
    if not data.notes:
        return _section("notes", "Notes", '<p class="muted">No notes.</p>')
    items = "".join(f"<li>{_e(n)}</li>" for n in data.notes)
    return _section("notes", "Notes", f'<ul class="notes">{items}</ul>')


def _config(data: ReportData) -> str:
    rows = [(k, data.config[k]) for k in sorted(data.config)]
    return _section("config", "Configuration", _table([("Key", MONO), ("Value", MONO)], rows,
                                                      empty="No configuration recorded."))


# -- document ------------------------------------------------------------------------------------
_NAV = [("summary", "Summary"), ("charts", "Charts"), ("instruments", "Instruments"), ("models", "Models"),
        ("data", "Data"), ("rejections", "Rejections"), ("fills", "Fills"), ("notes", "Notes"),
        ("config", "Config")]


def report_html(data: ReportData, stats: PerformanceStats) -> str:
    """The report as one HTML document (str); see :func:`render_report` to write it to a file."""
    css = files("arbkit.report").joinpath("report.css").read_text(encoding="utf-8")
    nav = " · ".join(f'<a href="#{sid}">{_e(label)}</a>' for sid, label in _NAV)
    body = "".join([
        _header(data), f'<nav class="muted">{nav}</nav>', _summary(data, stats), _charts(data),
        _instruments(data), _models(data), _data_sources(data), _rejections(data), _fills(data), _notes(data),
        _config(data), '<footer>Generated by arbkit. Times are event times in UTC.</footer>',
    ])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(data.title)}</title><style>{css}</style></head>"
            f"<body><main>{body}</main></body></html>\n")


def render_report(data: ReportData, stats: PerformanceStats, path: Path) -> Path:
    """Write the self-contained HTML report to ``path`` (parents created, replaced atomically); return ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(report_html(data, stats), encoding="utf-8")
    os.replace(tmp, path)
    return path
