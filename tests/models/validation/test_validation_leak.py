"""A planted leak on the shipped sample: shuffled k-fold overstates the score, purged k-fold does not.

Rows are the ~3,200 decision points (one per 100 ms) the backtest records from the shipped BTC spot +
USDⓈ-M sample. The label is the 30 s forward log return of the perp mid, so each label overlaps the
next ~300 rows' labels. The model is a random forest regressor (30 trees, leaves of at least 5 rows,
fixed seed).

- **Planted leak**: the *trailing label* — the same 30 s return, over the 30 s that end at ``t0``.
  It is known at ``t0`` (no look-ahead) and forecasts little. But neighbouring rows share almost all
  of it, and almost all of their labels: with shuffled folds, the training rows that look most like
  a test row (same trailing label, hence the same leaf) are its neighbours in time, whose labels are
  nearly its own. Purging drops every training row whose label interval overlaps a test row's.
- **Leak-free set**: per-row increments (last mid move, changes of the two book imbalances and the
  basis): almost no serial correlation, so rows that look alike are not neighbours in time, and the
  splitters should agree.

The score is the mean over folds of the rank-IC (Spearman) between forecast and realised return. The
data and every step are deterministic (fixed shuffle seed), so the figures are fixed; the margins
below are several times the differences seen between splitters on the leak-free set.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold
from testkit import default_config, record_decision_points

from arbkit.models.labels import forward_return
from arbkit.models.validation import PurgedKFold, SklearnAdapter, ValidationReport, WalkForward, cross_validate

S = 1_000_000_000
HORIZON_NS = 30 * S
EMBARGO_NS = 3 * S          # about 1 % of the sample's span, de Prado's rule of thumb
COST_BPS = 1.0


@pytest.fixture(scope="module")
def dataset() -> dict[str, np.ndarray]:
    recorded = record_decision_points(default_config()).arrays()
    ts, features, perp = recorded["ts_ns"], recorded["features"], recorded["perp_mid"]
    labels = forward_return(ts, perp, HORIZON_NS)
    start = np.searchsorted(ts, ts - HORIZON_NS, side="right") - 1           # last row at or before t0 − 30 s
    trailing = 1e4 * (np.log(perp) - np.log(perp[np.maximum(start, 0)]))
    rows = np.flatnonzero(labels.defined & (ts - HORIZON_NS >= ts[0]))

    def step(column: np.ndarray) -> np.ndarray:
        return np.r_[0.0, np.diff(column)]

    increments = np.c_[step(1e4 * np.log(perp)), step(features[:, 3]), step(features[:, 4]), step(features[:, 0])]
    return {"t0": labels.t0[rows], "t1": labels.t1[rows], "y": labels.value[rows],
            "increments": increments[rows], "leaky": np.c_[increments, trailing][rows], "basis": features[rows]}


def score(data: dict[str, np.ndarray], features: str, splitter: object) -> ValidationReport:
    x = data[features]
    folds = list(splitter.split(x)) if isinstance(splitter, KFold) else splitter
    assert isinstance(folds, (list, PurgedKFold, WalkForward))
    forest = RandomForestRegressor(n_estimators=30, min_samples_leaf=5, max_features=0.5, random_state=0)
    return cross_validate(lambda: SklearnAdapter(forest), x, data["y"], data["t0"], data["t1"],
                          folds, task="regression", trade_return_bps=data["y"], cost_bps=COST_BPS)


def fold_rank_ic(report: ValidationReport) -> float:
    return float(np.nanmean(report.fold_values("rank_ic")))


def test_shuffled_kfold_overstates_a_leaky_feature_set_and_purged_kfold_does_not(
        dataset: dict[str, np.ndarray]) -> None:
    splitters = {"shuffled KFold": KFold(5, shuffle=True, random_state=7), "contiguous KFold": KFold(5),
                 "PurgedKFold": PurgedKFold(5, embargo_ns=EMBARGO_NS),
                 "WalkForward": WalkForward(train_ns=120 * S, test_ns=30 * S, embargo_ns=EMBARGO_NS)}
    figures: dict[tuple[str, str], ValidationReport] = {}
    print(f"\n{len(dataset['y'])} rows, 30 s forward return labels, random forest; mean fold rank-IC | "
          f"pooled R² | mean PnL per signal after {COST_BPS} bps")
    for features in ("increments", "leaky", "basis"):
        for name, splitter in splitters.items():
            report = figures[features, name] = score(dataset, features, splitter)
            print(f"  {features:>10} {name:>16}: rank-IC {fold_rank_ic(report):+.3f} | R² {report.pooled['r2']:+.3f} | "
                  f"PnL {report.pooled['mean_pnl_bps']:+.2f} bps over {report.pooled['n_signals']:.0f} signals")

    leak_shuffled = fold_rank_ic(figures["leaky", "shuffled KFold"])
    leak_purged = fold_rank_ic(figures["leaky", "PurgedKFold"])
    clean_shuffled = fold_rank_ic(figures["increments", "shuffled KFold"])
    clean_purged = fold_rank_ic(figures["increments", "PurgedKFold"])
    assert leak_shuffled > 0.45 and leak_purged < 0.3 and leak_shuffled - leak_purged > 0.25
    assert abs(clean_shuffled - clean_purged) < 0.08 and max(abs(clean_shuffled), abs(clean_purged)) < 0.2
    # the leak also shows as money that is not there: shuffled folds "earn" several bps per signal more
    assert (figures["leaky", "shuffled KFold"].pooled["mean_pnl_bps"]
            - figures["leaky", "PurgedKFold"].pooled["mean_pnl_bps"]) > 1.5
    purged = figures["leaky", "PurgedKFold"]
    assert sum(f.n_purged for f in purged.folds) > 4 * 290 and all(f.n_embargoed > 0 for f in purged.folds[:-1])
