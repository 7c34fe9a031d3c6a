"""One self-contained HTML file per run: inline CSS, charts as base64 PNG, every text escaped.

The file makes no network request and needs no other file, so it can be mailed or archived as is.
Sections, in order (each a ``<section id=...>``): ``failures`` (scripts that raised; red when any),
``summary`` (every statistic of :mod:`.summary`, with units), ``charts`` (equity, drawdown, PnL
distribution, fills on price per instrument, order latency, exposure), ``attribution`` (per script,
instrument and venue), ``instruments``, ``models``, ``lifecycle`` (model versions' modes over time, scores,
rollbacks, A/B; see :mod:`.lifecycle_section`), ``data``, ``rejections``, ``fills``, ``notes``, ``config``.
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

from arbkit.lifecycle.summary import LifecycleSummary
from arbkit.report import fmt
from arbkit.report.lifecycle_section import lifecycle_section_html
from arbkit.report.charts import line_chart_png
from arbkit.report.latency import latencies_ns
from arbkit.report.model import ReportData
from arbkit.report.plots import fills_on_price_png, latency_histogram_png, pnl_distribution_png
from arbkit.report.summary import (
    ReportStats,
    drawdown_usd,
    equity_arrays,
    period_pnl_usd,
    round_trip_pnl_usd,
    trade_record,
)
from arbkit.stats import PnlBreakdown

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


def _pct(fraction: float | None, places: int = 2) -> str:
    return fmt.pct(None if fraction is None else fraction * 100.0, places)


def _returns_rows(data: ReportData, stats: ReportStats) -> list[tuple[str, str, str]]:
    r = stats.returns
    period = fmt.duration(data.period_ns / 1e9)
    inf = stats.inference
    trials = ("1 (a single backtest: no selection, DSR = PSR)" if inf.n_trials == 1
              else f"{inf.n_trials:,d} (best-of benchmark SR {fmt.ratio(inf.benchmark_sharpe_per_period, 4)} "
              "per period)")
    rows = [("Capital (USD)", fmt.money(data.capital_usd), NUM)]
    if r is None:
        return rows + [("Returns", "fewer than 2 equity samples", TEXT)]
    dd = r.drawdown
    return rows + [
        ("Final equity (USD)", fmt.money(r.final_equity_usd), NUM),
        ("Total PnL (USD, net of fees)", fmt.money(r.pnl_usd, 4), SIGNED),
        ("Total return", _pct(r.total_return, 4), SIGNED),
        ("Annualised return (CAGR, indicative)", _pct(r.annualised_return), SIGNED),
        (f"Volatility (annualised, {period} returns)", _pct(r.volatility), NUM),
        (f"Sharpe ratio (annualised, {period} returns)", fmt.ratio(r.sharpe), NUM),
        (f"Sortino ratio (annualised, {period} returns)", fmt.ratio(r.sortino), NUM),
        ("Calmar ratio (CAGR / max drawdown)", fmt.ratio(r.calmar), NUM),
        ("Max drawdown (% of peak)", _pct(dd.max_drawdown, 4), NUM),
        ("Max drawdown (USD)", fmt.money(dd.max_drawdown_usd, 4), NUM),
        ("Max drawdown duration", fmt.duration(dd.duration_ns / 1e9) + ("" if dd.recovered else " (not recovered)"),
         NUM),
        ("Drawdown peak / trough (UTC)", f"{fmt.utc_ms(dd.peak_ns)} / {fmt.utc_ms(dd.trough_ns)}", NUM),
        (f"Returns ({period} periods)", fmt.integer(r.n_periods), NUM),
        ("Skewness / kurtosis (Pearson)", f"{fmt.ratio(r.skewness)} / {fmt.ratio(r.kurtosis)}", NUM),
        ("Probabilistic Sharpe ratio P[SR > 0]", fmt.ratio(inf.psr, 4), NUM),
        ("Deflated Sharpe ratio", fmt.ratio(inf.dsr, 4), NUM),
        ("Trials counted by the DSR", trials, NUM),
    ]


def _trading_rows(stats: ReportStats) -> list[tuple[str, str, str]]:
    t = stats.trades
    lat = stats.latency
    hold = fmt.MISSING if t.avg_holding_ns != t.avg_holding_ns else fmt.duration(t.avg_holding_ns / 1e9)
    return [
        ("Fills", fmt.integer(t.n_fills), NUM),
        ("Round trips (FIFO): won / lost", f"{t.n_round_trips:,d}: {t.n_winning:,d} / {t.n_losing:,d}", NUM),
        ("Hit rate", _pct(t.hit_rate, 1), NUM),
        ("Profit factor", fmt.ratio(t.profit_factor), NUM),
        ("Average round trip (USD, net)", fmt.money(t.avg_trade_usd, 4), SIGNED),
        ("Average holding time", hold, NUM),
        ("Turnover (× capital)", fmt.ratio(t.turnover, 3), NUM),
        ("Traded notional (USD)", fmt.money(t.traded_notional_usd), NUM),
        ("Fees paid (USD)", fmt.money(t.fees_usd, 4), NUM),
        ("Slippage vs arrival mid (bps, + = cost)", fmt.ratio(t.slippage_bps, 3), NUM),
        ("Slippage vs arrival mid (USD)", fmt.money(t.slippage_usd, 4), NUM),
        ("Fills with an arrival mid", fmt.integer(t.n_fills_with_mid), NUM),
        ("Realized / unrealized PnL (USD)", f"{fmt.money(t.realized_usd, 4)} / {fmt.money(t.unrealized_usd, 4)}",
         NUM),
        ("Order entry latency p50 / p99 (µs)", f"{fmt.money(lat.entry.p50_us, 1)} / {fmt.money(lat.entry.p99_us, 1)}",
         NUM),
        ("Fill latency p50 / p99 (µs)", f"{fmt.money(lat.fill.p50_us, 1)} / {fmt.money(lat.fill.p99_us, 1)}", NUM),
        ("Risk rejections", fmt.integer(stats.n_rejections), NUM),
        ("Script failures", fmt.integer(stats.n_failures), NUM),
    ]


def _summary(data: ReportData, stats: ReportStats) -> str:
    note = ('<p class="muted">Statistics from arbkit.stats (docs/statistics.md): returns of the equity curve '
            "resampled to fixed event-time periods, annualised over a 365-day year (only indicative on a run of "
            "minutes or hours); round trips by FIFO per script and instrument; slippage against the mid when the "
            "order was decided; latencies from order sent to venue accept and to first fill.</p>")
    return _section("summary", "Summary",
                    f'<div class="grid"><div>{_kv_table(_returns_rows(data, stats))}</div>'
                    f"<div>{_kv_table(_trading_rows(stats))}</div></div>{note}")


def _failures(data: ReportData) -> str:
    if not data.failures:
        return _section("failures", "Script failures (0)", '<p class="muted">No script raised.</p>')
    items = "".join(
        f'<div class="failure"><p><strong>{_e(f.script_id)}</strong> stopped at {_e(fmt.utc_ms(f.ts_ns))} '
        f"on {_e(f.instrument_id)}: "
        f"<code>{_e(f.error_type)}</code>: {_e(f.message)}</p>"
        f"<details><summary>traceback</summary><pre>{_e(f.traceback)}</pre></details></div>"
        for f in data.failures)
    return (f'<section id="failures" class="alert"><h2>Script failures ({len(data.failures):,d})</h2>'
            "<p>These scripts raised during the run and were stopped there: they sent nothing after that time.</p>"
            f"{items}</section>")


def _instrument_series(data: ReportData) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Mid price series per instrument from the equity samples' marks (and traded instruments), sorted by id."""
    points: dict[str, tuple[list[int], list[float]]] = {}
    for p in data.equity:
        for instrument_id, mark in p.marks.items():
            ts, px = points.setdefault(instrument_id, ([], []))
            ts.append(p.ts_ns)
            px.append(mark)
    for fill in data.fills:
        points.setdefault(fill.instrument_id, ([], []))
    return {k: (np.asarray(points[k][0], dtype=np.int64), np.asarray(points[k][1], dtype=np.float64))
            for k in sorted(points)}


