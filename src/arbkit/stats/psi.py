"""Population stability index (PSI) of live features against the distribution a model was trained on.

``PSI = Σ_b (a_b − e_b) · ln(a_b / e_b)`` over bins ``b``, with ``e_b`` the share of training rows and
``a_b`` the share of live rows in bin ``b``. Every term is ≥ 0, so PSI ≥ 0, and it is symmetric in ``a``
and ``e``. Rules of thumb: < 0.1 stable, 0.1–0.25 a moderate shift, > 0.25 a large one.

Bins are per feature, cut at the training sample's quantiles (``bins`` near-equal-mass bins; the cuts are
training values, numpy's ``inverted_cdf`` quantiles, and tied cuts merge, so a discrete feature gets one
bin per level). Shares are floored at :data:`EPSILON` (1e-4) before the log,
so an empty bin adds a large but finite term instead of infinity; the floored shares are not renormalised.
Non-finite live values are never binned: they are counted as ``invalid`` per feature.

>>> round(psi(np.array([50, 50]), np.array([80, 20])), 4)
0.4159
>>> rng = np.random.default_rng(0)
>>> ref = PsiReference.from_sample(rng.normal(size=(5_000, 1)), ["z"], bins=10)
>>> live = StreamingPsi(ref, min_count=50)
>>> for x in rng.normal(loc=1.0, size=500):
...     live.update(np.array([x]))
>>> name, value = live.max_psi()
>>> name, value > 0.25
('z', True)
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

import numpy as np

from arbkit.stats.errors import StatsError

__all__ = ["EPSILON", "PsiReference", "StreamingPsi", "psi"]

EPSILON = 1e-4
"""Floor of a bin's share (expected and actual) before the log in :func:`psi`."""

FORMAT_VERSION = 1
"""Version of :meth:`PsiReference.to_dict`'s layout."""


