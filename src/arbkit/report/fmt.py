"""Text formatting for the report: UTC timestamps with milliseconds, numbers, durations.

>>> utc_ms(1_723_075_200_123_456_789)
'2024-08-08T00:00:00.123Z'
>>> money(-12345.678)
'-12,345.68'
>>> duration(3_725.5), duration(1.0), duration(0.25)
('1h 02m 05.5s', '1s', '0.25s')
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from arbkit.core.time import NANOS_PER_MILLI, NANOS_PER_SECOND

MISSING = "–"
"""Shown where a value is not computable (a ratio of a flat curve, a hit rate with no round trip)."""


def utc_ms(ts_ns: int | None) -> str:
    """``ts_ns`` (ns since epoch) as ISO-8601 UTC with milliseconds, truncated (not rounded)."""
    if ts_ns is None:
        return MISSING
    seconds, rest = divmod(int(ts_ns), NANOS_PER_SECOND)
    stamp = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{rest // NANOS_PER_MILLI:03d}Z"


def money(value: float | None, places: int = 2) -> str:
    """A float with thousands separators and ``places`` decimals; ``MISSING`` for None or non-finite."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{value:,.{places}f}"


def ratio(value: float | None, places: int = 2) -> str:
    """A dimensionless ratio; ``∞``/``-∞`` for infinities, ``MISSING`` for None or NaN."""
    if value is not None and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return money(value, places)


def pct(value: float | None, places: int = 2) -> str:
    """A value already in percent, with a ``%`` sign; ``MISSING`` for None."""
    text = money(value, places)
    return text if text == MISSING else f"{text}%"


def integer(value: int) -> str:
    """An integer with thousands separators."""
    return f"{value:,d}"


def duration(seconds: float) -> str:
    """Seconds as ``1h 02m 05.5s`` (days shown as ``d`` when present)."""
    if not math.isfinite(seconds):
        return MISSING
    sign = "-" if seconds < 0 else ""
    rest = abs(seconds)
    days, rest = divmod(rest, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{int(days)}d {int(hours):02d}h {int(minutes):02d}m"
    if hours:
        return f"{sign}{int(hours)}h {int(minutes):02d}m {secs:04.1f}s"
    if minutes:
        return f"{sign}{int(minutes)}m {secs:04.1f}s"
    return f"{sign}{f'{secs:.3f}'.rstrip('0').rstrip('.')}s"
