"""The report's ``lifecycle`` section: model versions going shadow → canary → live, scores, rollbacks, A/B.

:func:`lifecycle_section_html` renders a :class:`~arbkit.lifecycle.summary.LifecycleSummary` as one
``<section id="lifecycle">``: a deployment timeline chart (one row per version, a bar per mode, rollbacks
as red crosses), PnL by version over time (dashed while shadow, solid while canary or live), the final
scores per version, the shadow-vs-live comparison, the mode changes with who made them and why, the
rollbacks (red rows), the refused promotions and the A/B comparison. Both charts share one time axis:
minutes since the first interval's start (``t0``, printed in UTC). Every text is escaped; the output
depends only on the summary. :func:`lifecycle_document` is the same summary as plain JSON values.
"""

from __future__ import annotations

import base64
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

import msgspec
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from arbkit.core.time import NANOS_PER_SECOND
from arbkit.lifecycle.evidence import ArmScore
from arbkit.lifecycle.summary import ABComparison, LifecycleSummary
from arbkit.report import fmt
from arbkit.report.charts import _figure, _png
from arbkit.report.model import ReportInputError

NANOS_PER_MINUTE = 60 * NANOS_PER_SECOND
MODE_COLOURS = {"shadow": "#9aa3ab", "canary": "#e67e22", "live": "#1e7b4a"}
"""Bar colour per mode on the timeline; ``retired`` draws no bar."""
MODE_LINESTYLES = {"shadow": "--", "canary": "-", "live": "-", "retired": ":"}
"""PnL line style per mode: dashed while the PnL is hypothetical (shadow), solid while orders are real."""
ROLLBACK_COLOUR = "#c0392b"
_VERSION_COLOURS = ("#1f4e79", "#d68910", "#7d3c98", "#117a65", "#a04000", "#2e4053", "#b03a2e", "#1abc9c")
_ROW_HEIGHT_IN = 0.45
_BAD_CELL = 'style="background:#fdf2f1;color:#a93226"'
NUM, TEXT, MONO = "num", "text", "mono"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _plain(text: str) -> str:
    """``text`` for a matplotlib label: control characters dropped, ``$`` escaped so it is never read as mathtext."""
    return "".join(c for c in text if not unicodedata.category(c).startswith("C")).replace("$", r"\$")


def _quiet_png(fig: Figure) -> bytes:
    """PNG bytes of ``fig``; a version name in a script the font lacks draws as boxes, without a warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
        return _png(fig)


# -- html helpers ---------------------------------------------------------------------------------
def _td(text: str, kind: str, bad: bool) -> str:
    cls = {NUM: ' class="num"', MONO: ' class="mono"'}.get(kind, "")
    return f"<td{cls}{' ' + _BAD_CELL if bad else ''}>{_e(text)}</td>"


def _table(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]], *, empty: str,
           css_id: str, bad: bool = False) -> str:
    """A table; ``bad`` styles every row as a failure (red), for rollbacks."""
    tr = ' class="rollback"' if bad else ""
    body = ["<tr" + tr + ">" + "".join(_td(t, k, bad) for t, (_, k) in zip(row, columns, strict=True)) + "</tr>"
            for row in rows]
    if not body:
        return f'<p class="muted" id="{_e(css_id)}">{_e(empty)}</p>'
    head = "".join(f'<th class="num">{_e(h)}</th>' if k == NUM else f"<th>{_e(h)}</th>" for h, k in columns)
    return (f'<div class="scroll"><table id="{_e(css_id)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _img(png: bytes, alt: str, css_id: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img id="{_e(css_id)}" alt="{_e(alt)}" src="data:image/png;base64,{data}"></figure>'


def _pct(fraction: float | None, places: int = 1) -> str:
    return fmt.pct(None if fraction is None else fraction * 100.0, places)


def _minutes(ts_ns: int, t0_ns: int) -> str:
    return fmt.money((ts_ns - t0_ns) / NANOS_PER_MINUTE, 2)


# -- time span ------------------------------------------------------------------------------------
def _span(summary: LifecycleSummary) -> tuple[int, int]:
    """(t0, t_end) in ns: the first interval's start and the last time anything in the summary mentions."""
    t0 = min(i.start_ns for i in summary.intervals)
    times = [t0]
    times += [i.end_ns if i.end_ns is not None else i.start_ns for i in summary.intervals]
    times += [r.ts_ns for r in summary.rollbacks] + [s.ts_ns for s in summary.final_scores]
    times += [ts for series in summary.score_series.values() for ts, _, _ in series]
    t_end = max(times)
    return t0, t_end if t_end > t0 else t0 + NANOS_PER_MINUTE


