"""What a check returns: :class:`CheckResult` with a severity, a count and the first offending rows."""

from __future__ import annotations

from enum import Enum

import msgspec
import numpy as np

MAX_EXAMPLES = 5
"""How many offending rows a result shows (the count is always exact)."""


class Severity(str, Enum):
    """How bad a finding is. ``OK`` when the check found nothing."""

    OK = "ok"
    INFO = "info"  # worth knowing, not an error (e.g. a constant clock offset)
    WARNING = "warning"  # the data is usable but a consumer should know
    ERROR = "error"  # the rows are wrong (non-positive price, broken schema)


class Example(msgspec.Struct, frozen=True, kw_only=True):
    """One offending row: its index in the frame the check ran on and the values that offend."""

    row: int
    values: dict[str, int | float | str]


class CheckResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of one check on one frame.

    Attributes:
        name: the check's name (a field of :class:`~arbkit.data.quality.policy.QualityPolicy`).
        severity: ``OK`` if ``count`` is 0, else the check's severity.
        count: how many problems (the unit is in ``detail``: rows, messages, gaps or intervals).
        examples: the first few offending rows (index + values).
        detail: one line saying what was counted, with the parameters used.
        stats: named numbers behind the count (breakdowns, thresholds, distributions).
    """

    name: str
    severity: Severity
    count: int
    examples: tuple[Example, ...] = ()
    detail: str = ""
    stats: dict[str, int | float] = msgspec.field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """True if the check found anything."""
        return self.count > 0


def examples_at(rows: np.ndarray, columns: dict[str, np.ndarray], limit: int = MAX_EXAMPLES) -> tuple[Example, ...]:
    """Examples for the first ``limit`` of ``rows`` (indices), with the named column values at each."""
    out = []
    for row in np.asarray(rows[:limit], dtype=np.int64).tolist():
        values: dict[str, int | float | str] = {}
        for name, array in columns.items():
            value = array[row]
            values[name] = value.item() if hasattr(value, "item") else value
        out.append(Example(row=row, values=values))
    return tuple(out)


def result(name: str, severity: Severity, count: int, **kwargs: object) -> CheckResult:
    """A :class:`CheckResult` whose severity is ``OK`` when ``count`` is 0."""
    return CheckResult(name=name, severity=severity if count else Severity.OK, count=int(count), **kwargs)  # type: ignore[arg-type]


class CheckContext(msgspec.Struct, kw_only=True):
    """What a check may know beyond the frame: what the reader already found.

    Attributes:
        book_gaps: update-id chain breaks the reader reported (Binance ``BookGap`` events).
        read_stats: the reader's :class:`~arbkit.adapters.binance.reader.ReadStats` (or None).
    """

    book_gaps: tuple[object, ...] = ()
    read_stats: object | None = None
