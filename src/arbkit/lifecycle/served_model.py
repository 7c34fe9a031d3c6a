"""The model a deployed script holds: the deployment's model slot, measured and guarded on every call.

A script calls ``self.model.predict_one(x)`` as it always does. Through a :class:`ServedModel` that call

- reads the slot's current model once (a swap between two decisions is atomic: one reference);
- times the inference (µs percentiles for the rollback guard and the report);
- turns an exception or a non-finite output into :class:`ModelOutputError` and counts it, so the
  decision is abandoned before any intent and the error rate can trigger a rollback;
- keeps the decision's input and output (``last``) for the deployment's scoring and drift monitor.
"""

from __future__ import annotations

import math
import time

import numpy as np

from arbkit.lifecycle.latency import LatencyRecorder
from arbkit.lifecycle.model_slot import ModelSlot
from arbkit.lifecycle.modes import LifecycleError


class ModelOutputError(LifecycleError):
    """A deployed model raised or returned a non-finite prediction; the decision is abandoned, the error counted."""


class ServedModel:
    """A :class:`~arbkit.models.base.TickModel` that serves whatever its slot holds (see module docs).

    Attributes:
        calls: predictions asked for; errors: of those, the ones that raised or were non-finite.
        last: (features, prediction) of the last successful call, None before one.
        latency: inference time of each successful call.
    """

    def __init__(self, slot: ModelSlot) -> None:
        self.slot = slot
        self.calls = 0
        self.errors = 0
        self.last: tuple[np.ndarray, float] | None = None
        self.latency = LatencyRecorder()
        self.budget_ns: int | None = None
        """Inference budget (the rollback guard's p99 limit for the current mode), ns; None: none."""
        self.over_budget = 0
        """Successful calls slower than ``budget_ns`` (counted against the budget in force at each call)."""

    @property
    def version(self) -> str:
        """The version the slot serves now."""
        return self.slot.version

    def check_features(self, feature_digest: str) -> None:
        """Delegate to the served model (raises on another feature set)."""
        self.slot.model.check_features(feature_digest)

    def predict_one(self, x: np.ndarray) -> float:
        """The slot model's prediction for ``x``; :class:`ModelOutputError` (counted) if it raises or is not finite."""
        model = self.slot.current.model  # one read: a swap lands before or after this decision, never inside it
        self.calls += 1
        self.last = None
        start = time.perf_counter_ns()
        try:
            value = float(model.predict_one(x))
        except Exception as exc:  # any model failure is the deployment's error, judged by the rollback guard
            self.errors += 1
            raise ModelOutputError(f"model {model.version!r} raised {type(exc).__name__}: {exc}") from exc
        elapsed = time.perf_counter_ns() - start
        self.latency.record(elapsed)
        if self.budget_ns is not None and elapsed > self.budget_ns:
            self.over_budget += 1
        if not math.isfinite(value):
            self.errors += 1
            raise ModelOutputError(f"model {model.version!r} returned a non-finite prediction {value!r}")
        self.last = (x, value)
        return value

    def p99_if_over_budget_us(self) -> float | None:
        """The p99 inference time (µs) when it may exceed ``budget_ns``, else None (no need to sort: it cannot).

        A p99 (linear interpolation over n samples) above the budget needs at least ``0.01·(n−1) − 1`` samples
        above it, so below that count the percentile is not computed: the guard's per-decision check stays O(1).
        """
        if self.budget_ns is None:
            return None
        n = self.latency.count
        if n == 0 or self.over_budget < 0.01 * (n - 1) - 1:
            return None
        return self.latency.p99_us

    @property
    def error_rate(self) -> float:
        """Share of calls that failed, in [0, 1] (0 before any call)."""
        return self.errors / self.calls if self.calls else 0.0
