"""Typed errors of the regime package. Each message names the offending value and the limit or the expected one."""

from __future__ import annotations

from arbkit.core.errors import ArbkitError


class RegimeError(ArbkitError):
    """Base class of every error the regime package raises on purpose."""


class RegimeFitError(RegimeError):
    """Training data cannot be fitted: wrong shape, non-finite values, too few rows, unknown column."""


class RegimeModelMismatchError(RegimeError):
    """A regime model was loaded or used against another feature set (digest or width) than it was fitted on."""


class RegimeFormatError(RegimeError):
    """A saved regime model has an unknown format version, an unknown kind or inconsistent parameters."""
