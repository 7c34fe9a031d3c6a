"""Reporting exact rationals as Decimal.

>>> fraction_to_decimal(Fraction(3, 8))
Decimal('0.375')
>>> fraction_to_decimal(Fraction(1, 3))
Decimal('0.3333333333333333333333333333')
"""

from __future__ import annotations

from decimal import Context, Decimal
from fractions import Fraction

REPORT_CONTEXT = Context(prec=28)
"""Precision (significant digits) used only for values with no finite decimal form."""


def fraction_to_decimal(value: Fraction) -> Decimal:
    """``value`` as a Decimal: exact when its denominator has only the factors 2 and 5, else rounded
    half-even to 28 significant digits (e.g. inverse-contract PnL, which divides by prices)."""
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den == 1:
        places = max(twos, fives)
        scaled = value * 10**places
        assert scaled.denominator == 1
        return Decimal(scaled.numerator).scaleb(-places)
    return REPORT_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
