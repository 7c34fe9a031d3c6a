"""Typed errors. Each message names the offending value and, where there is one, the limit."""

from __future__ import annotations


class ArbkitError(Exception):
    """Base class of every error arbkit raises on purpose."""


class ConfigError(ArbkitError):
    """A configuration file or value is invalid."""


class InstrumentError(ArbkitError):
    """A price or quantity does not fit an instrument's tick or lot size, or the instrument is unknown."""


class MalformedMessageError(ArbkitError):
    """A recorded or live message could not be parsed.

    ``source`` names the file (or feed) and ``line`` the 1-based line number, so the message can be
    found and inspected.
    """

    def __init__(self, source: str, line: int, reason: str, excerpt: str = "") -> None:
        self.source = source
        self.line = line
        self.reason = reason
        self.excerpt = excerpt[:200]
        where = f"{source}:{line}"
        tail = f" -- {self.excerpt!r}" if self.excerpt else ""
        super().__init__(f"{where}: {reason}{tail}")


class MissingSnapshotError(ArbkitError):
    """A diff-only file was read without the snapshot (or predecessor file) its chain starts from."""


class ClockError(ArbkitError):
    """A clock was asked to move backwards or was given a non-integer time."""


class BookCapacityError(ArbkitError):
    """An order book side ran out of preallocated levels and could not grow."""
