"""Train the basis model on recorded decision points with a purged time split.

Rows are decision points recorded by :class:`~arbkit.scripts.basis_signal.SignalRecorder` (the same
sampler and features the script uses live). The split is by event time: rows before the cutoff train,
rows after it test. Training rows whose label horizon reaches past the cutoff are purged, so no
training label sees test-period prices.
"""

from __future__ import annotations

import msgspec
import numpy as np

from arbkit.backtest.config import ModelConfig
from arbkit.core.errors import ArbkitError
from arbkit.features.basis import BasisFeatureSpec
from arbkit.models.labels import reversion_label
from arbkit.models.logistic import LogisticModel
from arbkit.models.metrics import classification_metrics


MIN_DECISION_POINTS = 50


class TrainingDataError(ArbkitError):
    """The recorded data cannot train a model (too few rows, one class only, ...)."""


class TrainedModel(msgspec.Struct, kw_only=True):
    """A fitted model with its split and scores."""

    model: LogisticModel
    cutoff_ns: int
    train_rows: int
    test_rows: int
    purged_rows: int
    train_metrics: dict[str, float]
    test_metrics: dict[str, float]
    parity_max_abs_diff: float
    """Largest |streaming − batch| feature difference over all recorded rows (0.0 when identical)."""


def train_basis_model(recorded: dict[str, np.ndarray], spec: BasisFeatureSpec, config: ModelConfig) -> TrainedModel:
    """Label, split, fit and score. ``recorded`` is :meth:`SignalRecorder.arrays` output."""
    ts, features = recorded["ts_ns"], recorded["features"]
    if len(ts) < MIN_DECISION_POINTS:
        raise TrainingDataError(f"only {len(ts)} decision points recorded; need at least {MIN_DECISION_POINTS} to train "
                                "(more data, or a shorter features.decision_interval_ms)")
    batch = spec.batch(ts, recorded["spot_mid"], recorded["perp_mid"], features[:, 3], features[:, 4])
    parity = float(np.max(np.abs(batch - features)))
    basis, deviation = features[:, 0], features[:, 2]
    horizon_ns = config.horizon_ms * 1_000_000
    labels = reversion_label(ts, basis, basis - deviation, horizon_ns, config.revert_fraction)
    cutoff = int(ts[0] + config.train_fraction * (ts[-1] - ts[0]))
    candidate = (np.abs(features[:, 1]) >= config.min_abs_z) & (labels >= 0)
    before = ts < cutoff
    train = candidate & (ts + horizon_ns < cutoff)
    test = candidate & ~before
    model = LogisticModel.fit(features[train], labels[train], spec.names, spec.digest(),
                              c_regularisation=config.c_regularisation, seed=config.seed)
    train_metrics = classification_metrics(labels[train], model.predict_many(features[train]))
    test_metrics = (classification_metrics(labels[test], model.predict_many(features[test]))
                    if test.any() else {"n": 0.0})
    return TrainedModel(model=model, cutoff_ns=cutoff, train_rows=int(train.sum()), test_rows=int(test.sum()),
                        purged_rows=int((candidate & before & ~train).sum()), train_metrics=train_metrics,
                        test_metrics=test_metrics, parity_max_abs_diff=parity)
