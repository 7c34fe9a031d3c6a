"""The zoo's training set is real: features of the shipped sample, labels from the perp's future mid, lineage."""

from __future__ import annotations

import numpy as np
import pytest
from testkit import SPOT_BTC, USDM_BTC
from zoo_kit import dataset

from arbkit.core.errors import ConfigError
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path
from arbkit.features.presets import spot_perp_feature_set
from arbkit.models.zoo.datasets import S, file_sha256, sample_basis_dataset, window_rows


def test_classification_set_holds_ready_real_features_and_both_classes() -> None:
    data = dataset("classification")
    feature_set = spot_perp_feature_set(SPOT_BTC, USDM_BTC)
    assert data.feature_names == feature_set.names and data.feature_digest == feature_set.digest()
    assert data.x.shape == (1200, 40) and data.x.dtype == np.float64
    assert np.isfinite(data.x).all()
    assert set(np.unique(data.y).tolist()) == {0.0, 1.0}
    assert 0.2 < data.y.mean() < 0.8, "both moves are common on the sample"
    assert (np.diff(data.t0_ns) >= 0).all()
    np.testing.assert_array_equal(data.t1_ns - data.t0_ns, np.full(len(data.y), 5 * S))


def test_regression_target_is_the_forward_mid_move_in_bps() -> None:
    data = dataset("regression")
    assert np.isfinite(data.y).all()
    assert 0.0 < np.abs(data.y).max() < 100.0, "a 5 s move of BTC is a few bps"
    assert (data.y == 0.0).any() and (data.y != 0.0).mean() > 0.5


def test_lineage_names_the_shipped_files_with_their_sha256() -> None:
    lineage = dataset("classification").lineage()
    files = {f["name"]: f["sha256"] for f in lineage["source_files"]}  # type: ignore[union-attr]
    assert files == {name: file_sha256(sample_path(name)) for name in (SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC)}
    assert "FeatureEngine.batch" in str(lineage["description"]) and lineage["rows"] == 1200


def test_same_arguments_give_the_same_rows() -> None:
    a = sample_basis_dataset("classification", max_rows=300)
    b = sample_basis_dataset("classification", max_rows=300)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ConfigError, match="task must be 'classification' or 'regression', got 'ranking'"):
        sample_basis_dataset("ranking")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="must be > 0, got 0 and 10"):
        sample_basis_dataset(horizon_ns=0, max_rows=10)
    with pytest.raises(ConfigError, match=r"window must be in \[1, 3\] rows, got 4"):
        window_rows(np.zeros((3, 2)), ("a", "b"), 4)


def test_window_rows_end_at_the_row_they_describe() -> None:
    data = dataset("classification")
    xw, names = window_rows(data.x, data.feature_names, 3)
    assert xw.shape == (len(data.x) - 2, 120) and len(names) == 120
    np.testing.assert_array_equal(xw[5, -40:], data.x[7])
    np.testing.assert_array_equal(xw[5, :40], data.x[5])
    assert names[0] == f"{data.feature_names[0]}@-2" and names[-1] == f"{data.feature_names[-1]}@-0"