def _versions(summary: LifecycleSummary) -> list[str]:
    """Versions in order of first appearance (intervals, then scores, series and rollbacks)."""
    seen: dict[str, None] = {}
    for v in ([i.version for i in summary.intervals] + [s.version for s in summary.final_scores]
              + sorted(summary.score_series) + [r.version for r in summary.rollbacks]):
        seen.setdefault(v, None)
    return list(seen)


# -- charts ---------------------------------------------------------------------------------------
def timeline_png(summary: LifecycleSummary) -> bytes:
    """Deployment timeline: one row per version, a coloured bar per mode interval, rollbacks as red ✕ + label.

    x is minutes since the first interval's start; an open interval (``end_ns`` None) runs to the last
    time in the summary. ``retired`` intervals draw no bar.
    """
    t0, t_end = _span(summary)
    versions = _versions(summary)
    row = {v: i for i, v in enumerate(versions)}
    fig, ax = _figure()
    fig.set_size_inches(11.0, max(2.0, 1.1 + _ROW_HEIGHT_IN * len(versions)))
    ax.set_title(f"Deployment timeline (t0 = {fmt.utc_ms(t0)} UTC)", fontsize=10, loc="left", color="#222")
    for iv in summary.intervals:
        colour = MODE_COLOURS.get(iv.mode)
        if colour is None:
            continue
        start = (iv.start_ns - t0) / NANOS_PER_MINUTE
        end = ((iv.end_ns if iv.end_ns is not None else t_end) - t0) / NANOS_PER_MINUTE
        ax.broken_barh([(start, max(end - start, 0.0))], (row[iv.version] - 0.35, 0.7), facecolors=colour,
                       edgecolors="white", linewidth=0.5)
    for rb in summary.rollbacks:
        x = (rb.ts_ns - t0) / NANOS_PER_MINUTE
        y = row[rb.version]
        ax.scatter([x], [y], marker="X", s=90, color=ROLLBACK_COLOUR, zorder=4, edgecolors="white", linewidths=0.6)
        ax.annotate(_plain(f"rollback: {rb.trigger}"), (x, y), xytext=(6, 6), textcoords="offset points",
                    fontsize=8, color=ROLLBACK_COLOUR, fontweight="bold")
    ax.set_yticks(range(len(versions)), labels=[_plain(v) for v in versions])
    ax.set_ylim(len(versions) - 0.5, -0.5)
    ax.set_xlim(0.0, (t_end - t0) / NANOS_PER_MINUTE * 1.04)
    ax.set_xlabel("minutes since t0", fontsize=8, color="#444")
    handles = [Patch(facecolor=c, label=m) for m, c in MODE_COLOURS.items()]
    handles.append(Line2D([], [], marker="X", linestyle="none", color=ROLLBACK_COLOUR, label="rollback"))
    ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False, ncols=4, bbox_to_anchor=(1.0, 1.12))
    return _quiet_png(fig)


def _mode_runs(points: list[tuple[int, float, str]]) -> list[tuple[str, list[int], list[float]]]:
    """Split a series into runs of one mode; each run starts at the previous run's last point (no gap)."""
    runs: list[tuple[str, list[int], list[float]]] = []
    for ts, pnl, mode in points:
        if not runs or runs[-1][0] != mode:
            prev = runs[-1] if runs else None
            runs.append((mode, [prev[1][-1]] if prev else [], [prev[2][-1]] if prev else []))
        runs[-1][1].append(ts)
        runs[-1][2].append(pnl)
    return runs


