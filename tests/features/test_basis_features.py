"""The basis feature set: streaming engine == batch twin (on the real sample and on generated streams),
hand-checked columns, and a digest that tracks the declaration."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testkit import default_config, record_decision_points

from arbkit.features.basis import FEATURE_NAMES, N_FEATURES, BasisFeatureSpec

T0 = 1_723_161_254_000_000_000  # epoch ns of the sample (large enough that ns do not fit a float exactly)
SECOND = 1_000_000_000


def stream_rows(spec: BasisFeatureSpec, ts: np.ndarray, spot: np.ndarray, perp: np.ndarray, spot_imb: np.ndarray,
                perp_imb: np.ndarray) -> np.ndarray:
    """Features from the streaming engine, one ``update`` per row (copied: update returns a reused view)."""
    engine = spec.streaming()
    return np.array([engine.update(int(ts[i]), float(spot[i]), float(perp[i]), float(spot_imb[i]),
                                   float(perp_imb[i])).copy() for i in range(len(ts))]).reshape(len(ts), N_FEATURES)


def test_columns_by_hand_for_two_rows() -> None:
    spec = BasisFeatureSpec(halflife_ns=4 * SECOND)
    engine = spec.streaming()
    first = engine.update(T0, 60_000.0, 60_030.0, 0.25, -0.5).copy()
    assert first.tolist() == [pytest.approx(5.0, rel=1e-12), 0.0, 0.0, 0.25, -0.5]
    second = engine.update(T0 + 2 * SECOND, 60_000.0, 60_012.0, 0.0, 1.0).copy()
    basis = (60_012.0 - 60_000.0) / 60_000.0 * 1e4  # 2 bps
    assert second[0] == pytest.approx(basis, rel=1e-12)
    assert second[1] == 0.0  # the variance before this tick is still 0
    assert second[2] == pytest.approx(basis - first[0], rel=1e-12)  # deviation from the mean *before* the tick
    assert second[3:].tolist() == [0.0, 1.0]


def test_parity_on_decision_points_recorded_from_the_shipped_sample() -> None:
    config = default_config()
    recorded = record_decision_points(config).arrays()
    ts, features = recorded["ts_ns"], recorded["features"]
    assert len(ts) > 1_000
    assert np.isfinite(features).all()
    assert np.abs(features[:, 1]).max() > 2.0  # the z column really moves on this data
    batch = config.features.spec().batch(ts, recorded["spot_mid"], recorded["perp_mid"], features[:, 3],
                                         features[:, 4])
    np.testing.assert_array_equal(batch, features)  # bit-identical, not merely close


@st.composite
def streams(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    n = draw(st.integers(1, 120))
    dts = draw(st.lists(st.one_of(
        st.just(0),                                   # bursts: several rows at one timestamp
        st.integers(1, 5_000),                        # sub-microsecond steps (below float resolution at T0)
        st.integers(1_000_000, 2 * SECOND),           # ordinary spacing
        st.integers(60 * SECOND, 48 * 3_600 * SECOND),  # gaps of minutes to days
    ), min_size=n, max_size=n))
    spot = draw(st.lists(st.floats(100.0, 200_000.0), min_size=n, max_size=n))
    basis = draw(st.lists(st.one_of(st.floats(-20.0, 20.0), st.floats(-3_000.0, 3_000.0)), min_size=n, max_size=n))
    imbalance = st.floats(-1.0, 1.0)
    spot_imb = draw(st.lists(imbalance, min_size=n, max_size=n))
    perp_imb = draw(st.lists(imbalance, min_size=n, max_size=n))
    ts = T0 + np.cumsum(np.array(dts, dtype=np.int64))
    spot_arr = np.array(spot)
    return ts, spot_arr, spot_arr * (1.0 + np.array(basis) / 1e4), np.array(spot_imb), np.array(perp_imb)


@settings(max_examples=200, deadline=None)
@given(stream=streams(), halflife_ms=st.integers(1, 600_000))
def test_streaming_equals_batch_on_irregular_streams(stream: tuple[np.ndarray, ...], halflife_ms: int) -> None:
    spec = BasisFeatureSpec(halflife_ns=halflife_ms * 1_000_000)
    batch = spec.batch(*stream)
    streamed = stream_rows(spec, *stream)
    np.testing.assert_array_equal(streamed, batch)
    ts, spot, perp = stream[0], stream[1], stream[2]
    np.testing.assert_allclose(batch[:, 0], (perp - spot) / spot * 1e4, rtol=1e-12, atol=0)


def test_digest_is_equal_for_equal_declarations_built_separately() -> None:
    a = BasisFeatureSpec(halflife_ns=30 * SECOND, imbalance_levels=5)
    b = BasisFeatureSpec(imbalance_levels=5, halflife_ns=30_000_000_000)
    assert a is not b and a.digest() == b.digest()
    assert len(a.digest()) == 16
    features = default_config().features
    assert features.spec().digest() == BasisFeatureSpec(halflife_ns=features.halflife_ms * 1_000_000,
                                                        imbalance_levels=features.imbalance_levels).digest()


@pytest.mark.parametrize("change", [{"halflife_ns": 30 * SECOND + 1}, {"imbalance_levels": 6}, {"version": 2}])
def test_digest_changes_when_any_parameter_changes(change: dict[str, int]) -> None:
    base = BasisFeatureSpec(halflife_ns=30 * SECOND, imbalance_levels=5)
    changed = BasisFeatureSpec(**{"halflife_ns": 30 * SECOND, "imbalance_levels": 5, **change})
    assert changed.digest() != base.digest()


def test_digest_is_the_same_in_another_process_with_another_hash_seed() -> None:
    code = ("from arbkit.features.basis import BasisFeatureSpec; "
            "print(BasisFeatureSpec(halflife_ns=30_000_000_000, imbalance_levels=5).digest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == BasisFeatureSpec(halflife_ns=30 * SECOND, imbalance_levels=5).digest()


def test_feature_names_are_the_declared_columns() -> None:
    assert BasisFeatureSpec().names == FEATURE_NAMES
    assert FEATURE_NAMES[:3] == ("basis_bps", "basis_z", "basis_dev_bps")