def _charts(data: ReportData) -> str:
    ts, eq, pos = equity_arrays(data)
    records = [trade_record(f) for f in data.fills]
    entry_ns, fill_ns = latencies_ns(data.orders)
    period = fmt.duration(data.period_ns / 1e9)
    parts = [
        '<h3 id="equity">Equity</h3>',
        _img(line_chart_png(ts, eq, title="Equity: capital + PnL net of fees (USD)", ylabel="USD"), "equity curve"),
        '<h3 id="drawdown">Drawdown</h3>',
        _img(line_chart_png(ts, drawdown_usd(eq), title="Drawdown from running peak (USD)", ylabel="USD",
                            fill_below_zero=True), "drawdown"),
        '<h3 id="pnl-distribution">PnL distribution</h3>',
        _img(pnl_distribution_png(period_pnl_usd(data), round_trip_pnl_usd(data), period_label=period),
             "PnL distribution"),
        '<h3 id="fills-on-price">Fills on price</h3>',
    ]
    series = _instrument_series(data)
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    if not series:
        parts.append(_img(fills_on_price_png("no instrument", empty_i, empty_f, empty_i, empty_f, empty_i),
                          "fills on price"))
    for instrument_id, (mark_ts, mark_px) in series.items():
        mine = [r for r in records if r.instrument_id == instrument_id]
        parts.append(_img(fills_on_price_png(
            instrument_id, mark_ts, mark_px, np.array([r.ts_ns for r in mine], dtype=np.int64),
            np.array([r.price for r in mine], dtype=np.float64),
            np.array([int(r.side) for r in mine], dtype=np.int64)), f"fills on price {instrument_id}"))
    parts += [
        '<h3 id="latency">Order latency</h3>',
        _img(latency_histogram_png(entry_ns, fill_ns), "latency histogram"),
        '<h3 id="exposure">Exposure</h3>',
        _img(line_chart_png(ts, pos, title="Gross exposure (USD notional at mid)", ylabel="USD", step=True),
             "exposure"),
    ]
    return _section("charts", "Charts", "".join(parts))


