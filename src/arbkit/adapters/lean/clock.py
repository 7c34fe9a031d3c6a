"""Lean's clock: a file day plus ms since that day's local midnight, in the data's time zone, to UTC ns.

Lean writes wall-clock time in the market's data time zone (``market-hours-database.json``,
``dataTimeZone``). The UTC offset is looked up with :mod:`zoneinfo` once per wall-clock hour of the
day (every tz database transition in use falls on a whole hour), so DST is honoured without a
per-row Python call. In the repeated hour of a fall-back day the first (daylight) reading is used.

>>> from datetime import date
>>> from zoneinfo import ZoneInfo
>>> import numpy as np
>>> ns = wall_ms_to_utc_ns(date(2013, 10, 8), np.array([14_400_000]), ZoneInfo("America/New_York"))
>>> int(ns[0]) == 1381219200 * 10**9  # 04:00 EDT = 08:00 UTC
True
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

import numpy as np

NS_PER_MS = 1_000_000
_NS_PER_DAY = 86_400 * 10**9
_MS_PER_HOUR = 3_600_000


def utc_offsets_ns(day: date, tz: tzinfo) -> np.ndarray:
    """UTC offset in ns of each wall-clock hour 0..23 of ``day`` in ``tz``."""
    midnight = datetime(day.year, day.month, day.day)
    offsets = []
    for hour in range(24):
        offset = tz.utcoffset(midnight + timedelta(hours=hour))
        assert offset is not None, f"time zone {tz} gives no UTC offset"
        offsets.append(int(offset.total_seconds()) * 10**9)
    return np.asarray(offsets, dtype=np.int64)


def wall_ms_to_utc_ns(day: date, ms: np.ndarray, tz: tzinfo) -> np.ndarray:
    """UTC ns since the epoch of wall-clock ``ms`` since midnight of ``day`` in ``tz`` (ms in [0, 86.4e6))."""
    day_ns = (day - date(1970, 1, 1)).days * _NS_PER_DAY
    offsets = utc_offsets_ns(day, tz)
    return day_ns + ms.astype(np.int64) * NS_PER_MS - offsets[ms // _MS_PER_HOUR]


def offset_text(day: date, tz: tzinfo) -> str:
    """Human form of the offsets used for ``day``, e.g. ``"UTC-04:00"`` or ``"UTC-04:00/-05:00"``."""
    seen: list[str] = []
    for offset_ns in utc_offsets_ns(day, tz).tolist():
        minutes = offset_ns // (60 * 10**9)
        text = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        if text not in seen:
            seen.append(text)
    return "UTC" + "/".join(seen)
