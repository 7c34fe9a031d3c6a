"""The report's other charts (Agg PNG bytes, as :mod:`.charts`): PnL distribution, fills on price, latency.

Each function draws its own figure; empty input draws a "no data" placeholder so a chart is always there.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

from arbkit.report.charts import _figure, _png, decimate_minmax

_BAR = "#1f4e79"
_BAR_2 = "#d68910"
_BUY = "#1e7b4a"
_SELL = "#a93226"
NANOS_PER_MICRO = 1_000
LOG_SPREAD = 50.0
"""Latency axes turn logarithmic when the largest latency is more than this many times the smallest."""


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="#888")
    ax.set_xticks([])
    ax.set_yticks([])


def _time_axis(ax: Axes) -> None:
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _datetimes(ts_ns: np.ndarray) -> np.ndarray:
    return np.asarray(ts_ns, dtype=np.int64).astype("datetime64[ns]").astype("datetime64[us]")


def pnl_distribution_png(period_pnl_usd: np.ndarray, trip_pnl_usd: np.ndarray, *, period_label: str) -> bytes:
    """Histograms of the PnL per period (left) and the net PnL per round trip (right), USD.

    Periods with zero PnL (flat, no position) are left out of the left histogram; its title says how many.
    """
    fig, ax = _figure()
    ax.remove()
    left, right = fig.subplots(1, 2)
    period = np.asarray(period_pnl_usd, dtype=np.float64)
    moved = period[period != 0.0]
    for axis, values, title, colour in (
            (left, moved, f"PnL per {period_label} (USD; {period.size - moved.size:,d} flat periods not shown)",
             _BAR),
            (right, np.asarray(trip_pnl_usd, dtype=np.float64), "Net PnL per round trip (USD)", _BAR_2)):
        axis.set_title(title, fontsize=9, loc="left", color="#222")
        axis.grid(True, color="#e3e6ea", linewidth=0.8)
        axis.set_axisbelow(True)
        axis.tick_params(labelsize=8, colors="#444")
        if values.size == 0:
            _no_data(axis)
            continue
        axis.hist(values, bins=min(60, max(5, int(np.sqrt(values.size)) * 2)), color=colour, alpha=0.85)
        axis.axvline(0.0, color="#999", linewidth=0.6)
        axis.set_ylabel("count", fontsize=8, color="#444")
    return _png(fig)


def fills_on_price_png(instrument_id: str, mark_ts_ns: np.ndarray, mark_price: np.ndarray,
                       fill_ts_ns: np.ndarray, fill_price: np.ndarray, fill_side: np.ndarray) -> bytes:
    """Book mid of one instrument over time (line) with its fills: buys ▲ green, sells ▼ red (quote per unit).

    Args:
        fill_side: +1 for a buy, -1 for a sell, one per fill.
    """
    fig, ax = _figure()
    ax.set_title(f"Fills on price: {instrument_id}", fontsize=10, loc="left", color="#222")
    ax.set_ylabel("price (quote currency)", fontsize=8, color="#444")
    ts, px = decimate_minmax(np.asarray(mark_ts_ns, dtype=np.int64), mark_price)
    fts = np.asarray(fill_ts_ns, dtype=np.int64)
    fpx = np.asarray(fill_price, dtype=np.float64)
    side = np.asarray(fill_side, dtype=np.int64)
    if px.size == 0 and fpx.size == 0:
        _no_data(ax)
        return _png(fig)
    _time_axis(ax)
    if px.size:
        ax.plot(_datetimes(ts), px, color="#7f8c8d", linewidth=0.9, label="mid")
    for sign, marker, colour, label in ((1, "^", _BUY, "buy"), (-1, "v", _SELL, "sell")):
        pick = side == sign
        if pick.any():
            ax.scatter(_datetimes(fts[pick]), fpx[pick], marker=marker, s=28, color=colour, label=label, zorder=3,
                       edgecolors="white", linewidths=0.4)
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=3)
    return _png(fig)


def latency_histogram_png(entry_ns: np.ndarray, fill_ns: np.ndarray) -> bytes:
    """Histogram of order-entry latency (sent → accepted) and fill latency (sent → first fill), in µs.

    The x axis is logarithmic when the latencies spread over more than :data:`LOG_SPREAD` times.
    """
    fig, ax = _figure()
    ax.set_title("Order latency (µs)", fontsize=10, loc="left", color="#222")
    entry = np.asarray(entry_ns, dtype=np.float64) / NANOS_PER_MICRO
    fill = np.asarray(fill_ns, dtype=np.float64) / NANOS_PER_MICRO
    both = np.concatenate((entry, fill))
    if both.size == 0:
        _no_data(ax)
        return _png(fig)
    lo, hi = float(both.min()), float(both.max())
    log = lo > 0.0 and hi / lo > LOG_SPREAD
    if log:
        bins = np.geomspace(lo, hi, 40)
        ax.set_xscale("log")
    elif hi > lo:
        bins = np.linspace(lo, hi, 40)
    else:  # one value: a narrow band of bins around it, so the bar reads as a spike at that latency
        half = max(abs(lo) * 0.1, 1.0)
        bins = np.linspace(lo - half, lo + half, 21)
    ax.hist([entry, fill], bins=bins, color=[_BAR, _BAR_2], alpha=0.85,
            label=[f"order entry (n={entry.size:,d})", f"first fill (n={fill.size:,d})"])
    if not log:
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    ax.set_xlabel("µs" + (" (log scale)" if log else ""), fontsize=8, color="#444")
    ax.set_ylabel("orders", fontsize=8, color="#444")
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    return _png(fig)
