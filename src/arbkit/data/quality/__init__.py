"""Validation and cleansing of a :class:`~arbkit.data.schema.TickFrame`, with a per-source quality report.

>>> from arbkit.data.quality import QualityPolicy, Action
>>> QualityPolicy().duplicates, QualityPolicy().non_positive
(<Action.REPAIR: 'repair'>, <Action.REJECT: 'reject'>)

See ``docs/data-quality.md`` for the checks, their parameters, the policies and the report.
"""

from arbkit.data.quality.checks_frame import TICK_FRAME_SCHEMA, ClockOffset, Duplicates, NonPositive, SchemaCheck
from arbkit.data.quality.checks_market import CrossedOrLocked, OutlierPrints
from arbkit.data.quality.checks_time import EventTimeOrder, OutOfOrder, SequenceGaps, StaleQuotes
from arbkit.data.quality.columns import Columns
from arbkit.data.quality.convert import tickframe_from_event_table
from arbkit.data.quality.policy import REPAIRABLE, Action, DataQualityError, QualityPolicy
from arbkit.data.quality.report import (ActionTaken, ClockOffsetStats, QualityReport, read_reports, render, to_html,
                                        to_rich_table, write_report)
from arbkit.data.quality.result import CheckContext, CheckResult, Example, Severity
from arbkit.data.quality.validate import Check, default_checks, validate

__all__ = [
    "REPAIRABLE", "TICK_FRAME_SCHEMA", "Action", "ActionTaken", "Check", "CheckContext", "CheckResult", "ClockOffset",
    "ClockOffsetStats", "Columns", "CrossedOrLocked", "DataQualityError", "Duplicates", "EventTimeOrder", "Example",
    "NonPositive", "OutOfOrder", "OutlierPrints", "QualityPolicy", "QualityReport", "SchemaCheck", "SequenceGaps",
    "Severity", "StaleQuotes", "default_checks", "read_reports", "render", "tickframe_from_event_table", "to_html",
    "to_rich_table", "validate", "write_report",
]
