"""Static charts for the report: matplotlib figures drawn with the Agg backend, returned as PNG bytes.

No pyplot and no global state: each chart builds its own :class:`~matplotlib.figure.Figure` and
canvas, so charts can be drawn from any thread and nothing leaks between reports. Long curves are
reduced to the first, last, min and max of each of ``max_points / 4`` buckets before drawing, which keeps every
spike (a drawdown's trough stays visible) while bounding the drawing time and the PNG size.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

MAX_POINTS = 4_000
"""Most points a line is drawn with; longer series are min/max decimated."""

_WIDTH_IN = 11.0
_HEIGHT_IN = 2.8
_DPI = 100
_LINE = "#1f4e79"
_FILL_NEG = "#c0392b"


def decimate_minmax(
    ts_ns: np.ndarray, values: np.ndarray, max_points: int = MAX_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the first, last, min and max sample of each of ``max_points // 4`` equal-count buckets, in time order.

    >>> ts, v = decimate_minmax(np.arange(10), np.array([0, 5, 1, 1, 1, -3, 1, 1, 1, 2.0]), max_points=4)
    >>> v.tolist()
    [0.0, 5.0, -3.0, 2.0]
    """
    ts = np.asarray(ts_ns)
    v = np.asarray(values, dtype=np.float64)
    if v.size <= max_points:
        return ts, v
    n_buckets = max(1, max_points // 4)
    edges = np.linspace(0, v.size, n_buckets + 1).astype(np.int64)
    keep: list[np.ndarray] = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if hi <= lo:
            continue
        chunk = v[lo:hi]
        keep.append(np.unique(np.array([lo, lo + int(np.argmin(chunk)), lo + int(np.argmax(chunk)), hi - 1])))
    idx = np.unique(np.concatenate(keep))
    return ts[idx], v[idx]


def _figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=(_WIDTH_IN, _HEIGHT_IN), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.grid(True, color="#e3e6ea", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8, colors="#444")
    return fig, ax


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)
    return buf.getvalue()


def line_chart_png(
    ts_ns: np.ndarray,
    values: np.ndarray,
    *,
    title: str,
    ylabel: str,
    step: bool = False,
    fill_below_zero: bool = False,
) -> bytes:
    """A time-series chart as PNG bytes; x is UTC time from ``ts_ns`` (int ns), y is ``values``.

    Args:
        step: draw a step function (value holds until the next sample), for positions.
        fill_below_zero: shade the area between the line and zero, for drawdowns.
    """
    fig, ax = _figure()
    ax.set_title(title, fontsize=10, loc="left", color="#222")
    ax.set_ylabel(ylabel, fontsize=8, color="#444")
    ts, v = decimate_minmax(np.asarray(ts_ns, dtype=np.int64), values)
    if v.size == 0:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="#888")
        ax.set_xticks([])
        ax.set_yticks([])
        return _png(fig)
    x = ts.astype("datetime64[ns]").astype("datetime64[us]")
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    if step:
        ax.step(x, v, where="post", color=_LINE, linewidth=1.0)
    else:
        ax.plot(x, v, color=_LINE, linewidth=1.0)
    if fill_below_zero:
        ax.fill_between(x, v, 0.0, color=_FILL_NEG, alpha=0.25, linewidth=0, step="post" if step else None)
    if fill_below_zero or v.min() < 0.0 < v.max():
        ax.axhline(0.0, color="#999", linewidth=0.6)
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    return _png(fig)
