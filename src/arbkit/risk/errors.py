"""Typed errors of the risk layer."""

from __future__ import annotations

from arbkit.core.errors import ArbkitError


class RiskError(ArbkitError):
    """A risk-gate operation was called with an invalid argument (empty actor or reason, unknown instrument)."""


class RegimeGateError(RiskError):
    """A regime declaration, label or change is malformed or inconsistent (names the value and what was expected)."""
