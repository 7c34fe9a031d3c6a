"""Score a model out of sample over the folds of a splitter, without leakage.

>>> import numpy as np
>>> from arbkit.models.validation import FunctionAdapter, PurgedKFold, cross_validate
>>> t0 = np.arange(100, dtype=np.int64) * 1_000_000_000          # one row a second
>>> x = np.linspace(-1.0, 1.0, 100)[:, None]
>>> y = 2.0 * x[:, 0]                                              # the target is a line of x
>>> mean_of_train = lambda train_x, train_y, test_x: np.full(len(test_x), train_y.mean())
>>> report = cross_validate(lambda: FunctionAdapter(mean_of_train), x, y, t0, t0 + 5_000_000_000,
...                         PurgedKFold(n_splits=4, embargo_ns=2_000_000_000), task="regression")
>>> [f.n_purged for f in report.folds], [f.n_embargoed for f in report.folds]
([5, 10, 10, 5], [2, 2, 2, 0])
>>> report.pooled["r2"] < 0.0                                      # a constant cannot forecast a line
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from arbkit.models.errors import CrossValidationError, NonFiniteOutputError
from arbkit.models.metrics import Task, classification_metrics, regression_metrics, signal_direction, trading_metrics
from arbkit.models.validation.adapters import FitPredictModel
from arbkit.models.validation.report import FoldReport, ValidationReport
from arbkit.models.validation.splits import Fold, Splitter, check_intervals


def _finite(values: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        position = np.argwhere(bad)[0]
        where = f"row {int(position[0])}" + (f", column {int(position[1])}" if values.ndim == 2 else "")
        value = float(values[tuple(position)])
        raise CrossValidationError(f"{what} holds {value!r} at {where} ({int(bad.sum())} non-finite values); drop "
                                   "undefined labels (LabelSet.defined_only) and unready features first")


def _given_folds(pairs: Iterable[tuple[np.ndarray, np.ndarray]], n: int) -> list[Fold]:
    folds = []
    for number, (train, test) in enumerate(pairs):
        train, test = np.asarray(train, dtype=np.int64), np.asarray(test, dtype=np.int64)
        for name, idx in (("train", train), ("test", test)):
            if len(idx) == 0 or idx.min() < 0 or idx.max() >= n:
                raise CrossValidationError(f"fold {number}: {name} positions must be non-empty and within [0, {n}), "
                                           f"got {len(idx)} positions")
        folds.append(Fold(train=train, test=test, purged=0, embargoed=0))
    if not folds:
        raise CrossValidationError("the splitter gave no folds")
    return folds


def _scores(task: Task, y: np.ndarray, pred: np.ndarray, threshold: float | None, trade_return: np.ndarray | None,
            side: np.ndarray | None, cost_bps: float) -> dict[str, float]:
    if task == "classification":
        metrics = classification_metrics(y, pred, 0.5 if threshold is None else threshold)
    else:
        metrics = regression_metrics(y, pred)
    if trade_return is not None:
        metrics.update(trading_metrics(signal_direction(pred, task, threshold, side), trade_return, cost_bps))
    return metrics


def cross_validate(model_factory: Callable[[], FitPredictModel], x: np.ndarray, y: np.ndarray, t0_ns: np.ndarray,
                   t1_ns: np.ndarray, splitter: Splitter | Iterable[tuple[np.ndarray, np.ndarray]], *, task: Task,
                   trade_return_bps: np.ndarray | None = None, cost_bps: float = 0.0, threshold: float | None = None,
                   side: np.ndarray | None = None, label_definition: dict[str, Any] | None = None) -> ValidationReport:
    """Fit a fresh model per fold on the training rows, predict the test rows, and score.

    Args:
        model_factory: returns a fresh unfitted model with ``fit(x, y)`` and ``predict_many(x)``
            (see :mod:`arbkit.models.validation.adapters` for scikit-learn, zoo and function adapters).
        x: features, float64 (n × k), finite; row ``i`` known at ``t0_ns[i]``.
        y: labels (n,): 0/1 for classification, a number for regression; finite.
        t0_ns, t1_ns: each row's label interval, int ns (``LabelSet.t0``/``t1``), sorted by ``t0``.
        splitter: :class:`PurgedKFold`, :class:`WalkForward`, or any iterable of ``(train_idx, test_idx)``
            pairs (e.g. ``KFold(5, shuffle=True).split(x)``: not purged, for comparison only).
        task: ``"classification"`` or ``"regression"``.
        trade_return_bps: what a long position from ``t0`` to ``t1`` earns per row, log return in bps
            (e.g. ``LabelSet.value``); enables the trading view.
        cost_bps: round-trip cost per signal in bps, subtracted from every signal's PnL.
        threshold: signal threshold (see :func:`arbkit.models.metrics.signal_direction`); for classification
            also the class-1 cut-off of accuracy, precision, recall and F1 (default 0.5).
        side: primary-model direction per row (±1) when ``y`` are meta-labels; signals then trade ``side``.
        label_definition: the labeller's ``definition`` dict, copied into the report for lineage.

    Raises:
        CrossValidationError: mismatched shapes, NaN/inf in ``x``, ``y`` or trade returns, labels other
            than 0/1 for classification, unsorted ``t0``, a fold without rows or whose training rows hold
            one class only.
        NonFiniteOutputError: the model predicted NaN or infinity.
    """
    if task not in ("classification", "regression"):
        raise CrossValidationError(f"task must be 'classification' or 'regression', got {task!r}")
    t0, t1 = check_intervals(t0_ns, t1_ns)
    n = len(t0)
    xs = np.asarray(x, dtype=np.float64)
    xs = xs[:, None] if xs.ndim == 1 else xs
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim != 2 or len(xs) != n or ys.shape != (n,):
        raise CrossValidationError(f"x {xs.shape} and y {ys.shape} must have one row per interval ({n})")
    _finite(xs, "x")
    _finite(ys, "y")
    if task == "classification" and not np.isin(ys, (0.0, 1.0)).all():
        odd = ys[~np.isin(ys, (0.0, 1.0))][0]
        raise CrossValidationError(f"classification labels must be 0 or 1, found {float(odd)!r} (map -1/0/+1 "
                                   "labels first, e.g. y = (label > 0))")
    trade = None
    if trade_return_bps is not None:
        trade = np.asarray(trade_return_bps, dtype=np.float64)
        if trade.shape != (n,):
            raise CrossValidationError(f"trade_return_bps has shape {trade.shape}; expected ({n},)")
        _finite(trade, "trade_return_bps")
    sides = None
    if side is not None:
        sides = np.asarray(side, dtype=np.float64)
        if sides.shape != (n,) or not np.isin(sides, (-1.0, 1.0)).all():
            raise CrossValidationError(f"side must be ±1 on each of the {n} rows")
    if hasattr(splitter, "folds"):
        folds = splitter.folds(t0, t1)
    else:
        folds = _given_folds(splitter, n)
    reports, tested, predictions = [], [], []
    for number, fold in enumerate(folds):
        if task == "classification" and len(np.unique(ys[fold.train])) < 2:
            raise CrossValidationError(f"fold {number}: the {len(fold.train)} training rows hold one class only "
                                       f"({ys[fold.train][0]:g}); use fewer folds or a longer training window")
        model = model_factory()
        model.fit(xs[fold.train], ys[fold.train])
        pred = np.asarray(model.predict_many(xs[fold.test]), dtype=np.float64)
        if pred.shape != (len(fold.test),):
            raise CrossValidationError(f"fold {number}: the model returned shape {pred.shape} for "
                                       f"{len(fold.test)} test rows")
        if not np.isfinite(pred).all():
            first = int(np.flatnonzero(~np.isfinite(pred))[0])
            raise NonFiniteOutputError(f"fold {number}: the model predicted {float(pred[first])!r} for row "
                                       f"{int(fold.test[first])}")
        test = fold.test
        metrics = _scores(task, ys[test], pred, threshold, None if trade is None else trade[test],
                          None if sides is None else sides[test], cost_bps)
        reports.append(FoldReport(fold=number, n_train=len(fold.train), n_test=len(test), n_purged=fold.purged,
                                  n_embargoed=fold.embargoed,
                                  train_span_ns=(int(t0[fold.train].min()), int(t0[fold.train].max())),
                                  test_span_ns=(int(t0[test].min()), int(t0[test].max())), metrics=metrics))
        tested.append(test)
        predictions.append(pred)
    rows, pred = np.concatenate(tested), np.concatenate(predictions)
    pooled = _scores(task, ys[rows], pred, threshold, None if trade is None else trade[rows],
                     None if sides is None else sides[rows], cost_bps)
    definition = splitter.definition() if hasattr(splitter, "definition") else {"name": "given_folds"}
    return ValidationReport(task=task, splitter=definition, n_rows=n, n_tested=len(np.unique(rows)),
                            threshold=threshold, cost_bps=float(cost_bps) if trade is not None else None,
                            label_definition=label_definition, folds=reports, pooled=pooled)
