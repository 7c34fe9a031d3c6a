"""Classification metrics for probability models, from scikit-learn."""

from __future__ import annotations

import numpy as np


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
