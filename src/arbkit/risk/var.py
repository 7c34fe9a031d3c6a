"""Portfolio value at risk for the pre-trade gate: parametric (EWMA covariance) and historical simulation.

Returns are simple returns per sampling interval (a fraction: 0.01 is 1 %); a book is a vector of signed
USD exposures (long > 0). VaR is a positive loss in USD at a one-sided ``confidence`` over
``horizon_intervals`` intervals (square-root-of-time scaling).

Two instruments, σ = 1 % and 2 % per interval, correlation 0.5, long 100 000 USD of each:
wᵀΣw = 1e10 × (1e-4 + 4e-4 + 2 × 1e-4) = 7e6, so VaR(99 %) = 2.326348 × 2645.751 = 6154.94 USD.

>>> import numpy as np
>>> sigma = np.array([[1e-4, 1e-4], [1e-4, 4e-4]])
>>> round(parametric_var(np.array([1e5, 1e5]), sigma, confidence=0.99), 1)
6154.9
>>> round(historical_var(np.array([1e5]), np.array([[-0.02], [0.01], [0.0], [-0.01]]), confidence=0.75), 1)
2000.0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

from arbkit.risk.errors import RiskError


@functools.lru_cache(maxsize=64)
def z_score(confidence: float) -> float:
    """One-sided standard normal quantile (2.326348 at 0.99)."""
    if not 0 < confidence < 1:
        raise RiskError(f"confidence must be in (0, 1), got {confidence!r}")
    return NormalDist().inv_cdf(confidence)


def parametric_var(weights: np.ndarray, covariance: np.ndarray, *, confidence: float,
                   horizon_intervals: int = 1) -> float:
    """z × sqrt(wᵀΣw) × sqrt(horizon) in USD: ``weights`` in USD, ``covariance`` of returns per interval."""
    variance = float(weights @ covariance @ weights)
    return z_score(confidence) * math.sqrt(max(variance, 0.0)) * math.sqrt(horizon_intervals)


def historical_var(weights: np.ndarray, returns: np.ndarray, *, confidence: float,
                   horizon_intervals: int = 1) -> float:
    """Loss quantile of the book's PnL over past returns (rows: intervals, columns: instruments), in USD.

    The PnL of row t is ``returns[t] @ weights``; VaR is the ``1 - confidence`` lower quantile of those
    PnLs (numpy's "lower" method: an observed PnL, never interpolated), negated, floored at 0 and scaled by
    sqrt(horizon).
    """
    if returns.shape[0] == 0:
        raise RiskError("historical VaR needs at least one past return")
    pnl = returns @ weights
    k = math.floor((pnl.shape[0] - 1) * (1 - confidence))  # numpy's "lower" index, without a full sort
    quantile = float(np.partition(pnl, k)[k])
    return (max(-quantile, 0.0) + 0.0) * math.sqrt(horizon_intervals)  # + 0.0: never -0.0


class EwmaCovariance:
    """RiskMetrics EWMA covariance of returns: Σ ← λΣ + (1 − λ) r rᵀ (zero mean), per sampling interval.

    ``update`` is fed one return vector per interval (instruments in ``instrument_ids`` order); ``get``
    returns None until ``min_updates`` vectors were seen. Args: ``decay`` λ in (0, 1) (0.94 daily in
    RiskMetrics; pick per interval).

    >>> cov = EwmaCovariance(["a"], decay=0.5, min_updates=1)
    >>> cov.update([0.02]); cov.update([0.0])
    >>> cov.get().tolist()
    [[0.0001]]
    """

    def __init__(self, instrument_ids: Sequence[str], *, decay: float, min_updates: int = 1) -> None:
        if not 0 < decay < 1:
            raise RiskError(f"decay must be in (0, 1), got {decay!r}")
        self.instrument_ids = tuple(instrument_ids)
        self.decay = decay
        self.min_updates = min_updates
        self.covariance_: np.ndarray | None = None
        self.updates_ = 0

    def update(self, returns: Sequence[float]) -> None:
        """Fold in one interval's returns (fractions, one per instrument)."""
        r = np.asarray(returns, dtype=float)
        if r.shape != (len(self.instrument_ids),) or not np.all(np.isfinite(r)):
            raise RiskError(f"returns must be {len(self.instrument_ids)} finite numbers, got {returns!r}")
        outer = np.outer(r, r)
        self.covariance_ = outer * (1 - self.decay) if self.covariance_ is None else (
            self.decay * self.covariance_ + (1 - self.decay) * outer)
        self.updates_ += 1

    def get(self) -> np.ndarray | None:
        """Σ (returns² per interval), or None before ``min_updates`` updates."""
        if self.covariance_ is None or self.updates_ < self.min_updates:
            return None
        return self.covariance_.copy()


class ReturnWindow:
    """The last ``size`` return vectors (the historical-simulation window), in a preallocated ring."""

    def __init__(self, instrument_ids: Sequence[str], size: int) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise RiskError(f"size must be an int > 0, got {size!r}")
        self.instrument_ids = tuple(instrument_ids)
        self._ring = np.zeros((size, len(self.instrument_ids)))
        self._count = 0
        self._view: np.ndarray | None = None

    def update(self, returns: Sequence[float]) -> None:
        """Append one interval's returns (fractions, one per instrument)."""
        r = np.asarray(returns, dtype=float)
        if r.shape != (len(self.instrument_ids),) or not np.all(np.isfinite(r)):
            raise RiskError(f"returns must be {len(self.instrument_ids)} finite numbers, got {returns!r}")
        self._ring[self._count % self._ring.shape[0]] = r
        self._count += 1
        self._view = None

    def get(self) -> np.ndarray:
        """Rows of returns, oldest first (shape: intervals × instruments); read-only, rebuilt after an update."""
        if self._view is None:
            size = self._ring.shape[0]
            if self._count <= size:
                view = self._ring[: self._count].copy()
            else:
                start = self._count % size
                view = np.concatenate((self._ring[start:], self._ring[:start]))
            view.flags.writeable = False
            self._view = view
        return self._view


class MarkSampler:
    """Turns marks into one return vector per ``interval_ns`` and feeds an :class:`EwmaCovariance` and a
    :class:`ReturnWindow`. The composition root calls :meth:`on_mark` with each reference mid it sees.

    A return is ``mark_t / mark_{t-1} - 1`` of the last marks at consecutive interval boundaries; an
    interval is emitted only once every instrument has a mark.
    """

    def __init__(self, instrument_ids: Sequence[str], interval_ns: int, covariance: EwmaCovariance,
                 window: ReturnWindow) -> None:
        if isinstance(interval_ns, bool) or not isinstance(interval_ns, int) or interval_ns <= 0:
            raise RiskError(f"interval_ns must be an int > 0, got {interval_ns!r}")
        self.instrument_ids = tuple(instrument_ids)
        self._interval_ns = interval_ns
        self._covariance = covariance
        self._window = window
        self._last: dict[str, float] = {}
        self._previous: np.ndarray | None = None
        self._bucket: int | None = None

    def on_mark(self, instrument_id: str, mark: float, ts_ns: int) -> None:
        """Record the latest mark (price > 0, any unit) of ``instrument_id`` at ``ts_ns``."""
        if instrument_id not in self.instrument_ids or not mark > 0:
            return
        bucket = ts_ns // self._interval_ns
        if self._bucket is not None and bucket > self._bucket and len(self._last) == len(self.instrument_ids):
            self._close()
        self._bucket = bucket
        self._last[instrument_id] = float(mark)

    def _close(self) -> None:
        marks = np.array([self._last[i] for i in self.instrument_ids])
        if self._previous is not None:
            returns = marks / self._previous - 1
            self._covariance.update(returns)
            self._window.update(returns)
        self._previous = marks
