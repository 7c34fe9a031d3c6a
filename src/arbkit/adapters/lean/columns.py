"""Exact, vectorised conversion of Lean CSV string columns to integers.

Prices become integer steps of ``10**-decimals`` by scaling the decimal digits (never through
``float``); a cell that is not a plain non-negative decimal, or has non-zero digits beyond the grid,
is a malformed row named by :meth:`RawColumns.fail_first`.

>>> import pyarrow as pa
>>> scaled_decimal(pa.array(["1.38756", "17", "0.5"]), 5, "bid", None).tolist()
[138756, 1700000, 50000]
>>> decimals_seen(pa.array(["17207.5", "17204", "1.25"]))
2
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arbkit.adapters.lean.csv_zip import RawColumns
from arbkit.core.errors import MalformedMessageError

MS_PER_DAY = 86_400_000
_MAX_DIGITS = 18  # int64 holds any 18-digit integer
_DECIMAL = r"^(?P<whole>[0-9]{1,18})(?:\.(?P<frac>[0-9]{1,18}))?$"


def _fail(raw: RawColumns | None, bad: np.ndarray, reason: str) -> None:
    if not bad.any():
        return
    if raw is None:
        raise MalformedMessageError("<column>", int(np.flatnonzero(bad)[0]) + 1, reason.format(value="?"))
    raw.fail_first(bad, reason)


def unsigned_int(column: pa.Array, what: str, raw: RawColumns | None) -> np.ndarray:
    """Cells of plain decimal digits (at most 18) as int64; raises at the first other cell."""
    ok = pc.match_substring_regex(column, r"^[0-9]{1,18}$").to_numpy(zero_copy_only=False)
    _fail(raw, ~ok, f"{what} is not a non-negative integer: {{value}}")
    return pc.cast(column, pa.int64()).to_numpy()


def decimals_seen(column: pa.Array) -> int:
    """Largest number of decimal places in a column of decimal text (0 for an empty column)."""
    frac = pc.struct_field(pc.extract_regex(column, _DECIMAL), "frac")
    longest = pc.max(pc.utf8_length(frac)).as_py()
    return int(longest or 0)


def scaled_decimal(column: pa.Array, decimals: int, what: str, raw: RawColumns | None) -> np.ndarray:
    """Cells of non-negative decimal text as int64 multiples of ``10**-decimals``, exactly.

    Raises:
        MalformedMessageError: at the first cell that is not a plain non-negative decimal, has
            non-zero digits beyond ``decimals`` places, or has more than 18 significant digits.
    """
    parts = pc.extract_regex(column, _DECIMAL)
    ok = pc.is_valid(parts).to_numpy(zero_copy_only=False)
    _fail(raw, ~ok, f"{what} is not a plain non-negative decimal number: {{value}}")
    whole = pc.struct_field(parts, "whole")
    frac = pc.struct_field(parts, "frac")
    excess = pc.utf8_slice_codeunits(frac, decimals)
    on_grid = pc.match_substring_regex(excess, r"^0*$").to_numpy(zero_copy_only=False)
    _fail(raw, ~on_grid, f"{what} has non-zero digits beyond {decimals} decimal places: {{value}}")
    padded = pc.utf8_rpad(pc.utf8_slice_codeunits(frac, 0, decimals), decimals, "0")
    digits = pc.binary_join_element_wise(whole, padded, "")
    fits = pc.less_equal(pc.utf8_length(digits), _MAX_DIGITS).to_numpy(zero_copy_only=False)
    _fail(raw, ~fits, f"{what} has more than {_MAX_DIGITS} significant digits: {{value}}")
    return pc.cast(digits, pa.int64()).to_numpy()


def ms_since_midnight(raw: RawColumns, name: str = "ms") -> np.ndarray:
    """Column ``name`` as ms since midnight, checked to lie in [0, 86,400,000) and never decrease.

    A value that looks like epoch seconds or epoch ms, or a whole file of values below 86,400 (which
    looks like seconds since midnight), fails with the unit it seems to be in instead of being
    mis-scaled.
    """
    ms = unsigned_int(raw.column(name), name, raw)
    if ms.size == 0:
        return ms
    too_big = ms >= MS_PER_DAY
    if too_big.any():
        value = int(ms[np.flatnonzero(too_big)[0]])
        hint = ("it looks like epoch ms" if value >= 10**11 else
                "it looks like epoch seconds" if value >= 10**8 else "it is past the end of the day")
        raw.fail_first(too_big, f"{name} {value} is outside [0, {MS_PER_DAY}) ms since midnight; {hint}, "
                                "refusing to guess the unit: {value}")
    if ms.size >= 100 and int(ms.max()) < 86_400:
        raise MalformedMessageError(raw.source, 1, f"all {ms.size} {name} values are below 86,400 (max "
                                    f"{int(ms.max())}): they look like seconds since midnight, not ms; "
                                    "refusing to guess the unit")
    backwards = np.zeros(ms.size, dtype=bool)
    backwards[1:] = ms[1:] < ms[:-1]
    raw.fail_first(backwards, f"{name} goes backwards in time: {{value}}")
    return ms


def require(raw: RawColumns, bad: np.ndarray, reason: str) -> None:
    """Raise at the first row where ``bad`` holds; ``reason`` may use ``{value}`` for the row text."""
    raw.fail_first(bad, reason)