def pnl_by_version_png(summary: LifecycleSummary) -> bytes:
    """PnL (USD, after fees) of each version over time: one colour per version, dashed while shadow
    (hypothetical fills), solid while canary or live, dotted once retired; rollbacks as red vertical lines.

    x is minutes since the first interval's start, as on :func:`timeline_png`.
    """
    t0, t_end = _span(summary)
    fig, ax = _figure()
    fig.set_size_inches(11.0, 3.2)
    ax.set_title("PnL by version in its current mode (USD, after fees; starts at 0 at each change of mode; "
                 "dashed = shadow, hypothetical)", fontsize=10, loc="left",
                 color="#222")
    ax.set_xlabel("minutes since t0", fontsize=8, color="#444")
    ax.set_ylabel("USD", fontsize=8, color="#444")
    drawn = False
    handles: list[Line2D] = []
    for i, version in enumerate(_versions(summary)):
        points = sorted(summary.score_series.get(version, []), key=lambda p: p[0])
        if not points:
            continue
        colour = _VERSION_COLOURS[i % len(_VERSION_COLOURS)]
        for mode, ts, pnl in _mode_runs(points):
            x = (np.asarray(ts, dtype=np.int64) - t0) / NANOS_PER_MINUTE
            ax.plot(x, np.asarray(pnl, dtype=np.float64), color=colour, linewidth=1.3,
                    linestyle=MODE_LINESTYLES.get(mode, "-"), marker="o" if len(ts) == 1 else None, markersize=3)
        handles.append(Line2D([], [], color=colour, linewidth=1.3, label=_plain(version)))
        drawn = True
    if not drawn:
        ax.text(0.5, 0.5, "no scores", ha="center", va="center", transform=ax.transAxes, color="#888")
    for rb in summary.rollbacks:
        ax.axvline((rb.ts_ns - t0) / NANOS_PER_MINUTE, color=ROLLBACK_COLOUR, linewidth=1.0, alpha=0.8)
    ax.axhline(0.0, color="#999", linewidth=0.6)
    ax.set_xlim(0.0, (t_end - t0) / NANOS_PER_MINUTE * 1.04)
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    handles += [Line2D([], [], color="#555", linestyle="--", label="shadow"),
                Line2D([], [], color="#555", linestyle="-", label="canary / live"),
                Line2D([], [], color=ROLLBACK_COLOUR, label="rollback")]
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, ncols=min(len(handles), 6))
    return _quiet_png(fig)


# -- tables ---------------------------------------------------------------------------------------
def _scores(scores: list[ArmScore]) -> str:
    cols = [("Version", MONO), ("Model", TEXT), ("Mode", TEXT), ("In mode", NUM), ("Calls", NUM),
            ("Precision", NUM), ("Recall", NUM), ("F1", NUM), ("Trades", NUM), ("Hit rate (%)", NUM),
            ("PnL (USD)", NUM), ("Sharpe (annualised)", NUM), ("Max drawdown (USD)", NUM),
            ("Max gross exposure (USD)", NUM), ("Latency p99 (µs)", NUM), ("Error rate (%)", NUM), ("PSI", NUM)]
    rows = [(s.version, s.model_name, s.mode, fmt.duration(s.duration_ns / NANOS_PER_SECOND), fmt.integer(s.calls),
             fmt.ratio(s.precision, 3), fmt.ratio(s.recall, 3), fmt.ratio(s.f1, 3), fmt.integer(s.trades),
             _pct(s.hit_rate), fmt.money(s.pnl_usd, 4), fmt.ratio(s.sharpe), fmt.money(s.max_drawdown_usd, 4),
             fmt.money(s.max_gross_exposure_usd), fmt.money(s.latency_p99_us, 1), _pct(s.error_rate, 2),
             fmt.ratio(s.psi, 3)) for s in scores]
    return _table(cols, rows, empty="No version was scored.", css_id="lifecycle-scores")