def _counts(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise StatsError(f"{name} must be a non-empty 1-D array of counts, got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
    if bad.size:
        i = int(bad[0])
        raise StatsError(f"{name} must hold finite counts >= 0: bin {i} is {arr[i]}")
    if arr.sum() <= 0:
        raise StatsError(f"{name} sums to 0; at least one observation is needed")
    return arr


def psi(expected_counts: np.ndarray, actual_counts: np.ndarray, epsilon: float = EPSILON) -> float:
    """PSI of two histograms over the same bins (counts or shares; each is normalised to sum to 1).

    Raises:
        StatsError: arrays of different lengths, a negative or non-finite count, an all-zero histogram, or
            an ``epsilon`` outside (0, 1).
    """
    e = _counts("expected_counts", expected_counts)
    a = _counts("actual_counts", actual_counts)
    if e.shape != a.shape:
        raise StatsError(f"expected_counts has {e.size} bins but actual_counts has {a.size}; they must match")
    if not 0.0 < epsilon < 1.0:
        raise StatsError(f"epsilon must be in (0, 1), got {epsilon!r}")
    e = np.maximum(e / e.sum(), epsilon)
    a = np.maximum(a / a.sum(), epsilon)
    return float(np.sum((a - e) * np.log(a / e)))


class PsiReference:
    """Training-distribution bins of each feature: interior edges and the training rows' count per bin.

    A value ``x`` falls in bin ``searchsorted(edges, x, side="right")`` (= ``bisect_right``): bin 0 is ``x < edges[0]``, the last
    bin ``x >= edges[-1]``. Build with :meth:`from_sample`; store with the model via :meth:`to_dict`.
    """

    def __init__(self, names: Sequence[str], edges: Sequence[np.ndarray], expected: Sequence[np.ndarray]) -> None:
        self.names = tuple(str(n) for n in names)
        if len(set(self.names)) != len(self.names):
            raise StatsError(f"feature names must be unique, got {list(self.names)}")
        if not (len(edges) == len(expected) == len(self.names)) or not self.names:
            raise StatsError(f"need one edge list and one count list per feature: {len(self.names)} names, "
                             f"{len(edges)} edge lists, {len(expected)} count lists")
        self.edges = tuple(np.asarray(e, dtype=np.float64) for e in edges)
        self.expected = tuple(np.asarray(c, dtype=np.float64) for c in expected)
        for name, e, c in zip(self.names, self.edges, self.expected, strict=True):
            if e.ndim != 1 or not np.isfinite(e).all() or (np.diff(e) <= 0).any():
                raise StatsError(f"feature {name!r}: edges must be finite and strictly increasing, got {e.tolist()}")
            if c.shape != (e.size + 1,):
                raise StatsError(f"feature {name!r}: {e.size} edges make {e.size + 1} bins, got {c.size} counts")
            _counts(f"feature {name!r} expected counts", c)

    @classmethod
    def from_sample(cls, x: np.ndarray, names: Sequence[str], bins: int = 10) -> PsiReference:
        """Quantile bins of each column of the training rows ``x`` (n × k), ignoring non-finite values.

        Raises:
            StatsError: ``x`` not 2-D, a name count that is not k, ``bins`` < 2, or a column with fewer than
                ``2 · bins`` finite values.
        """
        arr = np.asarray(x, dtype=np.float64)
        if arr.ndim != 2:
            raise StatsError(f"x must be 2-D (rows × features), got shape {arr.shape}")
        if len(names) != arr.shape[1]:
            raise StatsError(f"x has {arr.shape[1]} columns but {len(names)} names were given")
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
            raise StatsError(f"bins must be an integer >= 2, got {bins!r}")
        edges: list[np.ndarray] = []
        expected: list[np.ndarray] = []
        for j, name in enumerate(names):
            column = arr[:, j][np.isfinite(arr[:, j])]
            if column.size < 2 * bins:
                raise StatsError(f"feature {name!r} has {column.size} finite training values; at least "
                                 f"{2 * bins} (2 × bins) are needed")
            cut = np.unique(np.quantile(column, np.arange(1, bins) / bins, method="inverted_cdf"))
            edges.append(cut)
            expected.append(np.bincount(np.searchsorted(cut, column, side="right"),
                                        minlength=cut.size + 1).astype(np.float64))
        return cls(names, edges, expected)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (lists of floats); :meth:`from_dict` reads it back exactly."""
        return {"format": "psi_reference", "version": FORMAT_VERSION, "names": list(self.names),
                "edges": [e.tolist() for e in self.edges], "expected": [c.tolist() for c in self.expected]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PsiReference:
        """The reference :meth:`to_dict` wrote.

        Raises:
            StatsError: another format or version, missing keys, or inconsistent edges and counts.
        """
        if not isinstance(data, dict) or data.get("format") != "psi_reference":
            raise StatsError("not a PSI reference: expected a dict with format 'psi_reference'")
        if data.get("version") != FORMAT_VERSION:
            raise StatsError(f"PSI reference version {data.get('version')!r} is not supported; "
                             f"this code reads version {FORMAT_VERSION}")
        missing = [k for k in ("names", "edges", "expected") if k not in data]
        if missing:
            raise StatsError(f"PSI reference lacks {', '.join(missing)}")
        return cls(data["names"], [np.asarray(e, dtype=np.float64) for e in data["edges"]],
                   [np.asarray(c, dtype=np.float64) for c in data["expected"]])


class StreamingPsi:
    """Live bin counts of each feature, one row at a time, and their PSI against a :class:`PsiReference`.

    Args:
        reference: the training bins.
        min_count: rows needed before :meth:`psi` answers (fewer give a noisy PSI), >= 1.

    Attributes:
        count: rows given to :meth:`update`; counts: live count per bin of each feature;
        invalid: non-finite values seen per feature (never binned).
    """

    def __init__(self, reference: PsiReference, min_count: int = 50) -> None:
        if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
            raise StatsError(f"min_count must be an integer >= 1, got {min_count!r}")
        self.reference = reference
        self.min_count = int(min_count)
        self._k = len(reference.names)
        self._edges = [e.tolist() for e in reference.edges]
        self.reset()

    def reset(self) -> None:
        """Forget every row (start a new window)."""
        self._counts = [[0] * c.size for c in self.reference.expected]
        self._invalid = [0] * self._k
        self.count = 0

    @property
    def counts(self) -> list[np.ndarray]:
        """Live count per bin of each feature (int64 arrays, a copy)."""
        return [np.array(c, dtype=np.int64) for c in self._counts]

    @property
    def invalid(self) -> np.ndarray:
        """Non-finite values seen per feature (never binned), int64."""
        return np.array(self._invalid, dtype=np.int64)

    def update(self, row: np.ndarray) -> None:
        """Count one row of k feature values (O(k log bins): a bisection per feature); non-finite values count
        as ``invalid``.

        Raises:
            StatsError: a row that is not k values long (nothing is counted then).
        """
        values = np.asarray(row, dtype=np.float64).reshape(-1)
        if values.size != self._k:
            raise StatsError(f"row has {values.size} values; the reference has {self._k} features "
                             f"({', '.join(self.reference.names)})")
        for j, v in enumerate(values.tolist()):
            if math.isfinite(v):
                self._counts[j][bisect_right(self._edges[j], v)] += 1
            else:
                self._invalid[j] += 1
        self.count += 1

    def psi(self) -> np.ndarray | None:
        """PSI per feature (in the reference's order), None before ``min_count`` rows.

        A feature with no finite value yet is NaN.
        """
        if self.count < self.min_count:
            return None
        return np.array([psi(e, np.asarray(a)) if sum(a) > 0 else np.nan
                         for e, a in zip(self.reference.expected, self._counts, strict=True)])

    def max_psi(self) -> tuple[str, float] | None:
        """``(feature name, PSI)`` of the most shifted feature; None before ``min_count`` rows or all NaN."""
        values = self.psi()
        if values is None or np.isnan(values).all():
            return None
        j = int(np.nanargmax(values))
        return self.reference.names[j], float(values[j])
