"""cross_validate: the report's fields, JSON round trip, the adapters, and bad input refused with typed errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from arbkit.models.errors import CrossValidationError, NonFiniteOutputError
from arbkit.models.labels import forward_return
from arbkit.models.validation import (
    FunctionAdapter,
    PurgedKFold,
    SklearnAdapter,
    ValidationReport,
    WalkForward,
    ZooAdapter,
    cross_validate,
)

S = 1_000_000_000
CLASSIFIER_KEYS = {"n", "base_rate", "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"}
TRADING_KEYS = {"n_signals", "hit_rate", "mean_pnl_bps"}


def planted(n: int = 400, seed: int = 3) -> dict[str, Any]:
    """A random walk whose next 5 s return is half-known from feature 0 (a genuine, leak-free signal)."""
    rng = np.random.default_rng(seed)
    ts = np.arange(n, dtype=np.int64) * S
    signal = rng.normal(size=n)
    steps = 2.0 * rng.normal(size=n)
    steps[1:] += 1.5 * signal[:-1]                      # the move after row i follows signal[i]
    price = 100.0 * np.exp(np.cumsum(steps) / 1e4)
    labels = forward_return(ts, price, S).defined_only()
    rows = labels.index
    return {"x": np.c_[signal, rng.normal(size=n)][rows], "y": (labels.value > 0).astype(float),
            "r": labels.value, "t0": labels.t0, "t1": labels.t1, "definition": labels.definition}


def logistic() -> SklearnAdapter:
    return SklearnAdapter(LogisticRegression())


def test_a_classifier_report_has_per_fold_and_pooled_scores_and_the_trading_view() -> None:
    d = planted()
    report = cross_validate(logistic, d["x"], d["y"], d["t0"], d["t1"], PurgedKFold(4, embargo_ns=2 * S),
                            task="classification", trade_return_bps=d["r"], cost_bps=0.5,
                            label_definition=d["definition"])
    assert report.splitter == {"name": "purged_kfold", "n_splits": 4, "embargo_ns": 2 * S}
    assert report.n_rows == report.n_tested == len(d["y"]) and len(report.folds) == 4
    assert set(report.pooled) == CLASSIFIER_KEYS | TRADING_KEYS
    assert all(set(f.metrics) == CLASSIFIER_KEYS | TRADING_KEYS for f in report.folds)
    assert sum(f.n_test for f in report.folds) == len(d["y"])
    assert [f.n_purged for f in report.folds] == [1, 2, 2, 1] and [f.n_embargoed for f in report.folds] == [2, 2, 2, 0]
    assert report.pooled["roc_auc"] > 0.75 and report.pooled["hit_rate"] > 0.6 and report.pooled["mean_pnl_bps"] > 0
    assert report.label_definition == d["definition"] and report.cost_bps == 0.5
    assert report.folds[1].test_span_ns[0] > report.folds[0].test_span_ns[1]


def test_the_report_survives_a_json_round_trip_with_nan_scores() -> None:
    d = planted()
    report = cross_validate(logistic, d["x"], d["y"], d["t0"], d["t1"], PurgedKFold(3), task="classification")
    odd = ValidationReport(**{**{f: getattr(report, f) for f in report.__struct_fields__},
                              "pooled": {**report.pooled, "roc_auc": math.nan}})
    back = ValidationReport.from_json(odd.to_json())
    assert b'"roc_auc":null' in odd.to_json() and math.isnan(back.pooled["roc_auc"])
    assert back.folds == report.folds and back.splitter == report.splitter


def test_a_regressor_report_scores_r2_ic_and_rank_ic_and_trades_the_sign() -> None:
    d = planted()

    def least_squares(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray) -> np.ndarray:
        a = np.c_[train_x, np.ones(len(train_x))]
        coef = np.linalg.lstsq(a, train_y, rcond=None)[0]
        return np.c_[test_x, np.ones(len(test_x))] @ coef

    report = cross_validate(lambda: FunctionAdapter(least_squares), d["x"], d["r"], d["t0"], d["t1"],
                            WalkForward(train_ns=100 * S, test_ns=50 * S, anchored=True), task="regression",
                            trade_return_bps=d["r"], cost_bps=0.0, threshold=0.0)
    assert set(report.pooled) == {"n", "r2", "ic", "rank_ic"} | TRADING_KEYS
    assert report.pooled["ic"] > 0.4 and report.pooled["rank_ic"] > 0.4 and report.pooled["r2"] > 0.1
    assert report.folds[0].train_span_ns[0] == report.folds[-1].train_span_ns[0] == 0       # anchored
    assert report.n_tested == sum(f.n_test for f in report.folds) < report.n_rows


def test_meta_labels_trade_the_primary_side_only_when_the_model_says_so() -> None:
    d = planted()
    side = np.where(d["x"][:, 0] > 0, 1.0, -1.0)
    meta = (side * d["r"] > 0).astype(float)
    always = cross_validate(lambda: FunctionAdapter(lambda tx, ty, x: np.full(len(x), 0.9)), d["x"], meta, d["t0"],
                            d["t1"], PurgedKFold(3), task="classification", trade_return_bps=d["r"], side=side)
    expected = np.mean(side * d["r"])
    assert always.pooled["n_signals"] == len(meta) and always.pooled["mean_pnl_bps"] == pytest.approx(expected)
    never = cross_validate(lambda: FunctionAdapter(lambda tx, ty, x: np.full(len(x), 0.1)), d["x"], meta, d["t0"],
                           d["t1"], PurgedKFold(3), task="classification", trade_return_bps=d["r"], side=side)
    assert never.pooled["n_signals"] == 0 and math.isnan(never.pooled["hit_rate"])


class FakeZooModel:
    """The zoo contract's fit signature: keyword feature names and digest."""

    def __init__(self) -> None:
        self.seen: dict[str, object] = {}

    def fit(self, x: np.ndarray, y: np.ndarray, *, feature_names: tuple[str, ...], feature_digest: str) -> FakeZooModel:
        self.seen = {"feature_names": feature_names, "feature_digest": feature_digest}
        self.mean_ = float(y.mean())
        return self

    def predict_many(self, x: np.ndarray) -> np.ndarray:
        return np.full(len(x), self.mean_)


