"""The result of a cross-validation run: per-fold and pooled out-of-sample scores, JSON-serialisable."""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np


class FoldReport(msgspec.Struct, frozen=True, kw_only=True):
    """Scores of one fold.

    Attributes:
        fold: 0-based position of the fold in time order.
        n_train, n_test: rows used to train and to score.
        n_purged, n_embargoed: rows removed from training by purging and by the embargo.
        train_span_ns, test_span_ns: first and last ``t0`` of the training and test rows, int ns.
        metrics: see :class:`ValidationReport`.
    """

    fold: int
    n_train: int
    n_test: int
    n_purged: int
    n_embargoed: int
    train_span_ns: tuple[int, int]
    test_span_ns: tuple[int, int]
    metrics: dict[str, float]


class ValidationReport(msgspec.Struct, frozen=True, kw_only=True):
    """Out-of-sample scores of one model on one data set under one splitter.

    ``pooled`` scores all test rows' predictions at once (each row once for k-fold and walk-forward);
    ``folds`` score each fold. Metric names:

    - classification (predictions are P(class 1)): ``n``, ``base_rate``, ``accuracy``, ``precision``,
      ``recall``, ``f1`` (at ``threshold``), ``roc_auc``, ``log_loss``;
    - regression: ``n``, ``r2``, ``ic`` (Pearson), ``rank_ic`` (Spearman);
    - trading view, when trade returns were given: ``n_signals``, ``hit_rate``, ``mean_pnl_bps``
      (after ``cost_bps`` per signal; see :func:`arbkit.models.metrics.trading_metrics`).

    Undefined scores are NaN in memory and ``null`` in JSON.
    """

    task: str
    splitter: dict[str, Any]
    n_rows: int
    n_tested: int
    threshold: float | None
    cost_bps: float | None
    label_definition: dict[str, Any] | None
    folds: list[FoldReport]
    pooled: dict[str, float]

    def fold_values(self, metric: str) -> np.ndarray:
        """One metric across the folds, float64 (NaN where a fold lacks it)."""
        return np.array([f.metrics.get(metric, math.nan) for f in self.folds], dtype=np.float64)

    def to_json(self) -> bytes:
        """The report as JSON (NaN scores become ``null``)."""
        return msgspec.json.encode(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> ValidationReport:
        """A report written by :meth:`to_json` (``null`` scores become NaN again)."""
        raw = msgspec.json.decode(data)

        def restore(metrics: dict[str, Any]) -> dict[str, float]:
            return {k: math.nan if v is None else v for k, v in metrics.items()}

        raw["pooled"] = restore(raw["pooled"])
        for fold in raw["folds"]:
            fold["metrics"] = restore(fold["metrics"])
        return msgspec.convert(raw, cls)
