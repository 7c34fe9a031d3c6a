"""Purged k-fold and walk-forward splits on event time (de Prado, *Advances in Financial ML*, ch. 7 and 12).

Each row is an interval ``[t0, t1]`` of event time (int ns): ``t0`` when its features are known,
``t1`` when its label is (see :class:`arbkit.models.label_set.LabelSet`). Rows must be sorted by
``t0``. A training row is **purged** when its interval overlaps the interval of any test row of the
fold (both ends inclusive), so no training label is computed from prices the test period also labels.
A training row is **embargoed** when it starts shortly after the test fold (k-fold: within
``embargo_ns`` after the latest test ``t1``), which guards against features that are serially
correlated across the fold's end.

Both splitters yield ``(train_idx, test_idx)`` pairs of int64 row positions, like scikit-learn's
(``split``); ``folds`` also returns how many rows each fold purged and embargoed. To use them with
scikit-learn's ``cross_val_score``, pass ``cv=list(splitter.split(t0_ns, t1_ns))``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import msgspec
import numpy as np

from arbkit.models.errors import CrossValidationError


class Fold(msgspec.Struct, frozen=True, kw_only=True):
    """One split: training and test row positions (int64, ascending) and what was removed from training."""

    train: np.ndarray
    test: np.ndarray
    purged: int
    """Rows that would have trained but whose interval overlaps a test row's."""
    embargoed: int
    """Rows that would have trained but fall in the embargo window."""


class Splitter(Protocol):
    """What :func:`arbkit.models.validation.cross_validate` needs of a splitter."""

    def folds(self, t0_ns: np.ndarray, t1_ns: np.ndarray) -> list[Fold]:
        """The folds of rows with intervals ``[t0_ns, t1_ns]``."""
        ...

    def definition(self) -> dict[str, Any]:
        """Name and parameters, for the report."""
        ...


