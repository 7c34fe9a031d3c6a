"""Daily (or monthly) price series for pairs research, as polars DataFrames.

* :func:`read_pairs_csv` -- arbitragelab-style CSVs (and ``.csv.gz``): a ``Date``/``Dates`` column
  (``YYYY-MM-DD`` or ``M/D/YYYY``, optional UTF-8 BOM) and price columns. Output: ``date``
  (``pl.Date``) then every price column under its own name as ``Float64`` (price units of the
  source; negative prices are real -- WTI settled at -37.63 on 2020-04-20). Gap cells
  (``#N/A N/A``, ``#N/A``, empty) become nulls: rows are never dropped, and
  :func:`gap_counts` reports them per column (a null in the frame is always a gap of the file).
* :func:`read_lean_daily` -- Lean daily equity bars ``"YYYYMMDD 00:00", open, high, low, close,
  volume``, prices in deci-cents (raw, unadjusted). Output: ``date``, ``open``..``close`` in USD
  (``Float64``, deci-cents / 10,000) and ``volume`` (``Int64``, shares).

Bad rows raise :class:`MalformedMessageError` naming the file and the 1-based data row (the header
is not counted).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import polars as pl

from arbkit.adapters.lean.columns import require, unsigned_int
from arbkit.adapters.lean.csv_zip import read_lean_bytes, split_csv
from arbkit.core.errors import MalformedMessageError

GAP_MARKERS = frozenset({"#N/A N/A", "#N/A", ""})
"""Cell texts that mean "no price that day" (Bloomberg ``#N/A N/A``, empty)."""
DATE_COLUMNS = ("Date", "Dates")
LEAN_DAILY_COLUMNS = ("day", "open", "high", "low", "close", "volume")
DECI_CENTS_PER_USD = 10_000
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")


def read_pairs_csv(path: str | Path) -> pl.DataFrame:
    """Read an arbitragelab-style price CSV; gaps become nulls (see :func:`gap_counts`).

    Raises:
        MalformedMessageError: for a missing date column (row 0), a row with the wrong number of
            cells, an unparsable date or a non-numeric price cell that is not a gap marker.
    """
    path = Path(path)
    source = path.name
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise MalformedMessageError(source, 0, f"unreadable gzip ({exc})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedMessageError(source, 0, f"not UTF-8 text ({exc})") from exc
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or not rows[0] or rows[0][0].strip() not in DATE_COLUMNS:
        raise MalformedMessageError(source, 0, f"first column must be one of {DATE_COLUMNS}: {rows[:1]}")
    header = [name.strip() for name in rows[0]]
    if len(set(header)) != len(header):
        raise MalformedMessageError(source, 0, f"duplicate column names in header {header}")
    dates: list[date] = []
    columns: list[list[float | None]] = [[] for _ in header[1:]]
    for number, row in enumerate(rows[1:], start=1):
        excerpt = ",".join(row)
        if len(row) != len(header):
            raise MalformedMessageError(source, number, f"expected {len(header)} cells, got {len(row)} "
                                                        f"(data row {number}, file line {number + 1})", excerpt)
        dates.append(_date(row[0].strip(), source, number, excerpt))
        for cells, cell in zip(columns, row[1:]):
            cell = cell.strip()
            if cell in GAP_MARKERS:
                cells.append(None)
            elif _NUMBER.match(cell):
                cells.append(float(cell))
            else:
                raise MalformedMessageError(source, number, f"price {cell!r} is neither a number nor a gap marker "
                                                            f"(data row {number}, file line {number + 1})", excerpt)
    frame = {"date": pl.Series("date", dates, dtype=pl.Date)}
    for name, cells in zip(header[1:], columns):
        frame[name] = pl.Series(name, cells, dtype=pl.Float64)
    return pl.DataFrame(frame)


def gap_counts(frame: pl.DataFrame) -> dict[str, int]:
    """Number of gap cells (nulls) of each price column of a :func:`read_pairs_csv` frame; 0s included."""
    nulls = frame.drop("date").null_count().row(0, named=True)
    return {name: int(count) for name, count in nulls.items()}


def read_lean_daily(path: str | Path, since: date | None = None) -> pl.DataFrame:
    """Read a Lean daily equity zip (``lean_uso_daily.zip``) into USD prices and share volumes.

    Args:
        path: the zip (one headerless CSV).
        since: keep only rows on or after this date (e.g. the first date of the map file, before
            which the ticker belonged to an earlier security).

    Raises:
        MalformedMessageError: naming the file and 1-based row, for a wrong column count, a date
            not ``YYYYMMDD 00:00``, a non-integer price or volume, a zero price or dates that do not
            increase; row 0 for an unreadable zip.
    """
    path = Path(path)
    data, _ = read_lean_bytes(path)
    raw = split_csv(data, LEAN_DAILY_COLUMNS, path.name)
    days = raw.column("day")

    ok = pc.match_substring_regex(days, r"^[0-9]{8} 00:00$").to_numpy(zero_copy_only=False)
    require(raw, ~ok, "day is not 'YYYYMMDD 00:00': {value}")
    parsed = pc.strptime(pc.utf8_slice_codeunits(days, 0, 8), format="%Y%m%d", unit="s", error_is_null=True)
    valid = pc.is_valid(parsed).to_numpy(zero_copy_only=False)
    require(raw, ~valid, "day is not a calendar date: {value}")
    day_numbers = pc.cast(pc.cast(parsed, "date32"), "int32").to_numpy()
    not_increasing = np.zeros(day_numbers.size, dtype=bool)
    not_increasing[1:] = day_numbers[1:] <= day_numbers[:-1]
    require(raw, not_increasing, "dates must increase: {value}")
    prices = {name: unsigned_int(raw.column(name), name, raw) for name in ("open", "high", "low", "close")}
    require(raw, np.any([p == 0 for p in prices.values()], axis=0), "price must be > 0: {value}")
    volume = unsigned_int(raw.column("volume"), "volume", raw)
    frame = pl.DataFrame({
        "date": pl.Series("date", day_numbers, dtype=pl.Int32).cast(pl.Date),
        **{name: pl.Series(name, values / DECI_CENTS_PER_USD, dtype=pl.Float64) for name, values in prices.items()},
        "volume": pl.Series("volume", volume, dtype=pl.Int64),
    })
    return frame if since is None else frame.filter(pl.col("date") >= since)


def _date(text: str, source: str, number: int, excerpt: str) -> date:
    for layout in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise MalformedMessageError(source, number, f"date {text!r} is neither YYYY-MM-DD nor M/D/YYYY "
                                                f"(data row {number}, file line {number + 1})", excerpt)
