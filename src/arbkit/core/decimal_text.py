"""Exact conversion between decimal text ("61837.63000000") and scaled integers.

Venues send prices and sizes as decimal strings. Converting them through ``float`` loses exactness,
and through :class:`decimal.Decimal` is slow on the per-message path, so this module scales the
digits directly.

>>> text_to_scaled("61837.63000000", 2)
6183763
>>> text_to_scaled("0.00100000", 5)
100
"""

from __future__ import annotations

from decimal import Decimal

_MAX_DIGITS = 30


def decimals_of(step: Decimal) -> int:
    """Number of decimal places in ``step`` (``Decimal("0.01")`` → 2, ``Decimal("1")`` → 0)."""
    exponent = step.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def text_to_scaled(text: str, decimals: int) -> int:
    """Return ``int(text * 10**decimals)`` exactly.

    Raises:
        ValueError: if ``text`` is not a plain non-negative or negative decimal number, or it has
            non-zero digits beyond ``decimals`` places (it would not be exact).
    """
    if not isinstance(text, str) or not text or len(text) > _MAX_DIGITS + 2:
        raise ValueError(f"not a decimal number: {text!r}")
    whole, dot, frac = text.partition(".")
    negative = whole.startswith("-")
    if negative:
        whole = whole[1:]
    if not whole.isdigit() or (dot and not frac.isdigit() and frac != "") or (frac and not frac.isdigit()):
        raise ValueError(f"not a decimal number: {text!r}")
    if len(frac) > decimals:
        extra = frac[decimals:]
        if extra.strip("0"):
            raise ValueError(f"{text!r} has more than {decimals} decimal places")
        frac = frac[:decimals]
    value = int(whole) * 10**decimals + (int(frac.ljust(decimals, "0")) if decimals else 0)
    return -value if negative else value


class ScaledParser:
    """Fast exact text → integer-step conversion for one fixed grid (a tick size or a lot size).

    ``parse(text)`` returns ``text / step`` as an int, or raises ValueError when ``text`` is not a
    plain ASCII decimal or is not on the grid. It is the per-level hot path of the venue parsers, so
    it avoids Decimal entirely.

    >>> ScaledParser(decimals=1, step_units=1).parse("61800.20")
    618002
    >>> ScaledParser(decimals=2, step_units=5).parse("0.15")   # step 0.05
    3
    """

    __slots__ = ("decimals", "step_units", "_powers")

    def __init__(self, decimals: int, step_units: int) -> None:
        self.decimals = decimals
        self.step_units = step_units
        self._powers = [10**k for k in range(_MAX_DIGITS + 1)]

    def parse(self, text: str) -> int:
        """Return ``text`` in grid steps; raises ValueError naming the text if it is not exact."""
        dot = text.find(".")
        if dot < 0:
            digits, frac_len = text, 0
        else:
            digits, frac_len = text[:dot] + text[dot + 1 :], len(text) - dot - 1
        if not (digits.isascii() and digits.isdigit()) or len(digits) > _MAX_DIGITS:
            raise ValueError(f"not a plain non-negative decimal number: {text!r}")
        value = int(digits)
        shift = frac_len - self.decimals
        if shift > 0:
            value, remainder = divmod(value, self._powers[shift])
            if remainder:
                raise ValueError(f"{text!r} has more than {self.decimals} decimal places")
        elif shift < 0:
            value *= self._powers[-shift]
        if self.step_units != 1:
            value, remainder = divmod(value, self.step_units)
            if remainder:
                raise ValueError(f"{text!r} is not a multiple of the step")
        return value


def scaled_to_decimal(value: int, decimals: int) -> Decimal:
    """Inverse of :func:`text_to_scaled`: ``scaled_to_decimal(6183763, 2) == Decimal("61837.63")``."""
    return Decimal(value).scaleb(-decimals)
