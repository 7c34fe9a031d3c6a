"""What to do with each check's findings: :class:`QualityPolicy`, and the error a rejected frame raises."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import msgspec

from arbkit.core.errors import ArbkitError, ConfigError

if TYPE_CHECKING:
    from arbkit.data.quality.report import QualityReport


class Action(str, Enum):
    """What a finding does to the frame."""

    REJECT = "reject"  # the frame fails validation: DataQualityError naming the failing checks
    REPAIR = "repair"  # fix the rows (drop or re-order), mark changed rows F_REPAIRED, list dropped rows
    FLAG = "flag"  # count and report only


REPAIRABLE = frozenset({"non_positive", "duplicates", "out_of_order"})
"""Checks that know a repair (the others can only reject or flag)."""


class QualityPolicy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Check name → action. Load it from TOML like any other config (``msgspec.toml.decode``)."""

    schema: Action = Action.REJECT
    non_positive: Action = Action.REJECT
    duplicates: Action = Action.REPAIR
    out_of_order: Action = Action.FLAG
    event_time_order: Action = Action.FLAG
    sequence_gaps: Action = Action.FLAG
    crossed_or_locked: Action = Action.FLAG
    stale_quotes: Action = Action.FLAG
    outlier_prints: Action = Action.FLAG
    clock_offset: Action = Action.FLAG

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            if getattr(self, name) is Action.REPAIR and name not in REPAIRABLE:
                raise ConfigError(f"quality policy: {name} = 'repair', but {name} has no repair; "
                                  f"use 'reject' or 'flag' (repairable: {', '.join(sorted(REPAIRABLE))})")

    def action(self, check_name: str) -> Action:
        """The action for ``check_name``; raises ConfigError for a name the policy does not know."""
        if check_name not in self.__struct_fields__:
            raise ConfigError(f"quality policy has no entry for check {check_name!r}; known: {', '.join(self.__struct_fields__)}")
        return getattr(self, check_name)  # type: ignore[no-any-return]


class DataQualityError(ArbkitError):
    """A frame failed validation: checks whose action is ``reject`` found problems.

    Attributes:
        source: the frame's source.
        failing: (check name, count) of each rejecting check that found something.
        report: the full report (every check ran before the frame was rejected).
    """

    def __init__(self, source: str, failing: list[tuple[str, int]], report: "QualityReport") -> None:
        self.source = source
        self.failing = failing
        self.report = report
        listed = ", ".join(f"{name} ({count})" for name, count in failing)
        super().__init__(f"{source}: data quality rejected by {listed}; see the report for rows and details")
