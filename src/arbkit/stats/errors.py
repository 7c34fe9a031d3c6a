"""The error every function of :mod:`arbkit.stats` raises on bad input."""

from __future__ import annotations

from arbkit.core.errors import ArbkitError


class StatsError(ArbkitError, ValueError):
    """Input to a statistic is malformed: empty, unsorted, non-finite, too short, or a parameter out of range.

    The message names the offending value and the limit it broke. Statistics that are merely
    *undefined* for valid input (the Sharpe ratio of a constant series, the profit factor without a
    losing trade) do not raise: they are NaN or inf as each function documents.
    """
