"""Volatility skew from an options smile or a multi-tenor curve: the interface, and the two measures.

No recording shipped with arbkit (nor in the shared real-data set) holds options quotes or several
futures tenors of one underlying, so skew is not part of the compiled per-tick feature library yet.
This module fixes the interface a source must provide and computes the standard measures from it,
so that a skew feature can join a :class:`~arbkit.features.feature_set.FeatureSet` once such data
exists. Units: implied volatility as an annualised fraction (0.55 = 55 %), deltas as fractions of
one (call 0.25, put -0.25), times in ns.

>>> smile = [SmilePoint(delta=-0.25, implied_vol=0.62), SmilePoint(delta=0.5, implied_vol=0.55),
...          SmilePoint(delta=0.25, implied_vol=0.57)]
>>> round(risk_reversal(smile, 0.25), 4), round(butterfly(smile, 0.25), 4)
(-0.05, 0.045)
>>> risk_reversal(smile[:2], 0.25)
Traceback (most recent call last):
...
arbkit.features.skew.SkewInputError: no call at delta 0.25 in the smile (have deltas [-0.25, 0.5])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import msgspec

from arbkit.core.errors import ArbkitError


class SkewInputError(ArbkitError):
    """A smile or curve lacks the point a measure needs, or holds a value that is not a usable number."""


class SmilePoint(msgspec.Struct, frozen=True):
    """One point of a smile at a fixed expiry: delta (call > 0, put < 0, 0.5 = at the money) and implied vol."""

    delta: float
    implied_vol: float


class SmileSource(Protocol):
    """What a skew feature reads: the smile of one expiry as of an event time."""

    def smile(self, ts_ns: int, expiry_ns: int) -> Sequence[SmilePoint]:
        """Points of the smile for ``expiry_ns`` known at ``ts_ns`` (never later quotes)."""
        ...


def _vol_at(smile: Sequence[SmilePoint], delta: float, what: str) -> float:
    for point in smile:
        if abs(point.delta - delta) < 1e-9:
            if not (math.isfinite(point.implied_vol) and point.implied_vol > 0):
                raise SkewInputError(f"{what} at delta {delta} has implied vol {point.implied_vol!r}; need a finite "
                                     "number > 0")
            return point.implied_vol
    raise SkewInputError(f"no {what} at delta {delta} in the smile (have deltas {sorted(p.delta for p in smile)})")


def risk_reversal(smile: Sequence[SmilePoint], delta: float = 0.25) -> float:
    """Call vol minus put vol at ``±delta`` (annualised fraction); negative when puts are bid."""
    return _vol_at(smile, delta, "call") - _vol_at(smile, -delta, "put")


def butterfly(smile: Sequence[SmilePoint], delta: float = 0.25) -> float:
    """Mean of the ``±delta`` wing vols minus the at-the-money (delta 0.5) vol: the smile's curvature."""
    wings = 0.5 * (_vol_at(smile, delta, "call") + _vol_at(smile, -delta, "put"))
    return wings - _vol_at(smile, 0.5, "at-the-money point")


def term_slope_bps_per_year(near_basis_bps: float, near_years: float, far_basis_bps: float, far_years: float) -> float:
    """Slope of a futures basis curve between two tenors, bps per year of tenor (multi-tenor input)."""
    if not far_years > near_years > 0:
        raise SkewInputError(f"tenors must satisfy far {far_years} > near {near_years} > 0 years")
    return (far_basis_bps - near_basis_bps) / (far_years - near_years)
