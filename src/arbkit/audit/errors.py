"""Typed errors of the audit journal."""

from __future__ import annotations

from arbkit.core.errors import ArbkitError


class JournalError(ArbkitError):
    """The journal was misused (closed, bad argument) or its file is not a journal."""