def _shadow_vs_live(rows: list[tuple[str, str, str, float | None, float | None]]) -> str:
    cols = [("Shadow version", MONO), ("Live version", MONO), ("Metric", TEXT), ("Shadow", NUM), ("Live", NUM),
            ("Shadow − live", NUM)]
    out = [(shadow, live, metric, fmt.ratio(a, 4), fmt.ratio(b, 4),
            fmt.ratio(a - b if a is not None and b is not None else None, 4))
           for shadow, live, metric, a, b in rows]
    return _table(cols, out, empty="No shadow version ran beside a live one.", css_id="lifecycle-shadow-vs-live")


def _intervals(summary: LifecycleSummary, t0: int) -> str:
    cols = [("Version", MONO), ("Script", MONO), ("Mode", TEXT), ("From (UTC)", MONO), ("To (UTC)", MONO),
            ("From (min since t0)", NUM), ("Duration", NUM), ("Actor", TEXT), ("Reason", TEXT)]
    rows = [(i.version, i.script_id, i.mode, fmt.utc_ms(i.start_ns),
             "still in it" if i.end_ns is None else fmt.utc_ms(i.end_ns), _minutes(i.start_ns, t0),
             fmt.MISSING if i.end_ns is None else fmt.duration((i.end_ns - i.start_ns) / NANOS_PER_SECOND),
             i.actor, i.reason) for i in summary.intervals]
    return _table(cols, rows, empty="No mode change.", css_id="lifecycle-intervals")


def _rollbacks(summary: LifecycleSummary, t0: int) -> str:
    cols = [("Time (UTC)", MONO), ("Min since t0", NUM), ("Version", MONO), ("Mode", TEXT), ("Trigger", MONO),
            ("Value", NUM), ("Limit", NUM), ("Restored version", MONO), ("Gross exposure (USD)", NUM),
            ("Detail", TEXT)]
    rows = [(fmt.utc_ms(r.ts_ns), _minutes(r.ts_ns, t0), r.version, r.mode, r.trigger, fmt.ratio(r.value, 4),
             fmt.ratio(r.limit, 4), r.restored_version if r.restored_version is not None else fmt.MISSING,
             fmt.money(r.gross_exposure_usd), r.detail) for r in summary.rollbacks]
    return _table(cols, rows, empty="No automatic rollback.", css_id="lifecycle-rollbacks", bad=True)


def _refusals(refusals: list[str]) -> str:
    if not refusals:
        return '<p class="muted" id="lifecycle-refusals">No promotion was refused.</p>'
    return '<ul class="notes" id="lifecycle-refusals">' + "".join(f"<li>{_e(r)}</li>" for r in refusals) + "</ul>"


def _ci(ci: tuple[float, float] | None) -> str:
    return fmt.MISSING if ci is None else f"[{fmt.ratio(ci[0], 4)}, {fmt.ratio(ci[1], 4)}]"


def _ab(ab: ABComparison | None) -> str:
    if ab is None:
        return '<p class="muted" id="lifecycle-ab">No A/B split ran.</p>'
    cols = [("Arm", TEXT), ("Version", MONO), ("Signals", NUM), ("Trades", NUM), ("PnL (USD)", NUM),
            ("Hit rate (%)", NUM), ("Slippage (bps, + = cost)", NUM), ("Latency p99 (µs)", NUM)]
    arms = [("A", ab.version_a, fmt.integer(ab.signals_a), fmt.integer(ab.trades_a), fmt.money(ab.pnl_a_usd, 4),
             _pct(ab.hit_rate_a), fmt.ratio(ab.slippage_a_bps, 3), fmt.money(ab.latency_p99_a_us, 1)),
            ("B", ab.version_b, fmt.integer(ab.signals_b), fmt.integer(ab.trades_b), fmt.money(ab.pnl_b_usd, 4),
             _pct(ab.hit_rate_b), fmt.ratio(ab.slippage_b_bps, 3), fmt.money(ab.latency_p99_b_us, 1))]
    conf = fmt.pct(ab.confidence * 100.0, 0)
    kv = [("Split", ab.split),
          ("Mean PnL per trade, A − B (USD)", fmt.money(ab.diff_mean_usd, 4)),
          (f"Welch {conf} confidence interval (USD)", _ci(ab.welch_ci)),
          ("Welch p-value", fmt.ratio(ab.welch_p_value, 4)),
          (f"Bootstrap {conf} confidence interval (USD)", _ci(ab.bootstrap_ci)),
          ("Decision", ab.decision),
          ("Reason", ab.decision_reason)]
    kv_html = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in kv)
    return (_table(cols, arms, empty="", css_id="lifecycle-ab-arms")
            + f'<table class="kv" id="lifecycle-ab"><tbody>{kv_html}</tbody></table>')


