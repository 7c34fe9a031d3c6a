"""Typed errors of the risk layer."""

from __future__ import annotations

from arbkit.core.errors import ArbkitError


class RiskError(ArbkitError):
    """A risk-gate operation was called with an invalid argument (empty actor or reason, unknown instrument)."""
