"""Typed errors of the sweep runners. Spec problems (unknown keys, empty lists) are :class:`ConfigError`."""

from __future__ import annotations

from arbkit.core.errors import ArbkitError, ConfigError

__all__ = ["ConfigError", "RayUnavailableError", "SweepError"]


class SweepError(ArbkitError):
    """A sweep or walk-forward could not run or summarise (not a failing point: those are recorded)."""


class RayUnavailableError(SweepError):
    """The Ray runner was asked for but Ray is not installed."""
