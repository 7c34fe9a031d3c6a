"""Scores of out-of-sample predictions: classification, regression and the trading view.

>>> import numpy as np
>>> m = regression_metrics(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 1.0, 3.5, 5.0]))
>>> round(m["ic"], 3), m["rank_ic"]
(0.908, 0.8)
>>> direction = signal_direction(np.array([0.7, 0.5, 0.2]), "classification", threshold=0.6)
>>> direction.tolist(), trading_metrics(direction, np.array([12.0, 3.0, -4.0]), cost_bps=2.0)
([1, 0, -1], {'n_signals': 2.0, 'hit_rate': 1.0, 'mean_pnl_bps': 6.0})
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Task = Literal["classification", "regression"]


def classification_metrics(y_true: np.ndarray, p_pred: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, precision, recall, F1, ROC-AUC, log loss and base rate of predicted probabilities.

    ROC-AUC is NaN when ``y_true`` holds a single class (it is undefined then).
    """
    from sklearn.metrics import accuracy_score, f1_score, log_loss, precision_score, recall_score, roc_auc_score

    y = np.asarray(y_true).astype(int)
    p = np.clip(np.asarray(p_pred, dtype=float), 1e-12, 1 - 1e-12)
    yhat = (p >= threshold).astype(int)
    two_classes = len(np.unique(y)) == 2
    return {
        "n": float(len(y)),
        "base_rate": float(y.mean()) if len(y) else float("nan"),
        "accuracy": float(accuracy_score(y, yhat)),
        "precision": float(precision_score(y, yhat, zero_division=0)),
        "recall": float(recall_score(y, yhat, zero_division=0)),
        "f1": float(f1_score(y, yhat, zero_division=0)),
        "roc_auc": float(roc_auc_score(y, p)) if two_classes else float("nan"),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
    }


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """R², IC and rank-IC of predictions against realised targets (same units).

    - ``r2``: 1 − Σ(y − ŷ)² / Σ(y − ȳ)², with ȳ the mean of these ``y_true`` (out-of-sample R² can be < 0).
    - ``ic``: Pearson correlation of ŷ and y; ``rank_ic``: Spearman correlation (Pearson of average ranks).

    Each is NaN where undefined: R² when y is constant, the ICs when y or ŷ is constant or n < 2.
    """
    from scipy.stats import rankdata

    y = np.asarray(y_true, dtype=np.float64)
    yhat = np.asarray(y_pred, dtype=np.float64)
    # a constant y is tested exactly: the mean of equal floats can miss them by an ulp, leaving a tiny
    # positive total sum of squares that would turn R² into a huge negative number instead of NaN
    ss_tot = float(np.sum((y - y.mean()) ** 2)) if len(y) and np.ptp(y) > 0 else 0.0
    return {
        "n": float(len(y)),
        "r2": 1.0 - float(np.sum((y - yhat) ** 2)) / ss_tot if ss_tot > 0.0 else float("nan"),
        "ic": _pearson(y, yhat),
        "rank_ic": _pearson(rankdata(y), rankdata(yhat)) if len(y) else float("nan"),
    }


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    da, db = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt(np.sum(da * da) * np.sum(db * db)))
    return float(np.sum(da * db)) / denominator if denominator > 0.0 else float("nan")


def signal_direction(pred: np.ndarray, task: Task, threshold: float | None = None,
                     side: np.ndarray | None = None) -> np.ndarray:
    """Trade direction per prediction: +1 long, −1 short, 0 no signal.

    - regression (ŷ a forecast return): +1 when ŷ > threshold, −1 when ŷ < −threshold (default 0.0).
    - classification without ``side`` (ŷ = P(class 1), class 1 = "price goes up"): +1 when
      ŷ >= threshold, −1 when ŷ <= 1 − threshold (default 0.5, so every row is a signal; use e.g. 0.6
      for a dead band).
    - classification with ``side`` (meta-labels, ŷ = P(the primary bet pays)): ``side`` when
      ŷ >= threshold (default 0.5), else 0.
    """
    p = np.asarray(pred, dtype=np.float64)
    if task == "regression":
        t = 0.0 if threshold is None else float(threshold)
        return np.where(p > t, 1, np.where(p < -t, -1, 0)).astype(np.int8)
    t = 0.5 if threshold is None else float(threshold)
    if side is not None:
        return np.where(p >= t, np.asarray(side), 0).astype(np.int8)
    return np.where(p >= t, 1, np.where(p <= 1.0 - t, -1, 0)).astype(np.int8)


def trading_metrics(direction: np.ndarray, trade_return_bps: np.ndarray, cost_bps: float = 0.0) -> dict[str, float]:
    """The trading view of signals: how many, how often they paid, and what they earned after costs.

    PnL of a signal = direction × ``trade_return_bps`` − ``cost_bps``, where ``trade_return_bps`` is what a
    long position opened at the row's ``t0`` and closed at its ``t1`` earns (e.g. the label's value: a
    forward return, or the triple-barrier return at the touch) and ``cost_bps`` the round-trip cost
    (fees + half-spreads + slippage) per signal.

    Returns ``n_signals``, ``hit_rate`` (share of signals with PnL after costs > 0) and ``mean_pnl_bps``
    (mean PnL per signal after costs); both are NaN without signals.
    """
    d = np.asarray(direction, dtype=np.float64)
    r = np.asarray(trade_return_bps, dtype=np.float64)
    active = d != 0.0
    pnl = d[active] * r[active] - float(cost_bps)
    n = int(active.sum())
    return {"n_signals": float(n), "hit_rate": float(np.mean(pnl > 0.0)) if n else float("nan"),
            "mean_pnl_bps": float(pnl.mean()) if n else float("nan")}
