"""Row builder and timestamp-unit checks shared by the vendor-file readers (Databento, Tardis, Bybit, Binance).

Every reader appends rows of :data:`~arbkit.data.schema.TICK_SCHEMA` to a :class:`TickRows` and turns it
into a :class:`~arbkit.data.schema.TickFrame` at the end, so the column types and the flag rules live in
one place.

>>> rows = TickRows("GLBX")
>>> rows.append("ESH4.GLBX", 1_000, 1_000, DELTA, 1, 19201, 3, 7, F_SNAPSHOT | F_CLEAR)
>>> rows.mark_last()
>>> rows.table().column("flags").to_pylist()
[7]
>>> timestamp_unit(1_585_699_200_123_456)
'us'
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from arbkit.core.errors import MalformedMessageError
from arbkit.core.instruments import Instrument
from arbkit.data.schema import BBO, DELTA, F_CLEAR, F_LAST, F_SNAPSHOT, TICK_SCHEMA, TRADE, TickFrame

__all__ = ["BBO", "DELTA", "TRADE", "F_CLEAR", "F_LAST", "F_SNAPSHOT", "TickRows", "timestamp_unit",
           "to_ns", "NS_PER_UNIT", "decimals_in", "parse_scaled", "parse_int", "float_to_steps"]

NS_PER_UNIT = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
"""Nanoseconds in one unit of each timestamp unit the readers recognise."""

# Epoch values of 2000-01-01 and 2100-01-01 in seconds; a timestamp in unit u lies in [LO, HI) * (s per u).
_EPOCH_2000_S = 946_684_800
_EPOCH_2100_S = 4_102_444_800


def timestamp_unit(value: int) -> str | None:
    """The unit (``"s"``, ``"ms"``, ``"us"``, ``"ns"``) in which ``value`` is a date in 2000–2099, else None.

    The four ranges are 1000× apart and do not overlap, so the magnitude alone decides the unit.
    """
    for unit, per_s in (("s", 1), ("ms", 1_000), ("us", 1_000_000), ("ns", 1_000_000_000)):
        if _EPOCH_2000_S * per_s <= value < _EPOCH_2100_S * per_s:
            return unit
    return None


def to_ns(value: int, expected: tuple[str, ...], source: str, line: int, column: str) -> int:
    """``value`` in ns, after checking that its magnitude is one of the ``expected`` units.

    Raises :class:`MalformedMessageError` naming the column, the unit the value looks like and the
    expected ones; a timestamp is never silently rescaled from a unit the format does not use.
    """
    unit = timestamp_unit(value)
    if unit not in expected:
        looks = f"looks like {unit}" if unit else "is not a 2000-2099 date in s, ms, us or ns"
        raise MalformedMessageError(source, line, f"{column} {value} {looks}; this format's {column} is in "
                                    f"{' or '.join(expected)} since the epoch")
    return value * NS_PER_UNIT[unit]


class TickRows:
    """Columns of :data:`TICK_SCHEMA` rows for one venue, appended one row at a time."""

    def __init__(self, venue: str) -> None:
        self.venue = venue
        self.ts_event: list[int] = []
        self.ts_recv: list[int] = []
        self.instrument_id: list[str] = []
        self.kind: list[int] = []
        self.side: list[int] = []
        self.price: list[int] = []
        self.size: list[int] = []
        self.update_id: list[int] = []
        self.flags: list[int] = []

    def __len__(self) -> int:
        return len(self.flags)

    def append(self, instrument_id: str, ts_event: int, ts_recv: int, kind: int, side: int, price: int,
               size: int, update_id: int, flags: int) -> None:
        """Add one row (price in ticks, size in lots, times in ns)."""
        self.instrument_id.append(instrument_id)
        self.ts_event.append(ts_event)
        self.ts_recv.append(ts_recv)
        self.kind.append(kind)
        self.side.append(side)
        self.price.append(price)
        self.size.append(size)
        self.update_id.append(update_id)
        self.flags.append(flags)

    def mark_last(self) -> None:
        """Set ``F_LAST`` on the newest row (the end of a venue message); no-op when there is none."""
        if self.flags:
            self.flags[-1] |= F_LAST

    def table(self) -> pa.Table:
        """The rows as an Arrow table in :data:`TICK_SCHEMA`."""
        n = len(self.flags)
        return pa.Table.from_arrays([
            pa.array(np.asarray(self.ts_event, dtype=np.int64)),
            pa.array(np.asarray(self.ts_recv, dtype=np.int64)),
            pa.array([self.venue] * n, type=pa.string()),
            pa.array(self.instrument_id, type=pa.string()),
            pa.array(np.asarray(self.kind, dtype=np.uint8)),
            pa.array(np.asarray(self.side, dtype=np.int8)),
            pa.array(np.asarray(self.price, dtype=np.int64)),
            pa.array(np.asarray(self.size, dtype=np.int64)),
            pa.array(np.asarray(self.update_id, dtype=np.int64)),
            pa.array(np.asarray(self.flags, dtype=np.uint16)),
        ], schema=TICK_SCHEMA)

    def frame(self, instruments: list[Instrument], source: str, notes: list[str] | None = None) -> TickFrame:
        """The rows as a :class:`TickFrame` with ``instruments`` (those the rows refer to)."""
        return TickFrame(table=self.table(), instruments={i.id: i for i in instruments}, source=source,
                         notes=list(notes or []))


_DECIMAL_CHARS = frozenset("0123456789.")


def decimals_in(text: str) -> int:
    """Digits after the point of a plain decimal (``"6421.50"`` → 2); -1 when ``text`` is not one."""
    if not text or not _DECIMAL_CHARS.issuperset(text) or text.count(".") > 1 or text[0] == "." or text[-1] == ".":
        return -1
    dot = text.find(".")
    return 0 if dot < 0 else len(text) - dot - 1


def parse_scaled(parser: Any, text: str, source: str, line: int, field: str, *, positive: bool) -> int:
    """``text`` in grid steps of ``parser`` (an instrument's price or size parser).

    Raises :class:`MalformedMessageError` naming the field and the row for text that is not a plain
    decimal on the grid (``NaN``, ``-1``, ``1e5``, too many decimals), and for 0 when ``positive``.
    """
    try:
        value = parser.parse(text)
    except ValueError as exc:
        raise MalformedMessageError(source, line, f"{field} {text!r} is not a decimal on the instrument's grid: "
                                    f"{exc}") from None
    if positive and value <= 0:
        raise MalformedMessageError(source, line, f"{field} {text!r} must be > 0")
    return value


def parse_int(text: str, source: str, line: int, field: str) -> int:
    """``text`` as a non-negative int (timestamps, ids); :class:`MalformedMessageError` otherwise."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        raise MalformedMessageError(source, line, f"{field} {text!r} is not a non-negative integer")
    return int(text)


def float_to_steps(value: float, step_decimals: int, step_units: int, source: str, line: int, field: str,
                   *, positive: bool) -> int:
    """A float from a binary file (Parquet) in grid steps, snapped to the nearest step.

    The float must lie within 1e-6 of a step of the grid (``step_units`` × 10^-``step_decimals``);
    otherwise, or for NaN/inf/negative (and 0 when ``positive``), :class:`MalformedMessageError`.
    """
    if not math.isfinite(value) or value < 0:
        raise MalformedMessageError(source, line, f"{field} {value!r} is not a finite non-negative number")
    scaled = value * 10**step_decimals / step_units
    steps = round(scaled)
    if abs(scaled - steps) > 1e-6:
        raise MalformedMessageError(source, line, f"{field} {value!r} is not on the grid of "
                                    f"{step_units}e-{step_decimals}")
    if positive and steps <= 0:
        raise MalformedMessageError(source, line, f"{field} {value!r} must be > 0")
    return int(steps)


def read_csv_rows(path: Path, expected_header: tuple[str, ...] | None = None,
                  ) -> tuple[tuple[str, ...], list[tuple[int, list[str]]]]:
    """Header and ``(line, fields)`` rows of a CSV file; every row must have as many fields as the header.

    With ``expected_header`` a different header is refused first (line 1), naming both.
    """
    source = path.name
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = tuple(next(reader, ()))
            rows = [(reader.line_num, fields) for fields in reader if fields]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise MalformedMessageError(source, 0, f"not a readable CSV file: {exc}") from None
    if expected_header is not None and header != expected_header:
        raise MalformedMessageError(source, 1, f"unknown column set {list(header)[:12]}; "
                                                f"expected {list(expected_header)}")
    for line, fields in rows:
        if len(fields) != len(header):
            raise MalformedMessageError(source, line, f"{len(fields)} fields, the header has {len(header)}",
                                        ",".join(fields))
    return header, rows
