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


def scaled_to_decimal(value: int, decimals: int) -> Decimal:
    """Inverse of :func:`text_to_scaled`: ``scaled_to_decimal(6183763, 2) == Decimal("61837.63")``."""
    return Decimal(value).scaleb(-decimals)