# -- public ---------------------------------------------------------------------------------------
def lifecycle_section_html(summary: LifecycleSummary) -> str:
    """The ``<section id="lifecycle">`` of the report (HTML text, escaped, deterministic).

    A summary without intervals renders a short "no lifecycle in this run" section with no chart.
    """
    if not summary.intervals:
        return ('<section id="lifecycle"><h2>Model lifecycle</h2>'
                '<p class="muted">No lifecycle in this run: no model version was deployed.</p></section>')
    t0, _ = _span(summary)
    n_versions = len(_versions(summary))
    intro = (f'<p class="muted">{n_versions:,d} versions, {len(summary.intervals):,d} mode intervals, '
             f"{len(summary.rollbacks):,d} rollbacks. Charts: minutes since t0 = {_e(fmt.utc_ms(t0))} UTC "
             "(the first deployment). Shadow PnL is hypothetical (simulated fills, costs included).</p>")
    alert = ""
    if summary.rollbacks:
        alert = (f'<p id="lifecycle-rollback-alert" {_BAD_CELL}><strong>{len(summary.rollbacks):,d} automatic '
                 "rollback(s)</strong>: "
                 + _e("; ".join(f"{r.version} ({r.trigger} {fmt.ratio(r.value, 4)} vs limit {fmt.ratio(r.limit, 4)})"
                                for r in summary.rollbacks)) + "</p>")
    body = "".join([
        intro, alert,
        '<h3 id="lifecycle-timeline">Deployment timeline</h3>',
        _img(timeline_png(summary), "deployment timeline", "lifecycle-timeline-img"),
        '<h3 id="lifecycle-pnl">PnL by version</h3>',
        _img(pnl_by_version_png(summary), "PnL by version", "lifecycle-pnl-img"),
        "<h3>Final scores per version</h3>", _scores(summary.final_scores),
        "<h3>Shadow vs live (same ticks)</h3>", _shadow_vs_live(summary.shadow_vs_live),
        f"<h3>Rollbacks ({len(summary.rollbacks):,d})</h3>", _rollbacks(summary, t0),
        f"<h3>Refused promotions ({len(summary.refusals):,d})</h3>", _refusals(summary.refusals),
        "<h3>A/B comparison</h3>", _ab(summary.ab),
        "<h3>Mode changes</h3>", _intervals(summary, t0),
    ])
    return f'<section id="lifecycle"><h2>Model lifecycle</h2>{body}</section>'


def lifecycle_document(summary: LifecycleSummary) -> dict[str, Any]:
    """The summary as plain JSON values for ``report.json`` (map keys sorted; tuples become lists).

    Non-finite floats are kept as floats: ``msgspec.json.encode`` writes them as ``null``.
    """
    return msgspec.to_builtins(summary, order="deterministic")


def lifecycle_from_document(obj: object, source: str = "report.json lifecycle") -> LifecycleSummary:
    """Read back what :func:`lifecycle_document` wrote.

    Raises:
        ReportInputError: ``obj`` is not a lifecycle summary; the message names the JSON path of the bad field.
    """
    try:
        return msgspec.convert(obj, type=LifecycleSummary)
    except msgspec.ValidationError as exc:
        raise ReportInputError(f"{source}: {exc}") from None


__all__ = ["MODE_COLOURS", "MODE_LINESTYLES", "lifecycle_document", "lifecycle_from_document",
           "lifecycle_section_html", "pnl_by_version_png", "timeline_png"]