def test_zoo_models_get_their_feature_names_and_digest_and_sklearn_pairs_are_accepted() -> None:
    d = planted()
    made: list[FakeZooModel] = []

    def factory() -> ZooAdapter:
        made.append(FakeZooModel())
        return ZooAdapter(made[-1], ("signal", "noise"), "abc123")

    folds = list(KFold(3).split(d["x"]))
    report = cross_validate(factory, d["x"], d["y"], d["t0"], d["t1"], folds, task="classification")
    assert len(made) == 3 and made[0].seen == {"feature_names": ("signal", "noise"), "feature_digest": "abc123"}
    assert report.splitter == {"name": "given_folds"} and all(f.n_purged == 0 for f in report.folds)


def bad(**changes: Any) -> None:
    d = {**planted(60), **changes}
    cross_validate(logistic, d["x"], d["y"], d["t0"], d["t1"], changes.get("splitter", PurgedKFold(3)),
                   task=changes.get("task", "classification"), trade_return_bps=changes.get("r"))


@pytest.mark.parametrize(("changes", "match"), [
    ({"y": np.r_[np.nan, np.ones(58)]}, "y holds nan at row 0"),
    ({"x": np.r_[[[np.inf, 0.0]], np.zeros((58, 2))]}, "x holds inf at row 0, column 0"),
    ({"y": np.r_[-1.0, np.ones(58)]}, "labels must be 0 or 1, found -1.0"),
    ({"y": np.ones(10)}, r"x \(59, 2\) and y \(10,\) must have one row per interval \(59\)"),
    ({"t0": np.arange(59, dtype=np.int64)[::-1].copy()}, "rows must be sorted by t0: row 1"),
    ({"t1": np.zeros(59, dtype=np.int64)}, "row 1 ends .t1 = 0 ns. before it starts"),
    ({"t0": np.arange(59) * 1.0}, "t0_ns must hold integer ns"),
    ({"r": np.r_[np.nan, np.zeros(58)]}, "trade_return_bps holds nan at row 0"),
    ({"task": "ranking"}, "task must be 'classification' or 'regression', got 'ranking'"),
    ({"splitter": []}, "the splitter gave no folds"),
    ({"splitter": [(np.array([0, 1]), np.array([99]))]},
     r"fold 0: test positions must be non-empty and within \[0, 59\)"),
])
def test_bad_input_is_refused_naming_the_value(changes: dict[str, object], match: str) -> None:
    with pytest.raises(CrossValidationError, match=match):
        bad(**changes)


def test_a_training_fold_with_one_class_and_a_nan_prediction_are_refused() -> None:
    d = planted(60)
    y = np.r_[np.zeros(20), np.ones(39)]
    with pytest.raises(CrossValidationError, match=r"fold 0: the 38 training rows hold one class only \(1\)"):
        cross_validate(logistic, d["x"], y, d["t0"], d["t1"], PurgedKFold(3), task="classification")
    with pytest.raises(NonFiniteOutputError, match="fold 0: the model predicted nan for row 0"):
        cross_validate(lambda: FunctionAdapter(lambda tx, ty, x: np.full(len(x), np.nan)), d["x"], d["y"], d["t0"],
                       d["t1"], PurgedKFold(3), task="classification")
