"""How a deployed version's calls are scored for the shipped spot–perp basis script.

:class:`BasisReversionOutcome` reads the basis feature vector of each decision (basis, z-score and
deviation from the EWMA mean, in bps: :data:`arbkit.features.basis.FEATURE_NAMES`) and scores the model's
reversion call with :class:`~arbkit.lifecycle.call_scoring.ReversionCallScorer`, with the horizon, revert
fraction and candidate filter (|z| ≥ ``min_abs_z``) the model was trained with: a shadow version is judged
on the same question it was trained to answer, labelled online exactly as the batch labels were.
"""

from __future__ import annotations

import numpy as np

from arbkit.lifecycle.call_scoring import ReversionCallScorer

BASIS_COLUMN, Z_COLUMN, DEVIATION_COLUMN = 0, 1, 2


class BasisReversionOutcome:
    """Scores reversion calls (probability ≥ ``threshold``) at ``horizon_ns`` on basis features.

    Args:
        horizon_ns: the label horizon, ns of event time; revert_fraction: share of the gap that must close.
        threshold: probability at or above which the model calls a reversion.
        min_abs_z: decisions with |z| below this are not scored (the model was not trained on them).
    """

    def __init__(self, horizon_ns: int, revert_fraction: float, threshold: float, min_abs_z: float) -> None:
        self.scorer = ReversionCallScorer(horizon_ns, revert_fraction, threshold)
        self.min_abs_z = min_abs_z

    def observe(self, ts_ns: int, x: np.ndarray, prediction: float) -> None:
        """A decision at ``ts_ns``: features ``x`` (basis set) and the model's reversion probability."""
        basis = float(x[BASIS_COLUMN])
        self.scorer.observe(ts_ns, basis, basis - float(x[DEVIATION_COLUMN]), prediction,
                            candidate=abs(float(x[Z_COLUMN])) >= self.min_abs_z)

    def counts(self) -> tuple[int, int, int, int]:
        """(true positives, false positives, false negatives, true negatives) of the resolved calls so far."""
        scorer = self.scorer
        return scorer.tp, scorer.fp, scorer.fn, scorer.tn

    @property
    def resolved(self) -> int:
        """Scored calls whose outcome is known."""
        return self.scorer.resolved

    @property
    def positive_calls(self) -> int:
        """Resolved decisions on which the model called a reversion."""
        return self.scorer.positive_calls

    @property
    def precision(self) -> float | None:
        """Of the reversion calls, the share that reverted; None before one."""
        return self.scorer.precision

    @property
    def recall(self) -> float | None:
        """Of the reversions, the share the model called; None before one."""
        return self.scorer.recall

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall; None while either is undefined."""
        return self.scorer.f1
