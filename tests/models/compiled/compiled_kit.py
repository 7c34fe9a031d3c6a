"""Builders for the compiled-inference tests: real feature rows from the shipped sample, synthetic rows, fitted models.

Real rows: the 40 outputs of ``spot_perp_feature_set`` after every event of the shipped BTC spot + USDⓈ-M
sample (the batch twin of the streaming engine), rows where every output is READY; label: whether
``basis.bps`` is higher 50 rows later. Models are kept small so the whole folder runs in seconds.
"""

from __future__ import annotations

import functools

import numpy as np
from testkit import SPOT_BTC, USDM_BTC, registry, sample_timeline

STREAMS = {SPOT_BTC: 0, USDM_BTC: 1}
HORIZON_ROWS = 50


@functools.lru_cache(maxsize=1)
def real_rows() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(rows float64 (n, 40), labels 0/1, feature names) from the shipped sample; every row READY and finite."""
    from arbkit.data.events import EventTable
    from arbkit.features.batch_inputs import gaps_in, inputs_from_events
    from arbkit.features.engine import FeatureEngine
    from arbkit.features.presets import spot_perp_feature_set

    feature_set = spot_perp_feature_set(SPOT_BTC, USDM_BTC)
    messages = [message for _, message in sample_timeline()]
    table = EventTable.from_messages(messages, STREAMS)
    inputs = inputs_from_events(table, feature_set, {0: "spot", 1: "perp"}, gaps=gaps_in(messages, STREAMS))
    matrix = FeatureEngine(feature_set, registry()).batch(inputs)
    rows = matrix.values[matrix.ready_rows()]
    basis = rows[:, matrix.names.index("basis.bps")]
    labels = (basis[HORIZON_ROWS:] > basis[:-HORIZON_ROWS]).astype(np.int64)
    rows = np.ascontiguousarray(rows[:-HORIZON_ROWS])
    assert np.isfinite(rows).all() and 0.05 < labels.mean() < 0.95
    return rows, labels, matrix.names


def real_split(n_train: int = 4000, n_test: int = 1500) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train rows/labels from the first part of the sample (every 5th row), test rows from the rest."""
    rows, labels, _ = real_rows()
    train = slice(0, 5 * n_train, 5)
    cut = 5 * n_train
    test = np.linspace(cut, len(rows) - 1, n_test).astype(int)
    return rows[train], labels[train], rows[test], labels[test]


def synthetic(n: int = 3000, k: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, binary labels, regression targets) of SYNTHETIC data, for shape coverage."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, k)) * np.linspace(0.5, 3.0, k)
    signal = x[:, 0] - 0.5 * x[:, 1] * x[:, 2] + np.sin(x[:, 3])
    y_class = (signal + rng.normal(size=n) > 0).astype(np.int64)
    y_value = signal + 0.1 * rng.normal(size=n)
    return x, y_class, y_value
