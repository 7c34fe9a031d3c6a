"""Validation without leakage: purged k-fold and walk-forward splits on event time, and a report.

See docs/validation.md. Rows are label intervals ``[t0, t1]`` (int ns) from :mod:`arbkit.models.labels`.
"""

from arbkit.models.validation.adapters import FitPredictModel, FunctionAdapter, SklearnAdapter, ZooAdapter
from arbkit.models.validation.cross_validate import cross_validate
from arbkit.models.validation.report import FoldReport, ValidationReport
from arbkit.models.validation.splits import Fold, PurgedKFold, Splitter, WalkForward, check_intervals, overlaps_any

__all__ = ["FitPredictModel", "Fold", "FoldReport", "FunctionAdapter", "PurgedKFold", "SklearnAdapter", "Splitter",
           "ValidationReport", "WalkForward", "ZooAdapter", "check_intervals", "cross_validate", "overlaps_any"]
