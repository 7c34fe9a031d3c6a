"""Fixtures of the risk tests (defined in risk_helpers)."""

from risk_helpers import clock, config, exposure, gate, journal, market  # noqa: F401