def check_intervals(t0_ns: np.ndarray, t1_ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(t0, t1)`` as int64 after checking: same length, non-empty, integer, ``t0`` non-decreasing, ``t1 >= t0``."""
    t0, t1 = np.asarray(t0_ns), np.asarray(t1_ns)
    if t0.ndim != 1 or t0.shape != t1.shape:
        raise CrossValidationError(f"t0_ns and t1_ns must be 1-D of one length, got shapes {t0.shape} and {t1.shape}")
    if len(t0) == 0:
        raise CrossValidationError("no rows to split (t0_ns is empty)")
    for name, a in (("t0_ns", t0), ("t1_ns", t1)):
        if a.dtype.kind not in "iu":
            raise CrossValidationError(f"{name} must hold integer ns of event time, got dtype {a.dtype}")
    t0, t1 = t0.astype(np.int64), t1.astype(np.int64)
    back = np.flatnonzero(np.diff(t0) < 0)
    if len(back):
        i = int(back[0]) + 1
        raise CrossValidationError(f"rows must be sorted by t0: row {i} starts at {int(t0[i])} ns, before row {i - 1} "
                                   f"at {int(t0[i - 1])} ns")
    early = np.flatnonzero(t1 < t0)
    if len(early):
        i = int(early[0])
        raise CrossValidationError(f"row {i} ends (t1 = {int(t1[i])} ns) before it starts (t0 = {int(t0[i])} ns)")
    return t0, t1


def overlaps_any(t0: np.ndarray, t1: np.ndarray, test_t0: np.ndarray, test_t1: np.ndarray) -> np.ndarray:
    """Mask of the rows ``[t0, t1]`` that overlap at least one interval ``[test_t0, test_t1]`` (ends inclusive)."""
    if len(test_t0) == 0:
        return np.zeros(len(t0), dtype=bool)
    order = np.argsort(test_t0, kind="stable")
    starts = test_t0[order]
    latest_end = np.maximum.accumulate(test_t1[order])
    k = np.searchsorted(starts, t1, side="right")  # test intervals starting at or before each row's end
    return (k > 0) & (latest_end[np.maximum(k - 1, 0)] >= t0)


def _non_negative_ns(value: int, what: str, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (1 if positive else 0):
        raise CrossValidationError(f"{what} must be an int number of ns {'> 0' if positive else '>= 0'}, got {value!r}")
    return int(value)


def _fold(number: int, candidates: np.ndarray, test: np.ndarray, purge: np.ndarray, embargo: np.ndarray) -> Fold:
    train = candidates[~purge & ~embargo]
    if len(train) == 0:
        raise CrossValidationError(
            f"fold {number}: all {len(candidates)} candidate training rows were purged ({int(purge.sum())}) or "
            f"embargoed ({int((embargo & ~purge).sum())}); label intervals are too long for these folds")
    return Fold(train=train, test=test, purged=int(purge.sum()), embargoed=int((embargo & ~purge).sum()))


class PurgedKFold:
    """k contiguous test folds in time order; training rows purged by overlap and embargoed after each fold.

    Test folds split the rows (sorted by ``t0``) into ``n_splits`` runs of near-equal size (the first
    ``n % n_splits`` one row longer), so every row is tested exactly once. For each fold, a row outside
    it is dropped from training when its ``[t0, t1]`` overlaps any test row's ``[t0, t1]`` (purged), or
    when it comes after the fold and ``t0 <= max(test t1) + embargo_ns`` (embargoed).
    """

    def __init__(self, n_splits: int = 5, embargo_ns: int = 0) -> None:
        if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
            raise CrossValidationError(f"n_splits must be an int >= 2, got {n_splits!r}")
        self.n_splits = int(n_splits)
        self.embargo_ns = _non_negative_ns(embargo_ns, "embargo_ns")

    def get_n_splits(self, *_: object) -> int:
        """Number of folds (scikit-learn's splitter API)."""
        return self.n_splits

    def definition(self) -> dict[str, Any]:
        return {"name": "purged_kfold", "n_splits": self.n_splits, "embargo_ns": self.embargo_ns}

    def folds(self, t0_ns: np.ndarray, t1_ns: np.ndarray) -> list[Fold]:
        """The ``n_splits`` folds; :class:`CrossValidationError` when there are fewer rows than folds or a
        fold is left with no training row."""
        t0, t1 = check_intervals(t0_ns, t1_ns)
        n = len(t0)
        if n < self.n_splits:
            raise CrossValidationError(f"{n} rows cannot make {self.n_splits} folds; need at least {self.n_splits}")
        rows = np.arange(n, dtype=np.int64)
        out = []
        for number, test in enumerate(np.array_split(rows, self.n_splits)):
            candidates = np.concatenate([rows[: test[0]], rows[test[-1] + 1:]])
            purge = overlaps_any(t0[candidates], t1[candidates], t0[test], t1[test])
            fold_end = t1[test].max()
            embargo = (candidates > test[-1]) & (t0[candidates] <= fold_end + self.embargo_ns)
            out.append(_fold(number, candidates, test, purge, embargo))
        return out

    def split(self, t0_ns: np.ndarray, t1_ns: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(train_idx, test_idx)`` per fold, in time order."""
        for fold in self.folds(t0_ns, t1_ns):
            yield fold.train, fold.test


class WalkForward:
    """Walk-forward splits on event time: train on the past, test on the next window, step forward.

    Test window ``k`` holds the rows with ``t0`` in ``[s_k, s_k + test_ns)``, ``s_k = t0[0] + train_ns +
    k · step_ns``, for every ``s_k <= t0[-1]`` (windows without rows are skipped). Training rows have
    ``t0`` in ``[s_k − train_ns, s_k)`` (rolling) or ``[t0[0], s_k)`` (``anchored``, expanding). A training
    row is purged when its interval overlaps a test row's (here: ``t1 >=`` the first test ``t0``) and
    embargoed when its label ends less than ``embargo_ns`` before that (``t1 >= first test t0 −
    embargo_ns``): with training always before testing, the embargo is a gap between the two.

    ``step_ns`` defaults to ``test_ns`` and may not be smaller, so no row is tested twice.
    """

    def __init__(self, *, train_ns: int, test_ns: int, step_ns: int | None = None, anchored: bool = False,
                 embargo_ns: int = 0) -> None:
        self.train_ns = _non_negative_ns(train_ns, "train_ns", positive=True)
        self.test_ns = _non_negative_ns(test_ns, "test_ns", positive=True)
        self.step_ns = self.test_ns if step_ns is None else _non_negative_ns(step_ns, "step_ns", positive=True)
        if self.step_ns < self.test_ns:
            raise CrossValidationError(f"step_ns ({self.step_ns}) must be >= test_ns ({self.test_ns}): with a shorter "
                                       "step the test windows overlap and rows are tested twice")
        self.anchored = bool(anchored)
        self.embargo_ns = _non_negative_ns(embargo_ns, "embargo_ns")

    def definition(self) -> dict[str, Any]:
        return {"name": "walk_forward", "train_ns": self.train_ns, "test_ns": self.test_ns, "step_ns": self.step_ns,
                "anchored": self.anchored, "embargo_ns": self.embargo_ns}

    def folds(self, t0_ns: np.ndarray, t1_ns: np.ndarray) -> list[Fold]:
        """The windows in time order; :class:`CrossValidationError` when the data are shorter than
        ``train_ns`` or a window is left with no training row."""
        t0, t1 = check_intervals(t0_ns, t1_ns)
        first, last = int(t0[0]), int(t0[-1])
        if first + self.train_ns > last:
            raise CrossValidationError(f"the rows span {last - first} ns of event time, not more than train_ns = "
                                       f"{self.train_ns}: no test window fits")
        out = []
        start = first + self.train_ns
        while start <= last:
            lo, hi = np.searchsorted(t0, [start, start + self.test_ns], side="left")
            if hi > lo:
                test = np.arange(lo, hi, dtype=np.int64)
                begin = 0 if self.anchored else int(np.searchsorted(t0, start - self.train_ns, side="left"))
                candidates = np.arange(begin, lo, dtype=np.int64)
                purge = overlaps_any(t0[candidates], t1[candidates], t0[test], t1[test])
                embargo = t1[candidates] >= t0[lo] - self.embargo_ns
                out.append(_fold(len(out), candidates, test, purge, embargo))
                start += self.step_ns
            else:  # no row in this window: jump to the first window that holds the next row
                start += max(1, (int(t0[lo]) - self.test_ns - start) // self.step_ns + 1) * self.step_ns
        if not out:
            raise CrossValidationError(f"no test window of {self.test_ns} ns every {self.step_ns} ns after the first "
                                       f"{self.train_ns} ns holds a row: no test window fits")
        return out

    def split(self, t0_ns: np.ndarray, t1_ns: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(train_idx, test_idx)`` per window, in time order."""
        for fold in self.folds(t0_ns, t1_ns):
            yield fold.train, fold.test