def _breakdown_table(title: str, groups: dict[str, PnlBreakdown]) -> str:
    cols: list[Column] = [(title, TEXT), ("Fills", NUM), ("Notional (USD)", NUM), ("Round trips", NUM),
                          ("Realized (USD)", SIGNED), ("Fees (USD)", NUM), ("Net (USD)", SIGNED),
                          ("Unrealized (USD)", SIGNED), ("Total (USD)", SIGNED)]
    rows = [(key, fmt.integer(b.n_fills), fmt.money(b.notional_usd), fmt.integer(b.n_round_trips),
             fmt.money(b.realized_usd, 4), fmt.money(b.fees_usd, 4), fmt.money(b.net_usd, 4),
             fmt.money(b.unrealized_usd, 4), fmt.money(b.total_usd, 4)) for key, b in sorted(groups.items())]
    return _table(cols, rows, empty="No fill.")


def _attribution(stats: ReportStats) -> str:
    t = stats.trades
    body = (f"<h3>Per script</h3>{_breakdown_table('Script', t.by_script)}"
            f"<h3>Per instrument</h3>{_breakdown_table('Instrument', t.by_instrument)}"
            f"<h3>Per venue</h3>{_breakdown_table('Venue', t.by_venue)}"
            '<p class="muted">Realized: FIFO PnL of the closed quantity before fees; unrealized: the open quantity '
            "at the last mid; total = realized − fees + unrealized.</p>")
    return _section("attribution", "PnL attribution", body)


def _instruments(data: ReportData) -> str:
    cols = [("Instrument", TEXT), ("Position", NUM), ("Realized PnL", SIGNED), ("Unrealized PnL", SIGNED),
            ("Fees", NUM), ("Currency", TEXT)]
    rows = [(r.instrument_id, r.position, r.realized_pnl, r.unrealized_pnl, r.fees, r.currency)
            for r in data.instruments]
    return _section("instruments", "Instruments", _table(cols, rows, empty="No instrument traded."))


def _lifecycle(data: ReportData) -> str:
    return lifecycle_section_html(data.lifecycle if data.lifecycle is not None else LifecycleSummary())


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
_NAV = [("failures", "Failures"), ("summary", "Summary"), ("charts", "Charts"), ("attribution", "Attribution"),
        ("instruments", "Instruments"), ("models", "Models"), ("lifecycle", "Lifecycle"),
        ("data", "Data"), ("rejections", "Rejections"), ("fills", "Fills"), ("notes", "Notes"),
        ("config", "Config")]


def report_html(data: ReportData, stats: ReportStats) -> str:
    """The report as one HTML document (str); see :func:`render_report` to write it to a file."""
    css = files("arbkit.report").joinpath("report.css").read_text(encoding="utf-8")
    nav = " · ".join(f'<a href="#{sid}">{_e(label)}</a>' for sid, label in _NAV)
    body = "".join([
        _header(data), f'<nav class="muted">{nav}</nav>', _failures(data), _summary(data, stats), _charts(data),
        _attribution(stats), _instruments(data), _models(data), _lifecycle(data), _data_sources(data),
        _rejections(data), _fills(data), _notes(data),
        _config(data), '<footer>Generated by arbkit. Times are event times in UTC.</footer>',
    ])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(data.title)}</title><style>{css}</style></head>"
            f"<body><main>{body}</main></body></html>\n")


def render_report(data: ReportData, stats: ReportStats, path: Path) -> Path:
    """Write the self-contained HTML report to ``path`` (parents created, replaced atomically); return ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(report_html(data, stats), encoding="utf-8")
    os.replace(tmp, path)
    return path
